/** The follower's step function: take the leader's log, answer it, turn clients away (§5.3). */
import { appendMatching, findConflictByTerm, lastIndex, resetTo, termAt } from './log.ts'
import type { App, Heartbeat, Message, Snap } from './messages.ts'
import { reject, send, type Ctx } from './output.ts'
import { campaign } from './roles.ts'

export function stepFollower(ctx: Ctx, m: Message): void {
  const { s } = ctx
  switch (m.type) {
    case 'propose': return reject(ctx, m.id, 'propose', 'not-leader')
    case 'read': return reject(ctx, m.id, 'read', 'not-leader')
    case 'app':
    case 'heartbeat':
    case 'snap':
      s.electionElapsed = 0
      s.lead = m.from
      return fromLeader(ctx, m)
    case 'timeoutNow': return campaign(ctx, 'transfer')
    default: return
  }
}

/** Also used by (pre)candidates once they learn of a leader of their term. */
export function fromLeader(ctx: Ctx, m: App | Heartbeat | Snap): void {
  if (m.type === 'app') handleApp(ctx, m)
  else if (m.type === 'heartbeat') handleHeartbeat(ctx, m)
  else handleSnapshot(ctx, m)
}

function commitTo(ctx: Ctx, index: number): void {
  const { log } = ctx.s
  if (index > log.commit) log.commit = Math.min(index, lastIndex(log))
}

function handleApp(ctx: Ctx, m: App): void {
  const { log } = ctx.s
  if (m.prevIndex < log.commit) {
    // Everything up to commit matches already (and may be compacted): say where we are.
    send(ctx, { type: 'appResp', to: m.from, reject: false, index: log.commit, hintIndex: 0, hintTerm: 0 })
    return
  }
  if (termAt(log, m.prevIndex) !== m.prevTerm) {
    const [hintIndex, hintTerm] = findConflictByTerm(log, Math.min(m.prevIndex, lastIndex(log)), m.prevTerm)
    send(ctx, { type: 'appResp', to: m.from, reject: true, index: m.prevIndex, hintIndex, hintTerm })
    return
  }
  const from = appendMatching(log, m.entries)
  if (from !== undefined) ctx.unstableFrom = Math.min(ctx.unstableFrom, from)
  const lastNew = m.prevIndex + m.entries.length
  // Only what this message proved matches may be committed: the log may run on past lastNew
  // with stale entries from an older leader.
  commitTo(ctx, Math.min(m.commit, lastNew))
  send(ctx, { type: 'appResp', to: m.from, reject: false, index: lastNew, hintIndex: 0, hintTerm: 0 })
}

function handleHeartbeat(ctx: Ctx, m: Heartbeat): void {
  commitTo(ctx, m.commit)
  send(ctx, { type: 'heartbeatResp', to: m.from, round: m.round })
}

function handleSnapshot(ctx: Ctx, m: Snap): void {
  const { s } = ctx
  const { log } = s
  const meta = m.snapshot.meta
  if (meta.index <= log.commit) {
    send(ctx, { type: 'appResp', to: m.from, reject: false, index: log.commit, hintIndex: 0, hintTerm: 0 })
    return
  }
  if (termAt(log, meta.index) === meta.term) {
    // We hold the snapshot's last entry already: the snapshot only tells us it is committed.
    commitTo(ctx, meta.index)
    send(ctx, { type: 'appResp', to: m.from, reject: false, index: lastIndex(log), hintIndex: 0, hintTerm: 0 })
    return
  }
  resetTo(log, meta.index, meta.term)
  s.snapshot = m.snapshot
  ctx.snapshotToPersist = m.snapshot
  // Entries written earlier in this step are gone with the rest of the log.
  ctx.unstableFrom = Number.POSITIVE_INFINITY
  send(ctx, { type: 'appResp', to: m.from, reject: false, index: meta.index, hintIndex: 0, hintTerm: 0 })
}
