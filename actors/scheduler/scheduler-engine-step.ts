/**
 * The scheduler engine's orchestration as a pure step, in etcd-raft's style: the runtime feeds
 * every input (watch events, bind answers, a due pump, a watch that ended) to `step`, which
 * mutates the state it is given and returns the effects to carry out, in order. No I/O, no timers,
 * no clock: time comes in as `now`, randomness only through `SchedulerOptions.random`.
 *
 *   - Watch events feed the pure Scheduler (scheduler.ts) and ask for a pump soon (`pumpSoon`:
 *     one pump for all the events that arrive before it runs).
 *   - A pump runs up to DECISIONS_PER_TURN cycles while fewer than MAX_IN_FLIGHT_BINDS binds are in
 *     flight, and no longer than the turn's time slice when one is given (`turnSlice`), then arms
 *     the one wakeup timer (`nextPump`). The host runs everything on one event loop, the Lease
 *     renewals that keep this scheduler leading among them: a turn that holds the loop delays them.
 *   - Binds are pipelined: each `bind` effect has an id, and its answer confirms the assumed pod
 *     or undoes the assumption (`bindFailed`: a 409, another error, or no answer at all).
 *   - A pod no node fits gets PodScheduled=False and a FailedScheduling event; if preemption found
 *     room, the same status patch nominates it, its victims are deleted (DisruptionTarget first,
 *     then a delete with a uid precondition) and lower-priority pods nominated there lose their
 *     nomination.
 *   - A watch that ended starts a new generation: a fresh Scheduler from a fresh list. Events and
 *     bind answers of an older generation are ignored (their binds still count as in flight: they
 *     still load the store).
 *   - A warm standby (kube-scheduler starts its informers before it campaigns): a state made with
 *     `standby` follows the watches like a leader's but decides nothing until `lead`, so a new
 *     leader binds at once instead of relisting first. `standby` again (the term ended) gives up
 *     the binds in flight, whose answers the closed client will never bring: each assumed pod is
 *     forgotten and queued again, and the watch tells which of them did land.
 */
import { rfc3339Seconds } from '../apiserver/meta/object-meta.ts'
import type { Condition, Node, Pod } from '../kube/objects.ts'
import type { PodInfo } from './framework/pod-info.ts'
import type { PersistentVolumeClaim } from '../kube/apps.ts'
import type { PersistentVolume, StorageClass } from '../kube/storage.ts'
import { claimsToSelect } from './plugins/volume-binding/volume-binding.ts'
import { Scheduler, type Decision, type Preemption, type SchedulerOptions, type WatchEventType } from './scheduler.ts'

/** Decisions made per turn before yielding to pending I/O (watch events, bind answers). */
export const DECISIONS_PER_TURN = 64
/**
 * Binds in flight at once. Enough to keep the store's batches full; more only queues writes in
 * the store ahead of everyone else's, the Lease renewals included (512 cost the leadership under load).
 */
export const MAX_IN_FLIGHT_BINDS = 64

export type BindDecision = Extract<Decision, { kind: 'bind' }>

export interface SchedulerEngineOptions {
  /** Every generation's Scheduler is built from these (its `random` is the host's). */
  readonly scheduler: SchedulerOptions
  /** Times each cycle's start for tracing only (the runtime's high-resolution clock); never drives a decision. */
  readonly measure?: () => number
  /** Start as a warm standby: follow the watches, decide nothing until `lead`. */
  readonly standby?: boolean
  /**
   * A turn also ends once `ms` have passed on `clock` (the runtime's monotonic clock), after at
   * least one decision: at 5,000 nodes a decision takes about half a millisecond of a free core,
   * and a 64-decision turn on a loaded host held the event loop for 50-270 ms. Only when a turn
   * ends, not what it decides, depends on it; a virtual clock that stands still within a step
   * leaves DECISIONS_PER_TURN the only bound.
   */
  readonly turnSlice?: { readonly clock: () => number; readonly ms: number }
}

