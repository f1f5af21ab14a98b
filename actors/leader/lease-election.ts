/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it,
 * as pure rules: the elector (lease-elector-step.ts) reads the Lease, asks {@link electionStep}
 * what to write, and writes it with the read resourceVersion as a precondition (so two
 * candidates never both win).
 *
 * Expiry is judged by the candidate's own monotonic clock: a lease held by someone else counts as
 * expired `leaseDurationSeconds` after this candidate last saw the record change, never by the
 * holder's timestamps, so clock skew between hosts does not matter, and a wall clock that jumps
 * (NTP stepping it) cannot cut the wait short. Wall time only fills the timestamps written. The holder gives up leading when it
 * has not renewed for `renewDeadlineMs` (< the lease duration): a deposed leader has stopped
 * acting before anyone else can take over (fencing).
 */

export interface LeaseRecord {
  readonly holderIdentity?: string
  readonly leaseDurationSeconds?: number
  readonly acquireTime?: string
  readonly renewTime?: string
  readonly leaseTransitions?: number
}

export interface ElectionConfig {
  readonly identity: string
  /** How long a lease holds without renewal; written as whole seconds (at least 1). */
  readonly leaseDurationMs: number
  /** The holder stops leading when its last successful renewal is older than this. */
  readonly renewDeadlineMs: number
  /** Time between tries (candidates) and renewals (the leader). */
  readonly retryPeriodMs: number
}

/** What this candidate last saw of the lease, and when (its own monotonic clock) it last changed. */
export interface Observation {
  readonly record: LeaseRecord
  readonly resourceVersion: string
  readonly observedAt: number
}

export type ElectionStep =
  | { readonly kind: 'create'; readonly record: LeaseRecord }
  | { readonly kind: 'update'; readonly record: LeaseRecord; readonly resourceVersion: string }
  /** Someone else holds a live lease. */
  | { readonly kind: 'wait'; readonly holder: string }

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

export function validateElectionConfig(c: ElectionConfig): ElectionConfig {
  if (c.identity === '') throw new RangeError('leader election: identity must not be empty')
  if (!(c.retryPeriodMs > 0)) throw new RangeError(`leader election: retryPeriodMs must be positive, got ${c.retryPeriodMs}`)
  if (!(c.renewDeadlineMs > c.retryPeriodMs)) throw new RangeError(`leader election: renewDeadlineMs (${c.renewDeadlineMs}) must exceed retryPeriodMs (${c.retryPeriodMs})`)
  if (!(leaseSeconds(c) * 1000 > c.renewDeadlineMs)) throw new RangeError(`leader election: the lease duration (${leaseSeconds(c)} s) must exceed renewDeadlineMs (${c.renewDeadlineMs})`)
  return c
}

const leaseSeconds = (c: ElectionConfig): number => Math.max(1, Math.ceil(c.leaseDurationMs / 1000))

/** The observation after reading `record` at `now` (monotonic): observedAt moves only when the record changed. */
export function observe(previous: Observation | undefined, record: LeaseRecord, resourceVersion: string, now: number): Observation {
  if (previous !== undefined && previous.resourceVersion === resourceVersion) return previous
  return { record, resourceVersion, observedAt: now }
}

/**
 * What to write after reading the lease (`observation` undefined: there is no Lease yet). Only a
 * `leading` candidate renews its term; one that finds the lease in its own name after it stopped
 * leading (its renewals came too late) starts a new term, so `leaseTransitions` numbers each term
 * of leadership once (the fencing token, see docs/control-plane.md). `now` is monotonic (expiry);
 * `wall` is the wall time the record's timestamps carry.
 */
export function electionStep(observation: Observation | undefined, now: number, wall: number, config: ElectionConfig, leading: boolean): ElectionStep {
  const me = config.identity
  const renewTime = microTime(wall)
  const leaseDurationSeconds = leaseSeconds(config)
  if (observation === undefined) {
    return { kind: 'create', record: { holderIdentity: me, leaseDurationSeconds, acquireTime: renewTime, renewTime, leaseTransitions: 0 } }
  }
  const old = observation.record
  const holder = old.holderIdentity ?? ''
  const heldFor = (old.leaseDurationSeconds ?? leaseDurationSeconds) * 1000
  if (holder !== '' && holder !== me && observation.observedAt + heldFor > now) return { kind: 'wait', holder }
  const mine = holder === me && leading
  const record: LeaseRecord = {
    holderIdentity: me,
    leaseDurationSeconds,
    acquireTime: mine && old.acquireTime ? old.acquireTime : renewTime,
    renewTime,
    leaseTransitions: mine ? (old.leaseTransitions ?? 0) : (old.leaseTransitions ?? 0) + (holder === '' && old.leaseTransitions === undefined ? 0 : 1),
  }
  return { kind: 'update', record, resourceVersion: observation.resourceVersion }
}

/** The record a leader writes when it steps down on purpose: no holder, so others take over at once. */
export function releasedRecord(old: LeaseRecord, wall: number): LeaseRecord {
  return { ...old, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(wall), acquireTime: microTime(wall) }
}

/** Whether a leader whose last successful renewal was at `lastRenew` must stop leading at `now` (both monotonic). */
export function mustStepDown(lastRenew: number, now: number, config: ElectionConfig): boolean {
  return now - lastRenew >= config.renewDeadlineMs
}
