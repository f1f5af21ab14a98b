/**
 * The host side of fault leases: the pure table (actors/chaos/fault-lease-table.ts) carried out on
 * this host's fault layer, with one timer on the host's injected clock. Every fault the chaos
 * controller has this host apply is granted with a time to live; unless renewed in time the host
 * lifts it by itself, so a chaos controller that dies leaves nothing behind. A heal lifts at once.
 *
 * Leased faults: a message rule (its id is the lease's), a partition (one in force at a time: the
 * latest granted; lifting it joins the hosts again), an actor pause, a pod or node fault on one of
 * the host's kubelets (runtime/kubelet/kubelet-faults.ts), an actor fault (crash, clock skew, disk
 * latency or errors: ./actor-fault-control.ts).
 */
import { parseKubeletFault, type KubeletFault } from '../../actors/chaos/kubelet-faults.ts'
import { parseActorFault, type ActorFault } from '../../actors/chaos/actor-faults.ts'
import { EMPTY_LEASE_TABLE, leaseStep, type LeaseInput, type LeaseTable } from '../../actors/chaos/fault-lease-table.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import { parseFaultRule, parsePartition, type FaultRule } from './fault-rules.ts'
import type { FaultyTransport } from './faulty-transport.ts'
import type { KubeletFaultTarget } from '../kubelet/kubelet-faults.ts'
import type { ActorFaultTarget } from './actor-fault-control.ts'

export type LeasedHostFault =
  | { readonly kind: 'message'; readonly rule: FaultRule }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly string[])[] }
  | { readonly kind: 'pause'; readonly actor: string }
  /** A pod or node fault on this host's kubelet (container-kill, pod-failure, kubelet-stop). */
  | { readonly kind: 'kubelet'; readonly fault: KubeletFault }
  /** A fault on one of this host's actors (actor-crash, clock-skew, disk-latency, disk-error). */
  | { readonly kind: 'actor'; readonly fault: ActorFault }

export interface PauseControl {
  pause(actorId: string): void
  resume(actorId: string): void
  readonly actorKeys: readonly string[]
}

/** A lease as `chaos.status` shows it. */
export interface LeaseView {
  readonly id: string
  readonly kind: LeasedHostFault['kind']
  readonly expiresInMs: number
}

/** Validates a leased fault from the wire; throws a TypeError naming the field. */
export function parseLeasedFault(raw: unknown, id: string, actorKeys: readonly string[]): LeasedHostFault {
  if (typeof raw !== 'object' || raw === null) throw new TypeError('fault: expected an object')
  const f = raw as Record<string, unknown>
  switch (f.kind) {
    case 'message':
      return { kind: 'message', rule: parseFaultRule({ ...(f.rule as object), id }, 'fault.rule') }
    case 'partition':
      return { kind: 'partition', groups: parsePartition(f.groups) }
    case 'pause':
      if (typeof f.actor !== 'string' || !actorKeys.includes(f.actor)) throw new TypeError(`fault.actor: expected one of ${actorKeys.join(', ')}, got ${JSON.stringify(f.actor)}`)
      return { kind: 'pause', actor: f.actor }
    case 'kubelet':
      return { kind: 'kubelet', fault: parseKubeletFault(f.fault) }
    case 'actor':
      return { kind: 'actor', fault: parseActorFault(f.fault, actorKeys) }
    default:
      throw new TypeError(`fault.kind: expected message, partition, pause, kubelet or actor, got ${JSON.stringify(f.kind)}`)
  }
}

export class FaultLeases {
  readonly #clock: Clock
  readonly #faults: FaultyTransport
  readonly #actors: PauseControl
  readonly #log: Logger
  readonly #kubelets: () => readonly KubeletFaultTarget[]
  readonly #actorFaults: ActorFaultTarget | undefined
  #table: LeaseTable<LeasedHostFault> = EMPTY_LEASE_TABLE
  #timer: TimerHandle | undefined
  #closed = false

  constructor(options: { clock: Clock; faults: FaultyTransport; actors: PauseControl; log: Logger; kubelets?: () => readonly KubeletFaultTarget[]; actorFaults?: ActorFaultTarget }) {
    this.#clock = options.clock
    this.#faults = options.faults
    this.#actors = options.actors
    this.#log = options.log
    this.#kubelets = options.kubelets ?? (() => [])
    this.#actorFaults = options.actorFaults
  }

  get view(): readonly LeaseView[] {
    const now = this.#clock.now()
    return this.#table.leases.map((l) => ({ id: l.id, kind: l.fault.kind, expiresInMs: l.expiresAt - now }))
  }

  /** Feeds one input; returns whether the lease named was held (renew/heal). */
  feed(input: LeaseInput<LeasedHostFault>): boolean {
    if (this.#closed) return false
    if (input.type === 'grant' && input.fault.kind === 'kubelet') this.#kubeletOf(input.fault.fault)
    if (input.type === 'grant' && input.fault.kind === 'actor' && this.#actorFaults === undefined) throw new TypeError('fault: this host applies no actor faults')
    const step = leaseStep(this.#table, input, this.#clock.now())
    this.#table = step.table
    for (const effect of step.effects) {
      if (effect.type === 'apply') this.#apply(effect.fault)
      else if (effect.type === 'lift') {
        this.#lift(effect.fault)
        this.#log.warn({ lease: effect.id, kind: effect.fault.kind, why: effect.why }, 'chaos fault lifted')
      } else this.#arm(effect.at)
    }
    return step.known
  }

  /** The host is going away: lift everything, arm nothing. */
  close(): void {
    this.feed({ type: 'healAll' })
    this.#closed = true
  }

  #apply(fault: LeasedHostFault): void {
    if (fault.kind === 'message') this.#faults.setRule(fault.rule)
    else if (fault.kind === 'partition') this.#faults.partition(fault.groups)
    else if (fault.kind === 'kubelet') this.#kubeletOf(fault.fault).apply(fault.fault)
    else if (fault.kind === 'actor') this.#actorFaults?.apply(fault.fault)
    else this.#actors.pause(fault.actor)
  }

  #lift(fault: LeasedHostFault): void {
    if (fault.kind === 'message') this.#faults.clearRules(fault.rule.id)
    else if (fault.kind === 'partition') this.#faults.heal()
    // Every kubelet of the host hears it: the pod may be gone by now (lifting is a no-op where not applied).
    else if (fault.kind === 'kubelet') for (const kubelet of this.#kubelets()) kubelet.lift(fault.fault)
    else if (fault.kind === 'actor') this.#actorFaults?.lift(fault.fault)
    else this.#actors.resume(fault.actor)
  }

  /** The kubelet of this host that carries the fault's pod or node; a TypeError (the grant is refused) if none does. */
  #kubeletOf(fault: KubeletFault): KubeletFaultTarget {
    const kubelet = this.#kubelets().find((k) => k.carries(fault))
    if (kubelet === undefined) throw new TypeError(`fault.fault: no kubelet of this host carries ${fault.action === 'kubelet-stop' ? `nodes ${fault.nodes.join(', ')}` : `pods ${fault.pods.join(', ')}`}`)
    return kubelet
  }

  #arm(at: number | undefined): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = at === undefined ? undefined : this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.feed({ type: 'tick' })
    }, Math.max(0, at - this.#clock.now()))
  }
}
