/**
 * Server-side field validation: unknown fields found at any depth against the kind's schema and
 * dropped, duplicates found in the JSON text, and what Strict, Warn and Ignore make of them, with
 * kube-apiserver's messages; bad base64 in bytes fields a 400 whatever the directive.
 */
import t from 'tap'
import { checkFields, fieldValidationOf } from '../../../../actors/apiserver/field-validation/field-validation.ts'
import { pruneUnknownFields } from '../../../../actors/apiserver/field-validation/prune-unknown-fields.ts'
import { duplicateFields } from '../../../../actors/apiserver/field-validation/duplicate-fields.ts'

const template = {
  metadata: { labels: { app: 'a' }, creationTimestamp: null },
  spec: {
    containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, livenessProbe: { httpGet: { path: '/', port: 'http' } } }],
    volumes: [{ name: 'v', emptyDir: {} }, { name: 'cm', configMap: { name: 'x' } }],
  },
}

type Case = readonly [name: string, apiVersion: string, kind: string, object: Record<string, unknown>, unknown: readonly string[]]

const CASES: readonly Case[] = [
  ['a clean Deployment', 'apps/v1', 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template } }, []],
  ['unknown at the top', 'apps/v1', 'Deployment', { metadata: { name: 'd' }, colour: 'red' }, ['colour']],
  ['unknown in spec', 'apps/v1', 'Deployment', { spec: { replicas: 1, foo: 1 } }, ['spec.foo']],
  ['unknown in metadata', 'v1', 'ConfigMap', { metadata: { name: 'c', lables: {} }, data: { anyKey: 'v' } }, ['metadata.lables']],
  [
    'unknown in a container, by index',
    'apps/v1',
    'Deployment',
    { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'b', imagePullPolcy: 'Always' }] } } } },
    ['spec.template.spec.containers[1].imagePullPolcy'],
  ],
  ['inline volume sources are fields of the volume', 'v1', 'Pod', { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' }, bogus: 1 }] } }, ['spec.volumes[0].bogus']],
  ['inline probe handler', 'v1', 'Pod', { spec: { containers: [{ name: 'c', readinessProbe: { exec: { command: ['true'] }, periodSecond: 1 } }] } }, ['spec.containers[0].readinessProbe.periodSecond']],
  ['a pod status is checked', 'v1', 'Pod', { status: { phase: 'Running', anything: 1 }, spec: { containers: [] }, extra: 1 }, ['status.anything', 'extra']],
  [
    'unknown in a pod container status',
    'v1',
    'Pod',
    { status: { containerStatuses: [{ name: 'c', ready: true, state: { running: { startedAt: '2026-01-01T00:00:00Z', sinceWhen: 1 } } }] } },
    ['status.containerStatuses[0].state.running.sinceWhen'],
  ],
  [
    'unknown in a NetworkPolicy spec',
    'networking.k8s.io/v1',
    'NetworkPolicy',
    { spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 80, protocl: 'TCP' }] }], policyType: ['Ingress'] } },
    ['spec.ingress[0].ports[0].protocl', 'spec.policyType'],
  ],
  ['Node spec and status', 'v1', 'Node', { spec: { taints: [{ key: 'k', effect: 'NoSchedule', valu: 'v' }] }, status: { capacity: { cpu: '2' }, nodeInfo: { kubeletVersion: 'v1.32.0', os: 'linux' } } }, ['spec.taints[0].valu', 'status.nodeInfo.os']],
  ['Lease spec, MicroTime a value', 'coordination.k8s.io/v1', 'Lease', { spec: { holderIdentity: 'h', renewTime: '2026-01-01T00:00:00.123456Z', leaseDurationSecond: 15 } }, ['spec.leaseDurationSecond']],
  ['map keys are free, map values checked', 'v1', 'ResourceQuota', { spec: { hard: { pods: '2', 'requests.cpu': '1' } } }, []],
  ['StatefulSet claim templates', 'apps/v1', 'StatefulSet', { spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClas: 'x' } }] } }, ['spec.volumeClaimTemplates[0].spec.storageClas']],
  ['DaemonSet update strategy', 'apps/v1', 'DaemonSet', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurg: 1 } } } }, ['spec.updateStrategy.rollingUpdate.maxSurg']],
  ['ControllerRevision data is any object', 'apps/v1', 'ControllerRevision', { data: { spec: { template: { whatever: 1 } } }, revision: 2, other: 1 }, ['other']],
  ['Time, IntOrString and Quantity values pass', 'batch/v1', 'Job', { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, status: { startTime: '2026-01-01T00:00:00Z' }, spec: { template } }, []],
  ['Secret', 'v1', 'Secret', { data: { k: 'dg==' }, stringData: { s: 'v' }, type: 'Opaque', typ: 'x' }, ['typ']],
  ['a Service port', 'v1', 'Service', { spec: { ports: [{ port: 80, targetPort: 'http', nodePort: 30000, protocl: 'TCP' }] } }, ['spec.ports[0].protocl']],
  ['Event fields', 'v1', 'Event', { involvedObject: { kind: 'Pod', x: 1 }, reason: 'r', message: 'm', note: 'n', eventTime: '2026-01-01T00:00:00.000001Z' }, ['involvedObject.x', 'note']],
]