export interface SchedulerEngineState {
  readonly options: SchedulerEngineOptions
  scheduler: Scheduler
  /** Counts relists; inputs tagged with an older generation are about a view that is gone. */
  generation: number
  /** This generation's binds waiting for their answer, by bind id. */
  readonly binds: Map<number, BindDecision>
  /** Binds of every generation still unanswered. */
  inFlightBinds: number
  nextBindId: number
  /** A `pumpSoon` was emitted and its `pump` has not come yet. */
  pumpQueued: boolean
  /** Decides and binds (this actor leads); false: a warm standby that only follows the watches. */
  leading: boolean
}

export interface WatchedObject<T> {
  readonly type: WatchEventType
  readonly object: T
}

export type SchedulerEngineInput =
  /** Start over from a fresh list (the engine's start). */
  | { readonly type: 'relist' }
  /** This actor now leads: decide and bind from the view the watches built. */
  | { readonly type: 'lead' }
  /** The term ended: decide nothing more, give up the binds in flight (their client closed). */
  | { readonly type: 'standby' }
  /** A watch of `generation` ended for good (410 Gone and the like). */
  | { readonly type: 'watch.ended'; readonly generation: number; readonly message: string }
  | { readonly type: 'nodes'; readonly generation: number; readonly events: readonly WatchedObject<Node>[] }
  | { readonly type: 'pods'; readonly generation: number; readonly events: readonly WatchedObject<Pod>[] }
  | { readonly type: 'claims'; readonly generation: number; readonly events: readonly WatchedObject<PersistentVolumeClaim>[] }
  | { readonly type: 'volumes'; readonly generation: number; readonly events: readonly WatchedObject<PersistentVolume>[] }
  | { readonly type: 'classes'; readonly generation: number; readonly events: readonly WatchedObject<StorageClass>[] }
  /** The pump asked for (`pumpSoon`) or the wakeup timer fired. */
  | { readonly type: 'pump' }
  | { readonly type: 'bind.answered'; readonly id: number; readonly status: number }
  /** The binding call got no answer (no apiserver answered). */
  | { readonly type: 'bind.failed'; readonly id: number }

/** What a decision's span records (runtime: a `schedule pod` span until the effect is answered). */
export interface CycleTrace {
  readonly result: Decision['kind']
  readonly message?: string
  /** `options.measure()` at the cycle's start, when measured. */
  readonly startedAt?: number
}

export interface PodStatusPatch {
  readonly conditions?: readonly (Condition & { readonly lastProbeTime?: null })[]
  /** null clears the nomination. */
  readonly nominatedNodeName?: string | null
}

export type SchedulerEffect =
  /**
   * Cancel the watches, then open Nodes', StorageClasses', PersistentVolumes', PersistentVolumeClaims'
   * and then Pods' (pods last, so they find nodes and claims), tagging their inputs with `generation`.
   */
  | { readonly type: 'relist'; readonly generation: number; readonly why?: string }
  /**
   * Feed `pump` soon: after the current input's work and the I/O already pending (a macrotask, not
   * a microtask: a pump per bind answer chained in microtasks held the event loop for a whole batch).
   */
  | { readonly type: 'pumpSoon' }
  /** The one wakeup timer: feed `pump` at `at` (replacing the armed one); undefined: disarm it. */
  | { readonly type: 'wakeup'; readonly at: number | undefined }
  /**
   * Annotate the pod's claims `claimsToSelect` (its namespace) with `volume.kubernetes.io/selected-node:
   * nodeName` (VolumeBinding's PreBind), then POST pods/<name>/binding; feed `bind.answered` or
   * `bind.failed` with `id` (a failed annotation is a failed bind).
   */
  | { readonly type: 'bind'; readonly id: number; readonly pod: PodInfo; readonly nodeName: string; readonly trace: CycleTrace; readonly claimsToSelect?: readonly string[] }
  /** Strategic-merge-patch the pod's status; best effort (a pod gone meanwhile is no error). */
  | { readonly type: 'patchStatus'; readonly pod: PodInfo; readonly status: PodStatusPatch; readonly what: string; readonly trace?: CycleTrace }
  | { readonly type: 'recordEvent'; readonly pod: Pod; readonly eventType: 'Normal' | 'Warning'; readonly reason: string; readonly message: string }
  /**
   * Patch the victim's status with `condition`, then delete it with a uid precondition; once
   * deleted (or already gone), record a Normal `Preempted` event with `message`.
   */
  | { readonly type: 'preemptVictim'; readonly victim: PodInfo; readonly nodeName: string; readonly condition: Condition; readonly message: string }

