/** The step function of candidates and precandidates: count votes, yield to a leader. */
import type { Message } from './messages.ts'
import { reject, type Ctx } from './output.ts'
import { tally } from './quorum.ts'
import { becomeFollower, winRound } from './roles.ts'
import { fromLeader } from './follower.ts'

export function stepCandidate(ctx: Ctx, m: Message): void {
  const { s } = ctx
  switch (m.type) {
    case 'propose': return reject(ctx, m.id, 'propose', 'not-leader')
    case 'read': return reject(ctx, m.id, 'read', 'not-leader')
    case 'app':
    case 'heartbeat':
    case 'snap':
      // A leader of our term exists (its term is >= ours, step.ts checked): follow it.
      becomeFollower(ctx, m.term, m.from)
      return fromLeader(ctx, m)
    case 'voteResp': {
      // Answers to the other kind of round are stale.
      if (m.pre !== (s.role === 'precandidate')) return
      s.votes.set(m.from, !m.reject)
      const result = tally(s.votes, s.voters.length)
      if (result === 'won') winRound(ctx)
      else if (result === 'lost') becomeFollower(ctx, s.term, undefined)
      return
    }
    default: return
  }
}
