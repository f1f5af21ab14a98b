import { createActor, createMachine, enqueueActions, type Actor, type AnyActorLogic, type AnyStateMachine } from 'xstate'
import type { ActorEnv, ActorInput } from '../../actors/kit/actor-kind.ts'
import { stopChildrenOfFailedActors } from '../../actors/kit/failed-actor-children.ts'
import { supervisorMachine, type SupervisorEmitted } from '../../actors/kit/supervisor.ts'
import { ActorFaults } from '../chaos/actor-fault-control.ts'
import { ChaosController } from '../chaos/chaos-controller.ts'
import { FaultyTransport } from '../chaos/faulty-transport.ts'
import type { Clock } from '../clock.ts'
import { nodeIo, type DiskIo } from '../disk/io.ts'
import type { Logger } from '../log.ts'
import type { HostMetrics } from '../metrics.ts'
import type { Random } from '../random.ts'
import type { Tracing } from '../telemetry.ts'
import { Requester } from '../transport/requester.ts'
import type { Transport } from '../transport/transport.ts'
import type { HostConfig } from './config.ts'
import { HostNetwork } from './host-network.ts'
import { actorKinds, hostServices, type HostServices } from './kinds.ts'

export interface HostDeps {
  /** The raw transport; the host wraps it for fault injection. It is not closed by {@link Host.stop}. */
  readonly transport: Transport
  readonly clock: Clock
  readonly random: Random
  readonly log: Logger
  readonly metrics: HostMetrics
  readonly tracing: Tracing
  /** When batched inbound events are flushed; simulation passes a zero-delay virtual timer. */
  readonly defer?: (flush: () => void) => void
  /** The store's file operations; the real file system by default, the simulation's MemoryDisk there. */
  readonly io?: DiskIo
  /** How a chaos `kill` ends this host's process (kill -9 of itself); none in the simulation. */
  readonly killProcess?: () => void
}

/** Names an actor within a host: ids are unique per component, not across components. */
export function actorKey(component: string, id: string): string {
  return `${component}/${id}`
}

/** The roles the host's member actor announces (`master`, `worker`): chaos selectors aim by them. */
function hostRoles(config: HostConfig): string[] {
  const roles = (config.actors.find((a) => a.kind === 'member')?.options as { roles?: unknown } | undefined)?.roles
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : []
}

interface Supervised {
  readonly id: string
  restarts: number
}

/**
 * One actor host: every configured actor runs under a supervisor inside a single XState actor
 * system whose clock is the injected one. Messages reach the actors through {@link HostNetwork};
 * chaos commands reach the fault layer through {@link ChaosController}.
 */
export class Host {
  readonly config: HostConfig
  readonly network: HostNetwork
  readonly faults: FaultyTransport
  readonly #deps: HostDeps
  readonly #requester: Requester
  readonly #chaos: ChaosController
  readonly #root: Actor<AnyStateMachine>
  readonly #supervised: Supervised[]
  readonly #services: HostServices[] = []

