/**
 * The chaos controller's `engine` child: runs while its actor leads (one per master, like the
 * scheduler). An informer on chaosexperiments; per experiment not Completed, the pure experiment
 * step (actors/chaos/experiment-step.ts), started or rebuilt from `.status` when this leader takes
 * over (restoreExperiment: faults the status shows in force are granted again until their planned
 * end, or healed if it passed), with its effects carried out here in order, one input at a time
 * per experiment: targets resolved (chaos-targets.ts), faults injected / renewed / healed over the hosts' control
 * subjects (fault-injector.ts), probes run (chaos-probes.ts), status written through the status
 * subresource with the leader's fenced client, Events recorded. A status write that fails is tried
 * again until it lands, the term ends or the experiment is deleted, and the step's later effects
 * wait for it: its injects come after it, so no host applies a fault the status does not name.
 *
 * The abort annotation and the experiment's deletion come in as `abort`: every fault is healed
 * at once (after a deletion only the heals are carried out).
 *
 * The leader also runs the ChaosSchedules (chaos-schedules.ts), over the same experiments.
 */
import type { AnyActorLogic } from 'xstate'
import { ABORT_ANNOTATION, CHAOS_API_VERSION, type ChaosExperimentSpec, type ChaosExperimentStatus, type ProbeSpec } from '../../actors/chaos/api.ts'
import { restoreExperiment } from '../../actors/chaos/experiment-status.ts'
import type { ChaosExperiment } from '../../actors/chaos/schedule-step.ts'
import { planOf, type ExperimentPlan } from '../../actors/chaos/experiment-plan.ts'
import { experimentStep, type ExperimentEffect, type ExperimentInput, type ExperimentState, type ExperimentStep } from '../../actors/chaos/experiment-step.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import type { TimerHandle } from '../clock.ts'
import type { WireEvent } from '../codec.ts'
import { engine, type EngineContext, type EngineDeps } from '../engine.ts'
import { randomClientId } from '../random.ts'
import { EventRecorder } from '../events/event-recorder.ts'
import { Informer, keyOf } from '../controllers/informer.ts'
import { StoreClient } from '../store/store-client.ts'
import { Requester } from '../transport/requester.ts'
import { sendChaos } from './chaos-client.ts'
import { runProbe } from './chaos-probes.ts'
import { ChaosSchedules } from './chaos-schedules.ts'
import { combineStoreChecks } from '../../actors/chaos/store-probe-plan.ts'
import { StoreProbes, type ProbedExperiment } from './store-probe.ts'
import { MetricProbes } from './metric-probe.ts'
import { resolveCandidates, type KnownHost } from './chaos-targets.ts'
import { FaultInjector, leaseIdOf } from './fault-injector.ts'
import { ownApiserver } from '../leader/own-apiserver.ts'

const EXPERIMENTS = `/apis/${CHAOS_API_VERSION}/chaosexperiments`
const HOSTS_FRESH_MS = 2000
const STATUS_RETRY_FIRST_MS = 200
const STATUS_RETRY_MAX_MS = 2000

interface Experiment extends KubeObject {
  readonly spec: ChaosExperimentSpec
  readonly status?: ChaosExperimentStatus
}

interface Run {
  readonly key: string
  readonly uid: string
  readonly plan: ExperimentPlan
  object: Experiment
  state: ExperimentState | undefined
  timer: TimerHandle | undefined
  /** Inputs are stepped one at a time, each after the previous step's effects were carried out. */
  queue: Promise<void>
  deleted: boolean
  aborted: boolean
}

