import t from 'tap'
import { applyStrategicMergePatch } from '../../../actors/apiserver/patch/strategic-merge-patch.ts'
import { strategicSchemaFor, STRATEGIC_KINDS } from '../../../actors/apiserver/patch/strategic-schema.ts'
import type { Json, JsonObject } from '../../../actors/apiserver/patch/json.ts'

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

const deployment = (containers: Json[], extra: JsonObject = {}): JsonObject =>
  deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', annotations: { keep: 'me' } },
    spec: {
      replicas: 2,
      template: { metadata: { labels: { app: 'web' }, annotations: { 'prometheus.io/scrape': 'true' } }, spec: { containers, ...extra } },
    },
  })

const web = { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }
const sidecar = { name: 'sidecar', image: 'envoy:1' }

function containersOf(v: Json): Json {
  return ((((v as JsonObject)['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject)['containers'] as Json
}

function apply(kind: string, original: Json, patch: Json): Json {
  const r = applyStrategicMergePatch(original, deepFreeze(patch), kind)
  if (!r.ok) throw new Error(`unexpected error ${r.error.code}: ${r.error.message}`)
  return r.value
}

t.test('kubectl set image: containers merge by name, only image changes', async (t) => {
  const d = deployment([web, sidecar])
  const out = apply('Deployment', d, { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } })
  t.same(containersOf(out), [{ ...web, image: 'nginx:1.27' }, sidecar])
  t.same((out as JsonObject)['metadata'], d['metadata'])
  t.equal(containersOf(d) !== containersOf(out), true, 'input not reused')
  t.same(containersOf(d), [web, sidecar], 'input unchanged')
})

t.test('kubectl rollout restart: adds a template annotation', async (t) => {
  const d = deployment([web])
  const out = apply('Deployment', d, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-23T21:00:00Z' } } } } })
  t.same(((((out as JsonObject)['spec'] as JsonObject)['template'] as JsonObject)['metadata'] as JsonObject)['annotations'], {
    'prometheus.io/scrape': 'true',
    'kubectl.kubernetes.io/restartedAt': '2026-11-23T21:00:00Z',
  })
  t.same(containersOf(out), [web])
})

t.test('kubectl cordon / uncordon: spec.unschedulable', async (t) => {
  const node = deepFreeze({ kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.0.0.0/24', taints: [{ key: 'a', effect: 'NoSchedule' }] } })
  const cordoned = apply('Node', node, { spec: { unschedulable: true } })
  t.same(cordoned, { ...node, spec: { ...node.spec, unschedulable: true } })
  t.same(apply('Node', cordoned, { spec: { unschedulable: null } }), node)
})

t.test('client-side apply: $setElementOrder and $patch: delete', async (t) => {
  const d = deployment([web, sidecar])
  // kubectl apply after removing the sidecar from the manifest
  const out = apply('Deployment', d, {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ $patch: 'delete', name: 'sidecar' }] } } },
  })
  t.same(containersOf(out), [web])
  t.same(((out as JsonObject)['metadata'] as JsonObject)['annotations'], { keep: 'me', 'kubectl.kubernetes.io/last-applied-configuration': '{}' })

  // add a container before web, delete sidecar, change an env var and drop another
  const out2 = apply('Deployment', d, {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'init' }, { name: 'web' }],
          containers: [
            { name: 'init', image: 'busybox' },
            { name: 'web', '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }, { name: 'A', value: '9' }] },
            { $patch: 'delete', name: 'sidecar' },
          ],
        },
      },
    },
  })
  t.same(containersOf(out2), [{ name: 'init', image: 'busybox' }, { ...web, env: [{ name: 'A', value: '9' }] }])

  // reorder only: $setElementOrder with no list in the patch
  const out3 = apply('Deployment', d, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] } } } })
  t.same(containersOf(out3), [sidecar, web])
})

