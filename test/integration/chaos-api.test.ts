/**
 * The chaos.actorkube.io API with real kubectl (v1.32) against `actorkube up` (one master): the
 * example library applied as written, listed (Table columns, -o json, the `chaos` category and
 * short names), explained from the OpenAPI schema, annotated for abort, its status written
 * through the status subresource, an invalid experiment refused with 422 and field paths. The
 * cluster runs no chaos controller (`--no-chaos-controller`): the API is under test, not the runs
 * (chaos-controller.test.ts runs experiments). Its last case starts a chaos controller host of its
 * own (`actorkube host`, as another machine would join), runs one short experiment to its verdict,
 * writes its report with `actorkube chaos report` and reads its Events (`kubectl describe`).
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import type { ChaosReport } from '../../actors/chaos/experiment-report.ts'
import { readClusterInfo } from '../../runtime/cli/cluster-info.ts'
import { startHost } from '../helpers/hosts.ts'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { BIN, startUp, REPO } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '0', '--nats-servers', '1', '--no-chaos-controller', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-chaos-api-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))
const example = (name: string): string => join(REPO, 'examples', 'chaos', name)

interface Item {
  metadata: { name: string; annotations?: Record<string, string>; resourceVersion: string }
  kind: string
  spec: Record<string, any>
  status?: Record<string, any>
}

t.test('chaos api - the example library applies as written and lists with kubectl', async (t) => {
  for (const file of ['store-leader-kill.yaml', 'master-partition.yaml', 'api-message-loss.yaml', 'pod-kill-service.yaml']) {
    const r = await kubectl(['apply', '-f', example(file)])
    t.equal(r.code, 0, `${file}: ${r.stderr}`)
  }
  const list = await kubectlJson<{ items: Item[] }>(kubectl, ['get', 'chaosexperiments'])
  t.same(list.items.map((i) => i.metadata.name).sort(), ['api-message-loss', 'master-partition', 'pod-kill-service', 'store-leader-kill'])
  const one = await kubectlJson<Item>(kubectl, ['get', 'cex', 'store-leader-kill'])
  t.match(one, { kind: 'ChaosExperiment', spec: { seed: 1414, repeat: 3, method: { faults: [{ name: 'kill-leader', kind: 'host-kill', target: { leader: 'store' } }] } } })
  t.equal(one.status, undefined, 'no status until a controller runs it')
  const category = await kubectlJson<{ items: Item[] }>(kubectl, ['get', 'chaos'])
  t.same(category.items.map((i) => `${i.kind}/${i.metadata.name}`).filter((n) => n.startsWith('ChaosSchedule')), ['ChaosSchedule/pod-kill-every-10m'], 'the chaos category lists schedules too')
  const schedule = await kubectlJson<Item>(kubectl, ['get', 'csch', 'pod-kill-every-10m'])
  t.equal(schedule.spec.schedule, '*/10 * * * *')
  // The Table's column names (the printer), not its cells: values are read from -o json above.
  const table = await kubectl(['get', 'chaosexperiments'])
  t.match(table.stdout.split('\n')[0], /^NAME\s+PHASE\s+VERDICT\s+ROUND\s+FAULTS\s+AGE$/)
  const resources = await kubectl(['api-resources', '--api-group', 'chaos.actorkube.io', '-o', 'name'])
  t.same(resources.stdout.trim().split('\n').sort(), ['chaosexperiments.chaos.actorkube.io', 'chaosschedules.chaos.actorkube.io'])
})

t.test('chaos api - kubectl explain reads the documented schema', async (t) => {
  const faults = await kubectl(['explain', 'chaosexperiment.spec.method.faults'])
  t.equal(faults.code, 0, faults.stderr)
  t.match(faults.stdout, /GROUP:\s+chaos\.actorkube\.io/)
  t.match(faults.stdout, /kind\s+<string>\n\s+The fault: host-kill, host-stop, /)
  t.match(faults.stdout, /mode\s+<string>\n\s+How many of the matched targets: one \(default\), all, fixed/)
  const status = await kubectl(['explain', 'cex.status.verdict'])
  t.match(status.stdout, /Passed, Failed or Aborted, once Completed\./)
})

