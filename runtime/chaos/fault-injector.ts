/**
 * Carries out the experiment step's `inject` / `renew` / `heal` on the cluster. Leased faults
 * (message rules, partitions, actor pauses) are granted to the hosts over their chaos control
 * subjects with a time to live (runtime/chaos/fault-leases.ts): the host lifts them by itself when
 * no renewal comes. Renewals and heals go to every host on the cluster-wide subject, so a
 * controller that took over (and knows only the status) reaches every holder. Process faults:
 * `host-kill` is the host killing itself on `chaos.kill` (`up` restarts it); `host-stop` asks
 * `up`, which owns the processes, to SIGSTOP the host under a lease `up` holds (SIGCONT on heal
 * or when the lease lapses; runtime/cli/host-control.ts); `host-restart` asks `up` for a SIGTERM
 * (`up` starts the host again); `nats-kill` asks
 * `up`'s NATS control subject to kill the nats-servers under a lease `up` holds (restarted on
 * heal or when the lease lapses; runtime/cli/nats-control.ts); `pod-kill`
 * deletes the pod; `container-kill`, `pod-failure` and `kubelet-stop` are leased on the host whose
 * kubelet carries the pod or node (kubelet-fault-grants.ts); `actor-crash`, `clock-skew`,
 * `disk-latency` and `disk-error` are leased on the hosts running the targeted actors (store
 * replicas for the disk kinds; actors/chaos/actor-faults.ts); a message fault's `eventTypes` goes
 * into its rule. Other kinds are refused with a message naming them.
 */
import type { PlannedFault } from '../../actors/chaos/experiment-plan.ts'
import { parseDuration } from '../../actors/chaos/duration.ts'
import { isKubeletFaultKind, KUBELET_FAULT_KINDS } from '../../actors/chaos/kubelet-faults.ts'
import { ACTOR_FAULT_KINDS, actorFaultGrants } from '../../actors/chaos/actor-faults.ts'
import { eventTypesParam } from '../../actors/chaos/event-types.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import { hostControlSubject } from '../cli/host-control.ts'
import { natsControlSubject, requestNatsControl } from '../cli/nats-control.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../codec.ts'
import { chaosSubject } from '../subjects.ts'
import type { Requester } from '../transport/requester.ts'
import type { Transport } from '../transport/transport.ts'
import type { KnownHost } from './chaos-targets.ts'
import { kubeletGrants } from './kubelet-fault-grants.ts'

export interface InjectorDeps {
  readonly transport: Transport
  readonly requester: Requester
  readonly cluster: string
  readonly api: ApiClient
  hosts(): Promise<readonly KnownHost[]>
}

const MESSAGE_KINDS: Readonly<Record<string, string>> = { 'message-drop': 'drop', 'message-delay': 'delay', 'message-duplicate': 'duplicate', 'message-reorder': 'reorder' }
const LEASED = new Set([...Object.keys(MESSAGE_KINDS), 'partition', 'actor-pause', ...KUBELET_FAULT_KINDS, ...ACTOR_FAULT_KINDS])
export const isLeased = (kind: string): boolean => LEASED.has(kind)
/** Kinds held under a lease (by the hosts, or by `up`: a host stopped, nats-servers killed): granted again when a controller takes over; the others are one-shot actions. */
const isGrantedAgain = (kind: string): boolean => isLeased(kind) || kind === 'host-stop' || kind === 'nats-kill'
/** Kinds aimed at hosts or actors that a resume grants on those still running only (a killed host holds nothing). */
const ON_RUNNING_TARGETS = new Set([...Object.keys(MESSAGE_KINDS), 'actor-pause', ...ACTOR_FAULT_KINDS])

/** One lease per fault and round of an experiment (its uid keeps two experiments' apart). */
export const leaseIdOf = (uid: string, fault: string, round: number): string => `${uid}/${fault}/${round}`

/** `nats-2` -> 2. */
const natsIndex = (server: string): number => Number(server.replace('nats-', ''))

const ms = (value: unknown): number | undefined => (typeof value === 'string' ? parseDuration(value) : undefined)

export class FaultInjector {
  readonly #deps: InjectorDeps

  constructor(deps: InjectorDeps) {
    this.#deps = deps
  }

