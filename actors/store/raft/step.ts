/**
 * The core's one entry point: `step(state, message)` -> what to persist, send and apply.
 * Pure apart from mutating the state it is given (see state.ts for ownership): no clock, no
 * randomness but the seed in the state, no I/O. The same state and inputs give the same outputs.
 */
import { stepCandidate } from './candidate.ts'
import { stepFollower } from './follower.ts'
import { stepLeader } from './leader.ts'
import { compactTo, lastIndex, slice, termAt } from './log.ts'
import { isPeerMessage, type Compact, type Message, type PeerMessage } from './messages.ts'
import { send, type Ctx, type Output } from './output.ts'
import { becomeFollower, campaign, handleVote } from './roles.ts'
import type { RaftState, Role } from './state.ts'
import { tick } from './tick.ts'
import type { Entry, HardState } from './types.ts'

type StepFn = (ctx: Ctx, m: Message) => void

/** Roles are swapped step functions, as in etcd-io/raft. */
const stepFor: Record<Role, StepFn> = {
  follower: stepFollower,
  precandidate: stepCandidate,
  candidate: stepCandidate,
  leader: stepLeader,
}

export function step(state: RaftState, m: Message): Output {
  const ctx: Ctx = {
    s: state,
    sent: [],
    readStates: [],
    rejected: [],
    proposed: [],
    unstableFrom: Number.POSITIVE_INFINITY,
    snapshotToPersist: undefined,
  }
  const before: HardState = { term: state.term, vote: state.vote, commit: state.log.commit }
  dispatch(ctx, m)
  return finish(ctx, before)
}

function dispatch(ctx: Ctx, m: Message): void {
  const { s } = ctx
  switch (m.type) {
    case 'tick': return tick(ctx)
    case 'campaign': return campaign(ctx, 'timeout')
    case 'compact': return compact(ctx, m)
    default: break
  }
  if (isPeerMessage(m)) {
    if (m.to !== s.id || !s.voters.includes(m.from)) return
    if (!checkTerm(ctx, m)) return
    if (m.type === 'vote') return handleVote(ctx, m)
  }
  stepFor[s.role](ctx, m)
}

/**
 * Term rules shared by every role (§5.1), with PreVote and the leader lease. Returns false when
 * the message is stale or must be ignored.
 */
function checkTerm(ctx: Ctx, m: PeerMessage): boolean {
  const { s } = ctx
  if (m.term > s.term) {
    if (m.type === 'vote') {
      // Leader lease (CheckQuorum): we heard from a leader within the election timeout, so this
      // candidate is likely the one cut off: ignore it rather than depose a healthy leader.
      const inLease = s.config.checkQuorum && s.lead !== undefined && s.electionElapsed < s.config.electionTimeout
      if (inLease && !m.transfer) return false
      // A PreVote asks "would you?", it does not move our term.
      if (m.pre) return true
    }
    // A granted PreVote comes back with the proposed term; we move to it by campaigning.
    if (m.type === 'voteResp' && m.pre && !m.reject) return true
    const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap'
    becomeFollower(ctx, m.term, fromLeader ? m.from : undefined)
    return true
  }
  if (m.term < s.term) {
    if ((s.config.checkQuorum || s.config.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
      // A leader from an older term that never hears a higher term (PreVote keeps terms from
      // rising) would stay deposed-but-unaware: tell it.
      send(ctx, { type: 'appResp', to: m.from, reject: false, index: 0, hintIndex: 0, hintTerm: 0 })
    } else if (m.type === 'vote' && m.pre) {
      send(ctx, { type: 'voteResp', to: m.from, pre: true, reject: true })
    }
    return false
  }
  return true
}

function compact(ctx: Ctx, m: Compact): void {
  const { s } = ctx
  const { index, term } = m.snapshot.meta
  if (index <= s.log.offset) return
  if (index > s.log.applied) throw new RangeError(`raft: snapshot at ${index} is past the applied index ${s.log.applied}`)
  if (termAt(s.log, index) !== term) throw new RangeError(`raft: snapshot at ${index} has term ${term}, the log has ${termAt(s.log, index)}`)
  compactTo(s.log, index, term)
  s.snapshot = m.snapshot
}

function finish(ctx: Ctx, before: HardState): Output {
  const { s } = ctx
  const { log } = s
  const persist: { hardState?: HardState; entries?: readonly Entry[]; snapshot?: (typeof s)['snapshot'] } = {}
  if (ctx.snapshotToPersist !== undefined) persist.snapshot = ctx.snapshotToPersist
  if (ctx.unstableFrom <= lastIndex(log)) persist.entries = slice(log, ctx.unstableFrom, lastIndex(log))
  if (before.term !== s.term || before.vote !== s.vote || before.commit !== log.commit) {
    persist.hardState = { term: s.term, vote: s.vote, commit: log.commit }
  }
  let applySnapshot
  if (ctx.snapshotToPersist !== undefined && ctx.snapshotToPersist.meta.index > log.applied) {
    applySnapshot = ctx.snapshotToPersist
    log.applied = applySnapshot.meta.index
  }
  let apply: Entry[] = []
  if (log.commit > log.applied) {
    apply = slice(log, log.applied + 1, log.commit)
    log.applied = log.commit
  }
  const out: Output = {
    state: s,
    persist,
    send: ctx.sent,
    apply,
    readStates: ctx.readStates,
    rejected: ctx.rejected,
    proposed: ctx.proposed,
    ...(applySnapshot !== undefined ? { applySnapshot } : {}),
  }
  return out
}
