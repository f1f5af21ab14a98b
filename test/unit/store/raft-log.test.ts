/** Units under the core: the log, follower progress, quorum arithmetic, config, determinism. */
import t from 'tap'
import { makeConfig } from '../../../actors/store/raft/config.ts'
import { appendMatching, compactTo, findConflictByTerm, isUpToDate, lastIndex, termAt, type RaftLog } from '../../../actors/store/raft/log.ts'
import { becomeReplicate, freeInflightTo, isPaused, maybeDecrTo, maybeUpdate, newProgress } from '../../../actors/store/raft/progress.ts'
import { majorityIndex, tally } from '../../../actors/store/raft/quorum.ts'
import { Network } from '../../../actors/store/raft/rafttest/network.ts'
import { restore } from '../../../actors/store/raft/state.ts'
import type { Entry } from '../../../actors/store/raft/types.ts'

const entry = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: new Uint8Array(0) })
const logOf = (terms: number[], offset = 0, offsetTerm = 0): RaftLog => ({
  entries: terms.map((term, k) => entry(offset + 1 + k, term)),
  offset,
  offsetTerm,
  commit: offset,
  applied: offset,
})

t.test('raft log - terms, bounds and the snapshot boundary', async (t) => {
  const l = logOf([2, 2, 3], 5, 1)
  t.equal(lastIndex(l), 8)
  t.equal(termAt(l, 5), 1, 'the snapshot boundary keeps its term')
  t.equal(termAt(l, 4), undefined, 'compacted')
  t.equal(termAt(l, 9), undefined, 'not yet written')
  t.equal(termAt(l, 8), 3)
  t.ok(isUpToDate(l, 1, 4), 'a higher last term wins')
  t.notOk(isUpToDate(l, 7, 3), 'same term, shorter log loses')
  t.ok(isUpToDate(l, 8, 3))
})

t.test('raft log - appendMatching skips what is present, truncates at the first conflict', async (t) => {
  const l = logOf([1, 1, 2, 2])
  t.equal(appendMatching(l, [entry(2, 1), entry(3, 2)]), undefined, 'all present: nothing to write')
  t.equal(appendMatching(l, [entry(3, 2), entry(4, 3), entry(5, 3)]), 4)
  t.same(l.entries.map((e) => e.term), [1, 1, 2, 3, 3])
  l.commit = 4
  t.throws(() => appendMatching(l, [entry(4, 9)]), /committed/, 'never overwrite a committed entry')
})

t.test('raft log - findConflictByTerm walks back to a term no higher than asked', async (t) => {
  const l = logOf([1, 1, 3, 3, 3, 5])
  t.same(findConflictByTerm(l, 6, 4), [5, 3])
  t.same(findConflictByTerm(l, 6, 1), [2, 1])
  t.same(findConflictByTerm(l, 9, 5), [9, 0], 'past the end: no information')
  const c = logOf([4, 4], 3, 3)
  t.same(findConflictByTerm(c, 5, 2), [2, 0], 'stops at the snapshot')
})

t.test('raft log - compaction keeps indexes stable', async (t) => {
  const l = logOf([1, 1, 2, 2, 2])
  compactTo(l, 3, 2)
  t.equal(l.offset, 3)
  t.same(l.entries.map((e) => e.index), [4, 5])
  t.equal(termAt(l, 3), 2)
})

t.test('raft progress - probe sends one at a time, replicate pipelines up to the window', async (t) => {
  const pr = newProgress(5)
  t.notOk(isPaused(pr, 2))
  pr.probeSent = true
  t.ok(isPaused(pr, 2), 'probe waits for an answer')
  t.ok(maybeUpdate(pr, 4))
  t.notOk(pr.probeSent)
  becomeReplicate(pr)
  t.equal(pr.next, 5)
  pr.inflight.push(6, 8)
  t.ok(isPaused(pr, 2), 'window full')
  freeInflightTo(pr, 6)
  t.same(pr.inflight, [8])
  t.notOk(isPaused(pr, 2))
})

t.test('raft progress - rejects move next back by the hint, stale rejects are ignored', async (t) => {
  const pr = newProgress(11)
  t.notOk(maybeDecrTo(pr, 7, 3), 'a reject for an append not outstanding is stale')
  t.ok(maybeDecrTo(pr, 10, 3))
  t.equal(pr.next, 4, 'jumps to just past the hint')
  pr.match = 5
  becomeReplicate(pr)
  t.notOk(maybeDecrTo(pr, 5, 0), 'replicate: a reject at or below match is stale')
  t.ok(maybeDecrTo(pr, 9, 0))
  t.equal(pr.next, 6)
})

t.test('raft quorum - majority index and vote tallies', async (t) => {
  t.equal(majorityIndex([5, 3, 9]), 5)
  t.equal(majorityIndex([1, 2, 3, 4, 5]), 3)
  t.equal(majorityIndex([7]), 7)
  t.equal(tally(new Map([['a', true], ['b', true]]), 3), 'won')
  t.equal(tally(new Map([['a', true], ['b', false]]), 3), 'pending')
  t.equal(tally(new Map([['a', true], ['b', false], ['c', false]]), 3), 'lost')
  t.equal(tally(new Map([['a', true], ['b', false], ['c', false]]), 5), 'pending')
})

t.test('raft config - bad values are refused with the value in the message', async (t) => {
  t.throws(() => makeConfig({ electionTimeout: 0 }), /electionTimeout must be a positive integer, got 0/)
  t.throws(() => makeConfig({ heartbeatTimeout: 10, electionTimeout: 10 }), RangeError)
  t.throws(() => restore({ id: 'x', voters: ['a'], seed: 1 }), /not among the voters/)
  t.throws(() => restore({ id: 'a', voters: ['a'], seed: 1, entries: [entry(2, 1)] }), /expected 1/)
  t.throws(() => restore({ id: 'a', voters: ['a'], seed: 1, hardState: { term: 1, vote: undefined, commit: 3 } }), /past the last entry/)
})

t.test('raft determinism - the same seed and inputs give the same run', async (t) => {
  const trace = (seed: number): string => {
    const net = new Network(['a', 'b', 'c'], { seed })
    net.run(30)
    const l = net.electLeader()
    net.propose(l, 'x')
    net.run(5)
    return JSON.stringify(net.log.map((m) => [m.type, m.from, m.to, m.term]))
  }
  t.equal(trace(42), trace(42))
  t.not(trace(42), trace(43), 'and another seed gives another run')
})
