/**
 * Running a store suite's cases: warm-ups then timed repetitions, interleaved case by case so that
 * drift (disk, page cache, the other processes) spreads over every case alike; progress on each;
 * one measurement per case with the median p50/p99 of its repetitions.
 */
import { median, summarize } from '../lib/stats.ts'
import type { Measurement, SuiteContext } from '../lib/suite.ts'
import type { LatencyRepetition, StoreMeasurement } from './etcd-suite.ts'

export interface Case {
  readonly spec: Pick<Measurement, 'id' | 'label' | 'group' | 'series' | 'unit'>
  run(): Promise<LatencyRepetition>
}

export async function runCases(ctx: SuiteContext, cases: readonly Case[], p: { readonly warmup: number; readonly repetitions: number }): Promise<StoreMeasurement[]> {
  const results = new Map(cases.map((k) => [k.spec.id, { warmup: [] as LatencyRepetition[], repetitions: [] as LatencyRepetition[] }]))
  const width = Math.max(...cases.map((k) => k.spec.label.length))
  for (let run = 0; run < p.warmup + p.repetitions; run++) {
    const isWarmup = run < p.warmup
    const label = isWarmup ? `warm-up ${run + 1}/${p.warmup}` : `run ${run - p.warmup + 1}/${p.repetitions}`
    for (const k of cases) {
      const rep = await k.run()
      const slot = results.get(k.spec.id)!
      ;(isWarmup ? slot.warmup : slot.repetitions).push(rep)
      const lat = rep.latencyMs ? `; p50 ${rep.latencyMs.p50} ms, p99 ${rep.latencyMs.p99} ms` : ''
      ctx.progress(`${label} ${k.spec.label.padEnd(width)} ${Math.round(rep.rate).toLocaleString('en-US').padStart(8)} ${k.spec.unit} (${rep.count} in ${rep.seconds.toFixed(2)} s${lat})`)
    }
  }
  return cases.map((k) => {
    const slot = results.get(k.spec.id)!
    const lats = slot.repetitions.flatMap((r) => (r.latencyMs ? [r.latencyMs] : []))
    return {
      ...summarize(k.spec, slot.warmup, slot.repetitions),
      repetitions: slot.repetitions,
      ...(lats.length > 0 ? { latencyMs: { p50: median(lats.map((l) => l.p50)), p99: median(lats.map((l) => l.p99)) } } : {}),
    }
  })
}
