/**
 * The lease elector as one pure step, in the manner of etcd's raft Step: `electorStep(state,
 * input, now, wall)` returns the next state and the effects to carry out, and the runtime
 * (runtime/leader/lease-elector.ts) only carries them out and feeds back what came of them.
 *
 * One attempt at a time: a tick reads the Lease (a leader whose last write was its own renews with
 * one PUT, no read first), the election rules of lease-election.ts decide what to write, the write
 * carries the read resourceVersion as a precondition (so two candidates never both win), and the
 * next tick is armed `retryPeriodMs` after the attempt ends; after a leader's renewal, `retryPeriodMs`
 * after it began (at once if it took longer). A leader's renewal also says how long its answer is
 * worth waiting for (`answerBy`: its renew deadline). Under load a renewal's round trip crosses
 * busy event loops and the store's commit path (300-600 ms measured in the scheduling bench on 2
 * cores): a pause of the whole retry period after each, or a renewal given up at half the deadline
 * and started over with a read, cost a 1 s lease the leadership though each renewal landed.
 * A leader also has a deadline: when no
 * renewal it started in the last `renewDeadlineMs` has succeeded it reports `lost`, whether or not
 * a request is still in flight, so a leader cut off from the API stops acting before its lease can
 * expire for anyone else. On stop it releases the lease (no holder), so a successor need not wait
 * the duration out; a write still in flight is waited for first, so the release carries its
 * version.
 *
 * A watch on the Lease may feed `watched`: the Lease as it was written, observed when it arrives,
 * as a read would have observed it. A candidate then counts expiry from the holder's last renewal
 * as it was committed, not from when a read got through: a read stalled by a store leader's
 * failover (about a second) returned the holder's last renewal late, and the lease expired a
 * second after that, 2.1 s after the holder stopped instead of 1.1 s (the chaos bench). An
 * observation never goes back to an older version (a read sent before a watched write may answer
 * after it): that would restart the wait.
 *
 * Two times come with every input: `now`, the host's monotonic clock, which measures every
 * duration (lease expiry, the renew deadline, timers' `at`), and `wall`, the wall time the Lease's
 * renewTime and acquireTime carry. A wall clock stepped forward must not let a candidate take a
 * lease early, nor a leader lead past its deadline (client-go measures expiry on a monotonic
 * clock from when it observed the record, too).
 */
import type { KubeObject } from '../apiserver/ports.ts'
import { electionStep, mustStepDown, observe, releasedRecord, validateElectionConfig, type ElectionConfig, type LeaseRecord, type Observation } from './lease-election.ts'

export const LEASE_NAMESPACE = 'kube-system'

export type ElectorRole = 'candidate' | 'leading' | 'stopping' | 'stopped'

export interface ElectorState {
  readonly config: ElectionConfig
  readonly leaseName: string
  readonly role: ElectorRole
  /**
   * The request in flight, when it was sent (a write counts as a renewal from then), and whether
   * it renews a term (written while leading) rather than starting one.
   */
  readonly attempt: { readonly phase: 'reading' | 'writing'; readonly startedAt: number; readonly renewing: boolean } | undefined
  /** The Lease as last read or written; undefined when there is none (or none seen yet). */
  readonly lease: KubeObject | undefined
  readonly observation: Observation | undefined
  /** The last write was ours and succeeded: a leader then renews with one PUT, no read first. */
  readonly wroteLast: boolean
  /** When (monotonic) the attempt behind the last successful renewal began. */
  readonly lastRenew: number
}

export type ElectorInput =
  | { readonly type: 'tick' }
  | { readonly type: 'deadline' }
  | { readonly type: 'read.found'; readonly lease: KubeObject }
  | { readonly type: 'read.notFound' }
  | { readonly type: 'read.failed' }
  | { readonly type: 'write.succeeded'; readonly lease: KubeObject }
  /** 409: another candidate wrote first; the next read shows who. */
  | { readonly type: 'write.conflicted' }
  | { readonly type: 'write.failed' }
  /** The Lease as a watch delivered it (ADDED or MODIFIED). */
  | { readonly type: 'watched'; readonly lease: KubeObject }
  | { readonly type: 'stop' }

