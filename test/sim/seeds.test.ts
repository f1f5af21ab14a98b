/**
 * CI's fixed seeds of the whole-cluster simulation (scripts/sim.ts runs fresh ones), with every
 * fault kind, the leader faults included: every invariant holds under each seed's faults and
 * workload. SIM_SEED=N[,M...] replays seeds; `npm run soak -- --only sim` explores new ones. The
 * seeds that once found bugs are in regression-seeds.test.ts.
 */
import { seedsFrom } from '../helpers/seeds.ts'
import { checkSeed } from './check-seed.ts'

const SHAPE = { nodes: 5, virtualSeconds: 30 } as const

for (const seed of seedsFrom('SIM_SEED', [1, 2, 3])) checkSeed('SIM_SEED', seed, SHAPE, import.meta.url)
