import type { Clock } from '../clock.ts'
import type { WireEvent } from '../codec.ts'
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import type { Logger } from '../log.ts'
import { chaosSubject } from '../subjects.ts'
import type { Subscription, Transport } from '../transport/transport.ts'
import { FaultLeases, parseLeasedFault, type LeaseView } from './fault-leases.ts'
import { parseFaultRule, parsePartition } from './fault-rules.ts'
import type { FaultyTransport } from './faulty-transport.ts'
import type { KubeletFaultTarget } from '../kubelet/kubelet-faults.ts'
import type { ActorFaultTarget } from './actor-fault-control.ts'

export interface Pausable {
  pause(actorId: string): void
  resume(actorId: string): void
  readonly pausedActors: readonly string[]
  /** Keys (`component/id`) of the actors this host runs: the only ones that can be paused. */
  readonly actorKeys: readonly string[]
}

export type ChaosStatus = {
  readonly type: 'chaos.status'
  readonly host: string
  readonly roles: readonly string[]
  /** The actors it runs (`component/id`). */
  readonly actors: readonly string[]
  readonly rules: readonly unknown[]
  readonly partitionedFrom: readonly string[]
  readonly paused: readonly string[]
  /** The leased faults in force (chaos experiments'), each lifted by itself unless renewed. */
  readonly leases: readonly LeaseView[]
}

/** How a host process ends itself for a `chaos.kill` (kill -9); absent where there is no process of its own (the simulation). */
export type KillProcess = () => void

const leaseId = (command: WireEvent): string => {
  if (typeof command.lease !== 'string' || command.lease === '') throw new TypeError('lease: expected a non-empty string')
  return command.lease
}
const ttlOf = (command: WireEvent): number => {
  if (typeof command.ttlMs !== 'number' || !Number.isFinite(command.ttlMs) || command.ttlMs < 0) throw new TypeError(`ttlMs: expected a non-negative number, got ${JSON.stringify(command.ttlMs)}`)
  return command.ttlMs
}

/**
 * Listens on the host's chaos control subjects (its own and the cluster-wide one) on the raw,
 * unfaulted transport, so that no injected fault can ever cut off the command that heals it.
 * Every command is answered with the host's resulting chaos status, or a `chaos.error`.
 */
export class ChaosController {
  readonly #subscriptions: Subscription[]
  readonly #leases: FaultLeases

  constructor(options: { cluster: string; host: string; transport: Transport; faults: FaultyTransport; actors: Pausable; log: Logger; clock: Clock; roles?: readonly string[]; killProcess?: KillProcess; kubelets?: () => readonly KubeletFaultTarget[]; actorFaults?: ActorFaultTarget }) {
    const { cluster, host, transport, faults, actors, log, clock, killProcess } = options
    const roles = options.roles ?? []
    const leases = new FaultLeases({ clock, faults, actors, log, ...(options.kubelets ? { kubelets: options.kubelets } : {}), ...(options.actorFaults ? { actorFaults: options.actorFaults } : {}) })
    this.#leases = leases
    const status = (): ChaosStatus => ({
      type: 'chaos.status',
      host,
      roles,
      actors: actors.actorKeys,
      rules: faults.rules,
      partitionedFrom: faults.partitionedFrom,
      paused: actors.pausedActors,
      leases: leases.view,
    })
    const apply = (command: WireEvent): WireEvent => {
      switch (command.type) {
        case 'chaos.fault':
          faults.setRule(parseFaultRule(command.rule))
          break
        case 'chaos.clear':
          faults.clearRules(typeof command.id === 'string' ? command.id : undefined)
          break
        case 'chaos.partition':
          faults.partition(parsePartition(command.groups))
          break
        case 'chaos.heal':
          faults.heal()
          break
        case 'chaos.pause':
        case 'chaos.resume':
          if (typeof command.actor !== 'string' || !actors.actorKeys.includes(command.actor)) {
            throw new TypeError(`actor: expected one of ${actors.actorKeys.join(', ')}, got ${JSON.stringify(command.actor)}`)
          }
          if (command.type === 'chaos.pause') actors.pause(command.actor)
          else actors.resume(command.actor)
          break
        case 'chaos.lease.grant': {
          const lease = leaseId(command)
          leases.feed({ type: 'grant', id: lease, fault: parseLeasedFault(command.fault, lease, actors.actorKeys), ttlMs: ttlOf(command) })
          break
        }
        case 'chaos.lease.renew':
          if (!leases.feed({ type: 'renew', id: leaseId(command), ttlMs: ttlOf(command) })) throw new TypeError(`lease ${JSON.stringify(command.lease)} is not held (it lapsed or was healed)`)
          break
        case 'chaos.lease.heal':
          leases.feed({ type: 'heal', id: leaseId(command) })
          break
        case 'chaos.kill':
          if (killProcess === undefined) throw new TypeError('this host has no process of its own to kill')
          break
        case 'chaos.status':
          break
        default:
          throw new TypeError(`unknown chaos command ${JSON.stringify(command.type)}`)
      }
      return status()
    }
    const handle = (data: Uint8Array, reply: string | undefined) => {
      const command = decodeEvent(data)
      let answer: WireEvent
      if (command instanceof DecodeFailure) {
        answer = { type: 'chaos.error', host, message: `${command.reason}: ${command.detail}` }
      } else {
        try {
          answer = apply(command)
          if (command.type !== 'chaos.status') log.warn({ command }, 'chaos command applied')
        } catch (error) {
          answer = { type: 'chaos.error', host, message: error instanceof Error ? error.message : String(error) }
        }
      }
      if (answer.type === 'chaos.error') log.warn({ error: answer.message }, 'chaos command refused')
      if (reply) transport.publish(reply, encodeEvent(answer))
      // The answer goes out first: it could otherwise die with the process.
      if (answer.type === 'chaos.status' && !(command instanceof DecodeFailure) && command.type === 'chaos.kill') {
        void transport.flush().finally(() => killProcess!())
      }
    }
    this.#subscriptions = [chaosSubject(cluster, host), chaosSubject(cluster)].map((subject) =>
      transport.subscribe(subject, (message) => handle(message.data, message.reply)),
    )
  }

  close(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe()
    this.#leases.close()
  }
}
