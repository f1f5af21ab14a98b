/**
 * The simulation's regression seeds: seeds that once broke an invariant, in the shape they were
 * found in (`npm run sim -- --seed N --no-leader-faults`: found before there were leader faults,
 * so they run without them to keep the schedule they drew). A seed is a regression case only while it takes the bug's path, and
 * seeds drift as the code moves: these two failed when they were pinned (400629c, 2dcb48b), but
 * nobody re-checked them since (the quorum guard in faults.ts, for one, now skips a kill that
 * would take a second master down, which may change a seed's run):
 * 9: a deposed controller manager's ApiClient kept resending a write after its term
 * (leader-acting; runtime/engine.ts now closes it at stop, 77687ff). 11: master-1, whose wall
 * clock had jumped ahead, took the scheduler's Lease 0.8 s after master-3 renewed it
 * (leader-acting's early takeover; the elector now measures on the monotonic clock, 512d5c1).
 * The other bugs the simulation found are pinned by unit tests, not seeds: their seeds were found
 * at 738aacb and nobody checked that they still reach the bug's path on today's code.
 * 2100, 2118 (a Deployment scaled mid-rollout stuck as a scaling event, 7691342):
 * test/unit/controllers/deployment.test.ts. 2116 (a kubelet's Ready-again patch lost in a
 * partition, never resent, c6bfd4a): test/unit/kubelet/node-registrations.test.ts. 2027, 2046 (a
 * timed-out write resent to the next apiserver, eee3275): test/unit/apiserver/api-client-failover.test.ts.
 * Seeds found with the leader faults: leader-regression-seeds.test.ts (a file of their own,
 * so each file stays well inside tap's per-file timeout).
 */
import { seedsFrom } from '../helpers/seeds.ts'
import { checkSeed } from './check-seed.ts'

const BEFORE_LEADER_FAULTS = { nodes: 5, virtualSeconds: 60, leaderFaults: false } as const

for (const seed of seedsFrom('SIM_REGRESSION_SEED', [9, 11])) checkSeed('SIM_REGRESSION_SEED', seed, BEFORE_LEADER_FAULTS, import.meta.url)
