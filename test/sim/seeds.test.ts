/**
 * CI's fixed seeds of the whole-cluster simulation (scripts/sim.ts runs fresh ones): every
 * invariant holds under each seed's faults and workload. SIM_SEED=N[,M...] replays seeds;
 * `npm run soak -- --only sim` explores new ones.
 */
import t from 'tap'
import { failureReport } from '../../runtime/sim/report.ts'
import { runSeed } from '../../runtime/sim/sim-run.ts'
import { seedComment, seedsFrom } from '../helpers/seeds.ts'

const SHAPE = { nodes: 5, virtualSeconds: 30 } as const

for (const seed of seedsFrom('SIM_SEED', [1, 2, 3])) {
  t.test(`simulation - seed ${seed}: every invariant holds`, async (t) => {
    t.comment(seedComment('SIM_SEED', seed, import.meta.url))
    const result = await runSeed({ seed, ...SHAPE })
    t.comment(`${result.messages} messages, ${(result.virtualMs / 1000).toFixed(1)} virtual s in ${(result.wallMs / 1000).toFixed(1)} wall s`)
    for (const r of result.results) t.ok(r.held, `${r.name}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''}`)
    if (!result.held) t.comment(failureReport(result, { seed, ...SHAPE }))
  })
}