t.test('merge lists: order, keys, nested merge lists, atomic lists', async (t) => {
  const d = deployment([web, sidecar], { tolerations: [{ key: 'a', operator: 'Exists' }], volumes: [{ name: 'v', emptyDir: {} }] })
  // a new element the server does not know goes first (mergeSortedSlice)
  t.same(containersOf(apply('Deployment', d, { spec: { template: { spec: { containers: [{ name: 'new', image: 'x' }] } } } })), [{ name: 'new', image: 'x' }, web, sidecar])
  // nested: ports by containerPort, env by name, a null deletes a field inside an element
  const out = apply('Deployment', d, {
    spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], env: [{ name: 'A', value: null, valueFrom: { fieldRef: { fieldPath: 'x' } } }] }] } } },
  })
  const c = (containersOf(out) as JsonObject[])[0] as JsonObject
  t.same(c['ports'], [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }])
  t.same(c['env'], [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'x' } } }, { name: 'B', value: '2' }])
  // tolerations are atomic: replaced
  const tol = apply('Deployment', d, { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } })
  t.same((((tol as JsonObject)['spec'] as JsonObject)['template'] as JsonObject)['spec'], { containers: [web, sidecar], tolerations: [{ key: 'b', operator: 'Exists' }], volumes: [{ name: 'v', emptyDir: {} }] })
  // volumes merge by name with $retainKeys switching the volume source
  const vol = apply('Deployment', d, { spec: { template: { spec: { volumes: [{ name: 'v', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } } } })
  t.same((((vol as JsonObject)['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject, {
    containers: [web, sidecar],
    tolerations: [{ key: 'a', operator: 'Exists' }],
    volumes: [{ name: 'v', configMap: { name: 'cm' } }],
  })
  // $patch: replace inside a merge list
  t.same(containersOf(apply('Deployment', d, { spec: { template: { spec: { containers: [{ name: 'only' }, { $patch: 'replace' }] } } } })), [{ name: 'only' }])
})

t.test('maps: null deletes, $patch replace / delete, $retainKeys', async (t) => {
  const pod = deepFreeze({ metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec: { nodeSelector: { x: '1' }, containers: [{ name: 'c' }] } })
  t.same(apply('Pod', pod, { metadata: { labels: { a: null, c: '3' } } }), { ...pod, metadata: { name: 'p', labels: { b: '2', c: '3' } } })
  t.same(apply('Pod', pod, { metadata: { labels: { $patch: 'replace', z: '9' } } }), { ...pod, metadata: { name: 'p', labels: { z: '9' } } })
  t.same(apply('Pod', pod, { spec: { nodeSelector: { $patch: 'delete' } } }), { ...pod, spec: { nodeSelector: {}, containers: [{ name: 'c' }] } })
  const dep = deepFreeze({ spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } })
  t.same(apply('Deployment', dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }), { spec: { strategy: { type: 'Recreate' } } })
  // a new field's value is applied to nothing: directives and nulls do not leak into the object
  t.same(apply('Pod', { metadata: { name: 'p' } }, { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: null }] }, { name: 'gone', $patch: 'delete' }] } }), {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', env: [{ name: 'X' }] }] },
  })
})

t.test('primitive merge lists: finalizers', async (t) => {
  const obj = deepFreeze({ metadata: { name: 'x', finalizers: ['a', 'b'] } })
  t.same(apply('ConfigMap', obj, { metadata: { finalizers: ['c', 'a'] } }), { metadata: { name: 'x', finalizers: ['c', 'a', 'b'] } })
  t.same(apply('ConfigMap', obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), { metadata: { name: 'x', finalizers: ['b'] } })
  t.same(apply('ConfigMap', obj, { metadata: { '$setElementOrder/finalizers': ['b', 'a'] } }), { metadata: { name: 'x', finalizers: ['b', 'a'] } })
  t.same(apply('ConfigMap', obj, { metadata: { finalizers: null } }), { metadata: { name: 'x' } })
  // Namespace spec.finalizers is atomic
  const ns = deepFreeze({ metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] } })
  t.same(apply('Namespace', ns, { spec: { finalizers: [] } }), { metadata: { name: 'n' }, spec: { finalizers: [] } })
})

