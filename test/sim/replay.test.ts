/**
 * The whole cluster replays byte for byte: one faulted seed run twice gives the same message trace
 * digest (every message's time, sender, subject and body), the same faults and workload, the same
 * verdicts. SIM_REPLAY_SEED replays another seed.
 */
import t from 'tap'
import { runSeed, type SimRunResult } from '../../runtime/sim/sim-run.ts'
import { seedComment, seedsFrom } from '../helpers/seeds.ts'

const SHAPE = { nodes: 3, virtualSeconds: 20 } as const

const fingerprint = (r: SimRunResult) => ({
  digest: r.digest,
  messages: r.messages,
  virtualMs: r.virtualMs,
  events: r.events,
  results: r.results.map((x) => `${x.name}:${x.held}:${x.at ?? ''}`),
})

for (const seed of seedsFrom('SIM_REPLAY_SEED', [7])) {
  t.test(`simulation replay - seed ${seed} of a faulted whole cluster replays byte for byte`, async (t) => {
    t.comment(seedComment('SIM_REPLAY_SEED', seed, import.meta.url))
    const first = await runSeed({ seed, ...SHAPE })
    t.ok(first.events.some((e) => e.includes(' fault: ')), `the run had faults:\n${first.events.join('\n')}`)
    t.ok(first.messages > 1000, `the cluster talked (${first.messages} messages)`)
    const second = await runSeed({ seed, ...SHAPE })
    t.strictSame(fingerprint(second), fingerprint(first), 'same digest, faults, workload and verdicts')
    const other = await runSeed({ seed: seed + 1, ...SHAPE, virtualSeconds: 4 })
    t.not(other.digest, first.digest, 'another seed is another run')
  })
}
