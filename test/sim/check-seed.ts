/**
 * One seed of the whole-cluster simulation as a tap test: every invariant holds; unless a host was
 * paused, no leader write is even sent after its term. Shared by the seed test files.
 */
import t from 'tap'
import { failureReport } from '../../runtime/sim/report.ts'
import { LEADER_ACTING } from '../../runtime/sim/invariants/leader-acting.ts'
import { runSeed } from '../../runtime/sim/sim-run.ts'
import { seedComment } from '../helpers/seeds.ts'

export interface SeedShape {
  readonly nodes: number
  readonly virtualSeconds: number
  readonly leaderFaults?: boolean
}

export function checkSeed(envVar: string, seed: number, shape: SeedShape, fileUrl: string): void {
  t.test(`simulation - seed ${seed} (${shape.virtualSeconds} virtual s): every invariant holds`, async (t) => {
    t.comment(seedComment(envVar, seed, fileUrl))
    const result = await runSeed({ seed, ...shape })
    t.comment(`${result.messages} messages, ${(result.virtualMs / 1000).toFixed(1)} virtual s in ${(result.wallMs / 1000).toFixed(1)} wall s`)
    for (const r of result.results) t.ok(r.held, `${r.name}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''}`)
    // Fencing refuses a deposed leader's late writes, but none should even be sent: a stopped
    // engine's API client closes at once (runtime/engine.ts; seed 9 sent 10 before it did).
    // Unless a host was paused: its held sends leave late when it resumes, which fencing is for.
    const acting = result.results.find((r) => r.name === LEADER_ACTING)
    if (!result.events.some((line) => /\bpause/.test(line))) t.notMatch(acting?.detail ?? '', /sent after their term/, 'no leader write sent after its term')
    if (!result.held) t.comment(failureReport(result, { seed, ...shape }))
  })
}
