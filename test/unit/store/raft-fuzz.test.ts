/**
 * Seeded randomized fuzz: 5 replicas, random delivery order, drops, duplicates, partitions,
 * crash-restarts from persisted state, proposals, reads, transfers and compactions. Checked
 * throughout: election safety, leader completeness, log matching, committed entries never change (and the network
 * checks state machine safety on every apply). At the end the cluster must heal and make progress.
 * Fixed seeds; RAFT_FUZZ_SEED=<seed>[,<seed>...] runs others (a failure prints its replay command),
 * and `npm run soak -- --only raft-fuzz` explores fresh ones.
 */
import t from 'tap'
import { termAt } from '../../../actors/store/raft/log.ts'
import { describe, Network, Rng } from '../../../actors/store/raft/rafttest/network.ts'
import { replayCommand, seedsComment, seedsFrom } from '../../helpers/seeds.ts'

const ids = ['r1', 'r2', 'r3', 'r4', 'r5']
const STEPS = 12_000

function checkLogMatching(net: Network): void {
  const live = ids.filter((id) => net.replica(id).state !== undefined)
  for (let x = 0; x < live.length; x++) {
    for (let y = x + 1; y < live.length; y++) {
      const a = net.state(live[x]!).log
      const b = net.state(live[y]!).log
      const lo = Math.max(a.offset, b.offset) + 1
      const hi = Math.min(a.offset + a.entries.length, b.offset + b.entries.length)
      let i = hi
      while (i >= lo && termAt(a, i) !== termAt(b, i)) i--
      // Same index and term at i: the logs must agree on everything up to i.
      for (let j = i; j >= lo; j--) {
        const ea = describe(a.entries[j - a.offset - 1]!)
        const eb = describe(b.entries[j - b.offset - 1]!)
        if (ea !== eb) throw new Error(`log matching: ${live[x]} has ${ea}, ${live[y]} has ${eb}, both have term ${termAt(a, i)} at ${i}`)
      }
    }
  }
}

function checkCommitted(net: Network): void {
  for (const id of ids) {
    const s = net.replica(id).state
    if (s === undefined) continue
    const { log } = s
    for (let i = Math.max(log.offset + 1, log.commit - 20); i <= log.commit; i++) {
      const seen = net.committed.get(i)
      const mine = describe(log.entries[i - log.offset - 1]!)
      if (seen !== undefined && seen !== mine) throw new Error(`committed entry changed: ${id} has ${mine} at ${i}, committed was ${seen}`)
    }
  }
}

/** §5.4.1: a new leader holds every entry committed before it (those it has not compacted). */
function checkLeaderCompleteness(net: Network, id: string): void {
  const { log, term } = net.state(id)
  for (const [index, line] of net.committed) {
    if (index <= log.offset) continue
    const e = log.entries[index - log.offset - 1]
    if (e === undefined || describe(e) !== line) throw new Error(`leader completeness: ${id} leads term ${term} without committed ${line}`)
  }
}

