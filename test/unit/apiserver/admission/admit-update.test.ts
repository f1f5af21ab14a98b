/** Admission on update through handle(): a claim's resize is bounded by LimitRanges and charged to quotas; a Service turned NodePort is charged; pod updates are not admitted again. */
import t from 'tap'
import { handle } from '../../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, pod, PODS, request } from '../memory-objects.ts'

type List = Record<string, string>
type Ports = Awaited<ReturnType<typeof cluster>>
const QUOTAS = '/api/v1/namespaces/default/resourcequotas'
const CLAIMS = '/api/v1/namespaces/default/persistentvolumeclaims'
const SERVICES = '/api/v1/namespaces/default/services'

/** A quota created through the API, with the status the quota controller would write. */
async function quotaWithStatus(ports: Ports, name: string, hard: List): Promise<void> {
  const created = bodyOf(await handle(request('POST', QUOTAS, { body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } } }), ports))
  const used = Object.fromEntries(Object.keys(hard).map((k) => [k, '0']))
  const status = bodyOf(await handle(request('PUT', `${QUOTAS}/${name}/status`, { body: { ...created.body, status: { hard, used } } }), ports))
  if (status.status !== 200) throw new Error(`status write: ${JSON.stringify(status.body)}`)
}

const claim = (storage: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } })

/** PUT the stored claim with another storage request (and labels). */
async function resize(ports: Ports, storage: string, labels: List = {}) {
  const current = bodyOf(await handle(request('GET', `${CLAIMS}/data`), ports)).body
  return bodyOf(await handle(request('PUT', `${CLAIMS}/data`, { body: { ...current, metadata: { ...current.metadata, labels }, spec: { ...current.spec, resources: { requests: { storage } } } } }), ports))
}

const usedOf = async (ports: Ports, name: string): Promise<List> => bodyOf(await handle(request('GET', `${QUOTAS}/${name}`), ports)).body.status.used

t.test('admission on update - a claim resize is charged to the quota by what it adds; over quota is 403', async (t) => {
  const ports = await cluster(handle)
  await quotaWithStatus(ports, 'storage', { 'requests.storage': '10Gi' })
  t.equal(bodyOf(await handle(request('POST', CLAIMS, { body: claim('4Gi') }), ports)).status, 201)
  t.same(await usedOf(ports, 'storage'), { 'requests.storage': '4Gi' })

  const over = await resize(ports, '12Gi')
  t.equal(over.status, 403)
  t.equal(over.body.message, 'persistentvolumeclaims "data" is forbidden: exceeded quota: storage, requested: requests.storage=8Gi, used: requests.storage=4Gi, limited: requests.storage=10Gi')
  t.equal(bodyOf(await handle(request('GET', `${CLAIMS}/data`), ports)).body.spec.resources.requests.storage, '4Gi', 'the claim is unchanged')

  t.equal((await resize(ports, '6Gi')).status, 200)
  t.same(await usedOf(ports, 'storage'), { 'requests.storage': '6Gi' }, 'charged the 2Gi it adds')
  t.equal((await resize(ports, '6Gi', { tier: 'gold' })).status, 200, 'a label change adds nothing')
  t.same(await usedOf(ports, 'storage'), { 'requests.storage': '6Gi' }, 'and is charged nothing')
})

t.test('admission on update - a claim resize beyond the LimitRange max is 403 with LimitRanger message', async (t) => {
  const ports = await cluster(handle)
  const range = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '10Gi' } }] } }
  t.equal(bodyOf(await handle(request('POST', '/api/v1/namespaces/default/limitranges', { body: range }), ports)).status, 201)
  t.equal(bodyOf(await handle(request('POST', CLAIMS, { body: claim('5Gi') }), ports)).status, 201)
  const over = await resize(ports, '20Gi')
  t.equal(over.status, 403)
  t.equal(over.body.message, 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi')
  t.equal((await resize(ports, '8Gi')).status, 200)
})

t.test('admission on update - a Service turned NodePort takes services.nodeports', async (t) => {
  const ports = await cluster(handle)
  await quotaWithStatus(ports, 'ports', { 'services.nodeports': '0' })
  const created = bodyOf(await handle(request('POST', SERVICES, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } }), ports))
  t.equal(created.status, 201, JSON.stringify(created.body))
  const turned = bodyOf(await handle(request('PUT', `${SERVICES}/web`, { body: { ...created.body, spec: { ...created.body.spec, type: 'NodePort' } } }), ports))
  t.equal(turned.status, 403)
  t.equal(turned.body.message, 'services "web" is forbidden: exceeded quota: ports, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0')
})

t.test('admission on update - pods are not admitted again (their resources cannot change)', async (t) => {
  const ports = await cluster(handle)
  await quotaWithStatus(ports, 'pods', { pods: '1' })
  const created = bodyOf(await handle(request('POST', PODS, { body: pod('a') }), ports))
  t.equal(created.status, 201)
  t.same(await usedOf(ports, 'pods'), { pods: '1' }, 'the quota is full')
  const relabelled = bodyOf(await handle(request('PUT', `${PODS}/a`, { body: { ...created.body, metadata: { ...created.body.metadata, labels: { tier: 'gold' } } } }), ports))
  t.equal(relabelled.status, 200, 'an update of a pod in a full quota passes')
  t.same(await usedOf(ports, 'pods'), { pods: '1' })
})
