/** Raft §5.3 log replication: consistency check, conflict repair, fast backtracking, flow control. */
import t from 'tap'
import type { App, PeerMessage } from '../../../actors/store/raft/messages.ts'
import { Network } from '../../../actors/store/raft/rafttest/network.ts'
import { restore } from '../../../actors/store/raft/state.ts'
import { step } from '../../../actors/store/raft/step.ts'
import type { Entry } from '../../../actors/store/raft/types.ts'

const ids3 = ['a', 'b', 'c']
const entry = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: new Uint8Array([index]) })

t.test('raft replication - §5.3 proposals reach every log and commit everywhere', async (t) => {
  const net = new Network(ids3, { seed: 1 })
  const leader = net.electLeader()
  for (let k = 0; k < 20; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  net.run(2)
  for (const id of ids3) {
    t.equal(net.lastIndex(id), 21, `${id} has the no-op and 20 entries`)
    t.equal(net.state(id).log.commit, 21, `${id} knows they are committed`)
    t.equal(net.replica(id).applied.length, 21, `${id} applied them`)
  }
  t.same(net.entries('b'), net.entries('a'), 'log matching')
})

t.test('raft replication - §5.3 the leader reports the index of each accepted proposal', async (t) => {
  const net = new Network(ids3, { seed: 2 })
  const leader = net.electLeader()
  const out = net.propose(leader, 'x', 'req-1')
  t.same(out?.proposed, [{ id: 'req-1', index: 2, term: net.state(leader).term }])
  t.same(out?.persist.entries?.map((e) => e.index), [2], 'the new entry is persisted by this step')
})

t.test('raft replication - §5.3 a follower rejects an append that does not match and hints where', async (t) => {
  const s = restore({ id: 'b', voters: ids3, seed: 1, hardState: { term: 3, vote: undefined, commit: 0 }, entries: [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)] })
  const out = step(s, { type: 'app', from: 'a', to: 'b', term: 3, prevIndex: 5, prevTerm: 3, entries: [], commit: 0 })
  t.match(out.send[0], { type: 'appResp', reject: true, index: 5, hintIndex: 5, hintTerm: 2 }, 'hint: my last entry of a term <= 3')
  const out2 = step(s, { type: 'app', from: 'a', to: 'b', term: 3, prevIndex: 7, prevTerm: 3, entries: [], commit: 0 })
  t.match(out2.send[0], { type: 'appResp', reject: true, index: 7, hintIndex: 5, hintTerm: 2 }, 'a short log hints its end')
})

t.test('raft replication - §5.3 a conflicting suffix is truncated and replaced, and persisted from the conflict', async (t) => {
  const s = restore({ id: 'b', voters: ids3, seed: 1, hardState: { term: 2, vote: undefined, commit: 1 }, entries: [entry(1, 1), entry(2, 2), entry(3, 2)] })
  const out = step(s, { type: 'app', from: 'a', to: 'b', term: 3, prevIndex: 1, prevTerm: 1, entries: [entry(2, 2), entry(3, 3), entry(4, 3)], commit: 3 })
  t.same(s.log.entries.map((e) => e.term), [1, 2, 3, 3])
  t.same(out.persist.entries?.map((e) => e.index), [3, 4], 'persist from the first overwritten index')
  t.same(out.persist.hardState, { term: 3, vote: undefined, commit: 3 })
  t.same(out.apply.map((e) => e.index), [1, 2, 3], 'after a restart, committed entries are applied from the snapshot on')
  t.match(out.send[0], { type: 'appResp', reject: false, index: 4 })
})

t.test('raft replication - §5.3 a follower never commits past what the append proved matches', async (t) => {
  const s = restore({ id: 'b', voters: ids3, seed: 1, hardState: { term: 1, vote: undefined, commit: 0 }, entries: [entry(1, 1), entry(2, 1), entry(3, 1)] })
  step(s, { type: 'app', from: 'a', to: 'b', term: 2, prevIndex: 1, prevTerm: 1, entries: [], commit: 3 })
  t.equal(s.log.commit, 1, 'entries 2 and 3 may be stale')
})

