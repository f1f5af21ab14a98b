/**
 * Charts of the scheduling suite (bench/results/scheduling.json), rendered headless with
 * vega-lite -> vega -> SVG (`renderer: 'none'`, no browser, no canvas):
 *
 * - scheduling-throughput.svg: pods/s (create -> bound) against node count, one line per
 *   scenario, with kube-scheduler's CI floors as dashed reference rules and the goal as a mark.
 * - scheduling-latency.svg: create -> bound latency CDF per scenario at the largest node count.
 *
 * `node --import tsx charts/scheduling.ts [RESULT.json]` renders one result file (charts/render.ts
 * calls `renderScheduling` for the scheduling suite).
 */
import { writeFile } from 'node:fs/promises'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import type { SuiteResult } from '../bench/lib/report.ts'

const CHARTS_DIR = fileURLToPath(new URL('./', import.meta.url))

/** What the charts read from each measurement (see bench/scheduling/suite.ts). */
interface SchedulingPoint {
  readonly id: string
  readonly scenario?: string
  readonly nodes?: number
  readonly pods?: number
  readonly floor?: number
  readonly median: number
  readonly latencyCdfMs?: readonly number[]
  readonly latencyMs?: { readonly p50: number; readonly p99: number }
  readonly details?: { readonly bound: number; readonly created: number }
}

/** `bound/created` when a case did not bind every pod it created. */
const incomplete = (p: SchedulingPoint): string | undefined =>
  p.details && p.details.bound < p.details.created ? `${p.details.bound.toLocaleString('en-US')} of ${p.details.created.toLocaleString('en-US')} bound` : undefined

const SCENARIO_ORDER = ['SchedulingBasic', 'NodeAffinity', 'PodAntiAffinity', 'TopologySpread', 'MixedChurn']
const COLORS = ['#4c78a8', '#f58518', '#e45756', '#54a24b', '#b279a2']

/** A vega-lite spec as a headless SVG (also used by charts/startup.ts). */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  return `${svg}\n`
}

function subtitle(result: SuiteResult): string[] {
  const env = result.environment
  return [
    `node ${env.node} · ${env.cpuModel} × ${env.cores} · ${result.date.slice(0, 10)} · load ${env.loadAverage?.start ?? '?'} at start${result.quick ? ' · quick run' : ''}`,
    'actorkube up: 3 masters (store replica + apiserver + scheduler each), a fresh cluster per case',
  ]
}

export function throughputSpec(result: SuiteResult): TopLevelSpec {
  const points = (result.measurements as unknown as SchedulingPoint[]).filter((m) => m.scenario !== undefined && m.nodes !== undefined)
  const scenarios = SCENARIO_ORDER.filter((s) => points.some((p) => p.scenario === s))
  const values = points.map((p) => ({ scenario: p.scenario, nodes: p.nodes, podsPerSecond: Math.round(p.median), pods: p.pods, note: incomplete(p) ?? '' }))
  const floors = scenarios.flatMap((s) => {
    const floor = points.find((p) => p.scenario === s)?.floor
    return floor === undefined ? [] : [{ scenario: s, floor }]
  })
  // One label per floor value (SchedulingBasic and TopologySpread share 680).
  const floorLabels = [...new Set(floors.map((f) => f.floor))].map((floor) => ({
    floor,
    label: `kube-scheduler floor ${floor}: ${floors.filter((f) => f.floor === floor).map((f) => f.scenario).join(', ')}`,
  }))
  const goal = (result.parameters as { goal?: { nodes: number; podsPerSecond: number } }).goal
  const color = { field: 'scenario', type: 'nominal' as const, scale: { domain: scenarios, range: COLORS.filter((_, i) => scenarios.includes(SCENARIO_ORDER[i]!)) }, title: 'scenario' }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Scheduling throughput: pods/s, create -> bound (kube-scheduler CI floors dashed)', subtitle: subtitle(result), anchor: 'start' },
    width: 560,
    height: 340,
    background: 'white',
    layer: [
      {
        data: { values: floors },
        mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5, opacity: 0.8 },
        encoding: { y: { field: 'floor', type: 'quantitative' }, color },
      },
      {
        data: { values: floorLabels },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 10, color: '#555' },
        encoding: { y: { field: 'floor', type: 'quantitative' }, x: { datum: 420 }, text: { field: 'label' } },
      },
      ...(goal
        ? [
            {
              data: { values: [{ nodes: goal.nodes, podsPerSecond: goal.podsPerSecond, label: `goal ${goal.podsPerSecond} pods/s` }] },
              mark: { type: 'point' as const, shape: 'diamond', size: 120, filled: true, color: 'black' },
              encoding: { x: { field: 'nodes', type: 'quantitative' as const }, y: { field: 'podsPerSecond', type: 'quantitative' as const } },
            },
            {
              data: { values: [{ nodes: goal.nodes, podsPerSecond: goal.podsPerSecond, label: `goal ${goal.podsPerSecond}` }] },
              mark: { type: 'text' as const, align: 'right' as const, dx: -8, fontSize: 10 },
              encoding: { x: { field: 'nodes', type: 'quantitative' as const }, y: { field: 'podsPerSecond', type: 'quantitative' as const }, text: { field: 'label' } },
            },
          ]
        : []),
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'nodes', type: 'quantitative', scale: { type: 'log', domain: [400, 6000] }, axis: { values: [500, 1000, 2000, 5000], title: 'nodes (log scale)' } },
          y: { field: 'podsPerSecond', type: 'quantitative', title: 'pods/s (first create -> last bound)', scale: { zero: true } },
          color,
          tooltip: [{ field: 'scenario' }, { field: 'nodes' }, { field: 'pods' }, { field: 'podsPerSecond' }],
        },
      },
      {
        // Cases that did not bind every pod: their rate is over the pods that were bound.
        data: { values: values.filter((v) => v.note !== '') },
        mark: { type: 'text', align: 'right', dx: -6, dy: -8, fontSize: 9 },
        encoding: { x: { field: 'nodes', type: 'quantitative' }, y: { field: 'podsPerSecond', type: 'quantitative' }, text: { field: 'note' }, color },
      },
    ],
  } as TopLevelSpec
}

