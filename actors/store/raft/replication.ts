/**
 * The leader's side of log replication: what to send each follower given its progress, and when
 * an entry is committed.
 */
import { lastIndex, slice, termAt } from './log.ts'
import { send, type Ctx } from './output.ts'
import { becomeSnapshot, isPaused } from './progress.ts'
import { majorityIndex } from './quorum.ts'
import type { ReplicaId } from './types.ts'

/**
 * Sends `to` the next AppendEntries (or the snapshot, when its next entry is compacted away)
 * unless flow control holds it back. An empty append still goes out when `evenIfEmpty`
 * (it carries the commit index). Returns whether anything was sent.
 */
export function sendAppend(ctx: Ctx, to: ReplicaId, evenIfEmpty: boolean): boolean {
  const { s } = ctx
  const pr = s.progress.get(to)
  if (pr === undefined || isPaused(pr, s.config.maxInflight)) return false
  const prevIndex = pr.next - 1
  const prevTerm = termAt(s.log, prevIndex)
  if (prevTerm === undefined) {
    // The follower needs entries we no longer have: only the snapshot can catch it up.
    if (s.snapshot === undefined) return false
    becomeSnapshot(pr, s.snapshot.meta.index, s.ticks)
    send(ctx, { type: 'snap', to, snapshot: s.snapshot })
    return true
  }
  const last = lastIndex(s.log)
  if (pr.next > last && !evenIfEmpty) return false
  let hi = Math.min(last, pr.next + s.config.maxEntriesPerMsg - 1)
  if (hi >= pr.next) hi = capBytes(ctx, pr.next, hi)
  const entries = hi >= pr.next ? slice(s.log, pr.next, hi) : []
  send(ctx, { type: 'app', to, prevIndex, prevTerm, entries, commit: s.log.commit })
  if (pr.mode === 'replicate') {
    if (entries.length > 0) {
      pr.next = hi + 1
      pr.inflight.push(hi)
    }
  } else {
    pr.probeSent = true
  }
  return true
}

/** The last index from `lo` whose payloads fit maxBytesPerMsg (always at least one entry). */
function capBytes(ctx: Ctx, lo: number, hi: number): number {
  const { log, config } = ctx.s
  let bytes = 0
  for (let i = lo; i <= hi; i++) {
    bytes += log.entries[i - log.offset - 1]!.data.byteLength
    if (bytes > config.maxBytesPerMsg && i > lo) return i - 1
  }
  return hi
}

/** Sends to every follower; with `evenIfEmpty` this is how a new commit index spreads. */
export function broadcastAppend(ctx: Ctx, evenIfEmpty: boolean): void {
  for (const id of ctx.s.progress.keys()) sendAppend(ctx, id, evenIfEmpty)
}

export function broadcastHeartbeat(ctx: Ctx): void {
  const { s } = ctx
  for (const [to, pr] of s.progress) {
    // Never tell a follower a commit index past what it is known to hold.
    send(ctx, { type: 'heartbeat', to, commit: Math.min(pr.match, s.log.commit), round: s.readRound })
  }
}

/**
 * Advances the commit index to what a majority holds, but only through an entry of the current
 * term (§5.4.2, figure 8): earlier-term entries commit indirectly, never by counting replicas.
 */
export function maybeCommit(ctx: Ctx): boolean {
  const { s } = ctx
  // The leader counts its own log as durable: the caller persists it before sending or applying.
  const matches = s.voters.map((v) => (v === s.id ? lastIndex(s.log) : (s.progress.get(v)?.match ?? 0)))
  const index = majorityIndex(matches)
  if (index <= s.log.commit || termAt(s.log, index) !== s.term) return false
  s.log.commit = index
  return true
}
