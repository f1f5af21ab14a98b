/** Raft §5.2 leader election, §9.6 PreVote, §6.2 CheckQuorum. */
import t from 'tap'
import { Network } from '../../../actors/store/raft/rafttest/network.ts'
import { restore, status } from '../../../actors/store/raft/state.ts'
import { step } from '../../../actors/store/raft/step.ts'

const ids = ['a', 'b', 'c', 'd', 'e']

t.test('raft election - §5.2 a cluster elects exactly one leader and everyone follows it', async (t) => {
  const net = new Network(ids.slice(0, 3), { seed: 3 })
  const leader = net.electLeader()
  net.run(5)
  const terms = new Set(ids.slice(0, 3).map((id) => net.state(id).term))
  t.equal(terms.size, 1, 'one term')
  for (const id of ids.slice(0, 3)) {
    t.equal(net.state(id).lead, leader, `${id} follows ${leader}`)
    t.equal(net.state(id).role, id === leader ? 'leader' : 'follower')
  }
  t.equal(net.committed.get(1)?.split(':')[2], 'noop', 'the new leader commits a no-op')
})

t.test('raft election - §5.2 a single replica elects itself at once', async (t) => {
  const s = restore({ id: 'solo', voters: ['solo'], seed: 1 })
  const out = step(s, { type: 'campaign' })
  t.equal(out.state.role, 'leader')
  t.equal(out.state.term, 1)
  t.same(out.persist.hardState, { term: 1, vote: 'solo', commit: 1 })
  t.equal(out.apply.length, 1, 'the no-op commits with a quorum of one')
})

t.test('raft election - §5.4.1 a candidate with a stale log is not elected', async (t) => {
  const net = new Network(ids.slice(0, 3), { seed: 4, seeds: { a: 1, b: 2, c: 3 } })
  const leader = net.electLeader()
  const stale = ids.slice(0, 3).find((id) => id !== leader)!
  net.isolate(stale)
  for (let k = 0; k < 5; k++) net.propose(leader, `x${k}`)
  net.stabilize()
  net.heal()
  // Depose the leader so the stale replica gets its chance, and make it campaign first.
  net.crash(leader)
  net.step(stale, { type: 'campaign' })
  net.stabilize()
  for (let k = 0; k < 100 && net.leader() === undefined; k++) net.run(1)
  const next = net.leader()
  t.not(next, stale, 'the stale replica cannot win')
  t.not(next, undefined)
})

t.test('raft election - election safety: at most one leader per term across many elections', async (t) => {
  const net = new Network(ids, { seed: 5 })
  const leaders = new Map<number, string>()
  for (let round = 0; round < 300; round++) {
    const current = net.leader()
    if (round % 40 === 0 && current !== undefined) {
      // Strand the leader in a minority: the majority must elect a new one in a later term.
      const minority = [current, ids[round % 5] === current ? ids[(round + 1) % 5]! : ids[round % 5]!]
      net.partition(minority, ids.filter((id) => !minority.includes(id)))
    }
    if (round % 40 === 20) net.heal()
    net.run(1)
    for (const id of ids) {
      const s = net.state(id)
      if (s.role !== 'leader') continue
      const seen = leaders.get(s.term)
      if (seen !== undefined && seen !== id) t.fail(`two leaders in term ${s.term}: ${seen} and ${id}`)
      leaders.set(s.term, id)
    }
  }
  t.ok(leaders.size >= 5, `leaders over ${leaders.size} terms`)
})

t.test('raft election - PreVote + CheckQuorum: a rejoining partitioned replica does not disturb the leader', async (t) => {
  const net = new Network(ids, { seed: 6 })
  const leader = net.electLeader()
  net.run(3)
  const term = net.state(leader).term
  const loner = ids.find((id) => id !== leader)!
  net.isolate(loner)
  net.run(200) // twenty-odd election timeouts alone
  t.equal(net.state(loner).term, term, 'PreVote: the isolated replica never raised its term')
  t.not(net.state(loner).role, 'leader')
  net.heal()
  net.run(30)
  t.equal(net.leader(), leader, 'same leader')
  t.equal(net.state(leader).term, term, 'same term')
  t.equal(net.state(loner).lead, leader, 'the loner follows again')
})

t.test('raft election - leader lease: replicas that heard from a leader ignore a disruptive vote request', async (t) => {
  const net = new Network(ids.slice(0, 3), { seed: 7 })
  const leader = net.electLeader()
  net.run(2)
  const term = net.state(leader).term
  const other = ids.slice(0, 3).find((id) => id !== leader)!
  const follower = ids.slice(0, 3).find((id) => id !== leader && id !== other)!
  // A real (not pre) vote at a higher term, as a replica without PreVote would send.
  net.step(follower, { type: 'vote', from: other, to: follower, term: term + 5, pre: false, lastIndex: 100, lastTerm: term + 4, transfer: false })
  t.equal(net.state(follower).term, term, 'term unchanged')
  t.equal(net.state(follower).lead, leader, 'still follows the leader')
})

t.test('raft election - CheckQuorum: a leader cut off from the majority steps down', async (t) => {
  const net = new Network(ids, { seed: 8 })
  const leader = net.electLeader()
  net.run(2)
  net.isolate(leader)
  net.run(25)
  t.equal(net.state(leader).role, 'follower', 'the old leader stepped down')
  const fresh = net.leader()
  t.ok(fresh !== undefined && fresh !== leader, 'the majority elected another leader')
})

t.test('raft election - status reports the role, term and indexes', async (t) => {
  const net = new Network(['a'], { seed: 1 })
  net.electLeader()
  t.match(status(net.state('a')), { id: 'a', role: 'leader', term: 1, commit: 1, applied: 1, lastIndex: 1, snapshotIndex: 0 })
})
