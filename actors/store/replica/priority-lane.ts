/**
 * Which Raft messages may leave a replica before its pending WAL writes are durable. The effect
 * gate (effect-gate.ts) holds a step's messages until what the step persisted is on disk, and
 * everything after them too; under a stream of writes that is nearly always, so a busy leader's
 * heartbeats and its followers' answers would wait behind fsyncs of bulk appends, and followers
 * would time out and unseat a healthy leader. etcd's raft handles heartbeats and votes on arrival
 * for the same reason.
 *
 * A message may travel ahead when it promises nothing the WAL has yet to make durable:
 * - `heartbeat` carries the leader's term (durable since its campaign, before any vote request
 *   left) and a commit index capped at what the follower is known to hold (replication.ts);
 * - `heartbeatResp` only says "I follow you in this term", which stays true after a crash;
 * - PreVote requests and answers bind nobody: neither term nor vote moves.
 * A step that moved the term or the vote is never ahead: its messages say so, and must wait for it.
 * Real votes, vote grants, appends and their answers always wait.
 */
import type { PeerMessage } from '../raft/messages.ts'

export function travelsAhead(m: PeerMessage): boolean {
  switch (m.type) {
    case 'heartbeat':
    case 'heartbeatResp':
      return true
    case 'vote':
    case 'voteResp':
      return m.pre
    default:
      return false
  }
}
