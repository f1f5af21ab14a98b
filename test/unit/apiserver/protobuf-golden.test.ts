/**
 * Golden bytes built by hand from Kubernetes' published field numbers (generated.proto of
 * k8s.io/api and k8s.io/apimachinery), independent of our schema text and of protobufjs: each
 * decodes to the JSON Kubernetes would show, and our encoder writes the same bytes back (fields
 * in number order, as Go writes them, only the ones set). Kinds kubectl's generators cannot be
 * captured for here (Role and ClusterRole need discovery) are covered this way.
 */
import t from 'tap'
import { decodeProtobufObject, encodeProtobufObject } from '../../../actors/apiserver/protobuf/codec.ts'

import { bytes, entry, envelope, int, meta, msg, str, varint } from '../../helpers/protobuf-bytes.ts'

interface Golden {
  readonly name: string
  readonly bytes: Uint8Array
  readonly json: Record<string, unknown>
}

const GOLDEN: readonly Golden[] = [
  {
    name: 'Role: PolicyRule verbs = 1, apiGroups = 2, resources = 3, resourceNames = 4',
    bytes: envelope('rbac.authorization.k8s.io/v1', 'Role', meta('reader', str(3, 'team-a')), msg(2, str(1, 'get'), str(1, 'list'), str(2, ''), str(2, 'apps'), str(3, 'pods'), str(3, 'deployments'), str(4, 'web'))),
    json: { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'reader', namespace: 'team-a' }, rules: [{ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], resourceNames: ['web'] }] },
  },
  {
    name: 'ClusterRole: nonResourceURLs = 5, aggregationRule = 3 with LabelSelector matchLabels = 1',
    bytes: envelope('rbac.authorization.k8s.io/v1', 'ClusterRole', meta('monitor'), msg(2, str(1, 'get'), str(5, '/healthz')), msg(3, msg(1, entry(1, 'rbac.example.com/aggregate', str(2, 'true'))))),
    json: { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'monitor' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] } },
  },
  {
    name: 'Secret: data = 2 (map<string, bytes>, base64 in JSON), type = 3, immutable = 5 (a pointer: false kept)',
    bytes: envelope('v1', 'Secret', meta('creds'), entry(2, 'password', bytes(2, [0x00, 0xff, 0x10])), str(3, 'Opaque'), int(5, 0)),
    json: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'creds' }, data: { password: 'AP8Q' }, type: 'Opaque', immutable: false },
  },
  {
    name: 'Service: ServicePort targetPort = 4 as IntOrString{type = 1 (1: string), strVal = 3}, nodePort = 5',
    bytes: envelope('v1', 'Service', meta('web'), msg(2, msg(1, str(1, 'http'), str(2, 'TCP'), int(3, 80), msg(4, int(1, 1), str(3, 'http-alt')), int(5, 30080)), entry(2, 'app', str(2, 'web')), str(4, 'NodePort'))),
    json: { kind: 'Service', apiVersion: 'v1', metadata: { name: 'web' }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http-alt', nodePort: 30080 }], selector: { app: 'web' }, type: 'NodePort' } },
  },
  {
    name: 'Deployment: replicas = 1 (a pointer: 0 kept), strategy = 4 rollingUpdate maxSurge = 2 as IntOrString{intVal = 2}',
    bytes: envelope('apps/v1', 'Deployment', meta('web'), msg(2, int(1, 0), msg(4, str(1, 'RollingUpdate'), msg(2, msg(1, int(1, 1), str(3, '25%')), msg(2, int(1, 0), int(2, 3)))))),
    json: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web' }, spec: { replicas: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 3 } } } },
  },
  {
    name: 'ResourceQuota: spec.hard = 1, map<string, Quantity{string = 1}>; scopes = 2',
    bytes: envelope('v1', 'ResourceQuota', meta('q'), msg(2, entry(1, 'cpu', msg(2, str(1, '500m'))), entry(1, 'pods', msg(2, str(1, '10'))), str(2, 'NotBestEffort'))),
    json: { kind: 'ResourceQuota', apiVersion: 'v1', metadata: { name: 'q' }, spec: { hard: { cpu: '500m', pods: '10' }, scopes: ['NotBestEffort'] } },
  },
  {
    name: 'ConfigMap with ObjectMeta uid = 5, resourceVersion = 6, generation = 7, creationTimestamp = 8 (Time seconds = 1), labels = 11, ownerReferences = 13, finalizers = 14, managedFields = 17',
    bytes: envelope(
      'v1',
      'ConfigMap',
      meta(
        'cfg',
        str(3, 'default'),
        str(5, 'u-1'),
        str(6, '42'),
        int(7, 3),
        msg(8, int(1, 1735689600)),
        entry(11, 'app', str(2, 'web')),
        msg(13, str(1, 'Deployment'), str(3, 'web'), str(4, 'u-0'), str(5, 'apps/v1'), int(6, 1)),
        str(14, 'example.com/keep'),
        // ManagedFieldsEntry: manager = 1, operation = 2, apiVersion = 3, time = 4, fieldsType = 6, fieldsV1 = 7 (FieldsV1 Raw = 1: JSON)
        msg(17, str(1, 'kubectl'), str(2, 'Update'), str(3, 'v1'), msg(4, int(1, 1735689600)), str(6, 'FieldsV1'), msg(7, str(1, '{"f:data":{".":{}}}'))),
      ),
      entry(2, 'mode', str(2, 'fast')),
    ),
    json: {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'cfg',
        namespace: 'default',
        uid: 'u-1',
        resourceVersion: '42',
        generation: 3,
        creationTimestamp: '2025-01-01T00:00:00Z',
        labels: { app: 'web' },
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'u-0', apiVersion: 'apps/v1', controller: true }],
        finalizers: ['example.com/keep'],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {} } } }],
      },
      data: { mode: 'fast' },
    },
  },
  {
    name: 'Status (meta/v1): status = 2, message = 3, reason = 4, details = 5 {name = 1, kind = 3, causes = 4 {reason = 1, message = 2, field = 3}}, code = 6',
    bytes: envelope('v1', 'Status', msg(1), str(2, 'Failure'), str(3, 'bad'), str(4, 'Invalid'), msg(5, str(1, 'web'), str(3, 'Deployment'), msg(4, str(1, 'FieldValueRequired'), str(2, 'Required value'), str(3, 'spec.selector'))), int(6, 422)),
    json: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'bad', reason: 'Invalid', details: { name: 'web', kind: 'Deployment', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }] }, code: 422 },
  },
]

