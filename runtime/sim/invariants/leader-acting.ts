/**
 * Invariant 4: at most one scheduler and one controller manager act at a time, and only while
 * holding their Lease. Times are the simulation's own (virtual ms), never the hosts' clocks: a
 * Lease's acquireTime and renewTime are written on the holder's clock, which a fault may skew.
 * Each record the Lease held is placed at the instant its write was sent (from the message trace;
 * without one, when the probe's watch saw it). A holder's term runs from the write that made it
 * holder to its last renewal plus the renew deadline, by which its elector has stepped down
 * (lease-election.ts: the deadline counts from before the renewal was sent), or to its release; a
 * renewal later than that (or a new leaseTransitions) starts a new term. Two holders must not both
 * write while their terms overlap (a candidate whose clock jumped ahead may take over early); a
 * fenced write must fall within the term its token names, an unfenced attributed write within a
 * term of its host, unless the apiserver refused it (the fence's 409 for an ended term: fencing
 * doing its job, counted in the detail); one accepted (2xx) or never answered is a deposed leader
 * acting. A fence-refused write does not count as acting in an overlap either. And no candidate
 * takes the Lease from another holder before that holder's lease duration has run out since its
 * last write (early takeovers: a clock jump must not shorten it). Identities are `<actor id>_<random>`
 * (runtime/leader/lease-elector.ts) and leader actors are named after their host (as
 * runtime/cluster/local-cluster.ts names them), so the prefix is the host whose trace messages are
 * its writes.
 */
import type { LeaseRecord } from '../../../actors/leader/lease-election.ts'
import type { LeaderAction, LeaderComponent } from './leader-actions.ts'
import { resultOf, type InvariantResult } from './types.ts'

export const LEADER_ACTING = 'leader-acting'

export interface Term {
  readonly identity: string
  readonly host: string
  /** The Lease's leaseTransitions while held: the term number fencing tokens carry. */
  readonly term: number
  readonly from: number
  readonly to: number
}

/** A record the Lease held, at the virtual instant its write was sent. */
export interface TimedRecord {
  readonly record: LeaseRecord
  readonly at: number
}

export interface LeaseHistory {
  readonly component: LeaderComponent
  readonly lease: string
  /** Every record the Lease held while watched, in order (the listed one first). */
  readonly records: readonly TimedRecord[]
  readonly renewDeadlineMs: number
  /** Hosts that may run this component (besides those seen holding it): their writes are judged too. */
  readonly hosts?: readonly string[]
}

export interface ActingWindow {
  /** Actions are judged from here (the Lease's watch began)... */
  readonly from: number
  /** ...to here (its records were taken). */
  readonly until: number
  /** False when there is no message trace: the actions are unknown, so any overlap of terms counts. */
  readonly traced?: boolean
}

interface Violation {
  readonly at?: number
  readonly message: string
}

export function hostOfIdentity(identity: string): string {
  const cut = identity.lastIndexOf('_')
  return cut > 0 ? identity.slice(0, cut) : identity
}

export function holderTerms(records: readonly TimedRecord[], renewDeadlineMs: number): Term[] {
  const terms: Term[] = []
  let open: { identity: string; term: number; from: number; last: number } | undefined
  const close = (releasedAt = Infinity) => {
    if (open !== undefined) terms.push({ identity: open.identity, host: hostOfIdentity(open.identity), term: open.term, from: open.from, to: Math.min(open.last + renewDeadlineMs, releasedAt) })
    open = undefined
  }
  for (const { record, at } of records) {
    const identity = record.holderIdentity ?? ''
    const term = record.leaseTransitions ?? 0
    // No holder: the holder released the Lease as it stopped (its engine stopped first), so its term ends there.
    if (identity === '') {
      close(at)
      continue
    }
    if (open !== undefined && (open.identity !== identity || open.term !== term || at > open.last + renewDeadlineMs)) close()
    if (open === undefined) open = { identity, term, from: at, last: at }
    else open.last = Math.max(open.last, at)
  }
  close()
  return terms
}

/** Whether the action belongs to this Lease: by its fencing token, or (unfenced) by its component. */
const belongsTo = (action: LeaderAction, lease: LeaseHistory): boolean => (action.fence !== undefined ? action.fence.lease === lease.lease : action.component === lease.component)

/** Whether the term covers the action: the token's holder and term, or (unfenced) any term of its host. */
const covers = (term: Term, action: LeaderAction): boolean =>
  term.from <= action.at && action.at <= term.to && (action.fence !== undefined ? action.fence.holder === term.identity && action.fence.term === term.term : action.host === term.host)

