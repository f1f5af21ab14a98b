/** The resource quota controller's recalculation: what to list, and status.hard/used from the lists. */
import t from 'tap'
import { countedResource, quotaListPaths, reconcileResourceQuota, type ResourceQuota } from '../../../actors/controllers/resource-quota.ts'

const quota = (hard: Record<string, string>, status?: ResourceQuota['status'], spec: Record<string, unknown> = {}): ResourceQuota => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'team', resourceVersion: '5' }, spec: { hard, ...spec }, ...(status ? { status } : {}) })
const pod = (name: string, requests: Record<string, string> = {}, phase = 'Running') => ({ metadata: { name }, spec: { containers: [{ name: 'app', resources: { requests } }] }, status: { phase } })
const PODS = '/api/v1/namespaces/team/pods'

t.test('resource-quota controller - hard names map to the collections they count', async (t) => {
  const cases: [string, unknown][] = [
    ['pods', { group: '', resource: 'pods' }],
    ['requests.cpu', { group: '', resource: 'pods' }],
    ['limits.memory', { group: '', resource: 'pods' }],
    ['requests.nvidia.com/gpu', { group: '', resource: 'pods' }],
    ['services.nodeports', { group: '', resource: 'services' }],
    ['requests.storage', { group: '', resource: 'persistentvolumeclaims' }],
    ['gold.storageclass.storage.k8s.io/requests.storage', { group: '', resource: 'persistentvolumeclaims' }],
    ['count/deployments.apps', { group: 'apps', resource: 'deployments' }],
    ['count/configmaps', { group: '', resource: 'configmaps' }],
    ['something', undefined],
  ]
  for (const [name, want] of cases) t.same(countedResource(name), want, name)
  t.same(quotaListPaths(quota({ pods: '5', 'requests.cpu': '2', secrets: '3', 'count/deployments.apps': '1', 'count/widgets.example.com': '1' })), [PODS, '/api/v1/namespaces/team/secrets', '/apis/apps/v1/namespaces/team/deployments'], 'one list per collection; unserved resources left out')
})

t.test('resource-quota controller - status from the lists, written only when it differs', async (t) => {
  const hard = { pods: '3', 'requests.cpu': '2', 'count/pods': '10' }
  const listed = [{ path: PODS, items: [pod('a', { cpu: '500m' }), pod('b', { cpu: '250m' }), pod('done', { cpu: '1' }, 'Succeeded')] }]
  const fresh = reconcileResourceQuota(quota(hard), listed)
  t.same(fresh.actions, [
    {
      type: 'updateStatus',
      path: '/api/v1/namespaces/team/resourcequotas/q/status',
      object: { ...quota(hard), status: { hard: { 'count/pods': '10', pods: '3', 'requests.cpu': '2' }, used: { 'count/pods': '3', pods: '2', 'requests.cpu': '750m' } } },
    },
  ], 'a new quota gets hard and used; an ended pod holds count/pods only')
  const current = { hard: { 'count/pods': '10', pods: '3', 'requests.cpu': '2' }, used: { 'count/pods': '3', pods: '2', 'requests.cpu': '750m' } }
  t.same(reconcileResourceQuota(quota(hard, current), listed).actions, [], 'up to date: no write')
  const overcharged = reconcileResourceQuota(quota(hard, { ...current, used: { ...current.used, pods: '3' } }), listed)
  t.match(overcharged.actions, [{ object: { status: { used: { pods: '2' } } } }], 'a unit charged by a create that failed is given back')
  const empty = reconcileResourceQuota(quota({ pods: '1', configmaps: '2' }), [])
  t.match(empty.actions, [{ object: { status: { used: { pods: '0', configmaps: '0' } } } }], 'nothing listed: zero for every hard name')
  const scoped = reconcileResourceQuota(quota({ pods: '5' }, undefined, { scopes: ['BestEffort'] }), [{ path: PODS, items: [pod('a', { cpu: '1' }), pod('b')] }])
  t.match(scoped.actions, [{ object: { status: { used: { pods: '1' } } } }], 'scopes select what is counted')
})
