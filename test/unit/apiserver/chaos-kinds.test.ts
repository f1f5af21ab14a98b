/**
 * chaos.actorkube.io validation (field paths, as kubectl prints them), the Table columns of
 * `kubectl get chaosexperiments`, and the kinds served through handle(): 422 with causes, the
 * status subresource, the example library valid as written.
 */
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { handle } from '../../../actors/apiserver/handle.ts'
import { validateChaosExperiment, validateChaosSchedule } from '../../../actors/apiserver/validation/chaos-kinds.ts'
import { chaosExperimentPrinter, chaosSchedulePrinter } from '../../../actors/apiserver/tables/chaos-printers.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { bodyOf, cluster, NOW, request, TABLE_ACCEPT } from './memory-objects.ts'

const fault = (extra: Record<string, unknown> = {}) => ({ name: 'kill', kind: 'host-kill', duration: '10s', target: { leader: 'store' }, ...extra })
const experiment = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'chaos.actorkube.io/v1alpha1', kind: 'ChaosExperiment', metadata: { name: 'x', namespace: 'default' }, spec })
const base = { method: { faults: [fault()] } }
const fields = (o: KubeObject) => validateChaosExperiment(o).map((e) => `${e.field}: ${e.message}`)

t.test('chaos validation - the example library is valid as written', async (t) => {
  const dir = new URL('../../../examples/chaos/', import.meta.url)
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  t.ok(files.length >= 3, `examples: ${files.join(', ')}`)
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))) {
      const o = doc.toJS() as KubeObject
      // A file may also carry what its probes watch (worker-kill.yaml's Deployment): not ours to validate here.
      if (o.apiVersion !== 'chaos.actorkube.io/v1alpha1') continue
      const errors = o.kind === 'ChaosSchedule' ? validateChaosSchedule(o) : validateChaosExperiment(o)
      t.same(errors, [], `${file}: ${o.kind} ${o.metadata?.name}`)
    }
  }
})