export function chaosControllerEngineLogic(hostId: string, options: LeaderOptions, deps: EngineDeps): AnyActorLogic {
  // Its own master's apiserver first, as the scheduler and controller manager: a status write
  // sent to a stopped master's apiserver waits out the client's timeout.
  return engine('chaos-controller', deps, { apiservers: options.apiservers, ...ownApiserver(hostId, options.apiservers) }, (ctx) => {
    const requester = new Requester(deps.transport, ctx.clock)
    const events = new EventRecorder(ctx.api, ctx.clock, { component: 'chaos-controller', host: hostId })
    const runs = new Map<string, Run>()
    let known: { at: number; hosts: Promise<readonly KnownHost[]> } | undefined
    const hosts = (): Promise<readonly KnownHost[]> => {
      if (known === undefined || ctx.clock.now() - known.at > HOSTS_FRESH_MS) known = { at: ctx.clock.now(), hosts: listHosts(deps, ctx) }
      return known.hosts
    }
    const injector = new FaultInjector({ transport: deps.transport, requester, cluster: deps.cluster, api: ctx.api, hosts })
    // The store's replicas are the masters, named as the apiservers.
    const store = new StoreClient({ transport: deps.transport, clock: ctx.clock, cluster: deps.cluster, replicas: options.apiservers, requestTimeoutMs: 500, clientId: randomClientId('c', deps.random) })
    const storeProbes = new StoreProbes({ transport: deps.transport, clock: ctx.clock, cluster: deps.cluster, replicas: options.apiservers, random: deps.random, term: `${hostId}-${ctx.clock.now()}` })
    const experimentOf = (run: Run): ProbedExperiment => ({ namespace: String(run.object.metadata?.namespace ?? 'default'), name: String(run.object.metadata?.name), uid: run.uid })
    const metricProbes = new MetricProbes({ requester, cluster: deps.cluster, clock: ctx.clock })
    const stateful = (run: Run) => ({ store: (spec: ProbeSpec, timeoutMs: number) => storeProbes.of(experimentOf(run), spec).run(timeoutMs), metric: (spec: ProbeSpec, timeoutMs: number) => metricProbes.run(run.uid, spec, timeoutMs) })
    const sources = { api: ctx.api, cluster: deps.cluster, requester, hosts, storeLeader: () => store.leader() }

    const informer = new Informer<Experiment>(ctx.api, EXPERIMENTS, (type, object) => observe(type, object), ctx.log)
    // ChaosSchedules make experiments from their template on the cron (chaos-schedules.ts).
    const schedules = new ChaosSchedules(ctx, (namespace) => informer.inNamespace(namespace) as ChaosExperiment[])

    function observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: Experiment): void {
      const key = keyOf(object)
      const run = runs.get(key)
      schedules.experimentChanged(object)
      if (type === 'DELETED') {
        if (run === undefined) return
        run.deleted = true
        void storeProbes.forget(run.uid)
        metricProbes.forget(run.uid)
        runs.delete(key)
        return feed(run, { type: 'abort', reason: 'the experiment was deleted' })
      }
      if (run !== undefined && run.uid === object.metadata?.uid) {
        run.object = object
        if (object.status?.phase === 'Completed' && run.state?.phase === 'Completed') return forget(run)
        if (object.metadata?.annotations?.[ABORT_ANNOTATION] === 'true' && !run.aborted) {
          run.aborted = true
          feed(run, { type: 'abort', reason: `annotated ${ABORT_ANNOTATION}=true` })
        }
        return
      }
      if (object.status?.phase === 'Completed') return
      start(key, object)
    }

    /** Its verdict is written: nothing is left to do for it. */
    function forget(run: Run): void {
      if (run.timer !== undefined) ctx.clearTimer(run.timer)
      metricProbes.forget(run.uid)
      runs.delete(run.key)
    }

    function start(key: string, object: Experiment): void {
      const plan = planOf(object.spec)
      const run: Run = { key, uid: String(object.metadata?.uid), plan, object, state: undefined, timer: undefined, queue: Promise.resolve(), deleted: false, aborted: false }
      runs.set(key, run)
      const seed = object.spec.seed ?? Math.floor(ctx.random() * 2 ** 32)
      ctx.log.info({ experiment: key, phase: object.status?.phase ?? 'new' }, 'running chaos experiment')
      run.queue = run.queue.then(() => carryOut(run, restoreExperiment(plan, object.status, seed, ctx.clock.now())))
      if (object.metadata?.annotations?.[ABORT_ANNOTATION] === 'true') {
        run.aborted = true
        feed(run, { type: 'abort', reason: `annotated ${ABORT_ANNOTATION}=true` })
      }
    }

    function feed(run: Run, input: ExperimentInput): void {
      run.queue = run.queue
        .then(() => {
          if (ctx.stopped || run.state === undefined) return
          return carryOut(run, experimentStep(run.state, input, ctx.clock.now()))
        })
        .catch((error: unknown) => ctx.log.warn({ experiment: run.key, err: String(error) }, 'chaos step failed'))
    }

    async function carryOut(run: Run, step: ExperimentStep): Promise<void> {
      run.state = step.state
      for (const effect of step.effects) {
        if (ctx.stopped) return
        if (run.deleted && effect.type !== 'heal') continue
        if (!(await carryOutOne(run, effect))) return
      }
    }

    /** False: stop carrying out this step's effects (its status write will not land: the term ended or the experiment was deleted). */
    async function carryOutOne(run: Run, effect: ExperimentEffect): Promise<boolean> {
      switch (effect.type) {
        case 'writeStatus':
          return writeStatus(run, effect.status)
        case 'event':
          events.record(run.object, effect.eventType, effect.reason, effect.message)
          return true
        case 'armTimer':
          if (run.timer !== undefined) ctx.clearTimer(run.timer)
          run.timer = ctx.setTimer(() => feed(run, { type: 'tick' }), Math.max(0, effect.at - ctx.clock.now()))
          return true
        case 'resolveTargets':
          resolveCandidates(effect.fault, sources).then(
            (candidates) => feed(run, { type: 'targets', fault: effect.fault.name, candidates }),
            (error: unknown) => ctx.log.warn({ experiment: run.key, fault: effect.fault.name, err: String(error) }, 'could not resolve targets'),
          )
          return true
        case 'inject': {
          const fault = run.plan.faults.find((f) => f.name === effect.fault)!
          const ttlMs = Math.max(0, effect.leaseExpiresAt - ctx.clock.now())
          await injector.inject(fault, leaseIdOf(run.uid, effect.fault, effect.round), effect.targets, ttlMs, effect.resume === true).catch((error: unknown) => feed(run, { type: 'inject.failed', fault: effect.fault, error: error instanceof Error ? error.message : String(error) }))
          return true
        }
        case 'renew': {
          const kind = run.plan.faults.find((f) => f.name === effect.fault)?.kind ?? ''
          injector.renew(kind, leaseIdOf(run.uid, effect.fault, effect.round), Math.max(0, effect.leaseExpiresAt - ctx.clock.now()))
          return true
        }
        case 'heal':
          await injector.heal(effect.kind, leaseIdOf(run.uid, effect.fault, effect.round), effect.targets).catch((error: unknown) => ctx.log.warn({ experiment: run.key, fault: effect.fault, err: String(error) }, 'heal failed; the hosts lift it when its lease runs out'))
          return true
        case 'runProbe': {
          const spec = run.object.spec.steadyState?.probes?.find((p) => p.name === effect.probe.name)
          if (spec === undefined) return true
          void runProbe(spec, effect.probe.timeoutMs, ctx.api, ctx.clock, stateful(run)).then((result) => feed(run, { type: 'probe.result', probe: spec.name, ok: result.ok, ...(result.error !== undefined ? { error: result.error } : {}) }))
          return true
        }
        case 'checkStore': {
          // Checked off the step's queue: the final reads and the search take a while (the step's deadline bounds them).
          const specs = (run.object.spec.steadyState?.probes ?? []).filter((p) => effect.probes.includes(p.name))
          void storeProbes.check(experimentOf(run), specs).then(
            (checks) => feed(run, { type: 'store.checked', ...combineStoreChecks(checks), probes: checks }),
            (error: unknown) => ctx.log.warn({ experiment: run.key, err: String(error) }, 'store check failed'),
          )
          return true
        }
      }
    }

    /**
     * Tried again (the same merge patch) until it lands, the term ends or the experiment is
     * deleted: giving up while still leading would leave the step's later effects (its timer among
     * them) undone, and the experiment stalled with its fault in force. When the term ends the
     * client is closed and a successor rebuilds the experiment from the last status that did land.
     * A deleted experiment's write would get 404 for ever, holding up the abort queued behind it
     * that heals its faults.
     */
    async function writeStatus(run: Run, status: ChaosExperimentStatus): Promise<boolean> {
      const { namespace, name } = run.object.metadata ?? {}
      const gone = () => ctx.stopped || run.deleted
      for (let pauseMs = STATUS_RETRY_FIRST_MS; !gone(); pauseMs = Math.min(2 * pauseMs, STATUS_RETRY_MAX_MS)) {
        try {
          await ctx.api.patch(`/apis/${CHAOS_API_VERSION}/namespaces/${namespace}/chaosexperiments/${name}/status`, { status }, 'application/merge-patch+json')
          return true
        } catch (error) {
          if (gone()) break
          ctx.log.warn({ experiment: run.key, err: String(error), retryInMs: pauseMs }, 'status write failed; trying it again')
          await new Promise<void>((resolve) => ctx.setTimer(resolve, pauseMs))
        }
      }
      return false
    }

    informer
      .start()
      .then(() => ctx.log.info({ experiments: runs.size }, 'chaos controller running'))
      .catch((error: unknown) => ctx.fail(error))
    schedules.start().catch((error: unknown) => ctx.fail(error))

    return {
      stop: async () => {
        requester.close()
        await schedules.stop()
        await Promise.all([informer.stop(), store.close(), storeProbes.close()])
      },
    }
  })
}

/** Every host answering `chaos.status` now, with its roles and actors. */
async function listHosts(deps: EngineDeps, ctx: EngineContext<never>): Promise<readonly KnownHost[]> {
  const answers = await sendChaos(deps.transport, ctx.clock, { cluster: deps.cluster, command: { type: 'chaos.status' }, collectMs: 300 })
  return answers.filter((a): a is WireEvent & { host: string } => a.type === 'chaos.status' && typeof a.host === 'string').map((a) => ({ host: a.host, roles: Array.isArray(a.roles) ? (a.roles as string[]) : [], actors: Array.isArray(a.actors) ? (a.actors as string[]) : [] }))
}
