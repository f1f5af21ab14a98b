/** handle(): update (PUT), the status subresource, patch (merge, JSON, strategic, apply) and delete. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, deployment, pod, PODS, request, TABLE_ACCEPT, type TestPorts } from './memory-objects.ts'

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments'

async function withPod(labels: Record<string, string> = { app: 'web' }): Promise<{ ports: TestPorts; created: any }> {
  const ports = await cluster(handle)
  const r = bodyOf(await handle(request('POST', PODS, { body: pod('web', { labels }) }), ports))
  if (r.status !== 201) throw new Error(JSON.stringify(r.body))
  return { ports, created: r.body }
}

const get = async (ports: TestPorts, path = `${PODS}/web`) => bodyOf(await handle(request('GET', path), ports)).body

t.test('update (PUT)', async (t) => {
  await t.test('with the current resourceVersion: 200, new resourceVersion, stored', async (t) => {
    const { ports, created } = await withPod()
    const next = { ...created, metadata: { ...created.metadata, labels: { app: 'web', v: '2' } } }
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: next }), ports))
    t.equal(status, 200)
    t.equal(body.metadata.labels.v, '2')
    t.equal(body.metadata.resourceVersion, String(ports.objects.revision))
    t.not(body.metadata.resourceVersion, created.metadata.resourceVersion)
    t.equal(body.metadata.uid, created.metadata.uid)
    t.equal(body.metadata.creationTimestamp, created.metadata.creationTimestamp)
    t.equal(body.metadata.generation, 1, 'a label change does not bump generation')
    t.same(await get(ports), body)
  })
  await t.test('with a stale resourceVersion: 409 Conflict, nothing stored', async (t) => {
    const { ports, created } = await withPod()
    await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...created.metadata, labels: { a: '1' } } } }), ports)
    const rev = ports.objects.revision
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...created.metadata, labels: { a: '2' } } } }), ports))
    t.equal(status, 409)
    t.same(body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'web', kind: 'pods' },
      code: 409,
    })
    t.equal(ports.objects.revision, rev)
    t.same((await get(ports)).metadata.labels, { a: '1' })
  })
  await t.test('without a resourceVersion: unconditional', async (t) => {
    const { ports, created } = await withPod()
    await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...created.metadata, labels: { a: '1' } } } }), ports)
    const { resourceVersion: _, ...meta } = created.metadata
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...meta, labels: { a: '3' } } } }), ports))
    t.equal(status, 200)
    t.same(body.metadata.labels, { a: '3' })
    const { status: s2 } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...meta, resourceVersion: '' } } }), ports))
    t.equal(s2, 200, 'an empty resourceVersion is no precondition')
  })
  await t.test('of a missing object: 404', async (t) => {
    const { ports } = await withPod()
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/nope`, { body: pod('nope') }), ports))
    t.equal(status, 404)
    t.equal(body.message, 'pods "nope" not found')
  })
  await t.test('name in the body differs from the URL: 400', async (t) => {
    const { ports, created } = await withPod()
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...created.metadata, name: 'other' } } }), ports))
    t.equal(status, 400)
    t.equal(body.message, 'the name of the object (other) does not match the name on the URL (web)')
  })
  await t.test('namespace in the body differs from the URL: 400', async (t) => {
    const { ports, created } = await withPod()
    const { status } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...created.metadata, namespace: 'kube-system' } } }), ports))
    t.equal(status, 400)
  })
  await t.test('changing the uid: 422 metadata.uid immutable', async (t) => {
    const { ports, created } = await withPod()
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, metadata: { ...created.metadata, uid: 'other' } } }), ports))
    t.equal(status, 422)
    t.same(body.details.causes.map((c: any) => c.field), ['metadata.uid'])
    t.match(body.message, /field is immutable/)
  })
  await t.test('an invalid spec: 422', async (t) => {
    const { ports, created } = await withPod()
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, spec: { containers: [{ name: 'app', image: ' ' }] } } }), ports))
    t.equal(status, 422)
    t.same(body.details.causes.map((c: any) => c.field), ['spec.containers[0].image'])
  })
  await t.test('PUT on the collection: 405', async (t) => {
    const { ports, created } = await withPod()
    t.equal((await handle(request('PUT', PODS, { body: created }), ports)).status, 405)
  })
  await t.test('as a Table', async (t) => {
    const { ports, created } = await withPod()
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: created, accept: TABLE_ACCEPT }), ports))
    t.equal(status, 200)
    t.equal(body.kind, 'Table')
    t.equal(body.rows[0].cells[0], 'web')
  })
})

t.test('status subresource and generation', async (t) => {
  await t.test('the main PUT cannot change status', async (t) => {
    const { ports, created } = await withPod()
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web`, { body: { ...created, status: { phase: 'Running' } } }), ports))
    t.equal(status, 200)
    t.same(body.status, created.status)
    t.equal((await get(ports)).status.phase, 'Pending')
  })
  await t.test('PUT .../status changes status and not the spec', async (t) => {
    const { ports, created } = await withPod()
    const sent = { ...created, spec: { ...created.spec, nodeName: 'n1' }, status: { phase: 'Running', podIP: '10.1.0.5' } }
    const { status, body } = bodyOf(await handle(request('PUT', `${PODS}/web/status`, { body: sent }), ports))
    t.equal(status, 200)
    t.same(body.status, { phase: 'Running', podIP: '10.1.0.5' })
    t.same(body.spec, created.spec, 'spec carried over')
    t.equal(body.metadata.generation, 1)
    t.same(await get(ports), body)
  })
  await t.test('PUT .../status cannot change labels (metadata is reset as Kubernetes does for status)', async (t) => {
    const { ports, created } = await withPod({ app: 'web' })
    const sent = { ...created, metadata: { ...created.metadata, labels: { app: 'hacked' } }, status: { phase: 'Running' } }
    const { body } = bodyOf(await handle(request('PUT', `${PODS}/web/status`, { body: sent }), ports))
    t.same(body.metadata.labels, { app: 'web' })
  })
  await t.test('PUT .../status with a stale resourceVersion: 409', async (t) => {
    const { ports, created } = await withPod()
    await handle(request('PUT', `${PODS}/web/status`, { body: { ...created, status: { phase: 'Running' } } }), ports)
    const { status } = bodyOf(await handle(request('PUT', `${PODS}/web/status`, { body: { ...created, status: { phase: 'Failed' } } }), ports))
    t.equal(status, 409)
  })
  await t.test('generation bumps on spec change only', async (t) => {
    const ports = await cluster(handle)
    let d = bodyOf(await handle(request('POST', DEPLOYS, { body: deployment('web', 2) }), ports)).body
    t.equal(d.metadata.generation, 1)
    const steps: { name: string; path?: string; change: (o: any) => any; generation: number }[] = [
      { name: 'labels', change: (o) => ({ ...o, metadata: { ...o.metadata, labels: { x: 'y' } } }), generation: 1 },
      { name: 'replicas', change: (o) => ({ ...o, spec: { ...o.spec, replicas: 3 } }), generation: 2 },
      { name: 'same spec again', change: (o) => o, generation: 2 },
      { name: 'status via /status', path: `${DEPLOYS}/web/status`, change: (o) => ({ ...o, status: { replicas: 3 } }), generation: 2 },
      { name: 'status via main PUT (ignored)', change: (o) => ({ ...o, status: { replicas: 9 } }), generation: 2 },
      { name: 'client-set generation is ignored', change: (o) => ({ ...o, metadata: { ...o.metadata, generation: 40 } }), generation: 2 },
      { name: 'template image', change: (o) => ({ ...o, spec: { ...o.spec, template: { ...o.spec.template, spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }), generation: 3 },
    ]
    for (const s of steps) {
      const r = bodyOf(await handle(request('PUT', s.path ?? `${DEPLOYS}/web`, { body: s.change(d) }), ports))
      t.equal(r.status, 200, s.name)
      t.equal(r.body.metadata.generation, s.generation, s.name)
      d = r.body
    }
    t.same(d.status, { replicas: 3 }, 'status from /status survived the main PUT')
  })
})

const PATCH = (contentType: string, body: unknown, path = `${PODS}/web`) => request('PATCH', path, { contentType, body })

t.test('patch', async (t) => {
  await t.test('merge patch', async (t) => {
    const { ports, created } = await withPod({ app: 'web', drop: 'me' })
    const { status, body } = bodyOf(await handle(PATCH('application/merge-patch+json', { metadata: { labels: { tier: 'front', drop: null } } }), ports))
    t.equal(status, 200)
    t.same(body.metadata.labels, { app: 'web', tier: 'front' })
    t.not(body.metadata.resourceVersion, created.metadata.resourceVersion)
    t.same(await get(ports), body)
  })
  await t.test('merge patch with a charset parameter', async (t) => {
    const { ports } = await withPod()
    const { status } = bodyOf(await handle(PATCH('application/merge-patch+json; charset=utf-8', { metadata: { labels: { a: 'b' } } }), ports))
    t.equal(status, 200)
  })
  await t.test('merge patch cannot change status on the main resource, can on /status', async (t) => {
    const { ports } = await withPod()
    const main = bodyOf(await handle(PATCH('application/merge-patch+json', { status: { phase: 'Running' } }), ports))
    t.equal(main.status, 200)
    t.equal(main.body.status.phase, 'Pending')
    const sub = bodyOf(await handle(PATCH('application/merge-patch+json', { status: { phase: 'Running' }, spec: { nodeName: 'n9' } }, `${PODS}/web/status`), ports))
    t.equal(sub.status, 200)
    t.equal(sub.body.status.phase, 'Running')
    t.equal(sub.body.spec.nodeName, undefined, 'spec unchanged through /status')
  })
  await t.test('JSON patch', async (t) => {
    const { ports } = await withPod()
    const ops = [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.28' },
    ]
    const { status, body } = bodyOf(await handle(PATCH('application/json-patch+json', ops), ports))
    t.equal(status, 200)
    t.same(body.metadata.labels, { app: 'web', tier: 'front' })
    t.equal(body.spec.containers[0].image, 'nginx:1.28')
  })
  await t.test('JSON patch with a failing test op: 422, nothing stored', async (t) => {
    const { ports } = await withPod()
    const rev = ports.objects.revision
    const { status, body } = bodyOf(await handle(PATCH('application/json-patch+json', [{ op: 'test', path: '/metadata/labels/app', value: 'db' }, { op: 'add', path: '/metadata/labels/x', value: 'y' }]), ports))
    t.equal(status, 422)
    t.match(body, { kind: 'Status', reason: 'Invalid', code: 422 })
    t.equal(ports.objects.revision, rev)
    t.same((await get(ports)).metadata.labels, { app: 'web' })
  })
  await t.test('JSON patch removing a missing path: 422', async (t) => {
    const { ports } = await withPod()
    t.equal((await handle(PATCH('application/json-patch+json', [{ op: 'remove', path: '/metadata/labels/none' }]), ports)).status, 422)
  })
  await t.test('JSON patch that is not an array: 400', async (t) => {
    const { ports } = await withPod()
    const { status, body } = bodyOf(await handle(PATCH('application/json-patch+json', { op: 'add' }), ports))
    t.equal(status, 400)
    t.equal(body.reason, 'BadRequest')
  })
  await t.test('JSON patch producing an invalid pod: 422 with the field', async (t) => {
    const { ports } = await withPod()
    const { status, body } = bodyOf(await handle(PATCH('application/json-patch+json', [{ op: 'remove', path: '/spec/containers/0/image' }]), ports))
    t.equal(status, 422)
    t.same(body.details.causes.map((c: any) => c.field), ['spec.containers[0].image'])
  })
  await t.test('strategic merge patch merges containers by name', async (t) => {
    const ports = await cluster(handle)
    const two = { ...pod('web'), spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'side', image: 'busybox:1' }] } }
    t.equal((await handle(request('POST', PODS, { body: two }), ports)).status, 201)
    const { status, body } = bodyOf(await handle(PATCH('application/strategic-merge-patch+json', { spec: { containers: [{ name: 'side', image: 'busybox:2' }] } }), ports))
    t.equal(status, 200)
    t.same(body.spec.containers.map((c: any) => [c.name, c.image]), [['app', 'nginx:1.27'], ['side', 'busybox:2']])
    t.equal(body.spec.containers[0].terminationMessagePath, '/dev/termination-log', 'the untouched container keeps its defaulted fields')
  })
  await t.test('strategic merge patch $patch: delete of a container by name', async (t) => {
    const ports = await cluster(handle)
    const two = { ...pod('web'), spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'side', image: 'busybox:1' }] } }
    await handle(request('POST', PODS, { body: two }), ports)
    const { status, body } = bodyOf(await handle(PATCH('application/strategic-merge-patch+json', { spec: { containers: [{ name: 'side', $patch: 'delete' }] } }), ports))
    t.equal(status, 200)
    t.same(body.spec.containers.map((c: any) => c.name), ['app'])
  })
  await t.test('a merge patch replaces the containers list wholesale (unlike strategic)', async (t) => {
    const ports = await cluster(handle)
    const two = { ...pod('web'), spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'side', image: 'busybox:1' }] } }
    await handle(request('POST', PODS, { body: two }), ports)
    const { body } = bodyOf(await handle(PATCH('application/merge-patch+json', { spec: { containers: [{ name: 'side', image: 'busybox:2' }] } }), ports))
    t.same(body.spec.containers.map((c: any) => c.name), ['side'])
  })
  await t.test('apply patch on an existing object merges', async (t) => {
    const { ports } = await withPod()
    const { status, body } = bodyOf(await handle(PATCH('application/apply-patch+yaml', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { applied: 'yes' } } }), ports))
    t.equal(status, 200)
    t.match(body.metadata.labels, { app: 'web', applied: 'yes' })
  })
  await t.test('apply patch creates an absent object: 201 with defaults', async (t) => {
    const ports = await cluster(handle)
    const { status, body } = bodyOf(await handle(request('PATCH', `${PODS}/fresh?fieldManager=kubectl`, { contentType: 'application/apply-patch+yaml', body: pod('fresh') }), ports))
    t.equal(status, 201)
    t.match(body, { kind: 'Pod', metadata: { name: 'fresh', namespace: 'default', generation: 1 }, spec: { restartPolicy: 'Always' }, status: { phase: 'Pending' } })
    t.equal((await get(ports, `${PODS}/fresh`)).metadata.uid, body.metadata.uid)
  })
  await t.test('apply patch creating in a missing namespace: 404 namespaces', async (t) => {
    const ports = await cluster(handle)
    const { status, body } = bodyOf(await handle(request('PATCH', '/api/v1/namespaces/x/pods/fresh', { contentType: 'application/apply-patch+yaml', body: pod('fresh') }), ports))
    t.equal(status, 404)
    t.equal(body.message, 'namespaces "x" not found')
  })
  await t.test('apply patch creating with a body name that differs from the URL: 400', async (t) => {
    const ports = await cluster(handle)
    const { status } = bodyOf(await handle(request('PATCH', `${PODS}/fresh`, { contentType: 'application/apply-patch+yaml', body: pod('other') }), ports))
    t.equal(status, 400)
    t.equal((await handle(request('GET', `${PODS}/other`), ports)).status, 404, 'nothing created under the body name')
  })
  await t.test('apply patch creating with no name in the body takes the URL name', async (t) => {
    const ports = await cluster(handle)
    const { metadata: _, ...nameless } = pod('x')
    const { status, body } = bodyOf(await handle(request('PATCH', `${PODS}/fresh`, { contentType: 'application/apply-patch+yaml', body: { ...nameless, metadata: {} } }), ports))
    t.equal(status, 201)
    t.equal(body?.metadata?.name, 'fresh')
  })
  await t.test('a non-apply patch of an absent object: 404', async (t) => {
    const ports = await cluster(handle)
    const { status, body } = bodyOf(await handle(PATCH('application/merge-patch+json', { metadata: { labels: { a: 'b' } } }), ports))
    t.equal(status, 404)
    t.equal(body.message, 'pods "web" not found')
  })
  await t.test('unknown patch content type: 415', async (t) => {
    const { ports } = await withPod()
    const rev = ports.objects.revision
    const { status, body } = bodyOf(await handle(PATCH('application/json', { metadata: { labels: { a: 'b' } } }), ports))
    t.equal(status, 415)
    t.match(body, { kind: 'Status', reason: 'UnsupportedMediaType', code: 415 })
    t.match(body.message, /application\/json-patch\+json/)
    t.equal(ports.objects.revision, rev)
  })
  await t.test('patch with invalid JSON: 400', async (t) => {
    const { ports } = await withPod()
    t.equal((await handle(PATCH('application/merge-patch+json', '{bad'), ports)).status, 400)
  })
  await t.test('patch on the collection: 405', async (t) => {
    const { ports } = await withPod()
    t.equal((await handle(PATCH('application/merge-patch+json', {}, PODS), ports)).status, 405)
  })
  await t.test('a patch carrying a stale metadata.resourceVersion: 409', async (t) => {
    const { ports, created } = await withPod()
    await handle(PATCH('application/merge-patch+json', { metadata: { labels: { a: '1' } } }), ports)
    const { status } = bodyOf(await handle(PATCH('application/merge-patch+json', { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { a: '2' } } }), ports))
    t.equal(status, 409)
  })
  await t.test('a patch that changes nothing in the spec keeps generation', async (t) => {
    const ports = await cluster(handle)
    await handle(request('POST', DEPLOYS, { body: deployment('web') }), ports)
    const a = bodyOf(await handle(PATCH('application/merge-patch+json', { metadata: { labels: { a: 'b' } } }, `${DEPLOYS}/web`), ports))
    t.equal(a.body.metadata.generation, 1)
    const b = bodyOf(await handle(PATCH('application/merge-patch+json', { spec: { replicas: 5 } }, `${DEPLOYS}/web`), ports))
    t.equal(b.body.metadata.generation, 2)
    t.equal(b.body.spec.replicas, 5)
  })
  await t.test('a patch is retried when a concurrent write conflicts', async (t) => {
    const { ports } = await withPod()
    const objects = ports.objects
    const realUpdate = objects.update.bind(objects)
    let conflicts = 2
    objects.update = async (key, object, rv) => {
      if (conflicts-- > 0) {
        // someone else writes in between the read and the write
        const cur = (await objects.get(key))!
        await realUpdate(key, { ...cur, metadata: { ...cur.metadata, annotations: { other: String(conflicts) } } })
      }
      return realUpdate(key, object, rv)
    }
    const { status, body } = bodyOf(await handle(PATCH('application/merge-patch+json', { metadata: { labels: { mine: 'yes' } } }), ports))
    t.equal(status, 200)
    t.equal(body.metadata.labels.mine, 'yes')
    t.same(body.metadata.annotations, { other: '0' }, 'the concurrent change is kept')
  })
})

t.test('delete', async (t) => {
  const { ports, created } = await withPod()
  const { status, body } = bodyOf(await handle(request('DELETE', `${PODS}/web`), ports))
  t.equal(status, 200)
  t.same(body, created, 'returns the deleted object')
  t.equal((await handle(request('GET', `${PODS}/web`), ports)).status, 404)
  const again = bodyOf(await handle(request('DELETE', `${PODS}/web`), ports))
  t.equal(again.status, 404)
  t.equal(again.body.message, 'pods "web" not found')
  t.equal((await handle(request('DELETE', PODS), ports)).status, 405, 'deletecollection is not served')
  const ns = bodyOf(await handle(request('DELETE', '/api/v1/namespaces/default', { accept: TABLE_ACCEPT }), ports))
  t.equal(ns.status, 200)
  t.equal(ns.body.kind, 'Table')
  t.equal(ns.body.rows[0].cells[0], 'default')
})

t.test('unsupported methods on a resource: 405', async (t) => {
  const { ports } = await withPod()
  for (const m of ['OPTIONS', 'HEAD', 'TRACE']) {
    const { status, body } = bodyOf(await handle(request(m, `${PODS}/web`), ports))
    t.equal(status, 405, m)
    t.equal(body.reason, 'MethodNotAllowed', m)
  }
})
