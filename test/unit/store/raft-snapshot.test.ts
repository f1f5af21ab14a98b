/** Raft §7 log compaction: snapshots, InstallSnapshot for followers behind the compacted log. */
import t from 'tap'
import type { PeerMessage } from '../../../actors/store/raft/messages.ts'
import { Network } from '../../../actors/store/raft/rafttest/network.ts'
import { restore } from '../../../actors/store/raft/state.ts'
import { step } from '../../../actors/store/raft/step.ts'
import type { Entry } from '../../../actors/store/raft/types.ts'

const ids = ['a', 'b', 'c']
const entry = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: new Uint8Array([index]) })

t.test('raft snapshot - compaction drops the log up to the snapshot and keeps the rest', async (t) => {
  const net = new Network(ids, { seed: 1 })
  const leader = net.electLeader()
  for (let k = 0; k < 10; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  const snap = net.compact(leader)
  t.equal(snap.meta.index, 11)
  t.equal(net.state(leader).log.offset, 11)
  t.equal(net.state(leader).log.entries.length, 0)
  net.propose(leader, 'after')
  net.stabilize()
  net.run(2)
  t.equal(net.replica('b').applied.length, 12, 'replication goes on past the snapshot')
})

t.test('raft snapshot - a far-behind follower is sent the snapshot and then the rest of the log', async (t) => {
  const net = new Network(ids, { seed: 2 })
  const leader = net.electLeader()
  net.run(2)
  const lagger = ids.find((id) => id !== leader)!
  net.crash(lagger)
  for (let k = 0; k < 50; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  net.compact(leader)
  for (let k = 0; k < 5; k++) net.propose(leader, `w${k}`)
  net.stabilize()
  net.restart(lagger)
  const before = net.log.length
  net.run(10)
  const snaps = net.log.slice(before).filter((m) => m.type === 'snap' && m.to === lagger)
  t.equal(snaps.length, 1, 'one snapshot sent')
  t.equal(net.replica(lagger).disk.snapshot?.meta.index, 51, 'the follower persisted it')
  t.equal(net.state(lagger).log.offset, 51)
  t.same(net.replica(lagger).applied, net.replica(leader).applied, 'its state machine matches the leader\'s')
  t.equal(net.lastIndex(lagger), net.lastIndex(leader))
})

t.test('raft snapshot - a lost snapshot is sent again', async (t) => {
  const net = new Network(ids, { seed: 3 })
  const leader = net.electLeader()
  net.run(2)
  const lagger = ids.find((id) => id !== leader)!
  net.crash(lagger)
  for (let k = 0; k < 5; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  net.compact(leader)
  net.restart(lagger)
  let drops = 1
  net.dropIf = (m: PeerMessage) => m.type === 'snap' && drops-- > 0
  net.run(40)
  t.equal(net.state(lagger).log.offset, 6, 'installed on the retry')
  t.equal(net.lastIndex(lagger), net.lastIndex(leader))
})

t.test('raft snapshot - a follower that already has the snapshot\'s last entry only advances its commit', async (t) => {
  const s = restore({ id: 'b', voters: ids, seed: 1, hardState: { term: 2, vote: undefined, commit: 1 }, entries: [entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 2)], applied: 1 })
  const out = step(s, { type: 'snap', from: 'a', to: 'b', term: 2, snapshot: { meta: { index: 3, term: 2, voters: ids }, data: new Uint8Array(0) } })
  t.equal(out.persist.snapshot, undefined, 'no snapshot to install')
  t.equal(s.log.commit, 3)
  t.same(out.apply.map((e) => e.index), [2, 3])
  t.match(out.send[0], { type: 'appResp', reject: false, index: 4 })
})

t.test('raft snapshot - installing a snapshot replaces a conflicting log and is applied', async (t) => {
  const s = restore({ id: 'b', voters: ids, seed: 1, hardState: { term: 2, vote: undefined, commit: 1 }, entries: [entry(1, 1), entry(2, 1)], applied: 1 })
  const snapshot = { meta: { index: 5, term: 2, voters: ids }, data: new Uint8Array([9]) }
  const out = step(s, { type: 'snap', from: 'a', to: 'b', term: 2, snapshot })
  t.equal(out.persist.snapshot, snapshot)
  t.equal(out.applySnapshot, snapshot)
  t.same(out.apply, [])
  t.same(out.persist.hardState, { term: 2, vote: undefined, commit: 5 })
  t.equal(s.log.entries.length, 0)
  t.equal(s.log.applied, 5)
})

t.test('raft snapshot - compacting past the applied index or with a wrong term is refused', async (t) => {
  const s = restore({ id: 'a', voters: ['a'], seed: 1, hardState: { term: 1, vote: 'a', commit: 2 }, entries: [entry(1, 1), entry(2, 1), entry(3, 1)], applied: 2 })
  t.throws(() => step(s, { type: 'compact', snapshot: { meta: { index: 3, term: 1, voters: ['a'] }, data: new Uint8Array(0) } }), RangeError)
  t.throws(() => step(s, { type: 'compact', snapshot: { meta: { index: 2, term: 5, voters: ['a'] }, data: new Uint8Array(0) } }), RangeError)
})

t.test('raft snapshot - a replica restarts from its snapshot and the entries after it', async (t) => {
  const net = new Network(ids, { seed: 4 })
  const leader = net.electLeader()
  for (let k = 0; k < 8; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  net.run(2)
  const follower = ids.find((id) => id !== leader)!
  net.compact(follower)
  net.propose(leader, 'more')
  net.stabilize()
  net.run(2)
  const applied = [...net.replica(follower).applied]
  net.crash(follower)
  net.restart(follower)
  net.run(3)
  t.same(net.replica(follower).applied, applied, 'rebuilt: the snapshot, then the committed entries replayed')
})
