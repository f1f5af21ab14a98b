/** The resource quota controller's recalculation: what to list, and status.hard/used from the lists. */
import t from 'tap'
import { countedResource, quotaListPaths, quotaMarks, reconcileResourceQuota, runResourceQuota, type ResourceQuota } from '../../../actors/controllers/resource-quota.ts'
import { CONTROLLER_DEFAULTS } from '../../../actors/controllers/controller-manager.kind.ts'
import { advance, continueNamespace, INITIAL_MANAGER_STATE, onSynced, startWork } from '../../../actors/controllers/manager.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { apply, memoryCaches } from './memory-caches.ts'

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

t.test('resource-quota controller - in the manager: what a change marks, and a run from the caches or after a list', async (t) => {
  const caches = memoryCaches()
  const q = quota({ pods: '2', secrets: '5' })
  apply(caches, 'resourceQuotas', 'ADDED', q)
  const running = { ...pod('a'), metadata: { name: 'a', namespace: 'team' } } as unknown as Pod
  const added = apply(caches, 'pods', 'ADDED', running)
  t.same(quotaMarks(added, caches)?.items, ['resourcequota:team/q'], 'a new pod marks its namespace’s quotas')
  const relabelled = { ...running, metadata: { ...running.metadata, labels: { a: 'b' } } } as Pod
  t.equal(quotaMarks(apply(caches, 'pods', 'MODIFIED', relabelled), caches), undefined, 'a change that counts the same marks nothing')
  const charged = { ...q, status: { hard: { pods: '2' }, used: { pods: '1' } } }
  t.equal(quotaMarks({ cache: 'resourceQuotas', type: 'MODIFIED', object: charged, previous: q }, caches), undefined, 'a status change (admission’s charge) marks nothing')
  const other = { ...running, metadata: { name: 'x', namespace: 'elsewhere' } } as Pod
  t.equal(quotaMarks(apply(caches, 'pods', 'ADDED', other), caches), undefined, 'no quota in the namespace')

  const first = runResourceQuota(q, caches)
  t.same(first, { list: ['/api/v1/namespaces/team/secrets'] }, 'secrets are not cached: listed first')
  const second = runResourceQuota(q, caches, [{ path: '/api/v1/namespaces/team/secrets', items: [{ metadata: { name: 's' } }] }])
  t.match(second, { actions: [{ type: 'updateStatus', object: { status: { hard: { pods: '2', secrets: '5' }, used: { pods: '1', secrets: '1' } } } }] }, 'pods from the cache, secrets from the list')

  let state = onSynced(INITIAL_MANAGER_STATE, caches, 0)
  const step = advance(state, 0, CONTROLLER_DEFAULTS)
  t.ok(step.start.includes('resourcequota:team/q'), 'every quota is looked at once the caches are in')
  state = step.state
  const started = startWork(state, 'resourcequota:team/q', caches, 0, CONTROLLER_DEFAULTS)
  t.same(started.plan, { type: 'list', paths: ['/api/v1/namespaces/team/secrets'] })
  const continued = continueNamespace(started.state, 'resourcequota:team/q', [{ path: '/api/v1/namespaces/team/secrets', items: [] }], caches, 0)
  t.match(continued.plan, { type: 'act', actions: [{ type: 'updateStatus', object: { status: { used: { pods: '1', secrets: '0' } } } }] })
})
