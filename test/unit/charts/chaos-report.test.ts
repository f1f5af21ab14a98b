/**
 * The chaos report's chart and page: the timeline's data (lanes, fault bars, probe segments in
 * seconds from the start, markers), its vega-lite spec rendered headless to SVG (lanes, the
 * fault band, marker labels), the self-contained HTML page (no script, nothing fetched, text
 * escaped), and `writeReport` writing both files.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { reportPage } from '../../../charts/chaos-report-page.ts'
import { timelineData, timelineSpec } from '../../../charts/chaos-timeline.ts'
import { toSvg } from '../../../charts/scheduling.ts'
import { writeReport } from '../../../runtime/cli/chaos-report.ts'
import { T0 } from '../chaos/experiment-driver.ts'
import { WORKER_KILL, workerKillReport, workerKillRun } from '../chaos/report-fixture.ts'

t.test('chaos timeline - lanes, bars and markers in seconds from the start', async (t) => {
  const report = workerKillReport()
  const data = timelineData(report)
  t.same(data.lanes, ['fault kill-worker', `probe web · ${report.probes[0]!.availabilityPercent}%`, `probe worker-ready · ${report.probes[1]!.availabilityPercent}%`], 'probe lanes named with their availability')
  const injected = (Date.parse(report.faults[0]!.injectedAt!) - T0) / 1000
  t.match(data.faults, [{ lane: 'fault kill-worker', from: injected, to: injected + 5, legend: 'fault in force', label: /^host-kill on worker-\d$/ }])
  t.same(data.probes.filter((p) => p.lane.startsWith('probe web ')).map((p) => p.legend), ['passing', 'failing', 'passing'])
  const failing = data.probes.find((p) => p.lane.startsWith('probe web ') && p.legend === 'failing')!
  t.equal(failing.from, (Date.parse(report.rounds[0]!.detectedAt!) - T0) / 1000, 'the web probe failed first: its failure is the detection')
  t.equal(failing.label, 'probe failed', 'a failing segment carries its error')
  t.match(data.markers, [
    { legend: 'detected', at: failing.from, label: /^detected \+\d/ },
    { legend: 'recovered', at: (Date.parse(report.rounds[0]!.recoveredAt!) - T0) / 1000, label: /^recovered \+\d/ },
  ])
  const finished = (Date.parse(report.finishedAt!) - T0) / 1000
  t.ok(data.endS >= finished && data.endS <= finished * 1.005, `the axis ends at the verdict (${finished} s), or just past the last result drawn: ${data.endS}`)
  for (const row of [...data.faults, ...data.probes]) t.ok(row.to > row.from, `${row.lane} ${row.from}: drawn with a width`)
})

t.test('chaos timeline - rendered to SVG: probe lanes, the fault band and bar, marker labels, the title with the seed', async (t) => {
  const report = workerKillReport()
  const svg = await toSvg(timelineSpec(report))
  t.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  const lanes = report.probes.map((p) => `probe ${p.name} · ${p.availabilityPercent}%`)
  for (const label of ['fault kill-worker', ...lanes, 'worker-kill: Passed (AllProbesRecovered) · seed 9', 'passing', 'failing', 'fault in force']) t.ok(svg.includes(`>${label}<`), label)
  t.match(svg, />detected \+\d+(\.\d)?s</, 'to a tenth of a second')
  t.match(svg, />recovered \+\d+(\.\d)?s</)
  t.match(svg, /fill="#f28e2b"[^>]*fill-opacity="0\.14"|fill-opacity="0\.14"[^>]*fill="#f28e2b"/, 'the fault band across the lanes')
  t.match(svg, /fill="#e15759"/, 'failing results in red')
  t.notMatch(svg, /href=|<image/, 'nothing to fetch')
})

t.test('chaos report page - self-contained, the SVG inline, the tables, text escaped', async (t) => {
  const report = { ...workerKillReport(), warnings: ['a <b>bold</b> warning'] }
  const page = reportPage(report, '<svg xmlns="http://www.w3.org/2000/svg"><text>chart</text></svg>\n')
  t.match(page, /^<!doctype html>/)
  t.match(page, /<div class="chart">\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"><text>chart<\/text><\/svg>\n<\/div>/)
  t.match(page, /<span class="verdict Passed">Passed<\/span>/)
  t.match(page, /<th>seed<\/th><td><code>9<\/code>/)
  t.match(page, /<td>kill-worker<\/td><td>host-kill<\/td><td>hosts roles=worker<\/td><td>one<\/td><td>5s<\/td>/)
  t.match(page, /<td>web<\/td><td>http <span class="muted">GET service default\/web:80 -&gt; 200<\/span><\/td><td><span>\d+(\.\d+)?%<\/span> <span class="muted">\(min 50%\)<\/span>/)
  t.match(page, /<li>a &lt;b&gt;bold&lt;\/b&gt; warning<\/li>/)
  t.notMatch(page, /<script|<link|src=|@import|url\(/i, 'no script, nothing fetched')
})

t.test('chaos report - writeReport writes NAME.json and NAME.html', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ak-chaos-report-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const status = workerKillRun().status!
  const files = await writeReport({ metadata: { name: 'worker-kill', namespace: 'default' }, spec: WORKER_KILL, status }, join(dir, 'out'), new Date(T0 + 60_000).toISOString())
  t.same([files.json, files.html], [join(dir, 'out', 'worker-kill.json'), join(dir, 'out', 'worker-kill.html')])
  const json = JSON.parse(await readFile(files.json, 'utf8'))
  t.same(json, workerKillReport())
  const html = await readFile(files.html, 'utf8')
  t.match(html, /<svg[^>]*>[\s\S]*>probe worker-ready · [\d.]+%<[\s\S]*<\/svg>/)
})
