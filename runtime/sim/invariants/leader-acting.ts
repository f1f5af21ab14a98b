/**
 * Invariant 4: at most one scheduler and one controller manager act at a time, and only while
 * holding their Lease. A holder's term runs from its acquireTime to its last renewTime plus the
 * renew deadline, after which its elector has stepped down (lease-election.ts: the deadline
 * counts from before the renewal's record was made, so this bound is safe); a renewal coming
 * later than that starts a new term. Terms of different identities must not overlap, and every
 * attributed write of a host must fall within one of its own terms. Identities are
 * `<actor id>_<random>` (runtime/leader/lease-elector.ts) and leader actors are named after their
 * host (as runtime/cluster/local-cluster.ts names them), so the prefix is the host whose trace
 * messages are its writes. All times are virtual ms: the one clock.
 */
import type { LeaseRecord } from '../../../actors/leader/lease-election.ts'
import type { LeaderAction, LeaderComponent } from './leader-actions.ts'
import { resultOf, type InvariantResult } from './types.ts'

export const LEADER_ACTING = 'leader-acting'

export interface Term {
  readonly identity: string
  readonly host: string
  readonly from: number
  readonly to: number
}

export interface LeaseHistory {
  readonly component: LeaderComponent
  readonly lease: string
  /** Every record the Lease held while watched, in order (the listed one first). */
  readonly records: readonly LeaseRecord[]
  readonly renewDeadlineMs: number
  /** Hosts that may run this component (besides those seen holding it): their writes are judged too. */
  readonly hosts?: readonly string[]
}

export interface ActingWindow {
  /** Actions are judged from here (the Lease's watch began)... */
  readonly from: number
  /** ...to here (its records were taken). */
  readonly until: number
}

interface Violation {
  readonly at?: number
  readonly message: string
}

export function hostOfIdentity(identity: string): string {
  const cut = identity.lastIndexOf('_')
  return cut > 0 ? identity.slice(0, cut) : identity
}

const millis = (time: string | undefined): number | undefined => {
  const ms = time === undefined ? NaN : Date.parse(time)
  return Number.isFinite(ms) ? ms : undefined
}

export function holderTerms(records: readonly LeaseRecord[], renewDeadlineMs: number): Term[] {
  const terms: Term[] = []
  let open: { identity: string; from: number; last: number } | undefined
  const close = () => {
    if (open !== undefined) terms.push({ identity: open.identity, host: hostOfIdentity(open.identity), from: open.from, to: open.last + renewDeadlineMs })
    open = undefined
  }
  for (const record of records) {
    const identity = record.holderIdentity ?? ''
    const renewed = millis(record.renewTime)
    if (identity === '' || renewed === undefined) {
      close()
      continue
    }
    if (open !== undefined && (open.identity !== identity || renewed > open.last + renewDeadlineMs)) close()
    if (open === undefined) {
      const acquired = millis(record.acquireTime) ?? renewed
      // A renewal after the holder had stepped down makes it leader again from that write on.
      open = { identity, from: terms.at(-1)?.identity === identity && acquired <= terms.at(-1)!.to ? renewed : acquired, last: renewed }
    } else open.last = Math.max(open.last, renewed)
  }
  close()
  return terms
}

export function checkLeaderActing(leases: readonly LeaseHistory[], actions: readonly LeaderAction[], window: ActingWindow): InvariantResult {
  const violations: Violation[] = []
  let judged = 0
  for (const lease of leases) {
    const terms = holderTerms(lease.records, lease.renewDeadlineMs)
    violations.push(...overlaps(lease, terms))
    const hosts = new Set([...terms.map((t) => t.host), ...(lease.hosts ?? [])])
    for (const action of actions) {
      if (action.component !== lease.component || !hosts.has(action.host) || action.at < window.from || action.at > window.until) continue
      judged++
      if (terms.some((t) => t.host === action.host && t.from <= action.at && action.at <= t.to)) continue
      violations.push({ at: action.at, message: `${lease.lease}: ${action.host} sent ${action.what} at ${action.at} outside its terms (${describeTerms(terms)})` })
    }
  }
  violations.sort((a, b) => (a.at ?? 0) - (b.at ?? 0))
  return resultOf(LEADER_ACTING, violations, `${judged} leader writes, each within its host's lease term; terms never overlap`)
}

function overlaps(lease: LeaseHistory, terms: readonly Term[]): Violation[] {
  const violations: Violation[] = []
  for (let i = 0; i < terms.length; i++) {
    for (let j = i + 1; j < terms.length; j++) {
      const [a, b] = [terms[i]!, terms[j]!]
      if (a.identity !== b.identity && a.from <= b.to && b.from <= a.to) {
        violations.push({ at: Math.max(a.from, b.from), message: `${lease.lease}: ${a.identity} [${a.from}, ${a.to}] and ${b.identity} [${b.from}, ${b.to}] led at the same time` })
      }
    }
  }
  return violations
}

function describeTerms(terms: readonly Term[]): string {
  if (terms.length === 0) return 'none seen'
  return terms.map((t) => `${t.host} [${t.from}, ${t.to}]`).join(', ')
}