const CASES: readonly { name: string; spec: Record<string, unknown>; want: readonly string[] }[] = [
  { name: 'no method', spec: {}, want: ['spec.method: Required value'] },
  { name: 'no faults', spec: { method: { faults: [] } }, want: ['spec.method.faults: Required value: at least one fault'] },
  {
    name: 'unknown fault kind, third fault',
    spec: { method: { faults: [fault({ name: 'a' }), fault({ name: 'b' }), fault({ name: 'c', kind: 'disk-melt' })] } },
    want: [/^spec\.method\.faults\[2\]\.kind: Unsupported value: "disk-melt": supported values: "host-kill", /],
  } as never,
  { name: 'duration over the configured maximum', spec: { method: { faults: [fault({ duration: '2h' })] } }, want: ['spec.method.faults[0].duration: Invalid value: "2h": must be at most 3600s (the configured maximum)'] },
  { name: 'duration not a duration', spec: { method: { faults: [fault({ duration: '10 seconds' })] } }, want: ['spec.method.faults[0].duration: Invalid value: "10 seconds": must be a duration such as "500ms", "30s" or "1m30s"'] },
  { name: 'duration missing', spec: { method: { faults: [fault({ duration: undefined })] } }, want: ['spec.method.faults[0].duration: Required value'] },
  { name: 'mode fixed without value', spec: { method: { faults: [fault({ mode: 'fixed', target: { hosts: { roles: ['worker'] } } })] } }, want: ['spec.method.faults[0].value: Required value'] },
  { name: 'mode percent over 100', spec: { method: { faults: [fault({ mode: 'percent', value: 150, target: { hosts: { roles: ['worker'] } } })] } }, want: ['spec.method.faults[0].value: Invalid value: 150: must be an integer between 1 and 100, inclusive'] },
  { name: 'value with mode one', spec: { method: { faults: [fault({ mode: 'one', value: 2 })] } }, want: ['spec.method.faults[0].value: Invalid value: 2: must not be set with mode one'] },
  { name: 'unknown mode', spec: { method: { faults: [fault({ mode: 'some' })] } }, want: ['spec.method.faults[0].mode: Unsupported value: "some": supported values: "one", "all", "fixed", "percent"'] },
  { name: 'target family the kind cannot aim at', spec: { method: { faults: [fault({ target: { pods: { namespace: 'default' } } })] } }, want: ['spec.method.faults[0].target.pods: Unsupported value: "pods": supported values: "hosts", "leader"'] },
  { name: 'two selectors', spec: { method: { faults: [fault({ target: { leader: 'store', hosts: { names: ['m1'] } } })] } }, want: ['spec.method.faults[0].target: Invalid value: ["hosts","leader"]: must set exactly one selector'] },
  { name: 'unknown leader', spec: { method: { faults: [fault({ target: { leader: 'kubelet' } })] } }, want: ['spec.method.faults[0].target.leader: Unsupported value: "kubelet": supported values: "store", "scheduler", "controller-manager"'] },
  { name: 'unknown host role', spec: { method: { faults: [fault({ target: { hosts: { roles: ['boss'] } } })] } }, want: ['spec.method.faults[0].target.hosts.roles[0]: Unsupported value: "boss": supported values: "master", "worker", "hollow", "nats"'] },
  { name: 'message fault without subject', spec: { method: { faults: [fault({ kind: 'message-drop' })] } }, want: ['spec.method.faults[0].params.subject: Required value: message-drop needs subject'] },
  { name: 'probability out of range', spec: { method: { faults: [fault({ kind: 'message-drop', params: { subject: 'ak.c1.api.>', probability: 1.5 } })] } }, want: ['spec.method.faults[0].params.probability: Invalid value: 1.5: must be a number between 0 and 1, inclusive'] },
  { name: 'unknown param', spec: { method: { faults: [fault({ params: { force: true } })] } }, want: ['spec.method.faults[0].params.force: Unsupported value: "force": supported values: '] },
  { name: 'bad subject', spec: { method: { faults: [fault({ kind: 'message-drop', params: { subject: 'ak.>.api' } })] } }, want: ['spec.method.faults[0].params.subject: Invalid value: "ak.>.api": must be a NATS subject pattern (`*` one token, `>` the rest)'] },
  { name: 'partition groups: one group', spec: { method: { faults: [fault({ kind: 'partition', target: { groups: [['m1']] } })] } }, want: ['spec.method.faults[0].target.groups: Invalid value: [["m1"]]: must list at least two groups of host names'] },
  { name: 'duplicate fault names', spec: { method: { faults: [fault(), fault()] } }, want: ['spec.method.faults[1].name: Duplicate value: "kill"'] },
  { name: 'method mode', spec: { method: { mode: 'Random', faults: [fault()] } }, want: ['spec.method.mode: Unsupported value: "Random": supported values: "Serial", "Parallel"'] },
  { name: 'probe of unknown type', spec: { ...base, steadyState: { probes: [{ name: 'p', type: 'ping' }] } }, want: ['spec.steadyState.probes[0].type: Unsupported value: "ping": supported values: "http", "kubernetes", "store", "metric"'] },
  { name: 'http probe without url or service', spec: { ...base, steadyState: { probes: [{ name: 'p', type: 'http', http: {} }] } }, want: ['spec.steadyState.probes[0].http.url: Required value: one of url or service'] },
  { name: 'http probe settings missing', spec: { ...base, steadyState: { probes: [{ name: 'p', type: 'http' }] } }, want: ['spec.steadyState.probes[0].http: Required value: a http probe needs its http settings'] },
  { name: 'kubernetes probe with two checks', spec: { ...base, steadyState: { probes: [{ name: 'p', type: 'kubernetes', kubernetes: { nodeReady: { name: 'n' }, deploymentAvailable: { name: 'd' } } }] } }, want: ['spec.steadyState.probes[0].kubernetes: Invalid value: ["nodeReady","deploymentAvailable"]: must set exactly one of deploymentAvailable, podsReady, nodeReady'] },
  { name: 'metric probe comparator', spec: { ...base, steadyState: { probes: [{ name: 'p', type: 'metric', metric: { expr: 'up', comparator: { op: '=~', value: 'x' } } }] } }, want: ['spec.steadyState.probes[0].metric.comparator.op: Unsupported value: "=~": supported values: "<", "<=", ">", ">=", "==", "!="', 'spec.steadyState.probes[0].metric.comparator.value: Invalid value: "x": must be a number'] },
  { name: 'probe interval and name', spec: { ...base, steadyState: { probes: [{ name: 'Bad_Name', type: 'store', interval: '0s' }] } }, want: ['spec.steadyState.probes[0].name: Invalid value: "Bad_Name": must be a lowercase RFC 1123 label (a-z, 0-9, -)', 'spec.steadyState.probes[0].interval: Invalid value: "0s": must be greater than 0'] },
  { name: 'abort names an unknown probe', spec: { ...base, steadyState: { probes: [{ name: 'p', type: 'store' }] }, abort: { onProbeFailure: 'yes', probes: ['q'] } }, want: ['spec.abort.onProbeFailure: Invalid value: "yes": must be a boolean', 'spec.abort.probes[0]: Unsupported value: "q": supported values: "p"'] },
  { name: 'repeat, interval, seed', spec: { ...base, repeat: 0, interval: '-1s', seed: -3 }, want: ['spec.repeat: Invalid value: 0: must be an integer between 1 and 100, inclusive', 'spec.interval: Invalid value: "-1s": must not be negative', 'spec.seed: Invalid value: -3: must be an integer between 0 and 4294967295, inclusive'] },
]

t.test('chaos validation - field paths', async (t) => {
  for (const c of CASES) {
    const got = fields(experiment(c.spec))
    t.equal(got.length, c.want.length, `${c.name}: ${got.join(' | ')}`)
    c.want.forEach((w, i) => (typeof w === 'string' ? t.ok(got[i]?.startsWith(w), `${c.name}: ${got[i]} starts with ${w}`) : t.match(got[i], w, c.name)))
  }
})

t.test('chaos validation - a selector that may match nothing is valid (a warning at run time)', async (t) => {
  t.same(fields(experiment({ method: { faults: [fault({ kind: 'pod-kill', target: { pods: { namespace: 'nowhere', selector: { matchLabels: { app: 'none' } } } } })] } })), [])
})

