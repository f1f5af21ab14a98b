/**
 * A chaos experiment's timeline as a vega-lite spec (rendered headless to SVG by `toSvg`, as the
 * bench charts are): seconds from the experiment's start across; one lane per fault (its bar in
 * each round, named with its targets) and one per probe (its results, passing or failing, from
 * `.status.probes[].timeline`, named with its availability); the faults also as light bands across every lane; a rule where
 * each round's failure was detected and where it recovered. Pure: a report in, a spec out.
 */
import type { TopLevelSpec } from 'vega-lite'
import type { ChaosReport } from '../actors/chaos/experiment-report.ts'
import { formatDuration } from '../actors/chaos/duration.ts'

/** One legend for every colour: probe states, faults, markers. */
export const TIMELINE_LEGEND = ['passing', 'failing', 'mixed', 'fault in force', 'detected', 'recovered'] as const
const TIMELINE_COLORS = ['#59a14f', '#e15759', '#edc948', '#f28e2b', '#b22222', '#2e7d32']

export interface TimelineRow {
  readonly lane: string
  readonly from: number
  readonly to: number
  readonly legend: (typeof TIMELINE_LEGEND)[number]
  readonly label: string
}

export interface TimelineMarker {
  readonly at: number
  readonly legend: 'detected' | 'recovered'
  readonly label: string
}

export interface TimelineData {
  /** Lanes top to bottom: faults first, then probes. */
  readonly lanes: readonly string[]
  readonly faults: readonly TimelineRow[]
  readonly probes: readonly TimelineRow[]
  readonly markers: readonly TimelineMarker[]
  /** The axis' end, in seconds. */
  readonly endS: number
}

const seconds = (iso: string, start: number): number => Math.round(Date.parse(iso) - start) / 1000
/** Label times to a tenth of a second: the tables have them exact. */
const tenths = (ms: number): string => formatDuration(Math.round(ms / 100) * 100)
const laneOfFault = (name: string): string => `fault ${name}`
const laneOfProbe = (p: ChaosReport['probes'][number]): string => `probe ${p.name} · ${p.availabilityPercent}%`

/** The report's times as seconds from its start, one row per bar; short results widened to show. */
export function timelineData(report: ChaosReport): TimelineData {
  const start = Date.parse(report.startedAt ?? report.generatedAt)
  const endS = Math.max(seconds(report.finishedAt ?? report.generatedAt, start), 1)
  // A single result is an instant: draw it at least this wide (0.4% of the axis) so it shows.
  const least = endS * 0.004
  const widen = (from: number, to: number): number => Math.max(to, from + least)
  const faultNames = [...new Set(report.faults.map((f) => f.name))]
  const faults = report.faults.flatMap((f): TimelineRow[] => {
    if (f.injectedAt === undefined) return []
    const from = seconds(f.injectedAt, start)
    const to = seconds(f.healedAt ?? report.finishedAt ?? report.generatedAt, start)
    return [{ lane: laneOfFault(f.name), from, to: widen(from, to), legend: 'fault in force', label: `${f.kind} on ${f.targets.join(', ')}${report.rounds.length > 1 ? ` (round ${f.round})` : ''}` }]
  })
  const probes = report.probes.flatMap((p) =>
    p.timeline.map((s): TimelineRow => {
      const from = seconds(s.from, start)
      const legend = s.mixed === true ? 'mixed' : s.ok ? 'passing' : 'failing'
      return { lane: laneOfProbe(p), from, to: widen(from, seconds(s.to, start)), legend, label: s.ok && s.mixed !== true ? 'passing' : (s.error ?? legend) }
    }),
  )
  const markers = report.rounds.flatMap((r): TimelineMarker[] => {
    const out: TimelineMarker[] = []
    const round = report.rounds.length > 1 ? ` (round ${r.round})` : ''
    if (r.detectedAt !== undefined) out.push({ at: seconds(r.detectedAt, start), legend: 'detected', label: `detected${r.timeToDetectMs !== undefined ? ` +${tenths(r.timeToDetectMs)}` : ''}${round}` })
    if (r.recoveredAt !== undefined) out.push({ at: seconds(r.recoveredAt, start), legend: 'recovered', label: `recovered${r.timeToRecoverMs !== undefined ? ` +${tenths(r.timeToRecoverMs)}` : ''}${round}` })
    return out
  })
  return { lanes: [...faultNames.map(laneOfFault), ...report.probes.map(laneOfProbe)], faults, probes, markers, endS: Math.max(endS, ...faults.map((f) => f.to), ...probes.map((p) => p.to)) }
}

