/**
 * A chaos measurement: samples (one per fault round, or one per experiment) of a time, a
 * percentage or a count, their p50 / p99 / min / max, the goal on one of those and
 * whether this run met it, and a baseline: measured in the same run (the steady state before the
 * first fault) or a fixed reference, labelled as such. It is a bench Measurement whose
 * repetitions are the samples (`rate` holds the sample's value in `unit`), so the runner's
 * summary and the charts read it like any other.
 */
import type { Measurement, Repetition } from '../lib/suite.ts'
import { percentiles } from '../store/workload.ts'

export type Statistic = 'p50' | 'p99' | 'max' | 'min'

export interface Goal {
  /** The words, e.g. `p99 <= 1 s`. */
  readonly text: string
  readonly statistic: Statistic
  readonly op: '<=' | '>='
  readonly value: number
  readonly met: boolean
  /** The statistic's value in this run. */
  readonly measured: number
}

export interface Baseline {
  readonly label: string
  readonly value: number
  readonly unit: string
  /** true: measured in this run; false: a fixed reference (not measured here). */
  readonly measured: boolean
}

export interface ChaosMeasurement extends Measurement {
  readonly experiment: string
  readonly samples: readonly number[]
  readonly p50: number
  readonly p99: number
  readonly goals: readonly Goal[]
  readonly baseline?: Baseline
  /** How the samples were taken. */
  readonly method: string
}

export interface GoalSpec {
  readonly text: string
  readonly statistic: Statistic
  readonly op: '<=' | '>='
  readonly value: number
}

export function chaosMeasurement(spec: {
  readonly id: string
  readonly label: string
  readonly experiment: string
  readonly unit: string
  readonly samples: readonly number[]
  readonly goals: readonly GoalSpec[]
  readonly method: string
  readonly baseline?: Baseline
}): ChaosMeasurement {
  const samples = spec.samples.map((s) => Math.round(s * 100) / 100)
  const stats = samples.length > 0 ? { ...percentiles(samples), min: Math.min(...samples), max: Math.max(...samples) } : { p50: Number.NaN, p99: Number.NaN, min: Number.NaN, max: Number.NaN }
  const goals = spec.goals.map((g): Goal => {
    const measured = stats[g.statistic]
    // No sample is no evidence: the goal is not met.
    const met = Number.isFinite(measured) && (g.op === '<=' ? measured <= g.value : measured >= g.value)
    return { ...g, measured, met }
  })
  const repetitions: Repetition[] = samples.map((value) => ({ count: 1, seconds: 0, rate: value }))
  return {
    id: spec.id,
    label: spec.label,
    group: spec.label,
    series: spec.experiment,
    unit: spec.unit,
    warmup: [],
    repetitions,
    median: stats.p50,
    min: stats.min,
    max: stats.max,
    experiment: spec.experiment,
    samples,
    p50: stats.p50,
    p99: stats.p99,
    goals,
    ...(spec.baseline ? { baseline: spec.baseline } : {}),
    method: spec.method,
  }
}
