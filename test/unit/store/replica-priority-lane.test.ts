/** replica.ts + priority-lane.ts: heartbeats and PreVotes travel ahead of WAL writes still syncing; votes and appends never do. */
import t from 'tap'
import { EffectGate } from '../../../actors/store/replica/effect-gate.ts'
import { travelsAhead } from '../../../actors/store/replica/priority-lane.ts'
import type { PeerMessage } from '../../../actors/store/raft/messages.ts'
import { Cluster } from './replica-cluster.ts'

const types = (list: readonly PeerMessage[]): string[] => list.map((m) => (m.type === 'vote' || m.type === 'voteResp') && m.pre ? `pre${m.type}` : m.type)

t.test('priority lane - which messages travel ahead', async (t) => {
  const peer = { from: 's1', to: 's2', term: 3 }
  const table: [PeerMessage, boolean][] = [
    [{ ...peer, type: 'heartbeat', commit: 1, round: 0 }, true],
    [{ ...peer, type: 'heartbeatResp', round: 0 }, true],
    [{ ...peer, type: 'vote', pre: true, lastIndex: 1, lastTerm: 1, transfer: false }, true],
    [{ ...peer, type: 'voteResp', pre: true, reject: false }, true],
    [{ ...peer, type: 'vote', pre: false, lastIndex: 1, lastTerm: 1, transfer: false }, false],
    [{ ...peer, type: 'voteResp', pre: false, reject: false }, false],
    [{ ...peer, type: 'app', prevIndex: 0, prevTerm: 0, entries: [], commit: 0 }, false],
    [{ ...peer, type: 'appResp', reject: false, index: 1, hintIndex: 0, hintTerm: 0 }, false],
    [{ ...peer, type: 'timeoutNow' }, false],
  ]
  for (const [m, ahead] of table) t.equal(travelsAhead(m), ahead, `${types([m])[0]}`)
})

t.test('priority lane - a busy leader heartbeats while its batch is still syncing', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const id = leader.options.id
  const gate = new EffectGate()
  c.put(id, 'bulk', '/pods/p', 'x'.repeat(10_000))
  const flushed = leader.flush(c.now)
  t.ok(flushed.sync, 'the batch must be durable before its appends go out')
  t.same(gate.admit(flushed).release, [], 'the appends wait in the gate')
  t.ok(gate.syncing)
  let beat = leader.tick(c.now)
  for (let k = 0; k < 5 && beat.urgent.length === 0; k++) beat = leader.tick(c.now)
  t.same(types(beat.urgent), ['heartbeat', 'heartbeat'], 'a heartbeat per follower, in the lane that skips the gate')
  t.same(types(beat.messages).filter((type) => type === 'heartbeat'), [], 'none left behind the gate')
  t.same(gate.admit(beat).release, [], 'what else the tick produced still waits behind the batch')
})

t.test('priority lane - a follower answers heartbeats at once, even while it is persisting appends', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const follower = c.followers()[0]!
  c.put(leader.options.id, 'bulk', '/pods/p', 'x'.repeat(10_000))
  const app = leader.flush(c.now).messages.find((m) => m.type === 'app' && m.to === follower.options.id)!
  const appended = follower.peer(app, c.now)
  t.ok(appended.sync, 'the follower persists the entry before acknowledging it')
  t.same(types(appended.messages), ['appResp'])
  const heartbeat: PeerMessage = { type: 'heartbeat', from: leader.options.id, to: follower.options.id, term: leader.raft.term, commit: 0, round: 0 }
  const answered = follower.peer(heartbeat, c.now)
  t.same(types(answered.urgent), ['heartbeatResp'])
  t.equal(follower.raft.electionElapsed, 0, 'the heartbeat reset the election timer')
})

t.test('priority lane - an answer from a step that moved the term waits for that write', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const follower = c.followers()[0]!
  const next = leader.raft.term + 1
  const heartbeat: PeerMessage = { type: 'heartbeat', from: leader.options.id, to: follower.options.id, term: next, commit: 0, round: 0 }
  const answered = follower.peer(heartbeat, c.now)
  t.equal(follower.raft.term, next)
  t.ok(answered.sync, 'the new term must be durable')
  t.same(answered.urgent, [])
  t.same(types(answered.messages), ['heartbeatResp'])
})

t.test('priority lane - PreVotes travel ahead; the real vote and its grant wait for the vote to be durable', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const a = c.followers()[0]!
  const b = c.followers()[1]!
  c.isolated.add(leader.options.id)
  // Let the followers' leader lease run out, then start a's campaign by hand.
  for (let k = 0; k < 2 * 10; k++) {
    b.tick(c.now)
    a.tick(c.now)
  }
  const pre = a.campaign(c.now)
  const preVotes = [...pre.urgent, ...pre.messages].filter((m) => m.to === b.options.id)
  t.same(types(pre.urgent).filter((x) => x === 'prevote').length, 2, 'PreVote requests go ahead')
  const preAnswer = b.peer(preVotes[0]!, c.now)
  t.same(types(preAnswer.urgent), ['prevoteResp'], 'the PreVote grant goes ahead')
  const elect = a.peer(preAnswer.urgent[0]!, c.now)
  t.ok(elect.sync, 'the candidate persists its term and vote')
  t.same(elect.urgent, [])
  const vote = elect.messages.find((m) => m.type === 'vote' && m.to === b.options.id)
  t.ok(vote, 'the vote request waits for that write')
  const grant = b.peer(vote!, c.now)
  t.ok(grant.sync)
  t.same(grant.urgent, [])
  t.same(types(grant.messages), ['voteResp'], 'the grant waits for the vote to be durable')
})
