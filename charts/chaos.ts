/**
 * The chaos suite's chart (bench/results/chaos.json -> charts/chaos.svg): one panel per goal of
 * issue 14, bars for the statistics the goal is on (p50, p99, max or min over the fault rounds)
 * and the baseline (measured in the same run, or a fixed reference such as Kubernetes' default
 * eviction time), the goal and whether the run met it under each panel; a last panel sums the
 * acked writes lost and linearizability violations of every experiment (the bench's own
 * write stream and probe, and the experiments' store probes as `.status` reports them). Drawn by bar-chart.ts.
 *
 * `node --import tsx charts/chaos.ts [RESULT.json]` renders one result file (charts/render.ts
 * calls `renderChaos` for the chaos suite).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SuiteResult } from '../bench/lib/report.ts'
import type { ChaosMeasurement, Statistic } from '../bench/chaos/goal-measurement.ts'
import { renderBarChart, type Bar, type BarChartSpec, type Panel } from './bar-chart.ts'

const CHARTS_DIR = fileURLToPath(new URL('./', import.meta.url))
const BASELINE = 'baseline'
const REFERENCE = 'fixed ref.'
/** The bench's own write stream and probe, and the experiment's store probe (`.status`). */
const LOST = 'lost'
const LOST_STATUS = 'lost (.status)'
const VIOLATIONS = 'violations'
const VIOLATIONS_STATUS = 'violations (.status)'
const SERIES = ['p50', 'p99', 'max', 'min', BASELINE, REFERENCE, LOST, LOST_STATUS, VIOLATIONS, VIOLATIONS_STATUS]
/** Panel titles short enough for a 300-pixel panel. */
const TITLES: Readonly<Record<string, string>> = {
  'store-leader-kill.next-write': 'store leader kill → next write',
  'scheduler-leader-stop.binding-again': 'scheduler leader lost → binding',
  'worker-stop.pods-elsewhere': 'dead worker → pods elsewhere',
  'master-kill-service.availability': 'Service through a master kill',
  'nats-kill.host-restarts': 'nats-server killed → restarts',
}
/** Times in seconds on the chart (the JSON keeps ms). */
const scaled = (m: ChaosMeasurement, v: number) => (m.unit === 'ms' ? v / 1000 : v)
const unitOf = (m: ChaosMeasurement) => (m.unit === 'ms' ? 's' : m.unit)
const compactValue = (m: ChaosMeasurement, v: number) => (m.unit === 'ms' ? `${v / 1000} s` : m.unit === '%' ? `${v}%` : String(v))

function goalPanel(m: ChaosMeasurement): Panel {
  const stats: Statistic[] = ['p50', ...m.goals.map((g) => g.statistic).filter((s) => s !== 'p50')]
  const bars: Bar[] = [...new Set(stats)].map((s) => ({ series: s, value: scaled(m, m[s]) }))
  if (m.baseline && Number.isFinite(m.baseline.value)) bars.push({ series: m.baseline.measured ? BASELINE : REFERENCE, value: m.baseline.unit === 'ms' ? m.baseline.value / 1000 : m.baseline.value })
  const met = m.goals.every((g) => g.met)
  return {
    title: TITLES[m.id] ?? m.label,
    unit: unitOf(m),
    bars: bars.map((b) => ({ ...b, value: Number.isFinite(b.value) ? b.value : 0 })),
    note: `${met ? 'met' : 'NOT met'}: ${m.goals.map((g) => `${g.statistic} ${g.op === '<=' ? '≤' : '≥'} ${compactValue(m, g.value)}`).join(', ')}`,
    noteWarns: !met,
  }
}

export function chaosChartSpec(result: SuiteResult): BarChartSpec {
  const measurements = result.measurements as unknown as ChaosMeasurement[]
  const integrity = measurements.filter((m) => /acked-writes-lost|linearizability-violations/.test(m.id))
  const timed = measurements.filter((m) => m.goals.length > 0 && !integrity.includes(m))
  const panels = timed.map(goalPanel)
  if (integrity.length > 0) {
    const sum = (kind: string, status: boolean) => integrity.filter((m) => m.id.includes(kind) && m.id.includes('.status-') === status).reduce((total, m) => total + m.max, 0)
    const bars = [
      { series: LOST, value: sum('acked-writes-lost', false) },
      { series: LOST_STATUS, value: sum('acked-writes-lost', true) },
      { series: VIOLATIONS, value: sum('linearizability', false) },
      { series: VIOLATIONS_STATUS, value: sum('linearizability', true) },
    ]
    const experiments = new Set(integrity.map((m) => m.experiment)).size
    const bad = bars.some((b) => b.value > 0)
    panels.push({
      title: 'writes lost, violations (sums)',
      unit: 'count',
      bars,
      note: `${bad ? 'NOT met' : 'met'}: 0 in ${experiments} experiments`,
      noteWarns: bad,
    })
  }
  const env = result.environment
  return {
    title: 'Chaos: issue 14 goals through ChaosExperiments against a fresh actorkube up each',
    subtitle: `node ${env.node} · ${env.cpuModel} × ${env.cores} · ${result.date.slice(0, 10)} · load ${env.loadAverage.start} at start, ${env.loadAverage.end} at end${result.quick ? ' · quick run' : ''}`,
    panels,
    series: SERIES.filter((s) => panels.some((p) => p.bars.some((b) => b.series === s))),
    footer: 'bench/results/chaos.json · npm run bench -- chaos · p50/p99/max/min over the fault rounds; baseline: same run, before the first fault',
  }
}

/** Writes charts/chaos.svg; returns its path. */
export async function renderChaos(result: SuiteResult): Promise<string[]> {
  const out = join(CHARTS_DIR, 'chaos.svg')
  await writeFile(out, renderBarChart(chaosChartSpec(result)))
  return [out]
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? fileURLToPath(new URL('../bench/results/chaos.json', import.meta.url))
  renderChaos(JSON.parse(await readFile(file, 'utf8')) as SuiteResult).then((paths) => process.stdout.write(paths.map((p) => `wrote ${p}\n`).join('')))
}