export type ElectorEffect =
  | { readonly type: 'read' }
  | { readonly type: 'create'; readonly lease: KubeObject }
  /**
   * `answerBy` (monotonic), on a leader's renewal: its renew deadline, until when an answer still
   * counts; the runtime waits for it that long rather than give up early and start over.
   */
  | { readonly type: 'update'; readonly lease: KubeObject; readonly answerBy?: number }
  /** Fire-and-forget: the elector has stopped and takes no answer. */
  | { readonly type: 'release'; readonly lease: KubeObject }
  /** (Re)arms the one tick timer, or the one deadline timer, to fire at `at`. */
  | { readonly type: 'armTick'; readonly at: number }
  | { readonly type: 'armDeadline'; readonly at: number }
  /** `term`: the Lease's leaseTransitions, which number the terms of leadership. */
  | { readonly type: 'elected'; readonly identity: string; readonly term: number }
  | { readonly type: 'lost'; readonly why: string }

export interface ElectorStep {
  readonly state: ElectorState
  readonly effects: readonly ElectorEffect[]
}

/** The first step: a candidate that reads the Lease at once. */
export function startElector(config: ElectionConfig, leaseName: string, now: number, wall: number): ElectorStep {
  const state: ElectorState = { config: validateElectionConfig(config), leaseName, role: 'candidate', attempt: undefined, lease: undefined, observation: undefined, wroteLast: false, lastRenew: 0 }
  return begin(state, now, wall)
}

/** `now`: the monotonic clock (every duration); `wall`: the wall clock (the timestamps written). */
export function electorStep(state: ElectorState, input: ElectorInput, now: number, wall: number): ElectorStep {
  if (state.role === 'stopped') return { state, effects: [] }
  switch (input.type) {
    case 'tick':
      return state.attempt !== undefined || state.role === 'stopping' ? { state, effects: [] } : begin(state, now, wall)
    case 'deadline':
      return deadline(state, now)
    case 'read.found':
      return readAnswered(state, input.lease, now, wall)
    case 'read.notFound':
      return readAnswered(state, undefined, now, wall)
    case 'read.failed':
      return state.attempt?.phase === 'reading' ? finish(state, now, []) : { state, effects: [] }
    case 'write.succeeded':
      return written(state, input.lease, now, wall)
    case 'write.conflicted':
    case 'write.failed':
      return writeRefused(state, now, wall)
    case 'watched':
      return { state: seen(state, input.lease, now), effects: [] }
    case 'stop':
      return stop(state, wall)
  }
}

/** The state after seeing `lease` (read or watched) at `now`: an older version than the one observed changes nothing. */
function seen(state: ElectorState, lease: KubeObject, now: number): ElectorState {
  if (state.lease !== undefined && !isNewer(versionOf(lease), versionOf(state.lease))) return state
  return { ...state, lease, observation: observe(state.observation, recordOf(lease), versionOf(lease), now) }
}

/** Resource versions are the store's revisions (numbers); any other pair counts as newer when they differ. */
function isNewer(version: string, than: string): boolean {
  if (/^\d+$/.test(version) && /^\d+$/.test(than)) return BigInt(version) > BigInt(than)
  return version !== than
}

/** A new attempt: renew straight away after our own write, read the Lease otherwise. */
function begin(state: ElectorState, now: number, wall: number): ElectorStep {
  if (state.role === 'leading' && state.wroteLast && state.lease !== undefined) return decide(state, now, wall)
  return { state: { ...state, attempt: { phase: 'reading', startedAt: now, renewing: false } }, effects: [{ type: 'read' }] }
}

function readAnswered(state: ElectorState, lease: KubeObject | undefined, now: number, wall: number): ElectorStep {
  if (state.attempt?.phase !== 'reading') return { state, effects: [] }
  const read = lease === undefined ? { ...state, lease: undefined, observation: undefined } : seen(state, lease, now)
  return decide({ ...read, wroteLast: false }, now, wall)
}

/** What the election rules say to write, given the Lease as the state holds it. */
/**
 * A write counts as a renewal from when it is sent, not from the read before it: the others count
 * the lease from when they see the write, which is after it was sent. (Counted from the read, a
 * candidate whose read a store leader's failover stalled for a second won the lease and could
 * not lead on it: its deadline had passed.)
 */
function decide(state: ElectorState, now: number, wall: number): ElectorStep {
  const step = electionStep(state.lease === undefined ? undefined : state.observation, now, wall, state.config, state.role === 'leading')
  if (step.kind === 'wait') {
    const { state: next, effects } = lose(state, `${step.holder} holds the lease`)
    return finish(next, now, effects)
  }
  const metadata = { ...(state.lease?.metadata ?? { name: state.leaseName, namespace: LEASE_NAMESPACE }), ...(step.kind === 'update' ? { resourceVersion: step.resourceVersion } : {}) }
  const lease: KubeObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: step.record }
  const renewing = state.role === 'leading'
  const effect: ElectorEffect = step.kind === 'update' && renewing ? { type: 'update', lease, answerBy: state.lastRenew + state.config.renewDeadlineMs } : { type: step.kind, lease }
  return { state: { ...state, attempt: { phase: 'writing', startedAt: now, renewing }, wroteLast: false }, effects: [effect] }
}

