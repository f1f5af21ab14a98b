/**
 * The fault kinds a ChaosExperiment may name (issue 14's list), with what each may target and
 * which params it takes. Validation reads this table; so will the runtime adapter that applies
 * faults on hosts. Every fault is a lease held by the host that applies it: `heal` ends it early,
 * and without renewals it lapses by itself.
 */

/** The selector families of a fault's `target` (see api.ts `FaultTarget`). */
export type TargetFamily = 'hosts' | 'actors' | 'leader' | 'pods' | 'nodes' | 'groups'

export type ParamType = 'duration' | 'probability' | 'string' | 'subject' | 'integer'

export interface FaultKindInfo {
  readonly kind: string
  /** What the fault does, and what healing it does (docs/chaos.md prints this). */
  readonly summary: string
  /** Selector families this kind can aim at (at least one must be given). */
  readonly targets: readonly TargetFamily[]
  readonly params: Readonly<Record<string, ParamType>>
  /** Params that must be given. */
  readonly required?: readonly string[]
}

const HOSTLIKE: readonly TargetFamily[] = ['hosts', 'leader']
const MESSAGE_PARAMS = { subject: 'subject', probability: 'probability', eventTypes: 'string' } as const

export const FAULT_KINDS: readonly FaultKindInfo[] = [
  { kind: 'host-kill', summary: 'kill -9 of the host process (`up` restarts it; heal ends the window)', targets: HOSTLIKE, params: {} },
  { kind: 'host-stop', summary: 'SIGSTOP of the host process; heal sends SIGCONT', targets: HOSTLIKE, params: {} },
  { kind: 'host-restart', summary: 'graceful restart of the host process', targets: HOSTLIKE, params: {} },
  { kind: 'actor-crash', summary: 'the actor fails and its supervisor restarts it', targets: ['actors', 'leader'], params: {} },
  { kind: 'actor-pause', summary: 'the actor stops receiving and sending; heal resumes it in order', targets: ['actors', 'leader'], params: {} },
  { kind: 'message-drop', summary: 'messages on `subject` are dropped with `probability`', targets: ['hosts', 'actors', 'leader'], params: MESSAGE_PARAMS, required: ['subject'] },
  { kind: 'message-delay', summary: 'messages on `subject` are delayed by `latency` ± `jitter`', targets: ['hosts', 'actors', 'leader'], params: { ...MESSAGE_PARAMS, latency: 'duration', jitter: 'duration' }, required: ['subject', 'latency'] },
  { kind: 'message-duplicate', summary: 'messages on `subject` are sent twice', targets: ['hosts', 'actors', 'leader'], params: MESSAGE_PARAMS, required: ['subject'] },
  { kind: 'message-reorder', summary: 'messages on `subject` are held until the next one has gone out', targets: ['hosts', 'actors', 'leader'], params: { ...MESSAGE_PARAMS, latency: 'duration' }, required: ['subject'] },
  { kind: 'partition', summary: 'the named groups of hosts stop hearing each other; heal joins them', targets: ['groups', 'hosts', 'leader'], params: {} },
  { kind: 'pod-kill', summary: 'the pod is deleted at once (its controller makes another)', targets: ['pods'], params: {} },
  { kind: 'container-kill', summary: 'a container of the pod is killed (`container`, default all)', targets: ['pods'], params: { container: 'string' } },
  { kind: 'pod-failure', summary: 'the pod\'s containers keep failing until heal', targets: ['pods'], params: {} },
  { kind: 'kubelet-stop', summary: 'the node\'s kubelet stops (no heartbeats); heal starts it', targets: ['nodes'], params: {} },
  { kind: 'disk-latency', summary: 'fsync of a store replica\'s WAL takes `latency` longer', targets: ['hosts', 'actors', 'leader'], params: { latency: 'duration' }, required: ['latency'] },
  { kind: 'disk-error', summary: 'writes to a store replica\'s WAL fail with `probability`', targets: ['hosts', 'actors', 'leader'], params: { probability: 'probability' } },
  { kind: 'clock-skew', summary: 'the actor\'s injected clock runs `offset` ahead (or behind, `-5s`)', targets: ['actors', 'leader'], params: { offset: 'duration' }, required: ['offset'] },
  { kind: 'nats-kill', summary: 'one nats-server of the NATS cluster is killed; heal restarts it', targets: ['hosts'], params: {} },
]

export const FAULT_KIND_NAMES: readonly string[] = FAULT_KINDS.map((k) => k.kind)

export const faultKind = (kind: string): FaultKindInfo | undefined => FAULT_KINDS.find((k) => k.kind === kind)