export function newSchedulerEngineState(options: SchedulerEngineOptions): SchedulerEngineState {
  return { options, scheduler: new Scheduler(options.scheduler), generation: 0, binds: new Map(), inFlightBinds: 0, nextBindId: 1, pumpQueued: false, leading: options.standby !== true }
}

/** Applies one input to `state` (mutated) and returns the effects to carry out, in order. */
export function step(state: SchedulerEngineState, input: SchedulerEngineInput, now: number): SchedulerEffect[] {
  switch (input.type) {
    case 'relist':
      return relist(state)
    case 'lead':
      state.leading = true
      return pumpSoon(state)
    case 'standby':
      return standby(state, now)
    case 'watch.ended':
      return input.generation === state.generation ? relist(state, input.message) : []
    case 'nodes':
      if (input.generation !== state.generation) return []
      for (const e of input.events) state.scheduler.onNode(e.type, e.object, now)
      return pumpSoon(state)
    case 'pods':
      if (input.generation !== state.generation) return []
      for (const e of input.events) state.scheduler.onPod(e.type, e.object, now)
      return pumpSoon(state)
    case 'claims':
      if (input.generation !== state.generation) return []
      for (const e of input.events) state.scheduler.onClaim(e.type, e.object, now)
      return pumpSoon(state)
    case 'volumes':
      if (input.generation !== state.generation) return []
      for (const e of input.events) state.scheduler.onVolume(e.type, e.object, now)
      return pumpSoon(state)
    case 'classes':
      if (input.generation !== state.generation) return []
      for (const e of input.events) state.scheduler.onStorageClass(e.type, e.object, now)
      return pumpSoon(state)
    case 'pump':
      return pump(state, now)
    case 'bind.answered':
    case 'bind.failed':
      if (!state.leading) return []
      return bindAnswered(state, input.id, input.type === 'bind.answered' ? input.status : undefined, now)
  }
}

function relist(state: SchedulerEngineState, why?: string): SchedulerEffect[] {
  state.generation++
  state.scheduler = new Scheduler(state.options.scheduler)
  state.binds.clear()
  return [{ type: 'wakeup', at: undefined }, { type: 'relist', generation: state.generation, ...(why === undefined ? {} : { why }) }]
}

function standby(state: SchedulerEngineState, now: number): SchedulerEffect[] {
  state.leading = false
  for (const decision of state.binds.values()) state.scheduler.bindFailed(decision, now)
  state.binds.clear()
  state.inFlightBinds = 0
  return [{ type: 'wakeup', at: undefined }]
}

/** A standby asks for no pump: `lead` asks for the first. */
function pumpSoon(state: SchedulerEngineState): SchedulerEffect[] {
  if (state.pumpQueued || !state.leading) return []
  state.pumpQueued = true
  return [{ type: 'pumpSoon' }]
}

function pump(state: SchedulerEngineState, now: number): SchedulerEffect[] {
  state.pumpQueued = false
  if (!state.leading) return []
  const effects: SchedulerEffect[] = []
  const slice = state.options.turnSlice
  const endsAt = slice === undefined ? Infinity : slice.clock() + slice.ms
  let made = 0
  let sliceOver = false
  while (made < DECISIONS_PER_TURN && state.inFlightBinds < MAX_IN_FLIGHT_BINDS && !sliceOver) {
    const startedAt = state.options.measure?.()
    const decision = state.scheduler.scheduleOne(now)
    if (decision === undefined) break
    made++
    effects.push(...decisionEffects(state, decision, now, startedAt))
    sliceOver = slice !== undefined && slice.clock() >= endsAt
  }
  state.scheduler.tick(now)
  effects.push({ type: 'wakeup', at: nextPump(state, made === DECISIONS_PER_TURN || sliceOver, now) })
  return effects
}