/**
 * Our write landed. It counts as a renewal from when it was sent; one that took the whole
 * renew deadline is too late to lead on (the others may be about to see the lease expire), and
 * a renewal of a term we were deposed from in the meantime does not revive it: the next attempt
 * takes the lease back under a new term.
 */
function written(state: ElectorState, lease: KubeObject, now: number, wall: number): ElectorStep {
  if (state.attempt?.phase !== 'writing') return { state, effects: [] }
  const startedAt = state.attempt.startedAt
  const held: ElectorState = { ...state, lease, observation: observe(state.observation, recordOf(lease), versionOf(lease), now), wroteLast: true }
  if (state.role === 'stopping') return stop({ ...held, attempt: undefined }, wall)
  if (mustStepDown(startedAt, now, state.config)) {
    const { state: next, effects } = lose(held, `a renewal took ${now - startedAt} ms`)
    return finish(next, now, effects)
  }
  if (state.attempt.renewing && state.role !== 'leading') return finish(held, now, [])
  const renewed: ElectorState = { ...held, role: 'leading', lastRenew: startedAt }
  const effects: ElectorEffect[] = []
  if (state.role !== 'leading') effects.push({ type: 'elected', identity: state.config.identity, term: recordOf(lease).leaseTransitions ?? 0 })
  effects.push({ type: 'armDeadline', at: startedAt + state.config.renewDeadlineMs })
  // Renewals keep their cadence from when each began: a slow one is followed at once, not after a pause.
  return { state: { ...renewed, attempt: undefined }, effects: [...effects, { type: 'armTick', at: Math.max(now, startedAt + state.config.retryPeriodMs) }] }
}

function writeRefused(state: ElectorState, now: number, wall: number): ElectorStep {
  if (state.attempt?.phase !== 'writing') return { state, effects: [] }
  const next: ElectorState = { ...state, attempt: undefined, wroteLast: false }
  return state.role === 'stopping' ? stop(next, wall) : finish(next, now, [])
}

function deadline(state: ElectorState, now: number): ElectorStep {
  if (state.role !== 'leading') return { state, effects: [] }
  // A deadline that fired early (a renewal moved it) is armed again for the renewal's deadline.
  if (!mustStepDown(state.lastRenew, now, state.config)) return { state, effects: [{ type: 'armDeadline', at: state.lastRenew + state.config.renewDeadlineMs }] }
  return lose(state, `no renewal for ${state.config.renewDeadlineMs} ms`)
}

/** Stop leading (a no-op for a candidate); the attempt in flight, if any, goes on. */
function lose(state: ElectorState, why: string): ElectorStep {
  if (state.role !== 'leading') return { state, effects: [] }
  return { state: { ...state, role: 'candidate' }, effects: [{ type: 'lost', why }] }
}

/** The attempt is over: the next one starts a retry period from now. */
function finish(state: ElectorState, now: number, effects: readonly ElectorEffect[]): ElectorStep {
  return { state: { ...state, attempt: undefined }, effects: [...effects, { type: 'armTick', at: now + state.config.retryPeriodMs }] }
}

/**
 * Release the lease if the last we know of it names us: a write in flight is waited for (it
 * changes the version the release must carry); a stale version only makes the release conflict.
 */
function stop(state: ElectorState, wall: number): ElectorStep {
  if (state.attempt?.phase === 'writing') return { state: { ...state, role: 'stopping' }, effects: [] }
  const stopped: ElectorState = { ...state, role: 'stopped', attempt: undefined }
  const lease = state.lease
  if (lease === undefined || recordOf(lease).holderIdentity !== state.config.identity) return { state: stopped, effects: [] }
  return { state: stopped, effects: [{ type: 'release', lease: { ...lease, spec: releasedRecord(recordOf(lease), wall) } }] }
}

const recordOf = (lease: KubeObject): LeaseRecord => (lease.spec ?? {}) as LeaseRecord
const versionOf = (lease: KubeObject): string => lease.metadata?.resourceVersion ?? ''
