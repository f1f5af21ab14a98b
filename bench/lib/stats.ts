/** Small statistics over repetitions. */
import type { Measurement, Repetition } from './suite.ts'

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function repetition(count: number, seconds: number, cpuSeconds?: Readonly<Record<string, number>>): Repetition {
  if (!(seconds > 0)) throw new RangeError(`repetition took ${seconds} s`)
  return { count, seconds, rate: count / seconds, ...(cpuSeconds ? { cpuSeconds } : {}) }
}

export function summarize(
  spec: Pick<Measurement, 'id' | 'label' | 'group' | 'series' | 'unit'>,
  warmup: readonly Repetition[],
  repetitions: readonly Repetition[],
): Measurement {
  const rates = repetitions.map((r) => r.rate)
  const processes = new Set(repetitions.flatMap((r) => Object.keys(r.cpuSeconds ?? {})))
  const cpuMicrosPerItem: Record<string, number> = {}
  for (const name of processes) {
    const perItem = repetitions.flatMap((r) => (r.cpuSeconds?.[name] === undefined ? [] : [(r.cpuSeconds[name] * 1e6) / r.count]))
    cpuMicrosPerItem[name] = Math.round(median(perItem) * 100) / 100
  }
  return {
    ...spec,
    warmup,
    repetitions,
    median: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    ...(processes.size > 0 ? { cpuMicrosPerItem } : {}),
  }
}