export function checkLeaderActing(leases: readonly LeaseHistory[], actions: readonly LeaderAction[], window: ActingWindow): InvariantResult {
  const violations: Violation[] = []
  let judged = 0
  let idleOverlaps = 0
  const late = { fenced: 0, refused: 0 }
  for (const lease of leases) {
    const terms = holderTerms(lease.records, lease.renewDeadlineMs)
    const mine = actions.filter((a) => belongsTo(a, lease) && a.at >= window.from && a.at <= window.until)
    // A write the fence refused changed nothing: it is fencing at work, not a leader acting.
    const overlap = overlaps(lease, terms, window.traced === false ? undefined : mine.filter((a) => a.answer?.fenceRefused !== true))
    violations.push(...overlap.violations)
    if (window.traced !== false) violations.push(...earlyTakeovers(lease))
    idleOverlaps += overlap.idle
    const hosts = new Set([...terms.map((t) => t.host), ...(lease.hosts ?? [])])
    for (const action of mine) {
      // An unfenced write is judged only from a host that may lead; a fenced one always.
      if (action.fence === undefined && !hosts.has(action.host)) continue
      judged++
      if (terms.some((t) => covers(t, action))) continue
      const outcome = lateOutcome(action)
      if (outcome !== undefined) {
        late[outcome]++
        continue
      }
      violations.push({ at: action.at, message: `${lease.lease}: ${action.host} sent ${describeAction(action)} outside its terms (${describeTerms(terms)}), ${describeAnswer(action)}` })
    }
  }
  violations.sort((a, b) => (a.at ?? 0) - (b.at ?? 0))
  const idle = idleOverlaps > 0 ? `; ${idleOverlaps} overlapping terms, but not both holders wrote in the overlap` : '; terms never overlap'
  const refused = late.fenced + late.refused > 0 ? ` (${late.fenced} sent after their term refused by the fence, ${late.refused} otherwise refused)` : ''
  return resultOf(LEADER_ACTING, violations, `${judged} leader writes, each within its lease term or refused${refused}${idle}`)
}

/**
 * A write sent outside its term that changed nothing: refused by the fence (409 naming the Lease),
 * or answered with another failure. One answered 2xx landed, and one without an answer may have:
 * both are a deposed leader acting (undefined).
 */
function lateOutcome(action: LeaderAction): 'fenced' | 'refused' | undefined {
  const answer = action.answer
  if (answer === undefined || (answer.status >= 200 && answer.status < 300)) return undefined
  return answer.fenceRefused ? 'fenced' : 'refused'
}

function describeAction(action: LeaderAction): string {
  const token = action.fence !== undefined ? ` for term ${action.fence.term} of ${action.fence.holder}` : ''
  const resend = action.firstSentAt !== undefined ? ` (a resend of the request first sent at ${action.firstSentAt})` : ''
  return `${action.what}${token} at ${action.at}${resend}`
}

const describeAnswer = (action: LeaderAction): string => (action.answer !== undefined ? `and it was accepted (${action.answer.status})` : 'with no answer in the trace (it may have landed)')

/**
 * A candidate may take a Lease from another holder only once it has not changed for the
 * duration the holder wrote, measured from when the candidate saw it (lease-election.ts), which
 * is after its write was sent: so the taking write is sent at least that long after the holder's
 * last record was. Sooner means a candidate's clock ran fast (a wall clock jump measured as time
 * passing). A released Lease may be taken at once. Only with send times from the trace: a time
 * the probe's watch saw a record at comes later than its send and could shorten the gap.
 */
function earlyTakeovers(lease: LeaseHistory): Violation[] {
  const violations: Violation[] = []
  let held: { identity: string; at: number; durationMs: number } | undefined
  for (const { record, at } of lease.records) {
    const identity = record.holderIdentity ?? ''
    if (identity === '') {
      held = undefined
      continue
    }
    if (held !== undefined && identity !== held.identity && at - held.at < held.durationMs) {
      violations.push({ at, message: `${lease.lease}: ${identity} took the lease at ${at}, ${at - held.at} ms after ${held.identity} last wrote it (at ${held.at}), before its ${held.durationMs} ms duration ran out` })
    }
    held = { identity, at, durationMs: (record.leaseDurationSeconds ?? 0) * 1000 }
  }
  return violations
}

/**
 * Terms of two identities that overlap. With the actions known, an overlap is a violation only if
 * both holders wrote within it (two acting at once); without them, the overlap alone is.
 */
function overlaps(lease: LeaseHistory, terms: readonly Term[], actions: readonly LeaderAction[] | undefined): { violations: Violation[]; idle: number } {
  const violations: Violation[] = []
  let idle = 0
  for (let i = 0; i < terms.length; i++) {
    for (let j = i + 1; j < terms.length; j++) {
      const [a, b] = [terms[i]!, terms[j]!]
      const from = Math.max(a.from, b.from)
      const to = Math.min(a.to, b.to)
      if (a.identity === b.identity || from > to) continue
      const both = `${a.identity} [${a.from}, ${a.to}] and ${b.identity} [${b.from}, ${b.to}]`
      if (actions === undefined) {
        violations.push({ at: from, message: `${lease.lease}: ${both} led at the same time` })
        continue
      }
      const firstBy = (term: Term) => actions.find((x) => covers(term, x) && x.at >= from && x.at <= to)
      const [byA, byB] = [firstBy(a), firstBy(b)]
      if (byA === undefined || byB === undefined) idle++
      else violations.push({ at: Math.max(byA.at, byB.at), message: `${lease.lease}: ${both} both acted in [${from}, ${to}]: ${a.host} ${byA.what} at ${byA.at}, ${b.host} ${byB.what} at ${byB.at}` })
    }
  }
  return { violations, idle }
}

function describeTerms(terms: readonly Term[]): string {
  if (terms.length === 0) return 'none seen'
  return terms.map((t) => `${t.host} term ${t.term} [${t.from}, ${t.to}]`).join(', ')
}
