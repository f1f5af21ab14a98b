/**
 * Turns benchmark results into charts: `node --import tsx charts/render.ts [RESULT.json...]`.
 * With no arguments it renders every full-run result in bench/results/ (not `.quick`/`.partial`)
 * to charts/<suite>.svg. Measurements become bars grouped by their `group` (one panel each) and
 * coloured by `series`; a ratio whose measurements sit in a panel is printed under it. The
 * scheduling suite gets line charts instead (charts/scheduling.ts: scheduling-throughput.svg,
 * scheduling-latency.svg), and so does startup (charts/startup.ts: startup-latency.svg,
 * startup-memory.svg); chaos gets one panel per goal (charts/chaos.ts: chaos.svg).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SuiteResult } from '../bench/lib/report.ts'
import { renderBarChart, type BarChartSpec, type Panel } from './bar-chart.ts'
import { renderChaos } from './chaos.ts'
import { renderScheduling } from './scheduling.ts'
import { renderStartup } from './startup.ts'

const RESULTS_DIR = fileURLToPath(new URL('../bench/results/', import.meta.url))
const CHARTS_DIR = fileURLToPath(new URL('./', import.meta.url))

const TITLES: Readonly<Record<string, string>> = {
  transport: 'Transport: raw NATS client vs actor-to-actor via the runtime',
}

export function chartSpec(result: SuiteResult): BarChartSpec {
  const groups = [...new Set(result.measurements.map((m) => m.group))]
  const series = [...new Set(result.measurements.map((m) => m.series))]
  const panels: Panel[] = groups.map((group) => {
    const inGroup = result.measurements.filter((m) => m.group === group)
    const ids = new Set(inGroup.map((m) => m.id))
    const ratio = result.ratios.find((r) => ids.has(r.numerator) && ids.has(r.denominator))
    const note = ratio
      ? `${ratio.label}: ${ratio.value.toFixed(2)}x${ratio.goal === undefined ? '' : ` (goal ≥ ${ratio.goal}x${ratio.met ? ', met' : ', not met'})`}`
      : undefined
    return {
      title: group,
      unit: inGroup[0]?.unit ?? '',
      bars: inGroup.map((m) => ({ series: m.series, value: m.median, min: m.min, max: m.max })),
      ...(note ? { note, noteWarns: ratio?.met === false } : {}),
    }
  })
  const env = result.environment
  const runs = result.measurements[0]?.repetitions.length ?? 0
  return {
    title: TITLES[result.suite] ?? result.suite,
    subtitle: `node ${env.node} · ${env.cpuModel} × ${env.cores} · ${env.natsServer ?? 'nats-server'} · ${result.date.slice(0, 10)} · load ${env.loadAverage?.start ?? '?'} · median of ${runs} runs${result.quick ? ' (quick)' : ''}`,
    panels,
    series,
    footer: `bench/results/${result.suite}.json · npm run bench -- ${result.suite}`,
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const files = argv.length > 0 ? [...argv] : (await readdir(RESULTS_DIR)).filter((f) => /^[^.]+\.json$/.test(f)).map((f) => join(RESULTS_DIR, f))
  if (files.length === 0) {
    process.stderr.write(`no results in ${RESULTS_DIR}: run npm run bench -- <suite> first\n`)
    return 1
  }
  for (const file of files) {
    const result = JSON.parse(await readFile(file, 'utf8')) as SuiteResult
    if (!Array.isArray(result.measurements) || typeof result.suite !== 'string') {
      process.stderr.write(`${file}: not a bench result (no suite/measurements)\n`)
      return 1
    }
    if (result.suite === 'scheduling') {
      // Lines against node count and latency CDFs (vega-lite, charts/scheduling.ts), not bars.
      for (const out of await renderScheduling(result)) process.stdout.write(`wrote ${out}\n`)
      continue
    }
    if (result.suite === 'chaos') {
      // One panel per goal with its statistics, baseline and verdict (charts/chaos.ts).
      for (const out of await renderChaos(result)) process.stdout.write(`wrote ${out}\n`)
      continue
    }
    if (result.suite === 'startup') {
      // Latency CDFs and memory against pods (vega-lite, charts/startup.ts).
      for (const out of await renderStartup(result)) process.stdout.write(`wrote ${out}\n`)
      continue
    }
    const out = join(CHARTS_DIR, `${basename(file, '.json')}.svg`)
    await writeFile(out, renderBarChart(chartSpec(result)))
    process.stdout.write(`wrote ${out}\n`)
  }
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