t.test('other kinds: service ports by port, node addresses/conditions by type, ownerReferences by uid, taints atomic', async (t) => {
  const svc = deepFreeze<Json>({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } })
  t.same(apply('Service', svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }), { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } })
  const node = deepFreeze({
    metadata: { name: 'n', ownerReferences: [{ uid: 'u1', name: 'a' }] },
    spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] },
    status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n' }], conditions: [{ type: 'Ready', status: 'False' }] },
  })
  const out = apply('Node', node, {
    metadata: { ownerReferences: [{ uid: 'u2', name: 'b' }] },
    spec: { taints: [{ key: 'b', effect: 'NoExecute' }] },
    status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], conditions: [{ type: 'Ready', status: 'True' }] },
  })
  t.same(out, {
    metadata: { name: 'n', ownerReferences: [{ uid: 'u2', name: 'b' }, { uid: 'u1', name: 'a' }] },
    spec: { taints: [{ key: 'b', effect: 'NoExecute' }] },
    status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }], conditions: [{ type: 'Ready', status: 'True' }] },
  })
  t.same(STRATEGIC_KINDS.slice().sort(), [
    'ConfigMap',
    'CronJob',
    'DaemonSet',
    'Deployment',
    'Endpoints',
    'Event',
    'Ingress',
    'IngressClass',
    'Job',
    'Lease',
    'LimitRange',
    'Namespace',
    'NetworkPolicy',
    'Node',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Pod',
    'PodDisruptionBudget',
    'ReplicaSet',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
    'StatefulSet',
    'StorageClass',
  ])
  t.same(strategicSchemaFor('StatefulSet')?.get('spec.template.spec.containers'), { strategy: 'merge', mergeKey: 'name' })
  t.same(strategicSchemaFor('ServiceAccount')?.get('secrets'), { strategy: 'merge', mergeKey: 'name' })
  t.equal(strategicSchemaFor('StatefulSet')?.get('spec.volumeClaimTemplates'), undefined, 'atomic')
  t.same(strategicSchemaFor('ReplicaSet')?.get('spec.template.spec.containers[].volumeMounts'), { strategy: 'merge', mergeKey: 'mountPath' })
  t.same(strategicSchemaFor('Pod')?.get('spec.ephemeralContainers[].volumeDevices'), { strategy: 'merge', mergeKey: 'devicePath' })
  t.same(strategicSchemaFor('Pod')?.get('spec.hostAliases'), { strategy: 'merge', mergeKey: 'ip' })
  t.equal(strategicSchemaFor('Pod')?.get('spec.tolerations'), undefined)
  t.same(strategicSchemaFor('Job')?.get('spec.template.spec.containers'), { strategy: 'merge', mergeKey: 'name' }, 'kubectl set image job/x: 415 before')
  t.same(strategicSchemaFor('CronJob')?.get('spec.jobTemplate.spec.template.spec.containers[].env'), { strategy: 'merge', mergeKey: 'name' })
  t.equal(strategicSchemaFor('Job')?.get('spec.podFailurePolicy.rules'), undefined, 'atomic')
})

t.test('errors are returned, never thrown', async (t) => {
  const d = deployment([web, sidecar])
  const cases: [string, Json, Json, string, number, RegExp][] = [
    ['missing merge key', d, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, 'Deployment', 422, /does not contain declared merge key: name/],
    ['delete without merge key', d, { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }, 'Deployment', 422, /merge key/],
    ['$patch merge in a list', d, { spec: { template: { spec: { containers: [{ $patch: 'merge' }] } } } }, 'Deployment', 422, /cannot yet be specified/],
    ['unknown $patch in a map', d, { spec: { $patch: 'frob' } }, 'Deployment', 422, /unknown patch type/],
    ['retainKeys not a list', d, { spec: { $retainKeys: 'x' } }, 'Deployment', 400, /retainKeys/],
    ['patch key outside retainKeys', d, { spec: { $retainKeys: ['replicas'], paused: true } }, 'Deployment', 422, /retainKeys/],
    ['setElementOrder mismatch', d, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'other' }] } } } }, 'Deployment', 422, /doesn't match/],
    ['setElementOrder not a list', d, { spec: { template: { spec: { '$setElementOrder/containers': 'web' } } } }, 'Deployment', 400, /setElementOrder/],
    ['deleteFromPrimitiveList not a list', d, { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 'Deployment', 400, /primitive list/],
    ['mixed element types', { metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [1] } }, 'Pod', 422, /not identical/],
    ['lists of lists', { metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }, 'Pod', 422, /lists of lists/],
    ['original not an object', [1], {}, 'Pod', 400, /original/],
    ['patch not an object', {}, [1], 'Pod', 400, /patch/],
    ['unknown kind', {}, {}, 'Widget', 415, /not supported/],
  ]
  for (const [name, original, patch, kind, code, message] of cases) {
    const r = applyStrategicMergePatch(original, patch, kind)
    t.equal(r.ok, false, name)
    if (!r.ok) {
      t.equal(r.error.code, code, `${name}: code`)
      t.match(r.error.message, message, `${name}: ${r.error.message}`)
    }
  }
  let deep: Json = 1
  for (let i = 0; i < 100_000; i++) deep = { a: deep }
  const r = applyStrategicMergePatch({}, deep as JsonObject, 'Pod')
  t.equal(r.ok, false)
})
