/** ResourceQuota admission: usage, matching, Kubernetes' messages, and the compare-and-swap charge through handle(). */
import t from 'tap'
import { checkQuotas } from '../../../../actors/apiserver/admission/resource-quota.ts'
import { handle } from '../../../../actors/apiserver/handle.ts'
import type { KubeObject } from '../../../../actors/apiserver/ports.ts'
import { bodyOf, cluster, pod, PODS, request } from '../memory-objects.ts'

type List = Record<string, string>
const quota = (name: string, hard: List, used: List, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'default', resourceVersion: '7' }, spec: { hard, ...spec }, status: { hard, used } })
const withResources = (name: string, resources: Record<string, List>, extra: Record<string, unknown> = {}): KubeObject => ({ ...pod(name), spec: { containers: [{ name: 'app', image: 'nginx', resources }], ...extra } })
const usedOf = (q: KubeObject) => (q.status as { used: List }).used

t.test('resource-quota - a create is checked and charged against the quotas that limit it', async (t) => {
  const cases: { name: string; quotas: KubeObject[]; resource?: string; object: KubeObject; want: string | Record<string, List> }[] = [
    { name: 'room left: charged', quotas: [quota('q', { pods: '2' }, { pods: '1' })], object: pod('a'), want: { q: { pods: '2' } } },
    { name: 'full', quotas: [quota('q', { pods: '2' }, { pods: '2' })], object: pod('a'), want: 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' },
    {
      name: 'only the exceeded names are shown',
      quotas: [quota('compute', { pods: '10', 'requests.cpu': '1' }, { pods: '1', 'requests.cpu': '800m' })],
      object: withResources('a', { requests: { cpu: '300m' } }),
      want: 'exceeded quota: compute, requested: requests.cpu=300m, used: requests.cpu=800m, limited: requests.cpu=1',
    },
    {
      name: 'memory sums exactly',
      quotas: [quota('mem', { 'requests.memory': '1Gi' }, { 'requests.memory': '512Mi' })],
      object: withResources('a', { requests: { memory: '256Mi' } }),
      want: { mem: { 'requests.memory': '768Mi' } },
    },
    {
      name: 'a quota on limits.cpu needs every container to state it',
      quotas: [quota('q', { 'limits.cpu': '2' }, { 'limits.cpu': '0' })],
      object: withResources('a', { requests: { cpu: '1' } }),
      want: 'failed quota: q: must specify limits.cpu for: app',
    },
    {
      name: 'several missing figures, sorted',
      quotas: [quota('q', { 'limits.cpu': '2', 'requests.memory': '1Gi' }, { 'limits.cpu': '0', 'requests.memory': '0' })],
      object: pod('a'),
      want: 'failed quota: q: must specify limits.cpu for: app; requests.memory for: app',
    },
    { name: 'no status yet', quotas: [{ ...quota('q', { pods: '2' }, {}), status: {} }], object: pod('a'), want: { } },
    { name: 'status without used', quotas: [{ ...quota('q', { pods: '2' }, {}), status: { hard: { pods: '2' } } }], object: pod('a'), want: 'status unknown for quota: q, resource: pods' },
    { name: 'count of a group resource', quotas: [quota('q', { 'count/deployments.apps': '1' }, { 'count/deployments.apps': '1' })], resource: 'deployments.apps', object: { kind: 'Deployment', metadata: { name: 'd' } }, want: 'exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1' },
    { name: 'legacy configmaps count', quotas: [quota('q', { configmaps: '5', pods: '1' }, { configmaps: '4', pods: '1' })], resource: 'configmaps', object: { kind: 'ConfigMap', metadata: { name: 'c' } }, want: { q: { configmaps: '5', pods: '1' } } },
    { name: 'a quota not limiting the resource is untouched', quotas: [quota('q', { secrets: '1' }, { secrets: '1' })], object: pod('a'), want: {} },
    {
      name: 'NodePort ports',
      quotas: [quota('q', { 'services.nodeports': '1' }, { 'services.nodeports': '0' })],
      resource: 'services',
      object: { kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } },
      want: 'exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
    },
    { name: 'BestEffort scope skips a pod with requests', quotas: [quota('q', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] })], object: withResources('a', { requests: { cpu: '1' } }), want: {} },
    { name: 'BestEffort scope takes a pod without', quotas: [quota('q', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] })], object: pod('a'), want: 'exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0' },
    {
      name: 'PriorityClass scope selector',
      quotas: [quota('q', { pods: '0' }, { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } })],
      object: { ...pod('a'), spec: { ...(pod('a').spec as object), priorityClassName: 'low' } },
      want: {},
    },
    { name: 'a scoped quota does not match other kinds', quotas: [quota('q', { configmaps: '0' }, { configmaps: '0' }, { scopes: ['NotTerminating'] })], resource: 'configmaps', object: { kind: 'ConfigMap', metadata: { name: 'c' } }, want: {} },
    { name: 'an ended pod holds no pods quota', quotas: [quota('q', { pods: '0', 'count/pods': '5' }, { pods: '0', 'count/pods': '0' })], object: { ...pod('a'), status: { phase: 'Succeeded' } }, want: { q: { pods: '0', 'count/pods': '1' } } },
  ]
  for (const c of cases) {
    const [resource, group] = (c.resource ?? 'pods').split('.', 2) as [string, string | undefined]
    const got = checkQuotas(c.quotas, resource, group === undefined ? '' : (c.resource ?? '').slice(resource.length + 1), c.object)
    if (typeof c.want === 'string') t.same(got, { ok: false, detail: c.want }, c.name)
    else t.same(got.ok ? Object.fromEntries(got.charged.map((q) => [q.metadata!.name, usedOf(q)])) : got, c.want, c.name)
  }
})