t.test('raft replication - fast backtracking repairs a long divergent follower in few round trips', async (t) => {
  const ids5 = ['a', 'b', 'c', 'd', 'e']
  const net = new Network(ids5, { seed: 3 })
  const old = net.electLeader()
  net.run(2)
  // The old leader appends 100 entries nobody else gets, then crashes.
  net.isolate(old)
  for (let k = 0; k < 100; k++) net.propose(old, `lost${k}`)
  net.crash(old)
  net.heal()
  const first = net.electLeader()
  for (let k = 0; k < 100; k++) net.propose(first, `kept${k}`)
  net.stabilize()
  net.run(2)
  // A second change of leader, so the leader probing the old one starts from its log's end.
  net.isolate(first)
  for (let k = 0; k < 200 && (net.leader() === first || net.leader() === undefined); k++) net.run(1)
  const leader = net.leader()!
  t.not(leader, first)
  net.heal()
  net.restart(old)
  const before = net.log.length
  net.run(20)
  const traffic = net.log.slice(before)
  const rejects = traffic.filter((m) => m.type === 'appResp' && m.from === old && m.reject).length
  t.ok(rejects >= 1 && rejects <= 2, `${rejects} rejection(s) for a 100-entry divergence, not ~100`)
  t.same(net.entries(old), net.entries(leader), 'the old leader\'s log now matches')
})

t.test('raft replication - flow control caps entries per append and appends in flight', async (t) => {
  const net = new Network(ids3, { seed: 4, config: { maxEntriesPerMsg: 4, maxInflight: 2 } })
  const leader = net.electLeader()
  net.run(2)
  const follower = ids3.find((id) => id !== leader)!
  net.isolate(follower) // nothing comes back, so nothing is acknowledged
  const before = net.log.length
  for (let k = 0; k < 30; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  const apps = net.log.slice(before).filter((m): m is App => m.type === 'app' && m.to === follower && m.entries.length > 0)
  t.ok(apps.every((m) => m.entries.length <= 4), 'at most 4 entries each')
  t.equal(apps.length, 2, 'at most 2 unacknowledged appends')
  net.heal()
  net.run(30)
  t.equal(net.lastIndex(follower), net.lastIndex(leader), 'it catches up once answers flow')
})

t.test('raft replication - flow control caps bytes per append (but always sends one entry)', async (t) => {
  const net = new Network(['a', 'b', 'c'], { seed: 5, config: { maxBytesPerMsg: 10 } })
  const leader = net.electLeader()
  net.run(1)
  const follower = net.ids.find((id) => id !== leader)!
  net.crash(follower)
  net.propose(leader, 'x'.repeat(30))
  for (let k = 0; k < 5; k++) net.step(leader, { type: 'propose', id: `s${k}`, data: new Uint8Array(4) })
  net.stabilize()
  net.restart(follower) // it has lost nothing but must now be sent the backlog
  const before = net.log.length
  net.run(10)
  const apps = net.log.slice(before).filter((m): m is App => m.type === 'app' && m.to === follower && m.entries.length > 0)
  const sizes = apps.map((m) => m.entries.map((e) => e.data.byteLength))
  t.ok(apps.length > 0, `batches ${JSON.stringify(sizes)}`)
  t.ok(sizes.every((b) => b.length === 1 || b.reduce((x, y) => x + y, 0) <= 10), 'over 10 bytes only as a single entry')
  t.equal(net.lastIndex(follower), net.lastIndex(leader))
})

t.test('raft replication - lost appends in a full window recover through heartbeats', async (t) => {
  const net = new Network(ids3, { seed: 6, config: { maxInflight: 1 } })
  const leader = net.electLeader()
  net.run(2)
  const follower = ids3.find((id) => id !== leader)!
  let dropping = true
  net.dropIf = (m: PeerMessage) => dropping && m.type === 'app' && m.to === follower && m.entries.length > 0
  for (let k = 0; k < 10; k++) net.propose(leader, `v${k}`)
  net.stabilize()
  dropping = false
  net.run(10)
  t.equal(net.lastIndex(follower), net.lastIndex(leader))
})

t.test('raft replication - leader append-only: a leader never rewrites or deletes its entries', async (t) => {
  const net = new Network(['a', 'b', 'c', 'd', 'e'], { seed: 7 })
  let prev = new Map<string, { term: number; log: string[] }>()
  const violations: string[] = []
  let checks = 0
  for (let round = 0; round < 200; round++) {
    if (round % 30 === 0) net.isolate(net.leader() ?? 'a')
    if (round % 30 === 15) net.heal()
    const l = net.leader()
    if (l !== undefined && round % 3 === 0) net.propose(l, `r${round}`)
    net.run(1)
    const next = new Map<string, { term: number; log: string[] }>()
    for (const id of net.ids) {
      const s = net.state(id)
      if (s.role !== 'leader') continue
      const log = net.entries(id)
      const p = prev.get(id)
      if (p !== undefined && p.term === s.term && log.slice(0, p.log.length).join() !== p.log.join()) violations.push(`${id} rewrote its log in term ${s.term}`)
      next.set(id, { term: s.term, log })
      checks++
    }
    prev = next
  }
  t.same(violations, [])
  t.ok(checks > 100, `${checks} leader observations`)
})
