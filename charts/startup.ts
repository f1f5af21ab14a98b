/**
 * Charts of the startup suite (bench/results/startup.json), vega-lite rendered headless like
 * charts/scheduling.ts:
 *
 * - startup-latency.svg: pod startup latency CDF (create sent -> watch sees Running), one line
 *   per creation rate (and per scale step), with Kubernetes' 5 s SLO and the 1 s goal as rules.
 * - startup-memory.svg: RSS of the hollow host, the masters and the whole cluster against the
 *   pods in the cluster, one panel per node count.
 *
 * `node --import tsx charts/startup.ts [RESULT.json]` renders one result file (charts/render.ts
 * calls `renderStartup` for the startup suite).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TopLevelSpec } from 'vega-lite'
import type { SuiteResult } from '../bench/lib/report.ts'
import { toSvg } from './scheduling.ts'

const CHARTS_DIR = fileURLToPath(new URL('./', import.meta.url))
const MiB = 1024 * 1024

/** What the charts read from each measurement (see bench/startup/suite.ts). */
interface StartupPoint {
  readonly id: string
  readonly kind?: 'latency' | 'scale' | 'memory'
  readonly label: string
  readonly nodes?: number
  readonly podsTotal?: number
  readonly runningCdfMs?: readonly number[]
  readonly memory?: { readonly hollowBytes: number; readonly mastersBytes: number; readonly totalBytes: number }
  readonly details?: { readonly created: number; readonly running: number; readonly targetRate: number; readonly timedOut: boolean }
}

const points = (result: SuiteResult) => result.measurements as unknown as StartupPoint[]

function subtitle(result: SuiteResult): string[] {
  const env = result.environment
  const samples = (result.parameters as { loadAverageSamples?: number[] }).loadAverageSamples ?? []
  const load = samples.length > 0 ? `load ${Math.min(...samples)}-${Math.max(...samples)} during the run` : `load ${env.loadAverage?.start ?? '?'} at start`
  return [
    `node ${env.node} · ${env.cpuModel} × ${env.cores} · ${result.date.slice(0, 10)} · ${load}${result.quick ? ' · quick run' : ''}`,
    'actorkube up --workers 0 --hollow-nodes N: 3 masters (store with fsync, apiserver, scheduler) + one host carrying the hollow nodes',
  ]
}

const nameOf = (p: StartupPoint) => {
  const d = p.details
  const share = d && d.running < d.created ? `; ${d.running.toLocaleString('en-US')} of ${d.created.toLocaleString('en-US')} Running` : ''
  return `${p.label}${share}`
}

export function latencySpec(result: SuiteResult): TopLevelSpec {
  const waves = points(result).filter((p) => (p.kind === 'latency' || p.kind === 'scale') && p.runningCdfMs && p.details)
  const values = waves.flatMap((p) => {
    const share = p.details!.created > 0 ? p.details!.running / p.details!.created : 1
    return p.runningCdfMs!.flatMap((ms, pct) => (Number.isFinite(ms) && ms > 0 ? [{ wave: nameOf(p), latencyMs: ms, fraction: (pct / 100) * share }] : []))
  })
  const rules = [
    { latencyMs: 1_000, label: 'goal: p99 1 s at 100 pods/s' },
    { latencyMs: 5_000, label: 'Kubernetes SLO: p99 5 s' },
  ]
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Pod startup latency CDF: create sent -> watch sees status.phase=Running', subtitle: subtitle(result), anchor: 'start' },
    width: 600,
    height: 340,
    background: 'white',
    layer: [
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [6, 4], color: '#888' }, encoding: { x: { field: 'latencyMs', type: 'quantitative' } } },
      {
        data: { values: rules },
        mark: { type: 'text', angle: 270, align: 'right', dx: -4, dy: -6, fontSize: 10, color: '#555' },
        encoding: { x: { field: 'latencyMs', type: 'quantitative' }, y: { datum: 1 }, text: { field: 'label' } },
      },
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log scale)' },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of the pods created', axis: { format: '%' }, scale: { domain: [0, 1] } },
          color: { field: 'wave', type: 'nominal', sort: waves.map(nameOf), title: 'creation rate / step', legend: { labelLimit: 0, orient: 'bottom', columns: 1 } },
        },
      },
    ],
  } as TopLevelSpec
}

export function memorySpec(result: SuiteResult): TopLevelSpec {
  const values = points(result)
    .filter((p) => p.memory && p.nodes !== undefined && p.podsTotal !== undefined)
    .flatMap((p) =>
      (
        [
          ['hollow-1 (the hollow nodes\' host)', p.memory!.hollowBytes],
          ['masters (3 hosts)', p.memory!.mastersBytes],
          ['whole cluster', p.memory!.totalBytes],
        ] as const
      ).map(([process, bytes]) => ({ nodes: `${p.nodes!.toLocaleString('en-US')} hollow nodes`, pods: p.podsTotal!, process, MiB: Math.round(bytes / MiB) })),
    )
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Resident memory (VmRSS) against pods in the cluster', subtitle: subtitle(result), anchor: 'start' },
    background: 'white',
    data: { values },
    facet: { column: { field: 'nodes', type: 'nominal', title: null, sort: { field: 'pods' } } },
    spec: {
      width: 300,
      height: 280,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'pods', type: 'quantitative', title: 'pods in the cluster' },
        y: { field: 'MiB', type: 'quantitative', title: 'RSS (MiB)', scale: { zero: true } },
        color: { field: 'process', type: 'nominal', title: 'process', legend: { labelLimit: 0 }, sort: ['hollow-1 (the hollow nodes\' host)', 'masters (3 hosts)', 'whole cluster'] },
        tooltip: [{ field: 'nodes' }, { field: 'pods' }, { field: 'process' }, { field: 'MiB' }],
      },
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec
}

/** Writes charts/startup-latency.svg and charts/startup-memory.svg; returns the paths. */
export async function renderStartup(result: SuiteResult, dir = CHARTS_DIR): Promise<string[]> {
  const out = [join(dir, 'startup-latency.svg'), join(dir, 'startup-memory.svg')]
  await writeFile(out[0]!, await toSvg(latencySpec(result)))
  await writeFile(out[1]!, await toSvg(memorySpec(result)))
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? fileURLToPath(new URL('../bench/results/startup.json', import.meta.url))
  renderStartup(JSON.parse(await readFile(file, 'utf8')) as SuiteResult).then(
    (paths) => {
      for (const p of paths) process.stdout.write(`wrote ${p}\n`)
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
      process.exit(1)
    },
  )
}