t.test('chaos api - an invalid experiment is refused with 422 and field paths', async (t) => {
  const path = join(stateDir, 'bad-experiment.yaml')
  await writeFile(
    path,
    `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosExperiment
metadata: {name: bad}
spec:
  method:
    faults:
    - {name: a, kind: host-kill, duration: 10s, target: {leader: store}}
    - {name: b, kind: pod-kill, duration: 2h, target: {pods: {namespace: default}}}
    - {name: c, kind: disk-melt, duration: 10s, target: {leader: store}}
    - {name: d, kind: pod-kill, duration: 10s, mode: percent, target: {pods: {namespace: default}}}
`,
  )
  const r = await kubectl(['apply', '-f', path])
  t.equal(r.code, 1)
  t.match(r.stderr, /The ChaosExperiment "bad" is invalid/)
  t.match(r.stderr, /spec\.method\.faults\[1\]\.duration: Invalid value: "2h": must be at most 3600s \(the configured maximum\)/)
  t.match(r.stderr, /spec\.method\.faults\[2\]\.kind: Unsupported value: "disk-melt": supported values: "host-kill"/)
  t.match(r.stderr, /spec\.method\.faults\[3\]\.value: Required value/)
  const gone = await kubectl(['get', 'cex', 'bad', '-o', 'json'])
  t.match(gone.stderr, /NotFound/, 'nothing stored')
})

t.test('chaos api - abort annotation, status subresource, delete', async (t) => {
  const annotated = await kubectl(['annotate', 'chaosexperiment', 'master-partition', 'actorkube.io/abort=true'])
  t.equal(annotated.code, 0, annotated.stderr)
  const current = await kubectlJson<Item>(kubectl, ['get', 'cex', 'master-partition'])
  t.equal(current.metadata.annotations?.['actorkube.io/abort'], 'true')
  // What the chaos controller writes: the status subresource, as a merge patch.
  const status = { phase: 'Completed', verdict: 'Aborted', reason: 'annotation actorkube.io/abort=true', seed: 7, round: 1, faults: [], rounds: [], probes: [], errors: [], warnings: [], conditions: [] }
  const patched = await kubectl(['patch', 'cex', 'master-partition', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status })])
  t.equal(patched.code, 0, patched.stderr)
  const after = await kubectlJson<Item>(kubectl, ['get', 'cex', 'master-partition'])
  t.same(after.status, status)
  t.equal(after.spec.seed, 7, 'a status write leaves the spec alone')
  const verdict = await kubectl(['get', 'cex', 'master-partition', '-o', 'jsonpath={.status.verdict}'])
  t.equal(verdict.stdout, 'Aborted')
  const deleted = await kubectl(['delete', '-f', example('pod-kill-service.yaml')])
  t.equal(deleted.code, 0, deleted.stderr)
  const left = await kubectlJson<{ items: Item[] }>(kubectl, ['get', 'chaos'])
  t.same(left.items.map((i) => i.metadata.name).sort(), ['api-message-loss', 'master-partition', 'store-leader-kill'])
})

