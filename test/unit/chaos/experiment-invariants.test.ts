/**
 * The experiment step under seeded random specs, probe health and controller restarts: whatever
 * happens, no fault is left behind (every injected fault is healed, by the step or by a successor
 * rebuilt from .status, and no lease ever runs past its fault's planned end, a resumed one's
 * included), only injected targets are healed, the experiment completes with a verdict, and the
 * same seed replays the same effects.
 * Seeds: CHAOS_STEP_SEED=7 (or 7,8,9) replays.
 */
import t from 'tap'
import type { ChaosExperimentSpec, FaultSpec } from '../../../actors/chaos/api.ts'
import { planOf } from '../../../actors/chaos/experiment-plan.ts'
import { restoreExperiment } from '../../../actors/chaos/experiment-status.ts'
import { seededRandom, type Random } from '../../../runtime/random.ts'
import { seedsComment, seedsFrom } from '../../helpers/seeds.ts'
import { Driver, T0 } from './experiment-driver.ts'

const SEEDS = seedsFrom('CHAOS_STEP_SEED', Array.from({ length: 40 }, (_, i) => i + 1))
t.comment(seedsComment('CHAOS_STEP_SEED', SEEDS, import.meta.url))

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const HOSTS = ['master-1', 'master-2', 'master-3', 'worker-1', 'worker-2']

function randomSpec(random: Random): ChaosExperimentSpec {
  const faults: FaultSpec[] = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => ({
    name: `f${i}`,
    kind: pick(random, ['host-stop', 'partition', 'message-drop']),
    duration: `${1 + Math.floor(random() * 20)}s`,
    target: { hosts: { roles: ['master'] } },
    ...pick(random, [{ mode: 'one' as const }, { mode: 'all' as const }, { mode: 'fixed' as const, value: 2 }, { mode: 'percent' as const, value: 40 }]),
  }))
  const probes = Array.from({ length: Math.floor(random() * 3) }, (_, i) => ({ name: `p${i}`, type: 'http' as const, interval: `${100 * (1 + Math.floor(random() * 10))}ms`, http: { url: 'http://x/' } }))
  return {
    steadyState: { probes, timeout: '10s' },
    method: { mode: pick(random, ['Serial', 'Parallel'] as const), faults },
    abort: { onProbeFailure: random() < 0.3, failureThreshold: 1 + Math.floor(random() * 3) },
    recoveryTimeout: '15s',
    repeat: 1 + Math.floor(random() * 3),
    interval: `${Math.floor(random() * 5)}s`,
  }
}

/** Probe health: down in a few random windows. */
function randomHealth(random: Random): (name: string, at: number) => boolean {
  const windows = Array.from({ length: Math.floor(random() * 4) }, () => {
    const from = T0 + Math.floor(random() * 120_000)
    return { from, to: from + Math.floor(random() * 20_000) }
  })
  return (_name, at) => !windows.some((w) => at >= w.from && at < w.to)
}

interface Outcome {
  readonly trace: string
  readonly problems: string[]
}

function runSeed(seed: number): Outcome {
  const random = seededRandom(seed)
  const spec = randomSpec(random)
  const healthy = randomHealth(random)
  const candidates = Object.fromEntries(spec.method.faults.map((f) => [f.name, random() < 0.1 ? [] : HOSTS.slice(0, 1 + Math.floor(random() * 5))]))
  const restartAt = random() < 0.6 ? T0 + Math.floor(random() * 60_000) : undefined
  const abortAt = random() < 0.15 ? T0 + Math.floor(random() * 60_000) : undefined
  const script = { candidates, healthy, ...(abortAt ? { inputs: [{ at: abortAt, input: { type: 'abort' as const, reason: 'annotation' } }] } : {}) }
  let d = Driver.start(spec, seed, script)
  const drivers = [d]
  if (restartAt !== undefined) {
    d.run(restartAt)
    if (d.state.phase !== 'Completed') {
      // The old controller dies here; its successor has only the last status it wrote.
      const successor = restoreExperiment(planOf(spec), d.status, 0, d.now + 5000)
      d = new Driver({ candidates, healthy }, successor, d.now + 5000)
      drivers.push(d)
    }
  }
  d.run(T0 + 3_600_000)
  const problems: string[] = []
  if (d.state.phase !== 'Completed' || d.state.verdict === undefined) problems.push(`not completed: ${d.state.phase}`)
  const log = drivers.flatMap((x) => x.log)
  const injected = new Map<string, { at: number; end: number; targets: string }>()
  for (const { at, effect } of log) {
    const key = effect.type === 'inject' || effect.type === 'renew' || effect.type === 'heal' ? `${effect.fault}#${effect.round}` : ''
    if (effect.type === 'inject' && effect.resume === true) {
      // A successor granting again what its predecessor injected: the fault keeps its planned end.
      const was = injected.get(key)
      if (was === undefined) problems.push(`${key}: resumed, never injected`)
      else if (effect.leaseExpiresAt > was.end) problems.push(`${key}: resumed past the fault's end`)
      else if (was.targets !== effect.targets.join()) problems.push(`${key}: resumed on other targets`)
    } else if (effect.type === 'inject') {
      const duration = planOf(spec).faults.find((f) => f.name === effect.fault)!.durationMs
      injected.set(key, { at, end: at + duration, targets: effect.targets.join() })
      if (effect.leaseExpiresAt > at + duration) problems.push(`${key}: lease past the fault's end`)
    }
    if (effect.type === 'renew' && effect.leaseExpiresAt > injected.get(key)!.end) problems.push(`${key}: renewed past the fault's end`)
    if (effect.type === 'heal') {
      const was = injected.get(key)
      if (was === undefined) problems.push(`${key}: healed, never injected`)
      else if (was.targets !== effect.targets.join()) problems.push(`${key}: healed other targets`)
      injected.delete(key)
    }
  }
  // The hosts' leases would lift these in time, but the step must heal what it injected.
  for (const [key, f] of injected) problems.push(`${key} (injected at +${f.at - T0}) left behind`)
  if ((d.status?.faults ?? []).some((f) => f.injectedAt !== undefined && f.healedAt === undefined)) problems.push('status shows a fault in force at the end')
  const trace = JSON.stringify(log.map((r) => [r.at - T0, r.effect.type, 'fault' in r.effect ? r.effect.fault : '']))
  return { trace, problems }
}

for (const seed of SEEDS) {
  t.test(`experiment invariants - seed ${seed}`, async (t) => {
    const first = runSeed(seed)
    t.same(first.problems, [], `seed ${seed}`)
    t.equal(runSeed(seed).trace, first.trace, 'the same seed replays the same effects')
  })
}