function run(seed: number): { leaders: number; committed: number; snapshots: number; proposals: number } {
  const rng = new Rng(seed)
  const net = new Network(ids, { seed, config: { maxEntriesPerMsg: 8, maxInflight: 4 } })
  let dropRate = 0.05
  net.dropIf = () => rng.next() < dropRate
  const leaderOfTerm = new Map<number, string>()
  let proposals = 0
  let snapshots = 0
  for (let n = 0; n < STEPS; n++) {
    const r = rng.next()
    if (r < 0.55) {
      if (net.queue.length > 0) {
        const m = net.queue.splice(rng.int(net.queue.length), 1)[0]!
        if (!net.blocked(m)) net.step(m.to, m)
        if (rng.next() < 0.02) net.queue.push(m) // a duplicate, delivered later
      }
    } else if (r < 0.8) {
      net.tick(rng.pick(ids))
    } else if (r < 0.9) {
      // Mostly to the leader, as a client following leader hints would; sometimes anywhere.
      const id = rng.next() < 0.7 ? (net.leader() ?? rng.pick(ids)) : rng.pick(ids)
      net.propose(id, `p${proposals}`, `p${proposals++}`)
    } else if (r < 0.91) {
      net.step(rng.pick(ids), { type: 'read', id: `q${n}` })
    } else if (r < 0.915) {
      net.step(rng.pick(ids), { type: 'transfer', to: rng.pick(ids) })
    } else if (r < 0.925) {
      const id = rng.pick(ids)
      const s = net.replica(id).state
      if (s !== undefined && s.log.applied > s.log.offset + 10) {
        net.compact(id)
        snapshots++
      }
    } else if (r < 0.935) {
      net.partition(ids.filter(() => rng.next() < 0.4), ids)
    } else if (r < 0.95) {
      net.heal()
      dropRate = rng.next() * 0.2
    } else if (r < 0.957) {
      const id = rng.pick(ids)
      if (net.replica(id).state === undefined) net.restart(id)
      else net.crash(id)
    }
    for (const id of ids) {
      const s = net.replica(id).state
      if (s === undefined || s.role !== 'leader') continue
      const other = leaderOfTerm.get(s.term)
      if (other !== undefined && other !== id) throw new Error(`election safety: ${other} and ${id} both lead term ${s.term}`)
      if (other === undefined) checkLeaderCompleteness(net, id)
      leaderOfTerm.set(s.term, id)
    }
    if (n % 50 === 0) {
      checkLogMatching(net)
      checkCommitted(net)
    }
  }
  // Liveness once the faults stop: everyone up, a leader, new proposals commit everywhere.
  net.heal()
  net.dropIf = () => false
  for (const id of ids) if (net.replica(id).state === undefined) net.restart(id)
  // Without PreVote, stale high-term messages still queued may depose a leader once more: allow
  // a few elections, but the cluster must settle with everyone applying everything.
  // A proposal may be lost with a deposed leader; a client retries it.
  const finalApplied = (): boolean => net.replica(ids[0]!).applied.some((line) => line.endsWith(':final'))
  let settled = false
  for (let round = 0; round < 300 && !settled; round++) {
    const leader = net.electLeader(500)
    if (round % 20 === 0 && !finalApplied()) net.propose(leader, 'final')
    net.run(1)
    const l = net.leader()
    settled = l !== undefined && finalApplied() && net.state(l).log.commit === net.lastIndex(l) &&
      ids.every((id) => net.state(id).log.applied === net.state(l).log.commit)
  }
  if (!settled) throw new Error('liveness: the healed cluster did not settle and apply a new proposal')
  checkLogMatching(net)
  checkCommitted(net)
  return { leaders: leaderOfTerm.size, committed: net.committed.size, snapshots, proposals }
}

const SEED_ENV = 'RAFT_FUZZ_SEED'
const seeds = seedsFrom(SEED_ENV, [1, 2, 3, 4, 5, 6, 7, 8])
/** Per seed, on an idle machine a seed takes well under half of this. */
const BUDGET_MS_PER_SEED = 1250

t.test('raft fuzz - safety under drops, reordering, partitions and crash-restarts', async (t) => {
  t.comment(seedsComment(SEED_ENV, seeds, import.meta.url))
  const started = performance.now()
  for (const seed of seeds) {
    try {
      const r = run(seed)
      t.ok(r.committed > 0, `seed ${seed}: ${STEPS} steps, ${r.leaders} terms with a leader, ${r.committed} of ${r.proposals} proposals committed, ${r.snapshots} snapshots`)
    } catch (err) {
      t.fail(`seed ${seed} failed (replay: ${replayCommand(SEED_ENV, seed, import.meta.url)}): ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  t.ok(performance.now() - started < BUDGET_MS_PER_SEED * seeds.length, `${seeds.length} seeds took ${Math.round(performance.now() - started)} ms`)
})
