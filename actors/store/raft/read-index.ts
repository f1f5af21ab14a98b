/**
 * ReadIndex (thesis §6.4): a linearizable read without a log write. The leader notes its commit
 * index, proves it is still the leader by a heartbeat round a majority acknowledges, and the
 * read may then be served once the state machine has applied that index. A new leader first
 * waits for an entry of its own term to commit, since before that its commit index may lag.
 */
import { termAt } from './log.ts'
import type { Ctx } from './output.ts'
import { quorum } from './quorum.ts'
import { broadcastHeartbeat } from './replication.ts'

export function startRead(ctx: Ctx, id: string): void {
  ctx.s.reads.push({ id, index: undefined, round: 0 })
  startPendingReads(ctx)
}

/** Gives reads waiting for a current-term commit their index and a heartbeat round. */
export function startPendingReads(ctx: Ctx): void {
  const { s } = ctx
  if (termAt(s.log, s.log.commit) !== s.term) return
  let started = false
  for (const r of s.reads) {
    if (r.index !== undefined) continue
    if (!started) s.readRound++
    started = true
    r.index = s.log.commit
    r.round = s.readRound
  }
  if (!started) return
  if (s.progress.size > 0) broadcastHeartbeat(ctx)
  confirmReads(ctx)
}

/** Releases every read whose round a majority (the leader included) has acknowledged. */
export function confirmReads(ctx: Ctx): void {
  const { s } = ctx
  const q = quorum(s.voters.length)
  let k = 0
  for (; k < s.reads.length; k++) {
    const r = s.reads[k]!
    if (r.index === undefined) break
    let acks = 1
    for (const pr of s.progress.values()) if (pr.ackedRound >= r.round) acks++
    if (acks < q) break
    ctx.readStates.push({ id: r.id, index: r.index })
  }
  if (k > 0) s.reads.splice(0, k)
}