/**
 * With every bind slot taken, the next bind answer pumps (a timer at `now` would spin while the
 * queue has pods and never let virtual time move); a turn cut short (its decisions or its time
 * slice used up) may have left pods due: go on once pending I/O had its turn; else when the
 * Scheduler next has something due.
 */
function nextPump(state: SchedulerEngineState, cutShort: boolean, now: number): number | undefined {
  if (state.inFlightBinds >= MAX_IN_FLIGHT_BINDS) return undefined
  return cutShort ? now : state.scheduler.nextWakeup(now)
}

function bindAnswered(state: SchedulerEngineState, id: number, status: number | undefined, now: number): SchedulerEffect[] {
  state.inFlightBinds--
  const decision = state.binds.get(id)
  const effects: SchedulerEffect[] = []
  if (decision !== undefined) {
    state.binds.delete(id)
    if (status !== undefined && status < 300) {
      state.scheduler.bindSucceeded(decision, now)
      const message = `Successfully assigned ${decision.pod.namespace}/${decision.pod.name} to ${decision.nodeName}`
      effects.push({ type: 'recordEvent', pod: decision.pod.pod, eventType: 'Normal', reason: 'Scheduled', message })
    } else {
      // 409: bound meanwhile (or gone): the watch will tell; the assumption is undone.
      state.scheduler.bindFailed(decision, now)
    }
  }
  // A freed slot may let the pump go on.
  return [...effects, ...pumpSoon(state)]
}

function decisionEffects(state: SchedulerEngineState, decision: Decision, now: number, startedAt: number | undefined): SchedulerEffect[] {
  const measured = startedAt === undefined ? {} : { startedAt }
  if (decision.kind === 'bind') {
    const id = state.nextBindId++
    state.binds.set(id, decision)
    state.inFlightBinds++
    const claims = claimsToSelect(decision.state)
    return [{ type: 'bind', id, pod: decision.pod, nodeName: decision.nodeName, trace: { result: 'bind', ...measured }, ...(claims.length > 0 ? { claimsToSelect: claims } : {}) }]
  }
  const reason = decision.kind === 'unschedulable' ? 'Unschedulable' : 'SchedulerError'
  const condition = { type: 'PodScheduled', status: 'False', reason, message: decision.message, lastProbeTime: null, lastTransitionTime: rfc3339Seconds(now) } as const
  const preemption = decision.kind === 'unschedulable' ? decision.preemption : undefined
  const nomination = preemption === undefined ? {} : { nominatedNodeName: preemption.nominatedNodeName === '' ? null : preemption.nominatedNodeName }
  return [
    { type: 'recordEvent', pod: decision.pod.pod, eventType: 'Warning', reason: 'FailedScheduling', message: decision.message },
    ...(preemption === undefined ? [] : preemptionEffects(state, decision.pod, preemption, now)),
    { type: 'patchStatus', pod: decision.pod, status: { conditions: [condition], ...nomination }, what: 'the pod condition', trace: { result: decision.kind, message: decision.message, ...measured } },
  ]
}

/** kube-scheduler's prepareCandidate: the victims go (gracefully), lower-priority pods nominated there lose their nomination. */
function preemptionEffects(state: SchedulerEngineState, preemptor: PodInfo, p: Preemption, now: number): SchedulerEffect[] {
  if (p.nominatedNodeName === '') return []
  const effects: SchedulerEffect[] = []
  const message = `${state.scheduler.framework.schedulerName}: preempting to accommodate a higher priority pod`
  const condition: Condition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message, lastTransitionTime: rfc3339Seconds(now) }
  for (const victim of p.victims) {
    if (victim.terminating) continue
    effects.push({ type: 'preemptVictim', victim, nodeName: p.nominatedNodeName, condition, message: `Preempted by pod ${preemptor.uid} on node ${p.nominatedNodeName}` })
  }
  for (const other of p.lowerNominatedPods) effects.push({ type: 'patchStatus', pod: other, status: { nominatedNodeName: null }, what: 'the cleared nomination' })
  return effects
}
