/**
 * The chaos.actorkube.io API with real kubectl (v1.32) against `actorkube up` (one master): the
 * example library applied as written, listed (Table columns, -o json, the `chaos` category and
 * short names), explained from the OpenAPI schema, annotated for abort, its status written
 * through the status subresource, an invalid experiment refused with 422 and field paths. The
 * cluster runs no chaos controller (`--no-chaos-controller`): the API is under test, not the runs
 * (chaos-controller.test.ts runs experiments).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { startUp, REPO } from '../helpers/up-process.ts'

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
