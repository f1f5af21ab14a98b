/**
 * Invariant 4: at most one scheduler and one controller manager act per lease term: a deposed
 * leader's write is refused. Times are the simulation's own (virtual ms), never the hosts' clocks:
 * a Lease's acquireTime and renewTime are written on the holder's clock, which a fault may skew.
 * Each record the Lease held is placed at the instant its write was sent (from the message trace;
 * without one, when the probe's watch saw it), with the store revision it was written at. A
 * holder's term runs from the write that made it holder to its last renewal plus the renew
 * deadline, by which its elector has stepped down (lease-election.ts: the deadline counts from
 * before the renewal was sent), or to its release; a renewal later than that (or a new
 * leaseTransitions) starts a new term.
 *
 * A fenced write (one carrying its term's token) is judged in the store's order, as the fence
 * (actors/apiserver/fence.ts) orders it: once the Lease write that changed the holder or term
 * (a takeover, a new term, a release) is committed, the token's writes are refused. So one the
 * apiserver accepted is a deposed leader acting if and only if the revision it was written at is
 * above that Lease write's revision, or its token names a term the Lease never held; one sent
 * late that landed before (a paused host's held sends) is not. A fenced write sent outside its
 * term that got no answer in the trace, or an accepted one whose answer names no revision (a
 * binding's Status) or only a lower bound (a DELETE answers with the object as it was), cannot
 * be placed (save a lower bound past the term's end, a violation): it is counted as unknown, not a violation, since the
 * fence (tested by test/unit/apiserver/fence.test.ts and test/unit/leader/leader-fencing.test.ts)
 * makes landing after the next term impossible. An unfenced attributed write must fall within a
 * term of its host by its send time, unless the apiserver refused it. Two holders must not both
 * write while their terms overlap (a candidate whose clock jumped ahead may take over early);
 * the earlier holder's fenced writes count there only if they landed after the later term's
 * first Lease write. And no candidate takes the Lease from another holder before that holder's
 * lease duration has run out since its last write (early takeovers: a clock jump must not shorten
 * it). Identities are `<actor id>_<random>` (runtime/leader/lease-elector.ts) and leader actors
 * are named after their host (as runtime/cluster/local-cluster.ts names them), so the prefix is
 * the host whose trace messages are its writes.
 */
import type { LeaseRecord } from '../../../actors/leader/lease-election.ts'
import type { Fence } from '../../../actors/apiserver/fence.ts'
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
  /** The store revision of the Lease write that opened the term, when known. */
  readonly revision?: number
}

/** A record the Lease held, at the virtual instant its write was sent. */
export interface TimedRecord {
  readonly record: LeaseRecord
  readonly at: number
  /** The store revision it was written at (the Lease's metadata.resourceVersion), when known. */
  readonly revision?: number
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
  let open: { identity: string; term: number; from: number; last: number; revision: number | undefined } | undefined
  const close = (releasedAt = Infinity) => {
    if (open !== undefined) {
      const { identity, term, from, last, revision } = open
      terms.push({ identity, host: hostOfIdentity(identity), term, from, to: Math.min(last + renewDeadlineMs, releasedAt), ...(revision !== undefined ? { revision } : {}) })
    }
    open = undefined
  }
  for (const { record, at, revision } of records) {
    const identity = record.holderIdentity ?? ''
    const term = record.leaseTransitions ?? 0
    // No holder: the holder released the Lease as it stopped (its engine stopped first), so its term ends there.
    if (identity === '') {
      close(at)
      continue
    }
    if (open !== undefined && (open.identity !== identity || open.term !== term || at > open.last + renewDeadlineMs)) close()
    if (open === undefined) open = { identity, term, from: at, last: at, revision }
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
  const late = { fenced: 0, refused: 0, landedInTerm: 0, unknown: 0 }
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
      const outcome = action.fence !== undefined ? fencedOutcome(action, action.fence, lease.records, terms) : terms.some((t) => covers(t, action)) ? 'in-term' : lateOutcome(action)
      if (outcome === 'in-term') continue
      if (typeof outcome === 'string') {
        late[outcome]++
        continue
      }
      violations.push({ at: action.at, message: `${lease.lease}: ${action.host} sent ${describeAction(action)} ${outcome?.message ?? `outside its terms (${describeTerms(terms)}), ${describeAnswer(action)}`}` })
    }
  }
  violations.sort((a, b) => (a.at ?? 0) - (b.at ?? 0))
  const idle = idleOverlaps > 0 ? `; ${idleOverlaps} overlapping terms, but not both holders wrote in the overlap` : '; terms never overlap'
  const refused = late.fenced + late.refused > 0 ? ` (${late.fenced} sent after their term refused by the fence, ${late.refused} otherwise refused)` : ''
  const landed = late.landedInTerm > 0 ? `; ${late.landedInTerm} fenced sent after their term landed before the Lease write that ended it` : ''
  const unknown = late.unknown > 0 ? `; ${late.unknown} fenced sent after their term unplaced in the store (no answer, or none naming a revision), which the fence refuses once the term is over` : ''
  return resultOf(LEADER_ACTING, violations, `${judged} leader writes, each within its lease term or refused${refused}${landed}${unknown}${idle}`)
}

