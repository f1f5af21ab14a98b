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
  {
    name: 'PodDisruptionBudget: minAvailable = 1 a pointer to IntOrString{type = 0, intVal = 2}: 0 kept (it means no pod must stay), selector = 2',
    bytes: envelope('policy/v1', 'PodDisruptionBudget', meta('pdb'), msg(2, msg(1, int(1, 0), int(2, 0)), msg(2, entry(1, 'app', str(2, 'web'))))),
    json: { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', metadata: { name: 'pdb' }, spec: { minAvailable: 0, selector: { matchLabels: { app: 'web' } } } },
  },
  {
    name: 'Pod with status: PodStatus phase = 1, conditions = 2, hostIP = 5, podIP = 6, startTime = 7, containerStatuses = 8 {state = 2 running = 2, lastState = 3 terminated = 3 {exitCode = 1, reason = 3}, ready = 4, restartCount = 5, image = 6, imageID = 7, containerID = 8, started = 9}, qosClass = 9, podIPs = 12, hostIPs = 16',
    bytes: envelope(
      'v1',
      'Pod',
      meta('web-0', str(3, 'default')),
      // PodSpec containers = 2 (Container name = 1, image = 2), nodeName = 10
      msg(2, msg(2, str(1, 'app'), str(2, 'nginx')), str(10, 'node-1')),
      msg(
        3,
        str(1, 'Running'),
        // PodCondition type = 1, status = 2, lastTransitionTime = 4
        msg(2, str(1, 'Ready'), str(2, 'True'), msg(4, int(1, 1735689600))),
        str(5, '10.0.0.1'),
        str(6, '10.1.0.5'),
        msg(7, int(1, 1735689600)),
        msg(8, str(1, 'app'), msg(2, msg(2, msg(1, int(1, 1735689600)))), msg(3, msg(3, int(1, 137), str(3, 'OOMKilled'))), int(4, 1), int(5, 2), str(6, 'nginx'), str(7, 'docker.io/library/nginx@sha256:ab'), str(8, 'containerd://c1'), int(9, 1)),
        str(9, 'BestEffort'),
        msg(12, str(1, '10.1.0.5')),
        msg(16, str(1, '10.0.0.1')),
      ),
    ),
    json: {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'web-0', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'nginx' }], nodeName: 'node-1' },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }],
        hostIP: '10.0.0.1',
        podIP: '10.1.0.5',
        startTime: '2025-01-01T00:00:00Z',
        containerStatuses: [
          {
            name: 'app',
            state: { running: { startedAt: '2025-01-01T00:00:00Z' } },
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
            ready: true,
            restartCount: 2,
            image: 'nginx',
            imageID: 'docker.io/library/nginx@sha256:ab',
            containerID: 'containerd://c1',
            started: true,
          },
        ],
        qosClass: 'BestEffort',
        podIPs: [{ ip: '10.1.0.5' }],
        hostIPs: [{ ip: '10.0.0.1' }],
      },
    },
  },
  {
    name: 'Node: NodeSpec podCIDR = 1, taints = 5 {key = 1, effect = 3, timeAdded = 4}, podCIDRs = 7; NodeStatus capacity = 1, allocatable = 2, conditions = 4, addresses = 5, daemonEndpoints = 6 (Port, capitalized), nodeInfo = 7 (no omitempty: an empty kubeProxyVersion kept)',
    bytes: envelope(
      'v1',
      'Node',
      meta('node-1'),
      msg(2, str(1, '10.1.0.0/24'), msg(5, str(1, 'node.kubernetes.io/unreachable'), str(3, 'NoExecute'), msg(4, int(1, 1735689600))), str(7, '10.1.0.0/24')),
      msg(
        3,
        entry(1, 'cpu', msg(2, str(1, '2'))),
        entry(1, 'memory', msg(2, str(1, '4Gi'))),
        entry(2, 'pods', msg(2, str(1, '110'))),
        msg(4, str(1, 'Ready'), str(2, 'True'), msg(3, int(1, 1735689600)), msg(4, int(1, 1735689600)), str(5, 'KubeletReady'), str(6, 'kubelet is posting ready status')),
        msg(5, str(1, 'InternalIP'), str(2, '10.0.0.1')),
        msg(6, msg(1, int(1, 10250))),
        msg(7, str(1, 'm'), str(2, 's'), str(3, 'b'), str(4, '6.1'), str(5, 'actorkube'), str(6, 'actorkube://1'), str(7, 'v1.32.0'), str(8, ''), str(9, 'linux'), str(10, 'amd64')),
      ),
    ),
    json: {
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { name: 'node-1' },
      spec: { podCIDR: '10.1.0.0/24', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' }], podCIDRs: ['10.1.0.0/24'] },
      status: {
        capacity: { cpu: '2', memory: '4Gi' },
        allocatable: { pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2025-01-01T00:00:00Z', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'actorkube', containerRuntimeVersion: 'actorkube://1', kubeletVersion: 'v1.32.0', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
      },
    },
  },
  {
    name: 'NetworkPolicy: spec podSelector = 1, ingress = 2 {ports = 1 {protocol = 1, port = 2 IntOrString, endPort = 3}, from = 2 {podSelector = 1, namespaceSelector = 2, ipBlock = 3 {cidr = 1, except = 2}}}, egress = 3 {ports = 1}, policyTypes = 4',
    bytes: envelope(
      'networking.k8s.io/v1',
      'NetworkPolicy',
      meta('db', str(3, 'default')),
      msg(
        2,
        msg(1, entry(1, 'app', str(2, 'db'))),
        msg(2, msg(1, str(1, 'TCP'), msg(2, int(1, 0), int(2, 5432))), msg(2, msg(1, entry(1, 'role', str(2, 'api'))), msg(2, entry(1, 'team', str(2, 'a')))), msg(2, msg(3, str(1, '10.0.0.0/8'), str(2, '10.9.0.0/16')))),
        msg(3, msg(1, str(1, 'UDP'), msg(2, int(1, 1), str(3, 'dns'))), msg(1, str(1, 'TCP'), msg(2, int(1, 0), int(2, 32000)), int(3, 32768))),
        str(4, 'Ingress'),
        str(4, 'Egress'),
      ),
    ),
    json: {
      kind: 'NetworkPolicy',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ protocol: 'TCP', port: 5432 }], from: [{ podSelector: { matchLabels: { role: 'api' } }, namespaceSelector: { matchLabels: { team: 'a' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.9.0.0/16'] } }] }],
        egress: [{ ports: [{ protocol: 'UDP', port: 'dns' }, { protocol: 'TCP', port: 32000, endPort: 32768 }] }],
        policyTypes: ['Ingress', 'Egress'],
      },
    },
  },
  {
    name: 'Event (core/v1): involvedObject = 2, reason = 3, message = 4, source = 5, firstTimestamp = 6, lastTimestamp = 7, count = 8, type = 9, eventTime = 10 (MicroTime seconds = 1, nanos = 2: six fractional digits), reportingComponent = 14, reportingInstance = 15',
    bytes: envelope(
      'v1',
      'Event',
      meta('web-0.1', str(3, 'default')),
      msg(2, str(1, 'Pod'), str(2, 'default'), str(3, 'web-0'), str(4, 'u-1'), str(5, 'v1'), str(7, 'spec.containers{app}')),
      str(3, 'Pulled'),
      str(4, 'Successfully pulled image'),
      msg(5, str(1, 'kubelet'), str(2, 'node-1')),
      msg(6, int(1, 1735689600)),
      msg(7, int(1, 1735689600 + 60)),
      int(8, 3),
      str(9, 'Normal'),
      msg(10, int(1, 1735689600), int(2, 123456000)),
      str(14, 'kubelet'),
      str(15, 'node-1'),
    ),
    json: {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'web-0.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u-1', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled',
      message: 'Successfully pulled image',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2025-01-01T00:00:00Z',
      lastTimestamp: '2025-01-01T00:01:00Z',
      count: 3,
      type: 'Normal',
      eventTime: '2025-01-01T00:00:00.123456Z',
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
    },
  },
  {
    name: 'Lease (coordination/v1): spec holderIdentity = 1, leaseDurationSeconds = 2, acquireTime = 3, renewTime = 4 (MicroTime), leaseTransitions = 5 (pointers: 0 kept)',
    bytes: envelope('coordination.k8s.io/v1', 'Lease', meta('node-1', str(3, 'kube-node-lease')), msg(2, str(1, 'node-1'), int(2, 40), msg(3, int(1, 1735689600), int(2, 5000)), msg(4, int(1, 1735689600 + 10)), int(5, 0))),
    json: {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, acquireTime: '2025-01-01T00:00:00.000005Z', renewTime: '2025-01-01T00:00:10.000000Z', leaseTransitions: 0 },
    },
  },
  {
    name: 'SubjectAccessReview: ResourceAttributes fieldSelector = 8 {rawSelector = 1}, labelSelector = 9 {requirements = 2}; spec extra = 5 map<string, ExtraValue{items = 1}> (a plain list in JSON)',
    bytes: envelope(
      'authorization.k8s.io/v1',
      'SubjectAccessReview',
      msg(1),
      msg(2, msg(1, str(2, 'list'), str(5, 'pods'), msg(8, str(1, 'spec.nodeName=n1')), msg(9, msg(2, str(1, 'app'), str(2, 'In'), str(3, 'web')))), str(3, 'alice'), entry(5, 'scopes', msg(2, str(1, 'a'), str(1, 'b')))),
    ),
    json: {
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: {
        resourceAttributes: { verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'spec.nodeName=n1' }, labelSelector: { requirements: [{ key: 'app', operator: 'In', values: ['web'] }] } },
        user: 'alice',
        extra: { scopes: ['a', 'b'] },
      },
    },
  },
  {
    name: 'SelfSubjectReview: UserInfo extra = 4 map<string, ExtraValue>',
    bytes: envelope('authentication.k8s.io/v1', 'SelfSubjectReview', msg(1), msg(2, msg(1, str(1, 'alice'), str(3, 'dev'), entry(4, 'scopes', msg(2, str(1, 'x')))))),
    json: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {}, status: { userInfo: { username: 'alice', groups: ['dev'], extra: { scopes: ['x'] } } } },
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

const TEMPLATE = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16', ports: [{ containerPort: 5432, protocol: 'TCP' }] }] } }

/** Objects of the kinds described since Pod's status (and the apps kinds): each survives JSON -> protobuf -> JSON exactly. */
const ROUND_TRIPS: readonly Record<string, unknown>[] = [
  {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    metadata: { name: 'db', namespace: 'default', generation: 2 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      template: TEMPLATE,
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local', volumeMode: 'Filesystem' } }],
      serviceName: 'db',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
    status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'db-5d8', updateRevision: 'db-5d8', collisionCount: 0, availableReplicas: 3 },
  },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchLabels: { app: 'db' } }, template: TEMPLATE, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 }, status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1 } },
  { kind: 'ReplicaSet', apiVersion: 'apps/v1', metadata: { name: 'web-5d8', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-3', controller: true, blockOwnerDeletion: true }] }, spec: { replicas: 2, selector: { matchLabels: { app: 'db' } }, template: TEMPLATE }, status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 } },
  { kind: 'PersistentVolumeClaim', apiVersion: 'v1', metadata: { name: 'data-db-0', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-local', storageClassName: 'local', volumeMode: 'Filesystem' }, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } },
  ...GOLDEN.map((golden) => golden.json),
  {
    kind: 'PersistentVolume',
    apiVersion: 'v1',
    metadata: { name: 'pv-local' },
    spec: {
      capacity: { storage: '1Gi' },
      local: { path: '/mnt/disk', fsType: 'ext4' },
      accessModes: ['ReadWriteOnce'],
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'u-2' },
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'local',
      volumeMode: 'Filesystem',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } },
    },
    status: { phase: 'Bound', lastPhaseTransitionTime: '2025-01-01T00:00:00Z' },
  },
  { kind: 'PersistentVolume', apiVersion: 'v1', metadata: { name: 'pv-host' }, spec: { capacity: { storage: '2Gi' }, hostPath: { path: '/data', type: 'DirectoryOrCreate' }, accessModes: ['ReadWriteMany'] } },
  {
    kind: 'PersistentVolume',
    apiVersion: 'v1',
    metadata: { name: 'pv-csi' },
    spec: { capacity: { storage: '5Gi' }, csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'vol-1', readOnly: true, volumeAttributes: { a: 'b' }, nodePublishSecretRef: { name: 's', namespace: 'kube-system' } }, accessModes: ['ReadWriteOnce'] },
  },
  { kind: 'StorageClass', apiVersion: 'storage.k8s.io/v1', metadata: { name: 'local' }, provisioner: 'actorkube.io/local', parameters: { type: 'dir' }, reclaimPolicy: 'Delete', allowVolumeExpansion: false, volumeBindingMode: 'WaitForFirstConsumer', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }] },
  { kind: 'IngressClass', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p', scope: 'Namespace', namespace: 'default' } } },
  { kind: 'LimitRange', apiVersion: 'v1', metadata: { name: 'limits', namespace: 'default' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, default: { cpu: '500m' }, defaultRequest: { cpu: '100m', memory: '64Mi' } }] } },
  {
    kind: 'Endpoints',
    apiVersion: 'v1',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.1.0.5', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0' } }], notReadyAddresses: [{ ip: '10.1.0.6' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
  },
  { kind: 'Binding', apiVersion: 'v1', metadata: { name: 'web-0', namespace: 'default' }, target: { kind: 'Node', apiVersion: 'v1', name: 'node-1' } },
  { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3 }, status: { replicas: 0, selector: 'app=web' } },
  {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'vols', namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'h', mountPath: '/h' }, { name: 'c', mountPath: '/c' }] }],
      volumes: [{ name: 'h', hostPath: { path: '/tmp/x', type: '' } }, { name: 'c', csi: { driver: 'd', volumeAttributes: { k: 'v' } } }],
    },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'Unschedulable', message: '0/1 nodes are available' }],
      containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0, image: 'busybox', imageID: '', started: false }],
    },
  },
]

t.test('protobuf - JSON -> protobuf -> JSON round trips: StatefulSet, DaemonSet, ReplicaSet, PersistentVolumeClaim, every golden object, PersistentVolume (local, hostPath, csi), the storage, networking, core and autoscaling kinds', async (t) => {
  for (const object of ROUND_TRIPS) {
    const name = `${String(object['kind'])} ${String((object['metadata'] as { name: string }).name)}`
    const encoded = encodeProtobufObject(object)
    if (!t.ok(encoded, `${name}: has a protobuf form`) || encoded === undefined) continue
    // Go's JSON of a zero Time is null; protobuf carries no zero Time, so a null is left out.
    t.strictSame(decodeProtobufObject(encoded), { ok: true, value: JSON.parse(JSON.stringify(object, (_key, value: unknown) => (value === null ? undefined : value))) }, name)
  }
})
