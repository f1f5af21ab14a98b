/**
 * Invariant 4: at most one scheduler and one controller manager act at a time, and only while
 * holding their Lease. Times are the simulation's own (virtual ms), never the hosts' clocks: a
 * Lease's acquireTime and renewTime are written on the holder's clock, which a fault may skew.
 * Each record the Lease held is placed at the instant its write was sent (from the message trace;
 * without one, when the probe's watch saw it). A holder's term runs from the write that made it
 * holder to its last renewal plus the renew deadline, by which its elector has stepped down
 * (lease-election.ts: the deadline counts from before the renewal was sent), or to its release; a
 * renewal later than that starts a new term. Terms of different identities must not overlap, and every attributed
 * write of a host must fall within one of its own terms. Identities are `<actor id>_<random>`
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
  let open: { identity: string; from: number; last: number } | undefined
  const close = (releasedAt = Infinity) => {
    if (open !== undefined) terms.push({ identity: open.identity, host: hostOfIdentity(open.identity), from: open.from, to: Math.min(open.last + renewDeadlineMs, releasedAt) })
    open = undefined
  }
  for (const { record, at } of records) {
    const identity = record.holderIdentity ?? ''
    // No holder: the holder released the Lease as it stopped (its engine stopped first), so its term ends there.
    if (identity === '') {
      close(at)
      continue
    }
    if (open !== undefined && (open.identity !== identity || at > open.last + renewDeadlineMs)) close()
    if (open === undefined) open = { identity, from: at, last: at }
    else open.last = Math.max(open.last, at)
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