for (const [name, apiVersion, kind, object, unknown] of CASES) {
  t.test(`prune - ${name}`, (t) => {
    const pruned = pruneUnknownFields(object, apiVersion, kind)
    t.ok(pruned, 'the kind is described')
    t.same(pruned!.unknown, unknown)
    t.notOk(pruned!.undecodable)
    const again = pruneUnknownFields(pruned!.object, apiVersion, kind)
    t.same(again!.unknown, [], 'nothing unknown is left in the pruned object')
    t.end()
  })
}

t.test('prune - the pruned object keeps every known field', (t) => {
  const object = { metadata: { name: 'd', labels: { a: 'b' } }, spec: { replicas: 2, foo: { bar: 1 }, template } }
  const pruned = pruneUnknownFields(object, 'apps/v1', 'Deployment')!
  t.same(pruned.object, { metadata: { name: 'd', labels: { a: 'b' } }, spec: { replicas: 2, template } })
  t.end()
})

t.test('prune - kinds without a schema are not checked', (t) => {
  t.equal(pruneUnknownFields({ anything: 1 }, 'example.com/v1', 'Widget'), undefined)
  t.end()
})

t.test('prune - bad base64 in bytes fields', (t) => {
  t.equal(pruneUnknownFields({ data: { k: 'not base64!' } }, 'v1', 'Secret')!.undecodable, 'illegal base64 data at input byte 3')
  t.equal(pruneUnknownFields({ binaryData: { k: 'YWJj=' } }, 'v1', 'ConfigMap')!.undecodable, 'illegal base64 data at input byte 4')
  t.equal(pruneUnknownFields({ data: { k: 'YWJj' } }, 'v1', 'Secret')!.undecodable, undefined)
  t.equal(pruneUnknownFields({ data: { k: 'not base64' } }, 'v1', 'ConfigMap')!.undecodable, undefined, 'ConfigMap data is text')
  t.end()
})

t.test('duplicates - found with their paths in the JSON text', (t) => {
  t.same(duplicateFields('{"a":1,"b":{"c":"x\\"y","c":2},"a":[{"n":1,"n":{}},{"n":[]}]}'), ['b.c', 'a', 'a[0].n'], 'in the order of the text')
  t.same(duplicateFields('{ "spec" : { "replicas" : 1 , "replicas" : 2 } , "e" : [ ] , "o" : { } }'), ['spec.replicas'])
  t.same(duplicateFields('{"a":"{\\"a\\":1,\\"a\\":2}"}'), [], 'JSON inside a string is text')
  t.same(duplicateFields('[1, true, null, "a"]'), [])
  t.end()
})

t.test('directive - absent is Warn, unknown values are a 400', (t) => {
  t.same(fieldValidationOf({}), { ok: true, directive: 'Warn' })
  t.same(fieldValidationOf({ fieldValidation: 'Strict' }), { ok: true, directive: 'Strict' })
  const bad = fieldValidationOf({ fieldValidation: 'strict' })
  t.equal(bad.ok, false)
  if (!bad.ok) {
    t.equal(bad.status.code, 400)
    t.equal(bad.status.status.message, 'fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"')
  }
  t.end()
})

const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, replicas2: 1, foo: 'x' } }
const text = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","name":"d"},"spec":{"replicas":1,"replicas2":1,"foo":"x"}}'
const check = (fieldValidation: string | undefined) =>
  checkFields({ query: fieldValidation === undefined ? {} : { fieldValidation }, object: body, apiVersion: 'apps/v1', kind: 'Deployment', jsonText: text })

t.test('check - Strict refuses with kube-apiserver message', (t) => {
  const strict = check('Strict')
  t.equal(strict.ok, false)
  if (!strict.ok) {
    t.equal(strict.status.code, 400)
    t.equal(strict.status.status.reason, 'BadRequest')
    t.equal(
      strict.status.status.message,
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "metadata.name", unknown field "spec.replicas2", unknown field "spec.foo"',
    )
  }
  t.end()
})

t.test('check - Warn (and the default) accepts, drops and warns', (t) => {
  for (const directive of ['Warn', undefined]) {
    const warn = check(directive)
    t.equal(warn.ok, true)
    if (warn.ok) {
      t.same(warn.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1 } })
      t.same(warn.warnings, ['duplicate field "metadata.name"', 'unknown field "spec.replicas2"', 'unknown field "spec.foo"'])
    }
  }
  t.end()
})

t.test('check - Ignore accepts and drops silently', (t) => {
  const ignore = check('Ignore')
  t.equal(ignore.ok, true)
  if (ignore.ok) {
    t.same(ignore.object.spec, { replicas: 1 })
    t.same(ignore.warnings, [])
  }
  t.end()
})

t.test('check - bad base64 is a 400 even with Ignore', (t) => {
  const secret = checkFields({ query: { fieldValidation: 'Ignore' }, object: { data: { k: '!!' } }, apiVersion: 'v1', kind: 'Secret' })
  t.equal(secret.ok, false)
  if (!secret.ok) t.equal(secret.status.status.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0')
  t.end()
})
