/** handle(): deletion semantics (grace periods, finalizers, propagation, namespaces), pods/binding and namespaces/finalize. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, namespace, NOW, pod, PODS, request, type TestPorts } from './memory-objects.ts'

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps'
const call = async (ports: TestPorts, method: string, path: string, body?: unknown) => bodyOf(await handle(request(method, path, body === undefined ? {} : { body }), ports))
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

t.test('delete - an unscheduled pod goes at once', async (t) => {
  const ports = await cluster(handle)
  await call(ports, 'POST', PODS, pod('web'))
  const r = await call(ports, 'DELETE', `${PODS}/web`)
  t.equal(r.status, 200)
  t.equal((await call(ports, 'GET', `${PODS}/web`)).status, 404)
})

t.test('delete - a pod on a node is deleted gracefully: marked, then removed by a delete with grace 0', async (t) => {
  const ports = await cluster(handle)
  await call(ports, 'POST', PODS, pod('web', { nodeName: 'node-1' }))
  const first = await call(ports, 'DELETE', `${PODS}/web`)
  t.equal(first.status, 200)
  t.equal(first.body.metadata.deletionGracePeriodSeconds, 30, 'terminationGracePeriodSeconds defaults to 30')
  t.equal(first.body.metadata.deletionTimestamp, iso(NOW + 30_000))
  t.equal((await call(ports, 'GET', `${PODS}/web`)).body.metadata.deletionGracePeriodSeconds, 30, 'still there, Terminating')
  const shorter = bodyOf(await handle(request('DELETE', `${PODS}/web?gracePeriodSeconds=5`), ports))
  t.equal(shorter.body.metadata.deletionGracePeriodSeconds, 5, 'a second delete may shorten the grace period')
  const longer = bodyOf(await handle(request('DELETE', `${PODS}/web?gracePeriodSeconds=60`), ports))
  t.equal(longer.body.metadata.deletionGracePeriodSeconds, 5, 'but not lengthen it')
  const final = await call(ports, 'DELETE', `${PODS}/web`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 })
  t.equal(final.status, 200)
  t.equal((await call(ports, 'GET', `${PODS}/web`)).status, 404)
})

t.test('delete - finalizers hold an object until an update removes the last one', async (t) => {
  const ports = await cluster(handle)
  await call(ports, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } })
  const marked = await call(ports, 'DELETE', `${CONFIGMAPS}/held`)
  t.equal(marked.status, 200)
  t.ok(marked.body.metadata.deletionTimestamp, 'marked for deletion')
  t.same(marked.body.metadata.finalizers, ['example.com/hold'])
  const adding = bodyOf(await handle(request('PATCH', `${CONFIGMAPS}/held`, { body: { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, contentType: 'application/merge-patch+json' }), ports))
  t.equal(adding.status, 422, 'no new finalizers on an object being deleted')
  const released = bodyOf(await handle(request('PATCH', `${CONFIGMAPS}/held`, { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' }), ports))
  t.equal(released.status, 200)
  t.equal((await call(ports, 'GET', `${CONFIGMAPS}/held`)).status, 404, 'gone with its last finalizer')
})

t.test('delete - propagationPolicy Foreground and Orphan add the garbage collector finalizers; a bad one is 422', async (t) => {
  const ports = await cluster(handle)
  await call(ports, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fg' } })
  await call(ports, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'or' } })
  t.same((await call(ports, 'DELETE', `${CONFIGMAPS}/fg`, { propagationPolicy: 'Foreground' })).body.metadata.finalizers, ['foregroundDeletion'])
  t.same(bodyOf(await handle(request('DELETE', `${CONFIGMAPS}/or?propagationPolicy=Orphan`), ports)).body.metadata.finalizers, ['orphan'])
  const bad = await call(ports, 'DELETE', `${CONFIGMAPS}/or`, { propagationPolicy: 'Sometimes' })
  t.equal(bad.status, 422)
  t.match(bad.body.message, /Unsupported value: "Sometimes"/)
})

t.test('delete - preconditions: a uid or resourceVersion that does not match is a Conflict, nothing deleted', async (t) => {
  const ports = await cluster(handle)
  const created = (await call(ports, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).body
  const wrongUid = await call(ports, 'DELETE', `${CONFIGMAPS}/c`, { preconditions: { uid: 'someone-else' } })
  t.equal(wrongUid.status, 409)
  t.match(wrongUid.body.message, `Precondition failed: UID in precondition: someone-else, UID in object meta: ${created.metadata.uid}`)
  t.equal((await call(ports, 'DELETE', `${CONFIGMAPS}/c`, { preconditions: { resourceVersion: '1' } })).status, 409)
  t.equal((await call(ports, 'GET', `${CONFIGMAPS}/c`)).status, 200, 'still there')
  t.equal((await call(ports, 'DELETE', `${CONFIGMAPS}/c`, { preconditions: { uid: created.metadata.uid } })).status, 200)
})

t.test('delete - a namespace turns Terminating, refuses new content, and goes once finalized', async (t) => {
  const ports = await cluster(handle, 'team')
  await call(ports, 'POST', '/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })
  const marked = await call(ports, 'DELETE', '/api/v1/namespaces/team')
  t.equal(marked.status, 200)
  t.equal(marked.body.status.phase, 'Terminating')
  t.same(marked.body.spec.finalizers, ['kubernetes'])
  const refused = await call(ports, 'POST', '/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } })
  t.equal(refused.status, 403)
  t.equal(refused.body.message, 'configmaps "y" is forbidden: unable to create new content in namespace team because it is being terminated')
  const current = (await call(ports, 'GET', '/api/v1/namespaces/team')).body
  const finalized = await call(ports, 'PUT', '/api/v1/namespaces/team/finalize', { ...current, spec: { finalizers: [] } })
  t.equal(finalized.status, 200)
  t.equal((await call(ports, 'GET', '/api/v1/namespaces/team')).status, 404, 'finalized and gone')
  t.equal((await call(ports, 'POST', '/api/v1/namespaces', namespace('team'))).status, 201, 'the name is free again')
})

t.test('pods/binding - assigns the node and PodScheduled once; a second binding conflicts', async (t) => {
  const ports = await cluster(handle)
  const created = (await call(ports, 'POST', PODS, pod('web'))).body
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', uid: created.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } }
  const bound = await call(ports, 'POST', `${PODS}/web/binding`, binding)
  t.equal(bound.status, 201)
  t.equal(bound.body.status, 'Success')
  const after = (await call(ports, 'GET', `${PODS}/web`)).body
  t.equal(after.spec.nodeName, 'node-1')
  t.match(after.status.conditions, [{ type: 'PodScheduled', status: 'True' }])
  const again = await call(ports, 'POST', `${PODS}/web/binding`, { ...binding, target: { kind: 'Node', name: 'node-2' } })
  t.equal(again.status, 409)
  t.equal(again.body.message, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"')
  t.equal((await call(ports, 'POST', `${PODS}/nope/binding`, binding)).status, 404)
  const noTarget = await call(ports, 'POST', `${PODS}/web/binding`, { metadata: { name: 'web' } })
  t.equal(noTarget.status, 422)
  t.match(noTarget.body.message, /target.name: Required value/)
  t.equal((await call(ports, 'GET', `${PODS}/web/binding`)).status, 405)
})

t.test('pods/binding - starts from the cached pod; a stale or missing copy falls back to a current read', async (t) => {
  const ports = await cluster(handle)
  const key = '/registry/core/pods/default/web'
  const created = (await call(ports, 'POST', PODS, pod('web'))).body
  const binding = (node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', uid: created.metadata.uid }, target: { kind: 'Node', name: node } })

  ports.objects.calls.length = 0
  t.equal((await call(ports, 'POST', `${PODS}/web/binding`, binding('node-1'))).status, 201)
  t.same(ports.objects.calls.filter((c) => c.startsWith('get ')), [`get ${key} (any version)`], 'the happy path reads no current copy')

  // The cache still has the unbound pod: the compare-and-swap fails, the current read refuses.
  ports.objects.cached.set(key, created)
  ports.objects.calls.length = 0
  const again = await call(ports, 'POST', `${PODS}/web/binding`, binding('node-2'))
  t.equal(again.status, 409)
  t.equal(again.body.message, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"')
  t.equal((await call(ports, 'GET', `${PODS}/web`)).body.spec.nodeName, 'node-1', 'the stale copy wrote nothing')

  // A cache that has not seen the pod yet: read it from the store.
  await call(ports, 'POST', PODS, pod('api'))
  ports.objects.cached.set('/registry/core/pods/default/api', null)
  t.equal((await call(ports, 'POST', `${PODS}/api/binding`, { metadata: { name: 'api' }, target: { kind: 'Node', name: 'node-3' } })).status, 201)
  t.equal((await call(ports, 'GET', `${PODS}/api`)).body.spec.nodeName, 'node-3')

  // A refusal seen only in the cache is checked against the store: another pod of that name is there now.
  const old = { ...created, metadata: { ...created.metadata, uid: 'old-uid', deletionTimestamp: '2020-01-01T00:00:00Z' } }
  await call(ports, 'POST', PODS, pod('db'))
  ports.objects.cached.set('/registry/core/pods/default/db', { ...old, metadata: { ...old.metadata, name: 'db' } })
  t.equal((await call(ports, 'POST', `${PODS}/db/binding`, { metadata: { name: 'db' }, target: { kind: 'Node', name: 'node-1' } })).status, 201)
})

t.test('create - namespace admission reads the cached namespace, and the store when the cache lacks it', async (t) => {
  const ports = await cluster(handle)
  const nsKey = '/registry/core/namespaces/default'
  ports.objects.calls.length = 0
  t.equal((await call(ports, 'POST', PODS, pod('a'))).status, 201)
  t.same(ports.objects.calls.filter((c) => c.includes('namespaces')), [`get ${nsKey} (any version)`])
  ports.objects.cached.set(nsKey, null)
  ports.objects.calls.length = 0
  t.equal((await call(ports, 'POST', PODS, pod('b'))).status, 201, 'a namespace the cache has not seen yet is read from the store')
  t.same(ports.objects.calls.filter((c) => c.includes('namespaces')), [`get ${nsKey} (any version)`, `get ${nsKey}`])
  t.equal((await call(ports, 'POST', '/api/v1/namespaces/nowhere/pods', pod('c'))).status, 404)
})

t.test('update - a cached copy at the version the client names spares the current read; any other is read from the store', async (t) => {
  const ports = await cluster(handle)
  const key = '/registry/core/pods/default/web'
  const created = (await call(ports, 'POST', PODS, pod('web'))).body
  ports.objects.calls.length = 0
  const labelled = { ...created, metadata: { ...created.metadata, labels: { a: '1' } } }
  const first = await call(ports, 'PUT', `${PODS}/web`, labelled)
  t.equal(first.status, 200)
  t.same(ports.objects.calls.filter((c) => c.startsWith('get ')), [`get ${key} (any version)`])

  // The cache lags behind the client: read the store, and the update goes through.
  ports.objects.cached.set(key, created)
  ports.objects.calls.length = 0
  const second = await call(ports, 'PUT', `${PODS}/web`, { ...first.body, metadata: { ...first.body.metadata, labels: { a: '2' } } })
  t.equal(second.status, 200)
  t.same(ports.objects.calls.filter((c) => c.startsWith('get ')), [`get ${key} (any version)`, `get ${key}`])

  // The client's version is stale and the cache has that stale copy: the compare-and-swap refuses it.
  ports.objects.cached.set(key, first.body)
  const stale = await call(ports, 'PUT', `${PODS}/web`, { ...first.body, metadata: { ...first.body.metadata, labels: { a: '3' } } })
  t.equal(stale.status, 409)
  t.same((await call(ports, 'GET', `${PODS}/web`)).body.metadata.labels, { a: '2' })
})

t.test('pods/exec, attach, portforward and proxy - a 404 that says the subresource is not served, not that the pod is missing', async (t) => {
  const ports = await cluster(handle)
  await call(ports, 'POST', PODS, pod('web', { nodeName: 'node-1' }))
  for (const sub of ['exec', 'attach', 'portforward', 'proxy']) {
    const r = await call(ports, 'POST', `${PODS}/web/${sub}`)
    t.equal(r.status, 404, sub)
    t.equal(r.body.message, `pods "web": the ${sub} subresource is not served by actorkube (pods serve log, binding, eviction and status)`)
  }
  t.equal((await call(ports, 'GET', `${PODS}/web/other`)).body.message, 'pods/other "web" not found', 'an unknown subresource stays a plain NotFound')
})
