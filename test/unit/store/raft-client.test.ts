/** What clients see: leader hints on followers, ReadIndex (thesis §6.4), leadership transfer (§3.10). */
import t from 'tap'
import { Network } from '../../../actors/store/raft/rafttest/network.ts'

const ids = ['a', 'b', 'c']

t.test('raft client - a proposal on a follower is rejected with a leader hint', async (t) => {
  const net = new Network(ids, { seed: 1 })
  const leader = net.electLeader()
  net.run(2)
  const follower = ids.find((id) => id !== leader)!
  const out = net.propose(follower, 'x', 'req-9')
  t.same(out?.rejected, [{ id: 'req-9', kind: 'propose', leader, reason: 'not-leader' }])
  t.same(out?.persist, {}, 'nothing written')
  t.equal(out?.send.length, 0, 'nothing forwarded')
})

t.test('raft client - a proposal on a replica that knows no leader is rejected without a hint', async (t) => {
  const net = new Network(ids, { seed: 1 })
  const out = net.propose('a', 'x', 'r')
  t.same(out?.rejected, [{ id: 'r', kind: 'propose', leader: undefined, reason: 'not-leader' }])
})

t.test('raft client - ReadIndex: a read is released after a heartbeat round confirms leadership', async (t) => {
  const net = new Network(ids, { seed: 2 })
  const leader = net.electLeader()
  net.run(2)
  net.propose(leader, 'x')
  net.stabilize()
  const commit = net.state(leader).log.commit
  const out = net.step(leader, { type: 'read', id: 'q1' })
  t.same(out?.readStates, [], 'not before a majority answered')
  t.ok(out?.send.some((m) => m.type === 'heartbeat' && m.round > 0), 'a heartbeat round goes out')
  net.stabilize()
  const released = net.outputs.flatMap((o) => o.out.readStates)
  t.same(released, [{ id: 'q1', index: commit }])
  t.ok(net.state(leader).log.applied >= commit, 'the read index is applied by then')
})

t.test('raft client - ReadIndex: a leader cut off from the majority never confirms a read', async (t) => {
  const net = new Network(ids, { seed: 3 })
  const leader = net.electLeader()
  net.run(2)
  net.isolate(leader)
  net.step(leader, { type: 'read', id: 'q' })
  net.run(30) // it steps down by CheckQuorum meanwhile
  t.same(net.outputs.flatMap((o) => o.out.readStates), [], 'no read released')
  t.same(net.outputs.flatMap((o) => o.out.rejected), [{ id: 'q', kind: 'read', leader: undefined, reason: 'stepped-down' }], 'it is rejected on stepping down')
})

t.test('raft client - ReadIndex: a new leader waits until an entry of its term commits', async (t) => {
  const net = new Network(ids, { seed: 4, config: { preVote: false, checkQuorum: false } })
  const leader = net.electLeader()
  net.run(2)
  const next = ids.find((id) => id !== leader)!
  // next wins an election, but its no-op cannot commit while it hears from no one.
  net.step(next, { type: 'campaign' })
  net.deliver(Number.POSITIVE_INFINITY, (m) => m.type === 'vote' || m.type === 'voteResp')
  t.equal(net.state(next).role, 'leader')
  net.queue = []
  net.step(next, { type: 'read', id: 'q' })
  t.equal(net.state(next).reads[0]?.index, undefined, 'no read index yet')
  net.stabilize()
  net.run(2)
  t.same(net.outputs.flatMap((o) => o.out.readStates), [{ id: 'q', index: net.state(next).log.commit }])
})

t.test('raft client - ReadIndex on a follower is rejected with a leader hint', async (t) => {
  const net = new Network(ids, { seed: 5 })
  const leader = net.electLeader()
  net.run(2)
  const follower = ids.find((id) => id !== leader)!
  t.same(net.step(follower, { type: 'read', id: 'q' })?.rejected, [{ id: 'q', kind: 'read', leader, reason: 'not-leader' }])
})

t.test('raft client - a single replica serves reads at once', async (t) => {
  const net = new Network(['a'], { seed: 6 })
  net.electLeader()
  t.same(net.step('a', { type: 'read', id: 'q' })?.readStates, [{ id: 'q', index: 1 }])
})

t.test('raft client - leadership transfer hands over to a caught-up follower', async (t) => {
  const net = new Network(ids, { seed: 7 })
  const leader = net.electLeader()
  net.run(2)
  const target = ids.find((id) => id !== leader)!
  const term = net.state(leader).term
  net.step(leader, { type: 'transfer', to: target })
  net.stabilize()
  t.equal(net.leader(), target, 'the target leads')
  t.equal(net.state(target).term, term + 1, 'one election, no PreVote round')
  t.equal(net.state(leader).role, 'follower')
  net.run(5)
  t.equal(net.leader(), target, 'and keeps leading')
})

t.test('raft client - leadership transfer to a lagging follower catches it up first', async (t) => {
  const net = new Network(ids, { seed: 8 })
  const leader = net.electLeader()
  net.run(2)
  const target = ids.find((id) => id !== leader)!
  net.crash(target)
  for (let k = 0; k < 10; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  net.restart(target)
  net.step(leader, { type: 'transfer', to: target })
  t.same(net.propose(leader, 'late', 'late')?.rejected, [{ id: 'late', kind: 'propose', leader: undefined, reason: 'transferring' }], 'proposals wait during a transfer')
  net.stabilize()
  net.run(3)
  t.equal(net.leader(), target)
  t.equal(net.lastIndex(target), net.lastIndex(leader))
})

t.test('raft client - a transfer to an unreachable follower is abandoned after an election timeout', async (t) => {
  const net = new Network(ids, { seed: 9 })
  const leader = net.electLeader()
  net.run(2)
  const target = ids.find((id) => id !== leader)!
  net.isolate(target)
  net.step(leader, { type: 'transfer', to: target })
  net.run(12)
  t.equal(net.leader(), leader, 'still leading')
  t.equal(net.state(leader).leadTransferee, undefined, 'transfer abandoned')
  t.same(net.propose(leader, 'x', 'x')?.rejected, [], 'proposals accepted again')
})