t.test('chaos api - a chaos controller joins, runs a message-drop under an HTTP probe to its verdict; actorkube chaos report writes JSON and HTML', async (t) => {
  // Nothing left for the controller to run but the experiment below.
  t.equal((await kubectl(['delete', 'cex', '--all'])).code, 0)
  // The probed service: the test turns it to 503 for a while once the fault is in force.
  let failing = false
  const server = createServer((_req, res) => void res.writeHead(failing ? 503 : 200).end(failing ? 'down' : 'ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as AddressInfo).port
  await startHost(t, stateDir, readClusterInfo(stateDir).nats!, { host: 'chaos-1', actors: [{ kind: 'chaoscontroller', id: 'chaos-1', options: { apiservers: ['master-1'] } }] })
  const path = join(stateDir, 'drop-report.yaml')
  await writeFile(
    path,
    `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosExperiment
metadata: {name: drop-report}
spec:
  seed: 21
  steadyState:
    probes:
    - {name: web, type: http, interval: 250ms, timeout: 1s, http: {url: "http://127.0.0.1:${port}/", bodyMatches: "^ok$"}}
  method:
    faults:
    - {name: drop-echo, kind: message-drop, duration: 4s, mode: all, target: {hosts: {names: [master-1]}}, params: {subject: "ak.c1.echo.>", probability: 1}}
`,
  )
  t.equal((await kubectl(['apply', '-f', path])).code, 0)
  await waitFor(async () => (await kubectlJson<Item>(kubectl, ['get', 'cex', 'drop-report'])).status?.faults?.[0]?.injectedAt, { timeoutMs: 60_000, intervalMs: 200, what: 'the fault injected' })
  failing = true
  await new Promise((resolve) => setTimeout(resolve, 1500))
  failing = false
  const done = await waitFor(async () => {
    const status = (await kubectlJson<Item>(kubectl, ['get', 'cex', 'drop-report'])).status
    return status?.phase === 'Completed' ? status : undefined
  }, { timeoutMs: 60_000, intervalMs: 300, what: 'drop-report Completed' })
  t.match(done, { verdict: 'Passed', reason: 'AllProbesRecovered' })

  const out = join(stateDir, 'reports')
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, 'chaos', 'report', 'drop-report', '--state-dir', stateDir, '--out', out], { cwd: REPO, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr })),
  )
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /^drop-report: Passed \(AllProbesRecovered\), seed 21\nwrote .*drop-report\.json\nwrote .*drop-report\.html\n$/)
  const report = JSON.parse(await readFile(join(out, 'drop-report.json'), 'utf8')) as ChaosReport
  t.match(report, { experiment: { name: 'drop-report', namespace: 'default' }, verdict: 'Passed', seed: 21, spec: { faults: [{ name: 'drop-echo', kind: 'message-drop', target: 'hosts names=master-1' }] } })
  t.match(report.faults, [{ name: 'drop-echo', targets: ['master-1'], injectedAt: /Z$/, healedAt: /Z$/ }])
  const round = report.rounds[0]!
  t.ok(round.timeToDetectMs! > 0 && round.timeToRecoverMs! > round.timeToDetectMs!, `detected after ${round.timeToDetectMs} ms, recovered after ${round.timeToRecoverMs} ms`)
  const web = report.probes[0]!
  t.match(web, { name: 'web', type: 'http', lastError: /status 503, expected 200/ })
  t.ok(web.failures > 0 && web.availabilityPercent < 100, `availability ${web.availabilityPercent}%`)
  t.same(web.timeline.map((s) => s.ok), [true, false, true], 'passing, failing while the service was down, passing again')
  t.equal(web.timeline[1]!.from, round.detectedAt, 'the failing stretch starts at the detection')

  const html = await readFile(join(out, 'drop-report.html'), 'utf8')
  const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? ''
  t.ok(svg.includes('>fault drop-echo<'), 'the fault lane')
  t.ok(svg.includes(`>probe web · ${web.availabilityPercent}%<`), 'the probe lane')
  t.ok(svg.includes('>message-drop on master-1<'), 'the fault bar, labelled')
  // Tested as booleans: a mismatch would print the whole SVG.
  t.ok(/fill-opacity="0\.14"/.test(svg), 'the fault band across the lanes')
  t.ok(/>detected \+[\d.]+m?s</.test(svg), 'the detect marker, labelled')
  t.ok(/>recovered \+[\d.]+m?s</.test(svg), 'the recovery marker, labelled')
  t.notMatch(html, /<script|src=/, 'self-contained')

  // The controller's Events, as kubectl describe shows them (read here through the events API as JSON).
  type EventList = { items: { reason?: string; type?: string; involvedObject?: { kind?: string; name?: string } }[] }
  const reasons = await waitFor(async () => {
    const events = await kubectlJson<EventList>(kubectl, ['get', 'events', '-o', 'json'])
    const mine = events.items.filter((e) => e.involvedObject?.kind === 'ChaosExperiment' && e.involvedObject.name === 'drop-report').map((e) => e.reason)
    return mine.includes('Passed') ? mine : undefined
  }, { timeoutMs: 30_000, intervalMs: 300, what: "drop-report's Events" })
  for (const reason of ['Started', 'SteadyStateMet', 'FaultInjected', 'FaultHealed', 'Recovered', 'Passed']) t.ok(reasons.includes(reason), `an Event ${reason}`)
  const described = await kubectl(['describe', 'cex', 'drop-report'])
  t.equal(described.code, 0, described.stderr)
  t.match(described.stdout, /^Name:\s+drop-report$/m, 'kubectl describe shows the experiment')
  t.match(described.stdout, /^Events:/m, 'and its Events')
  t.match(described.stdout, /FaultInjected/)
})