t.test('chaos validation - ChaosSchedule: cron, policy, history, the template as an experiment', async (t) => {
  const schedule = (spec: Record<string, unknown>): KubeObject => ({ kind: 'ChaosSchedule', metadata: { name: 's' }, spec })
  t.same(validateChaosSchedule(schedule({ schedule: '@hourly', experimentTemplate: { spec: base } })), [])
  const bad = validateChaosSchedule(schedule({ schedule: '61 * * * *', concurrencyPolicy: 'Replace', historyLimit: -1, experimentTemplate: { spec: { method: { faults: [fault({ kind: 'nope' })] } } } }))
  t.same(
    bad.map((e) => e.field),
    ['spec.schedule', 'spec.concurrencyPolicy', 'spec.historyLimit', 'spec.experimentTemplate.spec.method.faults[0].kind'],
  )
  t.match(bad[0]!.message, /^Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\)/)
  t.same(validateChaosSchedule(schedule({ experimentTemplate: { spec: base } })).map((e) => e.field), ['spec.schedule'])
})

const withStatus = (status: Record<string, unknown>, spec: Record<string, unknown> = { repeat: 3, seed: 9 }): KubeObject => ({
  metadata: { name: 'kill', creationTimestamp: new Date(NOW - 90_000).toISOString() },
  spec,
  status,
})

t.test('chaos printers - experiment rows: phase, verdict, round, faults in force, age; wide: seed, times', async (t) => {
  t.same(chaosExperimentPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Phase', 'Verdict', 'Round', 'Faults', 'Age'])
  t.same(chaosExperimentPrinter.row(withStatus({}), NOW).cells, ['kill', 'Pending', '<none>', '0/3', 0, '90s', 9, '<none>', '<none>'], 'no status yet')
  const running = withStatus({ phase: 'Observing', round: 2, seed: 9, faults: [{ name: 'a', injectedAt: 't1', healedAt: 't2' }, { name: 'a', injectedAt: 't3' }, { name: 'b', error: 'refused' }] })
  t.same(chaosExperimentPrinter.row(running, NOW).cells.slice(0, 5), ['kill', 'Observing', '<none>', '2/3', 1], 'one fault in force: injected, not healed')
  const done = withStatus({ phase: 'Completed', verdict: 'Passed', round: 1, seed: 77, timeToDetectMs: 120, timeToRecoverMs: 850, faults: [] }, {})
  t.same(chaosExperimentPrinter.row(done, NOW).cells, ['kill', 'Completed', 'Passed', '1/1', 0, '90s', 77, '120ms', '850ms'])
})

t.test('chaos printers - schedule rows', async (t) => {
  const s: KubeObject = { metadata: { name: 's', creationTimestamp: new Date(NOW - 3_600_000).toISOString() }, spec: { schedule: '*/10 * * * *' }, status: { active: [{ name: 'e1' }], lastScheduleTime: new Date(NOW - 120_000).toISOString() } }
  t.same(chaosSchedulePrinter.row(s, NOW).cells, ['s', '*/10 * * * *', false, 1, '2m', '60m'])
})

const CEX = '/apis/chaos.actorkube.io/v1alpha1/namespaces/default/chaosexperiments'

t.test('chaos kinds served - create refuses a bad experiment with 422 and causes; status subresource; Table', async (t) => {
  const ports = await cluster(handle)
  const bad = bodyOf(await handle(request('POST', CEX, { body: experiment({ method: { faults: [fault({ name: 'a' }), fault({ name: 'b' }), fault({ name: 'c', kind: 'disk-melt' })] } }) }), ports))
  t.equal(bad.status, 422)
  t.match(bad.body, { reason: 'Invalid', details: { group: 'chaos.actorkube.io', kind: 'ChaosExperiment', name: 'x', causes: [{ field: 'spec.method.faults[2].kind', reason: 'FieldValueNotSupported' }] } })
  t.match(bad.body.message, /^ChaosExperiment.chaos.actorkube.io "x" is invalid: spec.method.faults\[2\].kind: Unsupported value: "disk-melt"/)

  const created = bodyOf(await handle(request('POST', CEX, { body: { ...experiment(base), status: { phase: 'Completed' } } }), ports))
  t.equal(created.status, 201)
  t.equal(created.body.status, undefined, 'a client-sent status is dropped on create')
  const status = { phase: 'Injecting', round: 1, seed: 5, faults: [{ name: 'kill', round: 1, kind: 'host-kill', targets: ['master-2'], injectedAt: '2024-05-01T12:00:00.000Z' }], rounds: [], probes: [], errors: [], warnings: [], conditions: [] }
  const put = bodyOf(await handle(request('PUT', `${CEX}/x/status`, { body: { ...created.body, status } }), ports))
  t.equal(put.status, 200)
  t.same(put.body.status, status)
  const table = bodyOf(await handle(request('GET', CEX, { accept: TABLE_ACCEPT }), ports))
  t.same(table.body.rows[0].cells.slice(0, 5), ['x', 'Injecting', '<none>', '1/1', 1])
})