  constructor(config: HostConfig, deps: HostDeps) {
    this.config = config
    this.#deps = deps
    const { clock, random, log, metrics } = deps
    this.faults = new FaultyTransport(deps.transport, {
      clock,
      random,
      host: config.host,
      onFault: (kind) => metrics.faultApplied(kind),
    })
    this.#requester = new Requester(this.faults, clock)
    this.network = new HostNetwork({
      cluster: config.cluster,
      host: config.host,
      transport: this.faults,
      requester: this.#requester,
      clock,
      log,
      metrics,
      tracing: deps.tracing,
      maxMessageBytes: config.maxMessageBytes,
      incarnation: `${config.host}-${Math.floor(random() * 2 ** 32).toString(36)}`,
      ...(deps.defer ? { defer: deps.defer } : {}),
    })
    const network = this.network
    const actorKeys = config.actors.map((spec) => actorKey(actorKinds[spec.kind]!.component, spec.id))
    // Each actor's own clock and files, so that a chaos fault can skew or slow one actor alone.
    const actorFaults = new ActorFaults({ clock, random, crash: (key) => this.#root.system.get(key)?.send({ type: 'supervisor.crash', reason: 'chaos actor-crash' }) })
    this.#chaos = new ChaosController({
      cluster: config.cluster,
      host: config.host,
      transport: deps.transport,
      faults: this.faults,
      actors: {
        pause: (key) => network.pause(key),
        resume: (key) => network.resume(key),
        get pausedActors() {
          return network.pausedActors
        },
        actorKeys,
      },
      log,
      clock,
      roles: hostRoles(config),
      ...(deps.killProcess ? { killProcess: deps.killProcess } : {}),
      kubelets: () => this.#services.flatMap((s) => (s.kubeletFaults ? [s.kubeletFaults] : [])),
      actorFaults,
    })

    const children = config.actors.map((spec) => {
      const kind = actorKinds[spec.kind]!
      const key = actorKey(kind.component, spec.id)
      const actorClock = actorFaults.clockFor(key)
      const env: ActorEnv = { now: () => actorClock.now(), random }
      const io = actorFaults.diskFor(key, deps.io ?? nodeIo)
      const services = hostServices[spec.kind]?.(spec.id, spec.options, { log: log.child({ actor: key }), metrics, cluster: config.cluster, transport: this.faults, clock: actorClock, random, io })
      if (services) this.#services.push(services)
      const logic = kind.logic.provide({ actors: { network: this.network.logicFor(kind, key, spec.id, spec.options), ...services?.logic } })
      const input: ActorInput = { id: spec.id, host: config.host, options: spec.options, env }
      return {
        id: key,
        logic: supervisorMachine.provide({ actors: { child: logic as AnyActorLogic } }),
        input: { childInput: input, ...(config.backoff ? { backoff: config.backoff } : {}) },
      }
    })
    const root = createMachine({
      id: config.host,
      entry: enqueueActions(({ enqueue }) => {
        for (const child of children) enqueue.spawnChild(child.logic, { id: child.id, systemId: child.id, input: child.input })
      }),
    })
    this.#root = createActor(root, { clock, systemId: 'host', inspect: stopChildrenOfFailedActors })
    this.#supervised = children.map((c) => ({ id: c.id, restarts: 0 }))
    this.#root.start()
    for (const supervised of this.#supervised) this.#watch(supervised)
    metrics.setActorsRunning(children.length)
    log.info({ actors: config.actors.map((a) => `${a.kind}/${a.id}`) }, 'host started')
  }

  /** Restarts so far of one actor, named by its key (`component/id`). */
  restarts(key: string): number {
    return this.#supervised.find((s) => s.id === key)?.restarts ?? 0
  }

  /** Stops every actor, then flushes what they sent. The transport itself stays open. */
  async stop(): Promise<void> {
    await this.#handOver()
    this.#chaos.close()
    this.#root.stop()
    this.#requester.close()
    this.#deps.metrics.setActorsRunning(0)
    await Promise.all(this.#services.map((s) => s.close()))
    await this.faults.flush()
    this.#deps.log.info('host stopped')
  }

  /**
   * A crash (kill -9): every actor stops at once, with no hand-over and no flush. The caller cuts
   * the host off the network first, so what the dying actors send goes nowhere.
   */
  async kill(): Promise<void> {
    this.#chaos.close()
    this.#root.stop()
    this.#requester.close()
    this.#deps.metrics.setActorsRunning(0)
    await Promise.all(this.#services.map((s) => s.close()))
  }

  /** Tells actors whose kind asks for it that the host is stopping, and gives them their grace period. */
  async #handOver(): Promise<void> {
    let graceMs = 0
    for (const spec of this.config.actors) {
      const kind = actorKinds[spec.kind]!
      if (kind.stopGraceMs === undefined) continue
      if (this.network.notify(actorKey(kind.component, spec.id), { type: 'host.stopping' })) graceMs = Math.max(graceMs, kind.stopGraceMs)
    }
    if (graceMs > 0) await new Promise<void>((resolve) => this.#deps.clock.setTimeout(resolve, graceMs))
  }

  #watch(supervised: Supervised): void {
    const ref = this.#root.system.get(supervised.id) as Actor<typeof supervisorMachine> | undefined
    if (!ref) return
    ref.on('supervisor.failed', (event: Extract<SupervisorEmitted, { type: 'supervisor.failed' }>) => {
      this.#deps.log.error({ actor: supervised.id, error: event.error, retryInMs: event.retryInMs }, 'actor failed; restarting after backoff')
    })
    ref.on('supervisor.restarted', (event: Extract<SupervisorEmitted, { type: 'supervisor.restarted' }>) => {
      supervised.restarts = event.restarts
      this.#deps.metrics.restarted(supervised.id)
      this.#deps.log.info({ actor: supervised.id, restarts: event.restarts }, 'actor restarted')
    })
  }
}
