/** The leader's step function: accept writes and reads, drive replication, hand over leadership. */
import { lastIndex } from './log.ts'
import type { AppResp, HeartbeatResp, Message, Propose } from './messages.ts'
import { reject, send, type Ctx } from './output.ts'
import { becomeProbe, becomeReplicate, freeInflightTo, maybeDecrTo, maybeUpdate } from './progress.ts'
import { findConflictByTerm } from './log.ts'
import { confirmReads, startPendingReads, startRead } from './read-index.ts'
import { broadcastAppend, maybeCommit, sendAppend } from './replication.ts'
import type { ReplicaId } from './types.ts'

export function stepLeader(ctx: Ctx, m: Message): void {
  switch (m.type) {
    case 'propose': return propose(ctx, m)
    case 'read': return startRead(ctx, m.id)
    case 'transfer': return transfer(ctx, m.to)
    case 'appResp': return onAppResp(ctx, m)
    case 'heartbeatResp': return onHeartbeatResp(ctx, m)
    default: return
  }
}

function propose(ctx: Ctx, m: Propose): void {
  const { s } = ctx
  // While handing over, new entries would only delay the transferee catching up.
  if (s.leadTransferee !== undefined) return reject(ctx, m.id, 'propose', 'transferring')
  const entry = { term: s.term, index: lastIndex(s.log) + 1, kind: m.kind ?? 'command', data: m.data }
  s.log.entries.push(entry)
  ctx.unstableFrom = Math.min(ctx.unstableFrom, entry.index)
  ctx.proposed.push({ id: m.id, index: entry.index, term: entry.term })
  if (maybeCommit(ctx)) onCommit(ctx)
  broadcastAppend(ctx, false)
}

function onCommit(ctx: Ctx): void {
  startPendingReads(ctx)
}

function onAppResp(ctx: Ctx, m: AppResp): void {
  const { s } = ctx
  const pr = s.progress.get(m.from)
  if (pr === undefined) return
  pr.recentActive = true
  if (m.reject) {
    const matchHint = m.hintTerm > 0 ? findConflictByTerm(s.log, m.hintIndex, m.hintTerm)[0] : m.hintIndex
    if (maybeDecrTo(pr, m.index, matchHint)) {
      if (pr.mode === 'replicate') becomeProbe(pr)
      sendAppend(ctx, m.from, true)
    }
    return
  }
  if (!maybeUpdate(pr, m.index)) return
  if (pr.mode === 'probe') becomeReplicate(pr)
  else if (pr.mode === 'snapshot' && pr.match >= pr.pendingSnapshot) becomeReplicate(pr)
  else if (pr.mode === 'replicate') freeInflightTo(pr, m.index)
  if (maybeCommit(ctx)) {
    onCommit(ctx)
    broadcastAppend(ctx, true)
  }
  // Stream whatever the window now allows.
  while (sendAppend(ctx, m.from, false)) {
    if (pr.mode !== 'replicate') break
  }
  if (m.from === s.leadTransferee && pr.match === lastIndex(s.log)) {
    send(ctx, { type: 'timeoutNow', to: m.from })
  }
}

function onHeartbeatResp(ctx: Ctx, m: HeartbeatResp): void {
  const { s } = ctx
  const pr = s.progress.get(m.from)
  if (pr === undefined) return
  pr.recentActive = true
  pr.probeSent = false
  // A full window with nothing acknowledged means appends were lost: free one slot so the next
  // append goes out, gets rejected for its gap, and drops the follower back to probing.
  if (pr.mode === 'replicate' && pr.inflight.length >= s.config.maxInflight) pr.inflight.shift()
  // A snapshot unanswered for an election timeout was probably lost: probe (and resend) again.
  if (pr.mode === 'snapshot' && s.ticks - pr.snapshotSentAt >= s.config.electionTimeout) becomeProbe(pr)
  if (pr.match < lastIndex(s.log)) sendAppend(ctx, m.from, true)
  if (m.round > pr.ackedRound) {
    pr.ackedRound = m.round
    confirmReads(ctx)
  }
}

/** Leadership transfer (thesis §3.10): catch the target up, then tell it to campaign at once. */
function transfer(ctx: Ctx, to: ReplicaId): void {
  const { s } = ctx
  const pr = s.progress.get(to)
  if (pr === undefined || s.leadTransferee === to) return
  s.leadTransferee = to
  // The transfer is abandoned if it has not happened within an election timeout (see tick.ts).
  s.electionElapsed = 0
  if (pr.match === lastIndex(s.log)) send(ctx, { type: 'timeoutNow', to })
  else sendAppend(ctx, to, true)
}