  /**
   * Applies the fault to its targets; throws (the step hears `inject.failed`) when it cannot.
   * `resume`: a controller that took over grants again what its predecessor injected, under the
   * same lease (a host or `up` still holding it just renews it), on the targets still running; a
   * one-shot kind is not carried out again.
   */
  async inject(fault: PlannedFault, lease: string, targets: readonly string[], ttlMs: number, resume = false): Promise<void> {
    const kind = fault.kind
    if (resume && !isGrantedAgain(kind)) return
    if (resume && ON_RUNNING_TARGETS.has(kind)) {
      const running = await this.#runningTargets(targets)
      return running.length === 0 ? undefined : this.inject(fault, lease, running, ttlMs)
    }
    if (MESSAGE_KINDS[kind] !== undefined) {
      const p = fault.params
      const rule = { kind: MESSAGE_KINDS[kind], subject: p.subject, probability: p.probability ?? 1, ...(ms(p.latency) !== undefined ? { delayMs: ms(p.latency) } : {}), ...(ms(p.jitter) !== undefined ? { jitterMs: ms(p.jitter) } : {}), ...(eventTypesParam(p.eventTypes) ? { eventTypes: eventTypesParam(p.eventTypes) } : {}) }
      return this.#grantOn(await this.#hostsOf(targets), lease, { kind: 'message', rule }, ttlMs)
    }
    if (kind === 'partition') {
      const all = (await this.#deps.hosts()).map((h) => h.host)
      const groups = fault.target.groups ?? [targets, all.filter((h) => !targets.includes(h))]
      return this.#grantOn(all, lease, { kind: 'partition', groups }, ttlMs)
    }
    if (kind === 'actor-pause') {
      const hosts = await this.#deps.hosts()
      await Promise.all(targets.map((actor) => this.#grantOn(hosts.filter((h) => h.actors.includes(actor)).map((h) => h.host), lease, { kind: 'pause', actor }, ttlMs)))
      return
    }
    if (ACTOR_FAULT_KINDS.includes(kind)) {
      const grants = actorFaultGrants(kind, fault.params, targets, await this.#deps.hosts())
      if (grants instanceof Error) throw grants
      await Promise.all(grants.map((g) => this.#grantOn([g.host], lease, { kind: 'actor', fault: g.fault }, ttlMs)))
      return
    }
    if (isKubeletFaultKind(kind)) {
      const grants = await kubeletGrants(kind, targets, fault.params, this.#deps)
      await Promise.all(grants.map((grant) => this.#grantOn([grant.host], lease, grant.fault, ttlMs)))
      return
    }
    if (kind === 'host-kill') {
      await Promise.all(targets.map((host) => this.#command(host, { type: 'chaos.kill' })))
      return
    }
    if (kind === 'host-stop') {
      await Promise.all(targets.map((host) => this.#up({ type: 'hosts.stop', host, lease, ttlMs })))
      return
    }
    if (kind === 'host-restart') {
      await Promise.all(targets.map((host) => this.#up({ type: 'hosts.restart', host })))
      return
    }
    if (kind === 'nats-kill') {
      await this.#nats({ type: 'nats.kill', indexes: targets.map(natsIndex), lease, ttlMs })
      return
    }
    if (kind === 'pod-kill') {
      await Promise.all(targets.map((pod) => this.#deps.api.delete(`/api/v1/namespaces/${pod.split('/')[0]}/pods/${pod.split('/')[1]}`)))
      return
    }
    throw new Error(`fault kind ${kind} is not carried out by this chaos controller yet`)
  }

  renew(kind: string, lease: string, ttlMs: number): void {
    if (isLeased(kind)) this.#broadcast({ type: 'chaos.lease.renew', lease, ttlMs })
    if (kind === 'host-stop') this.#deps.transport.publish(hostControlSubject(this.#deps.cluster), encodeEvent({ type: 'hosts.renew', lease, ttlMs }))
    if (kind === 'nats-kill') this.#deps.transport.publish(natsControlSubject(this.#deps.cluster), encodeEvent({ type: 'nats.renew', lease, ttlMs }))
  }

  async heal(kind: string, lease: string, _targets?: readonly string[]): Promise<void> {
    if (isLeased(kind)) return this.#broadcast({ type: 'chaos.lease.heal', lease })
    if (kind === 'host-stop') return this.#up({ type: 'hosts.heal', lease })
    if (kind === 'nats-kill') await this.#nats({ type: 'nats.heal', lease })
  }

  /** The targets (hosts, or actors `component/id`) a host answering now runs. */
  async #runningTargets(targets: readonly string[]): Promise<string[]> {
    const hosts = await this.#deps.hosts()
    return targets.filter((t) => hosts.some((h) => h.host === t || h.actors.includes(t)))
  }

  /** Host names of targets that are hosts or actors (`component/id`). */
  async #hostsOf(targets: readonly string[]): Promise<string[]> {
    const hosts = await this.#deps.hosts()
    return [...new Set(targets.flatMap((t) => (t.includes('/') ? hosts.filter((h) => h.actors.includes(t)).map((h) => h.host) : [t])))]
  }

  async #grantOn(hosts: readonly string[], lease: string, fault: unknown, ttlMs: number): Promise<void> {
    if (hosts.length === 0) throw new Error('no host answers for the targets')
    await Promise.all(hosts.map((host) => this.#command(host, { type: 'chaos.lease.grant', lease, ttlMs, fault })))
  }

  async #command(host: string, command: WireEvent): Promise<void> {
    const reply = await this.#deps.requester.request(chaosSubject(this.#deps.cluster, host), encodeEvent(command), { timeoutMs: 3000 })
    const answer = decodeEvent(reply.data)
    if (answer instanceof DecodeFailure) throw new Error(`${host}: undecodable answer`)
    if (answer.type === 'chaos.error') throw new Error(`${host}: ${String(answer.message)}`)
  }

  #broadcast(command: WireEvent): void {
    this.#deps.transport.publish(chaosSubject(this.#deps.cluster), encodeEvent(command))
  }

  async #up(request: WireEvent): Promise<void> {
    const reply = await this.#deps.requester.request(hostControlSubject(this.#deps.cluster), encodeEvent(request), { timeoutMs: 3000 })
    const answer = decodeEvent(reply.data)
    if (answer instanceof DecodeFailure) throw new Error('up: undecodable answer')
    if (answer.type === 'hosts.error') throw new Error(`up: ${String(answer.message)}`)
  }

  async #nats(request: { type: string } & Record<string, unknown>): Promise<void> {
    const answer = await requestNatsControl(this.#deps.requester, this.#deps.cluster, request, 10_000)
    if (answer.type === 'nats.error') throw new Error(`nats control: ${String(answer.message)}`)
  }
}
