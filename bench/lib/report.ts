/** The result file every suite run writes, and the human summary printed after it. */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Environment } from './environment.ts'
import type { SuiteOutput } from './suite.ts'

export interface SuiteResult extends SuiteOutput {
  readonly suite: string
  /** ISO 8601 time the run started. */
  readonly date: string
  readonly quick: boolean
  readonly durationSeconds: number
  readonly environment: Environment
}

export async function writeResult(path: string, result: SuiteResult): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`)
}

/** Thousands separators, no decimals above 100, three significant digits below. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toPrecision(3)
}

export function table(header: readonly string[], rows: readonly (readonly string[])[], alignRight: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (alignRight[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function summary(result: SuiteResult): string {
  const env = result.environment
  const lines = [
    `${result.suite}${result.quick ? ' (quick)' : ''} — ${result.date}, ${result.durationSeconds.toFixed(1)} s`,
    `node ${env.node}, ${env.cpuModel} × ${env.cores}, ${env.natsServer ?? 'nats-server ?'}, load average ${env.loadAverage.start} at start, ${env.loadAverage.end} at end`,
    '',
    table(
      ['measurement', 'unit', 'median', 'min', 'max', 'runs', 'count/run'],
      result.measurements.map((m) => [
        m.label,
        m.unit,
        formatNumber(m.median),
        formatNumber(m.min),
        formatNumber(m.max),
        String(m.repetitions.length),
        formatNumber(m.repetitions[0]?.count ?? 0),
      ]),
      [false, false, true, true, true, true, true],
    ),
  ]
  const cpuNames = [...new Set(result.measurements.flatMap((m) => Object.keys(m.cpuMicrosPerItem ?? {})))]
  if (cpuNames.length > 0) {
    lines.push(
      '',
      'CPU µs per item (median; processes share the cores, so these add up to more than wall time when they overlap)',
      table(
        ['measurement', ...cpuNames, 'total'],
        result.measurements.map((m) => {
          const cpu = m.cpuMicrosPerItem ?? {}
          const total = Object.values(cpu).reduce((a, b) => a + b, 0)
          return [m.label, ...cpuNames.map((n) => (cpu[n] === undefined ? '' : cpu[n].toFixed(2))), total.toFixed(2)]
        }),
        [false, ...cpuNames.map(() => true), true],
      ),
    )
  }
  if (result.ratios.length > 0) {
    lines.push(
      '',
      table(
        ['ratio', 'value', 'goal', 'met'],
        result.ratios.map((r) => [r.label, `${r.value.toFixed(2)}x`, r.goal === undefined ? '' : `>= ${r.goal}x`, r.met === undefined ? '' : r.met ? 'yes' : 'NO']),
        [false, true, true, false],
      ),
    )
  }
  for (const note of result.notes) lines.push(`note: ${note}`)
  return lines.join('\n')
}