function subtitle(report: ChaosReport): string[] {
  const times = [
    report.timeToDetectMs !== undefined ? `detected after ${tenths(report.timeToDetectMs)}` : 'no probe failure detected',
    report.timeToRecoverMs !== undefined ? `recovered after ${tenths(report.timeToRecoverMs)}` : undefined,
  ].filter((x) => x !== undefined)
  return [times.join(' · '), `started ${report.startedAt ?? '?'} · ${report.spec.repeat} round(s), ${report.spec.mode}`]
}

export function timelineSpec(report: ChaosReport): TopLevelSpec {
  const data = timelineData(report)
  const x = { scale: { domain: [0, data.endS], nice: false }, axis: { title: 'seconds from the start', grid: true, gridColor: '#eee' } }
  const y = { field: 'lane', type: 'nominal' as const, sort: [...data.lanes], scale: { domain: [...data.lanes], paddingInner: 0.25 }, axis: { title: null, labelLimit: 360, labelFontSize: 12 } }
  const color = { field: 'legend', type: 'nominal' as const, scale: { domain: [...TIMELINE_LEGEND], range: TIMELINE_COLORS }, legend: { title: null, orient: 'bottom' as const, direction: 'horizontal' as const, symbolType: 'square', symbolOpacity: 1, symbolStrokeWidth: 0 } }
  const verdict = report.verdict ?? `${report.phase} (no verdict yet)`
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${report.experiment.name}: ${verdict}${report.reason ? ` (${report.reason})` : ''} · seed ${report.seed}`, subtitle: subtitle(report), anchor: 'start', fontSize: 15, subtitleColor: '#555' },
    width: 760,
    height: { step: 30 },
    background: '#fff',
    config: { font: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif', view: { stroke: '#ccc' } },
    layer: [
      {
        description: 'faults, one lane each',
        data: { values: data.faults.map((f) => ({ ...f })) },
        mark: { type: 'rect', cornerRadius: 2 },
        encoding: { x: { field: 'from', type: 'quantitative', ...x }, x2: { field: 'to' }, y, color, tooltip: [{ field: 'label' }, { field: 'from', title: 'from (s)' }, { field: 'to', title: 'to (s)' }] },
      },
      {
        description: 'fault labels',
        data: { values: data.faults.map((f) => ({ ...f })) },
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#222' },
        encoding: { x: { field: 'from', type: 'quantitative', ...x }, y, text: { field: 'label' } },
      },
      {
        description: 'probe results, one lane each',
        data: { values: data.probes.map((p) => ({ ...p })) },
        mark: { type: 'rect' },
        encoding: { x: { field: 'from', type: 'quantitative', ...x }, x2: { field: 'to' }, y, color, tooltip: [{ field: 'label', title: 'result' }, { field: 'from', title: 'from (s)' }, { field: 'to', title: 'to (s)' }] },
      },
      {
        description: 'faults as bands across every lane, over the probes',
        data: { values: data.faults.map((f) => ({ ...f })) },
        mark: { type: 'rect', fillOpacity: 0.14, stroke: '#f28e2b', strokeOpacity: 0.8, strokeDash: [2, 2] },
        encoding: { x: { field: 'from', type: 'quantitative', ...x }, x2: { field: 'to' }, color },
      },
      {
        description: 'detect and recovery markers',
        data: { values: data.markers.map((m) => ({ ...m })) },
        mark: { type: 'rule', strokeWidth: 2, strokeDash: [5, 3] },
        encoding: { x: { field: 'at', type: 'quantitative', ...x }, color },
      },
      // Labels above the lanes, one row per kind; near the right end they read leftwards.
      ...(['detected', 'recovered'] as const).flatMap((legend, row) =>
        [false, true].map((leftwards) => ({
          description: `${legend} labels`,
          data: { values: data.markers.filter((m) => m.legend === legend && m.at > data.endS * 0.75 === leftwards).map((m) => ({ ...m })) },
          mark: { type: 'text' as const, align: leftwards ? ('right' as const) : ('left' as const), dx: leftwards ? -3 : 3, fontSize: 11, baseline: 'bottom' as const },
          encoding: { x: { field: 'at', type: 'quantitative' as const, ...x }, y: { value: -4 - 13 * row }, color, text: { field: 'label' } },
        })),
      ),
    ],
  } as TopLevelSpec
}