type Outcome = 'in-term' | 'fenced' | 'refused' | 'landedInTerm' | 'unknown' | { readonly message: string } | undefined

/**
 * A write sent outside its term that changed nothing: refused by the fence (409 naming the Lease),
 * or answered with another failure. One answered 2xx landed, and one without an answer may have:
 * for an unfenced write, both are a deposed leader acting (undefined).
 */
function lateOutcome(action: LeaderAction): Outcome {
  const answer = action.answer
  if (answer === undefined || (answer.status >= 200 && answer.status < 300)) return undefined
  return answer.fenceRefused ? 'fenced' : 'refused'
}

/**
 * A fenced write, judged where the store placed it: accepted at a revision while the Lease held
 * the token's holder and term (in-term, or landedInTerm when sent after the term's time was up),
 * or not (a violation). Refused or unplaced writes are judged by their send time as before, the
 * unplaced ones sent late counted as unknown.
 */
function fencedOutcome(action: LeaderAction, fence: Fence, records: readonly TimedRecord[], terms: readonly Term[]): Outcome {
  const inTime = terms.some((t) => covers(t, action))
  const answer = action.answer
  const accepted = answer !== undefined && answer.status >= 200 && answer.status < 300
  if (!accepted) return inTime ? 'in-term' : answer === undefined ? 'unknown' : lateOutcome(action)
  const spans = tokenSpans(records, fence)
  if (spans.length === 0) return { message: `and it was accepted (${answer.status}), but the Lease never held that term` }
  const revision = answer.revision
  const last = spans.at(-1)!
  // A lower bound proves a violation only past the last span's end; short of it, it places nothing.
  if (revision !== undefined && answer.revisionAtLeast === true && revision > last.to) return { message: `and it was accepted (${answer.status}) at revision ${revision} or later, after the Lease write at revision ${last.to} that ended its term` }
  if (revision === undefined || answer.revisionAtLeast === true) return inTime ? 'in-term' : 'unknown'
  if (spans.some((s) => s.from < revision && revision < s.to)) return inTime ? 'in-term' : 'landedInTerm'
  const ended = spans.filter((s) => s.to < revision).at(-1)
  if (ended === undefined) return { message: `and it was accepted (${answer.status}) at revision ${revision}, before the Lease write at revision ${spans[0]!.from} that began its term` }
  return { message: `and it was accepted (${answer.status}) at revision ${revision}, after the Lease write at revision ${ended.to} that ended its term` }
}

/**
 * The store revisions between which the Lease held the token's holder and term: from the Lease
 * write that made it so to the one that changed it (the fence accepts the token's writes only
 * in between). A span opening at the first record seen (listed: the term may have begun before)
 * or at a record without a revision opens at -Infinity; one never closed, or closed by a record
 * without a revision, runs to Infinity: an unknown bound never makes a violation.
 */
export function tokenSpans(records: readonly TimedRecord[], fence: Fence): { from: number; to: number }[] {
  const spans: { from: number; to: number }[] = []
  let open: number | undefined
  records.forEach(({ record, revision }, i) => {
    const holds = (record.holderIdentity ?? '') === fence.holder && (record.leaseTransitions ?? 0) === fence.term
    if (holds && open === undefined) open = i === 0 || revision === undefined ? -Infinity : revision
    if (!holds && open !== undefined) {
      spans.push({ from: open, to: revision ?? Infinity })
      open = undefined
    }
  })
  if (open !== undefined) spans.push({ from: open, to: Infinity })
  return spans
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
      const firstBy = (term: Term, other: Term) => actions.find((x) => covers(term, x) && x.at >= from && x.at <= to && landedAfterStart(x, term, other))
      const [byA, byB] = [firstBy(a, b), firstBy(b, a)]
      if (byA === undefined || byB === undefined) idle++
      else violations.push({ at: Math.max(byA.at, byB.at), message: `${lease.lease}: ${both} both acted in [${from}, ${to}]: ${a.host} ${byA.what} at ${byA.at}, ${b.host} ${byB.what} at ${byB.at}` })
    }
  }
  return { violations, idle }
}

/**
 * Whether a write of `term` counts as acting beside `other`: always for an unfenced write or the
 * later term's; the earlier term's fenced write only if it was accepted and landed after the
 * Lease write that opened `other` (or its revision or that one's is unknown). Before it, it was
 * in the store's order before the other term began.
 */
function landedAfterStart(action: LeaderAction, term: Term, other: Term): boolean {
  if (action.fence === undefined || term.from > other.from) return true
  const answer = action.answer
  if (answer === undefined || answer.status < 200 || answer.status >= 300) return false
  return answer.revision === undefined || answer.revisionAtLeast === true || other.revision === undefined || answer.revision > other.revision
}

function describeTerms(terms: readonly Term[]): string {
  if (terms.length === 0) return 'none seen'
  return terms.map((t) => `${t.host} term ${t.term} [${t.from}, ${t.to}]`).join(', ')
}
