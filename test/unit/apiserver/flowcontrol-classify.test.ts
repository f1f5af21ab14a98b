/**
 * Flow control's classifier over the default FlowSchemas: who and what lands on which priority
 * level, which flow tells requests of a schema apart, and which requests are long-running.
 */
import t from 'tap'
import { requestAttributes } from '../../../actors/apiserver/http/request-attributes.ts'
import { classify, isLongRunning } from '../../../actors/apiserver/flowcontrol/classify.ts'
import { CLUSTER_ACTORS_GROUP, DEFAULT_FLOW_SCHEMAS, flowControlConfig, validateFlowControl } from '../../../actors/apiserver/flowcontrol/config.ts'

const ACTOR = { user: 'system:actor', groups: [CLUSTER_ACTORS_GROUP, 'system:authenticated'] }
const ADMIN = { user: 'admin', groups: ['system:masters', 'system:authenticated'] }
const ALICE = { user: 'alice', groups: ['system:authenticated'] }
const NOBODY = { user: 'system:anonymous', groups: [] }
const schemas = flowControlConfig().flowSchemas

const cases: readonly { name: string; who: { user: string; groups: string[] }; method: string; path: string; query?: Record<string, string>; schema: string; level: string; flow: string }[] = [
  { name: 'an admin is exempt, whatever it does', who: ADMIN, method: 'POST', path: '/api/v1/namespaces/default/pods', schema: 'exempt', level: 'exempt', flow: 'exempt/' },
  { name: 'the scheduler renewing its Lease', who: ACTOR, method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', schema: 'system-leader-election', level: 'leader-election', flow: 'system-leader-election/system:actor' },
  { name: 'an elector reading its Lease', who: ACTOR, method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager', schema: 'system-leader-election', level: 'leader-election', flow: 'system-leader-election/system:actor' },
  { name: 'a kubelet renewing its node Lease', who: ACTOR, method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1', schema: 'system-node-high', level: 'node-heartbeat', flow: 'system-node-high/system:actor' },
  { name: 'a kubelet creating its node Lease', who: ACTOR, method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', schema: 'system-node-high', level: 'node-heartbeat', flow: 'system-node-high/system:actor' },
  { name: 'a kubelet patching its node status', who: ACTOR, method: 'PATCH', path: '/api/v1/nodes/node-1/status', schema: 'system-node-high', level: 'node-heartbeat', flow: 'system-node-high/system:actor' },
  { name: 'a kubelet registering its Node', who: ACTOR, method: 'POST', path: '/api/v1/nodes', schema: 'system-node-high', level: 'node-heartbeat', flow: 'system-node-high/system:actor' },
  { name: 'listing nodes is no heartbeat', who: ACTOR, method: 'GET', path: '/api/v1/nodes', schema: 'workload-low', level: 'workload-low', flow: 'workload-low/' },
  { name: 'a Lease in another namespace is workload', who: ACTOR, method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/apps/leases/mine', schema: 'workload-low', level: 'workload-low', flow: 'workload-low/apps' },
  { name: 'the scheduler binding a pod', who: ACTOR, method: 'POST', path: '/api/v1/namespaces/web/pods/p1/binding', schema: 'workload-high', level: 'workload-high', flow: 'workload-high/web' },
  { name: 'a kubelet reporting pod status', who: ACTOR, method: 'PATCH', path: '/api/v1/namespaces/web/pods/p1/status', schema: 'workload-high', level: 'workload-high', flow: 'workload-high/web' },
  { name: 'the endpoints controller', who: ACTOR, method: 'PUT', path: '/api/v1/namespaces/web/endpoints/svc', schema: 'workload-high', level: 'workload-high', flow: 'workload-high/web' },
  { name: 'a bulk pod create, one flow per namespace', who: ACTOR, method: 'POST', path: '/api/v1/namespaces/bench/pods', schema: 'workload-low', level: 'workload-low', flow: 'workload-low/bench' },
  { name: 'a ReplicaSet read', who: ACTOR, method: 'GET', path: '/apis/apps/v1/namespaces/web/replicasets/r', schema: 'workload-low', level: 'workload-low', flow: 'workload-low/web' },
  { name: 'another user over HTTPS, one flow per user', who: ALICE, method: 'GET', path: '/api/v1/namespaces/web/pods', schema: 'global-default', level: 'workload-low', flow: 'global-default/alice' },
  { name: 'a health probe is exempt', who: ALICE, method: 'GET', path: '/healthz', schema: 'probes', level: 'exempt', flow: 'probes/' },
  { name: 'discovery by another user', who: ALICE, method: 'GET', path: '/api', schema: 'global-default', level: 'workload-low', flow: 'global-default/alice' },
  { name: 'a user in no group is caught by catch-all', who: NOBODY, method: 'GET', path: '/api/v1/namespaces/web/pods', schema: 'catch-all', level: 'catch-all', flow: 'catch-all/system:anonymous' },
]

for (const c of cases) {
  t.test(`flowcontrol classify - ${c.name}`, async (t) => {
    const attributes = requestAttributes(c.method, c.path, c.query ?? {})
    t.strictSame(classify({ ...c.who, attributes }, schemas), { flowSchema: c.schema, priorityLevel: c.level, flow: c.flow })
  })
}

t.test('flowcontrol classify - precedence decides, not the order schemas are given in', async (t) => {
  const attributes = requestAttributes('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x', {})
  const reversed = DEFAULT_FLOW_SCHEMAS.slice().reverse()
  t.equal(classify({ ...ACTOR, attributes }, reversed)?.flowSchema, 'catch-all', 'classify itself takes the first match')
  const sorted = validateFlowControl({ ...flowControlConfig(), flowSchemas: reversed }).flowSchemas
  t.equal(classify({ ...ACTOR, attributes }, sorted)?.flowSchema, 'system-leader-election', 'the config sorts by precedence')
})

t.test('flowcontrol classify - no schema matches: undefined', async (t) => {
  const attributes = requestAttributes('GET', '/api/v1/pods', {})
  t.equal(classify({ ...ACTOR, attributes }, schemas.filter((s) => !['workload-low', 'global-default', 'catch-all'].includes(s.name))), undefined)
})

const longRunning: readonly [string, string, Record<string, string>, boolean][] = [
  ['/api/v1/namespaces/web/pods', 'GET', { watch: 'true' }, true],
  ['/api/v1/pods', 'GET', { watch: '1' }, true],
  ['/api/v1/namespaces/web/pods/p1/log', 'GET', { follow: 'true' }, true],
  ['/api/v1/namespaces/web/pods', 'GET', {}, false],
  ['/api/v1/namespaces/web/pods/p1/status', 'PATCH', {}, false],
  ['/version', 'GET', {}, false],
]
for (const [path, method, query, expected] of longRunning) {
  t.test(`flowcontrol classify - ${method} ${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''} is ${expected ? '' : 'not '}long-running`, async (t) => {
    t.equal(isLongRunning(requestAttributes(method, path, query)), expected)
  })
}
