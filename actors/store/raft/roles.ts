/**
 * Role changes and elections (§5.2, thesis §9.6 PreVote). Which step function handles a message
 * follows from `role` (see step.ts), so changing role swaps the step function.
 */
import { isUpToDate, lastIndex, lastTerm } from './log.ts'
import type { Vote } from './messages.ts'
import { reject, send, type Ctx } from './output.ts'
import { newProgress } from './progress.ts'
import { tally } from './quorum.ts'
import { broadcastAppend, maybeCommit } from './replication.ts'
import { randomizeTimeout } from './state.ts'
import type { ReplicaId } from './types.ts'

/** What every role change clears: timers, votes, the leader's bookkeeping. */
function reset(ctx: Ctx, term: number): void {
  const { s } = ctx
  if (s.term !== term) {
    s.term = term
    s.vote = undefined
  }
  s.lead = undefined
  s.electionElapsed = 0
  s.heartbeatElapsed = 0
  randomizeTimeout(s)
  s.votes.clear()
  s.progress.clear()
  s.leadTransferee = undefined
  // Reads a leader had not confirmed cannot be confirmed by anyone else: the client retries.
  for (const r of s.reads) reject(ctx, r.id, 'read', 'stepped-down')
  s.reads = []
}

export function becomeFollower(ctx: Ctx, term: number, lead: ReplicaId | undefined): void {
  reset(ctx, term)
  ctx.s.role = 'follower'
  ctx.s.lead = lead
}

function becomePreCandidate(ctx: Ctx): void {
  // PreVote changes neither term nor vote: a replica that cannot win disturbs nobody.
  reset(ctx, ctx.s.term)
  ctx.s.role = 'precandidate'
}

function becomeCandidate(ctx: Ctx): void {
  const { s } = ctx
  reset(ctx, s.term + 1)
  s.role = 'candidate'
  s.vote = s.id
}

export function becomeLeader(ctx: Ctx): void {
  const { s } = ctx
  reset(ctx, s.term)
  s.role = 'leader'
  s.lead = s.id
  const next = lastIndex(s.log) + 1
  for (const v of s.voters) if (v !== s.id) s.progress.set(v, newProgress(next))
  // A no-op of the new term: committing it commits everything before it (§5.4.2, §8) and lets
  // ReadIndex start.
  const noop = { term: s.term, index: next, kind: 'noop' as const, data: new Uint8Array(0) }
  s.log.entries.push(noop)
  ctx.unstableFrom = Math.min(ctx.unstableFrom, noop.index)
  if (!maybeCommit(ctx)) broadcastAppend(ctx, true)
}

/**
 * How an election starts: `timeout` runs a PreVote round first when configured; `elect` is the
 * real election (after a won PreVote); `transfer` is a real election a leader asked for, in
 * which the voters also waive their leader lease.
 */
export type CampaignKind = 'timeout' | 'elect' | 'transfer'

export function campaign(ctx: Ctx, kind: CampaignKind): void {
  const { s } = ctx
  if (s.role === 'leader') return
  const pre = kind === 'timeout' && s.config.preVote
  const transfer = kind === 'transfer'
  if (pre) becomePreCandidate(ctx)
  else becomeCandidate(ctx)
  s.votes.set(s.id, true)
  if (tally(s.votes, s.voters.length) === 'won') return winRound(ctx)
  const term = pre ? s.term + 1 : s.term
  for (const to of s.voters) {
    if (to === s.id) continue
    send(ctx, { type: 'vote', to, term, pre, lastIndex: lastIndex(s.log), lastTerm: lastTerm(s.log), transfer })
  }
}

/** A won PreVote round becomes a real election; a won election makes a leader. */
export function winRound(ctx: Ctx): void {
  if (ctx.s.role === 'precandidate') campaign(ctx, 'elect')
  else becomeLeader(ctx)
}

/** Answers RequestVote / PreVote (§5.2, §5.4.1). Term bookkeeping happened in step.ts. */
export function handleVote(ctx: Ctx, m: Vote): void {
  const { s } = ctx
  // A PreVote for a later term is granted on the log alone: it promises nothing.
  const canVote = s.vote === m.from || (s.vote === undefined && s.lead === undefined) || (m.pre && m.term > s.term)
  if (canVote && isUpToDate(s.log, m.lastIndex, m.lastTerm)) {
    send(ctx, { type: 'voteResp', to: m.from, term: m.term, pre: m.pre, reject: false })
    if (!m.pre) {
      s.vote = m.from
      s.electionElapsed = 0
    }
  } else {
    send(ctx, { type: 'voteResp', to: m.from, pre: m.pre, reject: true })
  }
}