const QUOTAS = '/api/v1/namespaces/default/resourcequotas'

/** A quota created through the API, with the status the quota controller would write. */
async function quotaWithStatus(ports: Awaited<ReturnType<typeof cluster>>, name: string, hard: List): Promise<void> {
  const created = bodyOf(await handle(request('POST', QUOTAS, { body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } } }), ports))
  const used = Object.fromEntries(Object.keys(hard).map((k) => [k, '0']))
  const status = bodyOf(await handle(request('PUT', `${QUOTAS}/${name}/status`, { body: { ...created.body, status: { hard, used } } }), ports))
  if (status.status !== 200) throw new Error(`status write: ${JSON.stringify(status.body)}`)
}

t.test('resource-quota - through the handlers: the third pod is refused with 403, used is charged', async (t) => {
  const ports = await cluster(handle)
  await quotaWithStatus(ports, 'pods', { pods: '2' })
  t.equal(bodyOf(await handle(request('POST', PODS, { body: pod('a') }), ports)).status, 201)
  t.equal(bodyOf(await handle(request('POST', PODS, { body: pod('b') }), ports)).status, 201)
  const third = bodyOf(await handle(request('POST', PODS, { body: pod('c') }), ports))
  t.same([third.status, third.body.reason, third.body.message], [403, 'Forbidden', 'pods "c" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2'])
  t.same(bodyOf(await handle(request('GET', `${QUOTAS}/pods`), ports)).body.status.used, { pods: '2' })
})

t.test('resource-quota - concurrent creates for the last unit: exactly one passes', async (t) => {
  const ports = await cluster(handle)
  await quotaWithStatus(ports, 'one', { pods: '1' })
  const answers = await Promise.all(['a', 'b', 'c', 'd'].map(async (name) => bodyOf(await handle(request('POST', PODS, { body: pod(name) }), ports)).status))
  t.same(answers.filter((s) => s === 201).length, 1, `statuses ${answers.join(',')}`)
  t.same(answers.filter((s) => s === 403).length, 3)
  t.same(bodyOf(await handle(request('GET', `${QUOTAS}/one`), ports)).body.status.used, { pods: '1' })
})

t.test('resource-quota - LimitRange defaults are what the quota charges', async (t) => {
  const ports = await cluster(handle)
  t.equal(bodyOf(await handle(request('POST', '/api/v1/namespaces/default/limitranges', { body: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '250m' } }] } } }), ports)).status, 201)
  await quotaWithStatus(ports, 'cpu', { 'requests.cpu': '1', 'limits.cpu': '1' })
  const created = bodyOf(await handle(request('POST', PODS, { body: pod('a') }), ports))
  t.equal(created.status, 201)
  t.same(created.body.spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '250m' } })
  t.equal(created.body.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app')
  t.equal(bodyOf(await handle(request('POST', PODS, { body: pod('b') }), ports)).status, 201)
  const third = bodyOf(await handle(request('POST', PODS, { body: pod('c') }), ports))
  t.same([third.status, third.body.message], [403, 'pods "c" is forbidden: exceeded quota: cpu, requested: limits.cpu=500m, used: limits.cpu=1, limited: limits.cpu=1'])
  const over = bodyOf(await handle(request('POST', '/api/v1/namespaces/default/limitranges', { body: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'max' }, spec: { limits: [{ type: 'Container', max: { memory: '1Gi' } }] } } }), ports))
  t.equal(over.status, 201)
  const big = bodyOf(await handle(request('POST', PODS, { body: withResources('d', { limits: { memory: '2Gi' } }) }), ports))
  t.same([big.status, big.body.message], [403, 'pods "d" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi'])
})
