/**
 * handle(): POST pods/<name>/eviction through the resource handlers, on in-memory objects: a
 * budget with room is spent (status written, pod recorded) and the pod is deleted gracefully and
 * marked DisruptionTarget; no room is a 429 and nothing changes; several budgets a 500; no budget
 * plain deletion; the Eviction's deleteOptions are honoured; bad bodies are 400s.
 */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, NOW, pod, PODS, request, type TestPorts } from './memory-objects.ts'
import { envelope, int, meta, msg, str } from '../../helpers/protobuf-bytes.ts'

const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets'
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const call = async (ports: TestPorts, method: string, path: string, body?: unknown) => bodyOf(await handle(request(method, path, body === undefined ? {} : { body }), ports))
const eviction = (name: string, deleteOptions?: object) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions ? { deleteOptions } : {}) })

/** A pod on node-1, Running and Ready. */
async function runningPod(ports: TestPorts, name: string, labels = { app: 'web' }): Promise<void> {
  const created = await call(ports, 'POST', PODS, pod(name, { labels, nodeName: 'node-1' }))
  if (created.status !== 201) throw new Error(JSON.stringify(created.body))
  const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
  const written = await call(ports, 'PUT', `${PODS}/${name}/status`, { ...created.body, status })
  if (written.status !== 200) throw new Error(JSON.stringify(written.body))
}

/** A budget over app=web with the status the disruption controller would write. */
async function budgetWith(ports: TestPorts, name: string, disruptionsAllowed: number, selector: object = { matchLabels: { app: 'web' } }): Promise<void> {
  const created = await call(ports, 'POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 2, selector } })
  if (created.status !== 201) throw new Error(JSON.stringify(created.body))
  const status = { observedGeneration: created.body.metadata.generation ?? 1, disruptionsAllowed, currentHealthy: 2 + disruptionsAllowed, desiredHealthy: 2, expectedPods: 2 + disruptionsAllowed }
  const written = await call(ports, 'PUT', `${PDBS}/${name}/status`, { ...created.body, status })
  if (written.status !== 200) throw new Error(JSON.stringify(written.body))
}

t.test('handle eviction - a budget with room: spent, the pod marked and deleted gracefully', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'web-1')
  await budgetWith(ports, 'web', 1)
  const r = await call(ports, 'POST', `${PODS}/web-1/eviction`, eviction('web-1'))
  t.equal(r.status, 201)
  t.same(r.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
  const pdb = (await call(ports, 'GET', `${PDBS}/web`)).body
  t.equal(pdb.status.disruptionsAllowed, 0)
  t.same(pdb.status.disruptedPods, { 'web-1': iso(NOW) })
  t.match(pdb.status.conditions, [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }])
  const left = (await call(ports, 'GET', `${PODS}/web-1`)).body
  t.equal(left.metadata.deletionTimestamp, iso(NOW + 30_000), 'graceful: the kubelet stops it')
  t.match(left.status.conditions, [{ type: 'Ready' }, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }])
})

t.test('handle eviction - no room: 429 with the budget cause; pod and budget untouched', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'web-1')
  await budgetWith(ports, 'web', 0)
  const before = (await call(ports, 'GET', `${PDBS}/web`)).body
  const r = await call(ports, 'POST', `${PODS}/web-1/eviction`, eviction('web-1'))
  t.equal(r.status, 429)
  t.equal(r.body.message, "Cannot evict pod as it would violate the pod's disruption budget.")
  t.same(r.body.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }])
  t.equal((await call(ports, 'GET', `${PDBS}/web`)).body.metadata.resourceVersion, before.metadata.resourceVersion)
  const still = (await call(ports, 'GET', `${PODS}/web-1`)).body
  t.equal(still.metadata.deletionTimestamp, undefined)
  t.notOk(still.status.conditions.some((c: { type: string }) => c.type === 'DisruptionTarget'))
})

t.test('handle eviction - two budgets select the pod: 500 with Kubernetes message', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'web-1')
  await budgetWith(ports, 'a', 1)
  await budgetWith(ports, 'b', 1, { matchExpressions: [{ key: 'app', operator: 'Exists' }] })
  const r = await call(ports, 'POST', `${PODS}/web-1/eviction`, eviction('web-1'))
  t.equal(r.status, 500)
  t.equal(r.body.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')
})

t.test('handle eviction - no budget: deleted with the Eviction deleteOptions (grace 0 removes it)', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'solo', { app: 'solo' })
  await budgetWith(ports, 'web', 0)
  t.equal((await call(ports, 'POST', `${PODS}/solo/eviction`, eviction('solo', { gracePeriodSeconds: 0 }))).status, 201)
  t.equal((await call(ports, 'GET', `${PODS}/solo`)).status, 404)
})

t.test('handle eviction - a protobuf Eviction (what kubectl drain posts) with gracePeriodSeconds 0', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'solo', { app: 'solo' })
  const body = new Uint8Array(envelope('policy/v1', 'Eviction', meta('solo', str(3, 'default')), msg(2, int(1, 0))))
  const r = bodyOf(await handle(request('POST', `${PODS}/solo/eviction`, { contentType: 'application/vnd.kubernetes.protobuf', body }), ports))
  t.equal(r.status, 201, JSON.stringify(r.body))
  t.equal((await call(ports, 'GET', `${PODS}/solo`)).status, 404, 'grace 0 kept through protobuf: removed at once')
})

t.test('handle eviction - dry run decides and writes nothing; a client uid precondition that fails is a 409', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'web-1')
  await budgetWith(ports, 'web', 1)
  const dry = await call(ports, 'POST', `${PODS}/web-1/eviction?dryRun=All`, eviction('web-1'))
  t.equal(dry.status, 201)
  t.equal((await call(ports, 'GET', `${PDBS}/web`)).body.status.disruptionsAllowed, 1, 'dry run: the budget is not spent')
  const wrong = await call(ports, 'POST', `${PODS}/web-1/eviction`, eviction('web-1', { preconditions: { uid: 'not-it' } }))
  t.equal(wrong.status, 409)
  t.match(wrong.body.message, /Precondition failed: UID in precondition: not-it/)
  t.equal((await call(ports, 'GET', `${PDBS}/web`)).body.status.disruptionsAllowed, 0, 'spent before the delete failed, as Kubernetes does (the controller gives it back)')
  const still = (await call(ports, 'GET', `${PODS}/web-1`)).body
  t.equal(still.metadata.deletionTimestamp, undefined)
  t.notOk(still.status.conditions.some((c: { type: string }) => c.type === 'DisruptionTarget'), 'not marked either')
})

t.test('handle eviction - bad requests: name mismatch, wrong kind, missing pod, GET', async (t) => {
  const ports = await cluster(handle)
  await runningPod(ports, 'web-1')
  const mismatch = await call(ports, 'POST', `${PODS}/web-1/eviction`, eviction('web-2'))
  t.equal(mismatch.status, 400)
  t.equal(mismatch.body.message, 'name in URL does not match name in Eviction object')
  t.equal((await call(ports, 'POST', `${PODS}/web-1/eviction`, { ...eviction('web-1'), kind: 'Pod' })).status, 400)
  t.equal((await call(ports, 'POST', `${PODS}/web-1/eviction`, '{not json')).status, 400)
  const missing = await call(ports, 'POST', `${PODS}/gone/eviction`, eviction('gone'))
  t.equal(missing.status, 404)
  t.equal(missing.body.message, 'pods "gone" not found')
  t.equal((await call(ports, 'GET', `${PODS}/web-1/eviction`)).status, 405)
})
