/** handle(): create, get and list of resources over the in-memory objects port. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, deployment, makePorts, NOW, pod, PODS, request, TABLE_ACCEPT } from './memory-objects.ts'

const CREATED_AT = new Date(NOW).toISOString().replace(/\.\d{3}Z$/, 'Z')

t.test('create a pod: 201, system fields, defaults, stored', async (t) => {
  const ports = await cluster(handle)
  const rev = ports.objects.revision
  const { status, body } = bodyOf(await handle(request('POST', PODS, { body: { ...pod('web'), status: { phase: 'Running' } } }), ports))
  t.equal(status, 201)
  t.match(body, {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-2', creationTimestamp: CREATED_AT, generation: 1, resourceVersion: String(rev + 1) },
    spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', containers: [{ name: 'app', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }] },
    status: { phase: 'Pending' },
  })
  t.equal(body.status.phase, 'Pending', 'a client-sent status is replaced by the default')
  const got = bodyOf(await handle(request('GET', `${PODS}/web`), ports))
  t.equal(got.status, 200)
  t.same(got.body, body, 'get returns what create returned')
})

t.test('create without kind/apiVersion in the body takes them from the path', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle(request('POST', PODS, { body: { metadata: { name: 'bare' }, spec: pod('x').spec } }), ports))
  t.equal(status, 201)
  t.match(body, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'bare', namespace: 'default' } })
})

t.test('create: generateName', async (t) => {
  const ports = await cluster(handle)
  const a = bodyOf(await handle(request('POST', PODS, { body: { ...pod(''), metadata: { generateName: 'web-' } } }), ports))
  t.equal(a.status, 201)
  t.match(a.body.metadata.name, /^web-[a-z0-9]{5}$/)
  t.equal(a.body.metadata.generateName, 'web-')
  const got = bodyOf(await handle(request('GET', `${PODS}/${a.body.metadata.name}`), ports))
  t.equal(got.status, 200)
})

t.test('create: a deployment gets defaults; a namespace is Active', async (t) => {
  const ports = await cluster(handle)
  const d = bodyOf(await handle(request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: { ...deployment('web'), spec: { ...deployment('web').spec, replicas: undefined } } }), ports))
  t.equal(d.status, 201)
  t.match(d.body, { kind: 'Deployment', apiVersion: 'apps/v1', spec: { replicas: 1, strategy: { type: 'RollingUpdate' }, template: { spec: { restartPolicy: 'Always' } } } })
  const ns = bodyOf(await handle(request('GET', '/api/v1/namespaces/default'), ports))
  t.match(ns.body, { kind: 'Namespace', metadata: { name: 'default' }, status: { phase: 'Active' } })
  t.notOk('namespace' in ns.body.metadata, 'cluster-scoped objects have no namespace')
})

type Refusal = { name: string; path?: string; body: unknown; status: number; reason: string; message?: string | RegExp; check?: (b: any, t: any) => void }
const refusals: Refusal[] = [
  { name: 'namespace does not exist', path: '/api/v1/namespaces/x/pods', body: pod('web'), status: 404, reason: 'NotFound', message: 'namespaces "x" not found' },
  { name: 'body kind mismatch', body: { ...pod('web'), kind: 'Service' }, status: 400, reason: 'BadRequest', message: /Service/ },
  { name: 'body apiVersion mismatch', body: { ...pod('web'), apiVersion: 'apps/v1' }, status: 400, reason: 'BadRequest', message: /apps\/v1/ },
  {
    name: 'body namespace mismatch',
    body: { ...pod('web'), metadata: { name: 'web', namespace: 'other' } },
    status: 400,
    reason: 'BadRequest',
    message: 'the namespace of the provided object does not match the namespace sent on the request',
  },
  { name: 'name mismatch on PUT-style path is not applicable to POST; missing name', body: { ...pod(''), metadata: {} }, status: 422, reason: 'Invalid', check: (b, t) => t.match(b.details.causes, [{ field: 'metadata.name' }]) },
  {
    name: 'invalid pod: no image',
    body: { ...pod('web'), spec: { containers: [{ name: 'app' }] } },
    status: 422,
    reason: 'Invalid',
    message: 'Pod "web" is invalid: spec.containers[0].image: Required value',
    check: (b, t) => {
      t.match(b.details, { name: 'web', kind: 'Pod' })
      t.same(b.details.causes.map((c: any) => c.field), ['spec.containers[0].image'])
      t.equal(b.details.causes[0].reason, 'FieldValueRequired')
    },
  },
  { name: 'invalid pod: no containers', body: { ...pod('web'), spec: { containers: [] } }, status: 422, reason: 'Invalid', check: (b, t) => t.same(b.details.causes.map((c: any) => c.field), ['spec.containers']) },
  { name: 'invalid name', body: { ...pod('Web_1') }, status: 422, reason: 'Invalid', check: (b, t) => t.same(b.details.causes.map((c: any) => c.field), ['metadata.name']) },
  { name: 'not JSON', body: '{nope', status: 400, reason: 'BadRequest', message: /not valid JSON/ },
  { name: 'a JSON array', body: '[1]', status: 400, reason: 'BadRequest', message: 'the request body must be a JSON object' },
  { name: 'empty body', body: '', status: 400, reason: 'BadRequest', message: 'the request body is empty' },
  { name: 'POST to a named object', path: `${PODS}/web`, body: pod('web'), status: 405, reason: 'MethodNotAllowed' },
]

for (const c of refusals) {
  t.test(`create refused: ${c.name}`, async (t) => {
    const ports = await cluster(handle)
    const rev = ports.objects.revision
    const { status, body } = bodyOf(await handle(request('POST', c.path ?? PODS, { body: c.body }), ports))
    t.equal(status, c.status)
    t.match(body, { kind: 'Status', status: 'Failure', reason: c.reason, code: c.status })
    if (c.message !== undefined) t.match(body.message, c.message)
    c.check?.(body, t)
    t.equal(ports.objects.revision, rev, 'nothing stored')
  })
}

t.test('create twice: 409 AlreadyExists', async (t) => {
  const ports = await cluster(handle)
  t.equal((await handle(request('POST', PODS, { body: pod('web') }), ports)).status, 201)
  const { status, body } = bodyOf(await handle(request('POST', PODS, { body: pod('web') }), ports))
  t.equal(status, 409)
  t.match(body, { reason: 'AlreadyExists', message: 'pods "web" already exists', details: { name: 'web', kind: 'pods' } })
})

t.test('get', async (t) => {
  const ports = await cluster(handle)
  await handle(request('POST', PODS, { body: pod('web', { labels: { app: 'web' } }) }), ports)
  await t.test('missing: 404 with Kubernetes wording', async (t) => {
    const { status, body } = bodyOf(await handle(request('GET', `${PODS}/x`), ports))
    t.equal(status, 404)
    t.same(body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 })
  })
  await t.test('missing in a group: qualified resource', async (t) => {
    const { status, body } = bodyOf(await handle(request('GET', '/apis/apps/v1/namespaces/default/deployments/x'), ports))
    t.equal(status, 404)
    t.equal(body.message, 'deployments.apps "x" not found')
    t.match(body.details, { name: 'x', group: 'apps', kind: 'deployments' })
  })
  await t.test('same name in another namespace is not found', async (t) => {
    t.equal((await handle(request('GET', '/api/v1/namespaces/kube-system/pods/web'), ports)).status, 404)
  })
  await t.test('as a Table', async (t) => {
    const { status, body } = bodyOf(await handle(request('GET', `${PODS}/web`, { accept: TABLE_ACCEPT }), ports))
    t.equal(status, 200)
    t.match(body, { kind: 'Table', apiVersion: 'meta.k8s.io/v1' })
    t.same(body.columnDefinitions.slice(0, 5).map((c: any) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age'])
    t.equal(body.rows.length, 1)
    t.same(body.rows[0].cells.slice(0, 3), ['web', '0/1', 'Pending'])
    t.match(body.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'web' } })
    t.equal(body.metadata.resourceVersion, body.rows[0].object.metadata.resourceVersion)
  })
  await t.test('a Table Accept among others', async (t) => {
    const { body } = bodyOf(await handle(request('GET', `${PODS}/web`, { accept: `${TABLE_ACCEPT},application/json` }), ports))
    t.equal(body.kind, 'Table')
  })
  await t.test('status subresource GET returns the object', async (t) => {
    const { status, body } = bodyOf(await handle(request('GET', `${PODS}/web/status`), ports))
    t.equal(status, 200)
    t.match(body, { kind: 'Pod', status: { phase: 'Pending' } })
  })
  await t.test('unknown subresource: 404', async (t) => {
    const { status } = bodyOf(await handle(request('GET', `${PODS}/web/exec2`), ports))
    t.equal(status, 404)
  })
})

t.test('list with selectors', async (t) => {
  const ports = await cluster(handle, 'other')
  const mk = async (ns: string, name: string, labels: Record<string, string>, nodeName?: string) => {
    const r = await handle(request('POST', `/api/v1/namespaces/${ns}/pods`, { body: pod(name, { labels, ...(nodeName ? { nodeName } : {}) }) }), ports)
    t.equal(r.status, 201, `create ${ns}/${name}`)
  }
  await mk('default', 'a', { app: 'web', tier: 'front' }, 'n1')
  await mk('default', 'b', { app: 'web', tier: 'back' }, 'n2')
  await mk('default', 'c', { app: 'db' })
  await mk('other', 'd', { app: 'web' }, 'n1')

  const cases: { query: string; path?: string; names: string[] }[] = [
    { query: '', names: ['a', 'b', 'c'] },
    { query: 'labelSelector=app%3Dweb', names: ['a', 'b'] },
    { query: 'labelSelector=app%3Dweb,tier!%3Dfront', names: ['b'] },
    { query: 'labelSelector=app+in+(db,cache)', names: ['c'] },
    { query: 'labelSelector=tier', names: ['a', 'b'] },
    { query: 'labelSelector=!tier', names: ['c'] },
    { query: 'fieldSelector=metadata.name%3Db', names: ['b'] },
    { query: 'fieldSelector=spec.nodeName%3Dn1', names: ['a'] },
    { query: 'fieldSelector=status.phase%3DPending', names: ['a', 'b', 'c'] },
    { query: 'fieldSelector=status.phase!%3DPending', names: [] },
    { query: 'labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn2', names: ['b'] },
    { query: 'fieldSelector=spec.nodeName%3Dn1', path: '/api/v1/pods', names: ['a', 'd'] },
    { query: 'labelSelector=app%3Dweb', path: '/api/v1/pods', names: ['a', 'b', 'd'] },
  ]
  for (const c of cases) {
    const { status, body } = bodyOf(await handle(request('GET', `${c.path ?? PODS}?${c.query}`), ports))
    t.equal(status, 200, c.query)
    t.same(body.items.map((o: any) => o.metadata.name).sort(), c.names, `${c.path ?? PODS}?${c.query}`)
    t.equal(body.kind, 'PodList')
    t.equal(body.apiVersion, 'v1')
    t.equal(body.metadata.resourceVersion, String(ports.objects.revision), 'the list is at the current revision')
  }

  for (const bad of ['labelSelector=app%3D%3D%3Dweb', 'labelSelector=a+in+b', 'fieldSelector=spec.foo%3Dbar', 'fieldSelector=nonsense']) {
    const { status, body } = bodyOf(await handle(request('GET', `${PODS}?${bad}`), ports))
    t.equal(status, 400, bad)
    t.match(body, { kind: 'Status', reason: 'BadRequest', code: 400 }, bad)
  }

  const table = bodyOf(await handle(request('GET', `${PODS}?labelSelector=app%3Dweb`, { accept: TABLE_ACCEPT }), ports))
  t.equal(table.body.kind, 'Table')
  t.same(table.body.rows.map((r: any) => r.cells[0]), ['a', 'b'])
  t.equal(table.body.metadata.resourceVersion, String(ports.objects.revision))

  const nss = bodyOf(await handle(request('GET', '/api/v1/namespaces?fieldSelector=metadata.name%3Dother'), ports))
  t.same(nss.body.items.map((o: any) => o.metadata.name), ['other'])
  t.equal(nss.body.kind, 'NamespaceList')

  const deps = bodyOf(await handle(request('GET', '/apis/apps/v1/namespaces/default/deployments'), ports))
  t.same(deps.body, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(ports.objects.revision) }, items: [] })
})

t.test('list in a namespace does not include a namespace with a longer name', async (t) => {
  const ports = await cluster(handle, 'default2')
  await handle(request('POST', '/api/v1/namespaces/default2/pods', { body: pod('x') }), ports)
  const { body } = bodyOf(await handle(request('GET', PODS), ports))
  t.same(body.items, [])
})

t.test('the uid/time/random ports are what create uses', async (t) => {
  const ports = makePorts()
  const ns = bodyOf(await handle(request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'default' } } }), ports))
  t.match(ns.body.metadata, { uid: 'uid-1', creationTimestamp: '2024-05-01T12:00:00Z' })
})
