/**
 * A chaos report as one self-contained HTML page: the timeline's SVG inline, then tables (the
 * verdict with its seed and times, the rounds, the faults, the probes, warnings and errors). No
 * scripts, no stylesheets or fonts fetched: it opens offline and can be mailed or archived as
 * one file. Pure: a report and its SVG in, the page's text out.
 */
import type { ChaosReport } from '../actors/chaos/experiment-report.ts'
import { formatDuration } from '../actors/chaos/duration.ts'
import { escapeXml } from './bar-chart.ts'

const STYLE = `
body { font-family: system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.05rem; margin-top: 1.8rem; }
.verdict { display: inline-block; padding: .1rem .6rem; border-radius: .3rem; color: #fff; font-weight: 600; }
.Passed { background: #2e7d32; } .Failed { background: #c62828; } .Aborted { background: #ef6c00; } .running { background: #607d8b; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .9rem; } th, td { border-bottom: 1px solid #e4e4e4; padding: .3rem .7rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; } .muted { color: #666; } .bad { color: #c62828; font-weight: 600; }
.chart { overflow-x: auto; margin: 1rem 0; } code { background: #f3f3f3; padding: 0 .25rem; border-radius: .2rem; }
`

const text = (value: unknown): string => escapeXml(value === undefined || value === null ? '' : String(value))
const ms = (value: number | undefined): string => (value === undefined ? '<span class="muted">-</span>' : text(formatDuration(value)))
const when = (iso: string | undefined, start: string | undefined): string => {
  if (iso === undefined) return '<span class="muted">-</span>'
  const offset = start === undefined ? '' : ` <span class="muted">(+${text(formatDuration(Math.max(0, Date.parse(iso) - Date.parse(start))))})</span>`
  return `${text(iso)}${offset}`
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  if (rows.length === 0) return '<p class="muted">none</p>'
  const th = head.map((h) => `<th>${text(h)}</th>`).join('')
  const tr = rows.map((r) => `<tr>${r.map((cell, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`).join('\n')
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`
}

function summary(r: ChaosReport): string {
  const rows: [string, string][] = [
    ['verdict', `${text(r.verdict ?? `${r.phase}, no verdict yet`)}${r.reason ? ` <span class="muted">${text(r.reason)}</span>` : ''}`],
    ['seed', `<code>${text(r.seed)}</code> <span class="muted">(every random choice, such as targets, is drawn from it: set <code>spec.seed</code> to replay them)</span>`],
    ['started', when(r.startedAt, undefined)],
    ['finished', when(r.finishedAt, r.startedAt)],
    ['time to detect (worst round)', ms(r.timeToDetectMs)],
    ['time to recover (worst round)', ms(r.timeToRecoverMs)],
    ['method', text(`${r.spec.faults.length} fault(s), ${r.spec.mode}, ${r.spec.repeat} round(s)${r.spec.interval ? ` every ${r.spec.interval}` : ''}${r.spec.recoveryTimeout ? `, recovery timeout ${r.spec.recoveryTimeout}` : ''}`)],
    ['abort', text(r.spec.abort ?? 'only by annotation or deletion')],
  ]
  if (r.store !== undefined) rows.push(['store', `${r.store.linearizable === false ? '<span class="bad">not linearizable</span>' : 'linearizable'}, ${r.store.ackedWritesLost === undefined ? '' : `${text(r.store.ackedWritesLost)} acknowledged write(s) lost`}`])
  return `<table><tbody>\n${rows.map(([k, v]) => `<tr><th>${text(k)}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table>`
}

function probeRows(r: ChaosReport): string[][] {
  return r.probes.map((p) => {
    const low = p.minAvailabilityPercent !== undefined && p.availabilityPercent < p.minAvailabilityPercent
    const store = p.linearizable === undefined && p.ackedWritesLost === undefined ? '' : `${p.linearizable === false ? '<span class="bad">not linearizable</span>' : 'linearizable'}${p.operations !== undefined ? `, ${text(p.operations)} ops` : ''}${p.ackedWritesLost !== undefined ? `, ${text(p.ackedWritesLost)} acked lost` : ''}`
    return [
      text(p.name),
      `${text(p.type)} <span class="muted">${text(p.checks)}</span>`,
      `<span${low ? ' class="bad"' : ''}>${text(p.availabilityPercent)}%</span>${p.minAvailabilityPercent !== undefined ? ` <span class="muted">(min ${text(p.minAvailabilityPercent)}%)</span>` : ''}`,
      `${text(p.successes)} / ${text(p.failures)}`,
      store,
      text(p.lastError),
    ]
  })
}

/** The page for `report`, with `svg` (its timeline) inline. */
export function reportPage(report: ChaosReport, svg: string): string {
  const r = report
  const badge = `<span class="verdict ${r.verdict ?? 'running'}">${text(r.verdict ?? r.phase)}</span>`
  const title = `${r.experiment.namespace}/${r.experiment.name}`
  const list = (items: readonly string[]) => (items.length === 0 ? '<p class="muted">none</p>' : `<ul>${items.map((i) => `<li>${text(i)}</li>`).join('')}</ul>`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${text(`chaos report: ${title} ${r.verdict ?? r.phase}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Chaos experiment ${text(title)} ${badge}</h1>
<p class="muted">seed ${text(r.seed)} · report generated ${text(r.generatedAt)} by <code>actorkube chaos report</code></p>
<div class="chart">
${svg.trim()}
</div>
<h2>Summary</h2>
${summary(r)}
<h2>Rounds</h2>
${table(['round', 'first injection', 'detected', 'recovered', 'time to detect', 'time to recover'], r.rounds.map((x) => [text(x.round), when(x.injectedAt, r.startedAt), when(x.detectedAt, r.startedAt), when(x.recoveredAt, r.startedAt), ms(x.timeToDetectMs), ms(x.timeToRecoverMs)]), [0, 4, 5])}
<h2>Faults</h2>
${table(['fault', 'kind', 'selector', 'mode', 'duration', 'params'], r.spec.faults.map((f) => [text(f.name), text(f.kind), text(f.target), text(f.mode), text(f.duration), f.params === undefined ? '' : `<code>${text(JSON.stringify(f.params))}</code>`]))}
${table(['fault', 'round', 'targets', 'injected', 'healed', 'in force', 'error'], r.faults.map((f) => [text(f.name), text(f.round), text(f.targets.join(', ') || 'none'), when(f.injectedAt, r.startedAt), when(f.healedAt, r.startedAt), ms(f.durationMs), f.error === undefined ? '' : `<span class="bad">${text(f.error)}</span>`]), [1, 5])}
<h2>Probes</h2>
${table(['probe', 'checks', 'availability', 'passed / failed', 'store check', 'last error'], probeRows(r), [3])}
<h2>Warnings</h2>
${list(r.warnings)}
<h2>Errors</h2>
${list(r.errors)}
</body>
</html>
`
}