t.test('protobuf - hand-built golden bytes decode to Kubernetes JSON', async (t) => {
  for (const golden of GOLDEN) t.strictSame(decodeProtobufObject(golden.bytes), { ok: true, value: golden.json }, golden.name)
})

t.test('protobuf - our encoder writes the golden bytes back', async (t) => {
  for (const golden of GOLDEN) {
    const encoded = encodeProtobufObject(golden.json)
    t.same(encoded && Buffer.from(encoded).toString('hex'), Buffer.from(golden.bytes).toString('hex'), golden.name)
  }
})

t.test('protobuf - zero values Kubernetes omits are left out; Go zero time is left out', async (t) => {
  // DeploymentSpec minReadySeconds = 5 and paused = 7 are not pointers (omitempty): a zero is not shown.
  // An empty Time (creationTimestamp = 8) is Go's zero time, shown as null by Go: left out here.
  const decoded = decodeProtobufObject(envelope('apps/v1', 'Deployment', meta('web', msg(8)), msg(2, int(5, 0), int(7, 0), int(1, 2))))
  t.strictSame(decoded, { ok: true, value: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web' }, spec: { replicas: 2 } } })
})

t.test('protobuf - a negative int32 (ten-byte varint) and a packed repeated field decode', async (t) => {
  // ObjectMeta deletionGracePeriodSeconds = 10 is int64 and a pointer; JobSpec's podFailurePolicy
  // rules[].onExitCodes.values (= 3 in PodFailurePolicyOnExitCodesRequirement) is repeated int32, sent packed here.
  const decoded = decodeProtobufObject(
    envelope('batch/v1', 'Job', meta('j', int(10, -1)), msg(2, msg(11, msg(1, str(1, 'FailJob'), msg(2, str(2, 'In'), bytes(3, [...varint(1), ...varint(42)])))))),
  )
  t.strictSame(decoded, { ok: true, value: { kind: 'Job', apiVersion: 'batch/v1', metadata: { name: 'j', deletionGracePeriodSeconds: -1 }, spec: { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 42] } }] } } } })
})