/** The fraction of created pods that were bound (the CDF tops out there). */
const boundShare = (p: SchedulingPoint) => (p.details && p.details.created > 0 ? p.details.bound / p.details.created : 1)
const nameOf = (p: SchedulingPoint) => `${p.scenario} (${p.pods?.toLocaleString('en-US')} pods${incomplete(p) ? `; ${incomplete(p)}` : ''})`

export function latencySpec(result: SuiteResult): TopLevelSpec {
  const points = (result.measurements as unknown as SchedulingPoint[]).filter((m) => m.scenario !== undefined && m.nodes !== undefined && m.latencyCdfMs)
  const largest = Math.max(...points.map((p) => p.nodes!))
  const atLargest = points.filter((p) => p.nodes === largest)
  const scenarios = SCENARIO_ORDER.filter((s) => atLargest.some((p) => p.scenario === s))
  const values = atLargest.flatMap((p) =>
    p.latencyCdfMs!.flatMap((ms, pct) => (Number.isFinite(ms) && ms > 0 ? [{ scenario: nameOf(p), base: p.scenario, latencyMs: ms, fraction: (pct / 100) * boundShare(p) }] : [])),
  )
  const names = scenarios.map((s) => nameOf(atLargest.find((p) => p.scenario === s)!))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Scheduling latency CDF at ${largest.toLocaleString('en-US')} nodes: pod create sent -> watch sees it bound`, subtitle: subtitle(result), anchor: 'start' },
    width: 560,
    height: 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log scale)' },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of the pods created', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: { field: 'scenario', type: 'nominal', scale: { domain: names, range: COLORS.filter((_, i) => scenarios.includes(SCENARIO_ORDER[i]!)) }, title: 'scenario', legend: { labelLimit: 0 } },
    },
  } as TopLevelSpec
}

/** Writes charts/scheduling-throughput.svg and charts/scheduling-latency.svg; returns the paths. */
export async function renderScheduling(result: SuiteResult, dir = CHARTS_DIR): Promise<string[]> {
  const out = [join(dir, 'scheduling-throughput.svg'), join(dir, 'scheduling-latency.svg')]
  await writeFile(out[0]!, await toSvg(throughputSpec(result)))
  await writeFile(out[1]!, await toSvg(latencySpec(result)))
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? fileURLToPath(new URL('../bench/results/scheduling.json', import.meta.url))
  renderScheduling(JSON.parse(await readFile(file, 'utf8')) as SuiteResult).then(
    (paths) => {
      for (const p of paths) process.stdout.write(`wrote ${p}\n`)
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
      process.exit(1)
    },
  )
}
