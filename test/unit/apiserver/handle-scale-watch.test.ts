/** handle(): the scale subresource and watch streams. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { flush } from '../../helpers/flush.ts'
import { bodyOf, cluster, deployment, openStream, pod, PODS, request, TABLE_ACCEPT, type TestPorts } from './memory-objects.ts'

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments'

async function withDeployment(replicas = 2): Promise<{ ports: TestPorts; created: any }> {
  const ports = await cluster(handle)
  const r = bodyOf(await handle(request('POST', DEPLOYS, { body: deployment('web', replicas) }), ports))
  if (r.status !== 201) throw new Error(JSON.stringify(r.body))
  return { ports, created: r.body }
}

t.test('scale', async (t) => {
  await t.test('GET deployments/x/scale: an autoscaling/v1 Scale', async (t) => {
    const { ports, created } = await withDeployment(3)
    const { status, body } = bodyOf(await handle(request('GET', `${DEPLOYS}/web/scale`), ports))
    t.equal(status, 200)
    t.same(body, {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default', uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion, creationTimestamp: created.metadata.creationTimestamp },
      spec: { replicas: 3 },
      status: { replicas: 0, selector: 'app=web' },
    })
  })
  await t.test('merge-patch spec.replicas updates the deployment', async (t) => {
    const { ports } = await withDeployment(2)
    const { status, body } = bodyOf(await handle(request('PATCH', `${DEPLOYS}/web/scale`, { contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } }), ports))
    t.equal(status, 200)
    t.equal(body.kind, 'Scale')
    t.equal(body.spec.replicas, 5)
    const d = bodyOf(await handle(request('GET', `${DEPLOYS}/web`), ports)).body
    t.equal(d.spec.replicas, 5)
    t.equal(d.metadata.generation, 2)
    t.equal(body.metadata.resourceVersion, d.metadata.resourceVersion)
  })
  await t.test('PUT scale', async (t) => {
    const { ports } = await withDeployment(2)
    const scale = bodyOf(await handle(request('GET', `${DEPLOYS}/web/scale`), ports)).body
    const { status, body } = bodyOf(await handle(request('PUT', `${DEPLOYS}/web/scale`, { body: { ...scale, spec: { replicas: 0 } } }), ports))
    t.equal(status, 200)
    t.equal(body.spec.replicas, 0)
    t.equal(bodyOf(await handle(request('GET', `${DEPLOYS}/web`), ports)).body.spec.replicas, 0)
  })
  await t.test('scaling to the same replicas does not bump generation', async (t) => {
    const { ports } = await withDeployment(2)
    await handle(request('PATCH', `${DEPLOYS}/web/scale`, { contentType: 'application/merge-patch+json', body: { spec: { replicas: 2 } } }), ports)
    t.equal(bodyOf(await handle(request('GET', `${DEPLOYS}/web`), ports)).body.metadata.generation, 1)
  })
  await t.test('PUT scale with a stale resourceVersion: 409', async (t) => {
    const { ports } = await withDeployment(2)
    const scale = bodyOf(await handle(request('GET', `${DEPLOYS}/web/scale`), ports)).body
    await handle(request('PATCH', `${DEPLOYS}/web/scale`, { contentType: 'application/merge-patch+json', body: { spec: { replicas: 4 } } }), ports)
    const { status } = bodyOf(await handle(request('PUT', `${DEPLOYS}/web/scale`, { body: { ...scale, spec: { replicas: 1 } } }), ports))
    t.equal(status, 409)
  })
  const refusals: { name: string; method: string; path?: string; contentType?: string; body?: unknown; status: number }[] = [
    { name: 'negative replicas', method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: -1 } }, status: 422 },
    { name: 'fractional replicas', method: 'PUT', body: { spec: { replicas: 1.5 } }, status: 422 },
    { name: 'no replicas', method: 'PUT', body: { spec: {} }, status: 422 },
    { name: 'unknown patch type', method: 'PATCH', contentType: 'text/plain', body: { spec: { replicas: 1 } }, status: 415 },
    { name: 'bad JSON', method: 'PUT', body: '{', status: 400 },
    { name: 'DELETE scale', method: 'DELETE', status: 405 },
    { name: 'missing deployment', method: 'GET', path: `${DEPLOYS}/nope/scale`, status: 404 },
    { name: 'pods have no scale', method: 'GET', path: `${PODS}/web/scale`, status: 404 },
  ]
  for (const c of refusals) {
    await t.test(`scale refused: ${c.name}`, async (t) => {
      const { ports } = await withDeployment(2)
      const rev = ports.objects.revision
      const init = { ...(c.contentType ? { contentType: c.contentType } : {}), ...(c.body !== undefined ? { body: c.body } : {}) }
      const { status, body } = bodyOf(await handle(request(c.method, c.path ?? `${DEPLOYS}/web/scale`, init), ports))
      t.equal(status, c.status)
      t.equal(body.kind, 'Status')
      t.equal(ports.objects.revision, rev, 'nothing stored')
    })
  }
  await t.test('scale 404 message names the resource', async (t) => {
    const { ports } = await withDeployment(2)
    const { body } = bodyOf(await handle(request('GET', `${DEPLOYS}/nope/scale`), ports))
    t.equal(body.message, 'deployments.apps "nope" not found')
  })
  await t.test('replicasets scale too', async (t) => {
    const ports = await cluster(handle)
    const rs = { ...deployment('rs1', 1), apiVersion: 'apps/v1', kind: 'ReplicaSet' }
    t.equal((await handle(request('POST', '/apis/apps/v1/namespaces/default/replicasets', { body: rs }), ports)).status, 201)
    const { body } = bodyOf(await handle(request('GET', '/apis/apps/v1/namespaces/default/replicasets/rs1/scale'), ports))
    t.same(body.spec, { replicas: 1 })
    t.equal(body.status.selector, 'app=rs1')
  })
})

const mkPod = async (ports: TestPorts, name: string, labels: Record<string, string> = {}, ns = 'default') => {
  const r = bodyOf(await handle(request('POST', `/api/v1/namespaces/${ns}/pods`, { body: pod(name, { labels }) }), ports))
  if (r.status !== 201) throw new Error(JSON.stringify(r.body))
  return r.body
}
const summary = (events: any[]) => events.map((e) => `${e.type} ${e.object.metadata?.name ?? e.object.rows?.[0]?.cells?.[0]} ${e.object.metadata?.resourceVersion}`)

t.test('watch', async (t) => {
  await t.test('without resourceVersion: current objects as ADDED, then live events', async (t) => {
    const ports = await cluster(handle)
    const a = await mkPod(ports, 'a')
    const b = await mkPod(ports, 'b')
    const r = await handle(request('GET', `${PODS}?watch=true`), ports)
    t.equal(r.status, 200)
    t.equal(r.kind, 'stream')
    if (r.kind === 'stream') t.equal(r.contentType, 'application/json')
    const s = openStream(r)
    t.same(summary(s.events), [`ADDED a ${a.metadata.resourceVersion}`, `ADDED b ${b.metadata.resourceVersion}`], 'replayed synchronously on open')
    await flush()
    t.equal(s.events.length, 2, 'the replayed objects are not delivered twice')
    const c = await mkPod(ports, 'c')
    const patched = bodyOf(await handle(request('PATCH', `${PODS}/a`, { contentType: 'application/merge-patch+json', body: { metadata: { labels: { x: 'y' } } } }), ports)).body
    const deleted = bodyOf(await handle(request('DELETE', `${PODS}/b`), ports)).body
    await flush()
    t.same(summary(s.events).slice(2), [`ADDED c ${c.metadata.resourceVersion}`, `MODIFIED a ${patched.metadata.resourceVersion}`, `DELETED b ${String(Number(patched.metadata.resourceVersion) + 1)}`])
    t.same(s.events[3].object.metadata.labels, { x: 'y' })
    t.equal(s.events[4].object.metadata.uid, deleted.metadata.uid)
    t.equal(s.raw.length, s.events.length, 'one JSON object per line')
    t.notOk(s.ended())
    s.stop()
    await flush()
    t.equal(ports.objects.watcherCount, 0, 'stop cancels the store watch')
    await mkPod(ports, 'd')
    await flush()
    t.equal(s.events.length, 5, 'nothing after stop')
  })
  await t.test('watch=1 also watches; resourceVersion=0 behaves as absent', async (t) => {
    const ports = await cluster(handle)
    await mkPod(ports, 'a')
    const s = openStream(await handle(request('GET', `${PODS}?watch=1&resourceVersion=0`), ports))
    t.same(summary(s.events).map((x) => x.split(' ').slice(0, 2).join(' ')), ['ADDED a'])
    s.stop()
  })
  await t.test('with resourceVersion=N: only changes after N', async (t) => {
    const ports = await cluster(handle)
    const a = await mkPod(ports, 'a')
    const b = await mkPod(ports, 'b')
    const up = bodyOf(await handle(request('PATCH', `${PODS}/a`, { contentType: 'application/merge-patch+json', body: { metadata: { labels: { v: '2' } } } }), ports)).body
    const s = openStream(await handle(request('GET', `${PODS}?watch=true&resourceVersion=${a.metadata.resourceVersion}`), ports))
    t.same(s.events, [], 'nothing replayed synchronously')
    await flush()
    t.same(summary(s.events), [`ADDED b ${b.metadata.resourceVersion}`, `MODIFIED a ${up.metadata.resourceVersion}`])
    const c = await mkPod(ports, 'c')
    await flush()
    t.same(summary(s.events).slice(2), [`ADDED c ${c.metadata.resourceVersion}`])
    s.stop()
  })
  await t.test('from a list: list resourceVersion then watch sees exactly what came after', async (t) => {
    const ports = await cluster(handle)
    await mkPod(ports, 'a')
    const list = bodyOf(await handle(request('GET', PODS), ports)).body
    const b = await mkPod(ports, 'b')
    const s = openStream(await handle(request('GET', `${PODS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`), ports))
    await flush()
    t.same(summary(s.events), [`ADDED b ${b.metadata.resourceVersion}`])
    s.stop()
  })
  await t.test('a bad resourceVersion: 400', async (t) => {
    const ports = await cluster(handle)
    const { status, body } = bodyOf(await handle(request('GET', `${PODS}?watch=true&resourceVersion=abc`), ports))
    t.equal(status, 400)
    t.equal(body.reason, 'BadRequest')
  })
  await t.test('a compacted resourceVersion: an ERROR event with 410 Expired, then the stream ends', async (t) => {
    const ports = await cluster(handle)
    await mkPod(ports, 'a')
    await mkPod(ports, 'b')
    ports.objects.compact(ports.objects.revision)
    const s = openStream(await handle(request('GET', `${PODS}?watch=true&resourceVersion=1`), ports))
    await flush()
    t.equal(s.events.length, 1)
    t.match(s.events[0], { type: 'ERROR', object: { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' } })
    t.match(s.events[0].object.message, /too old resource version/)
    t.ok(s.ended())
    s.stop()
  })
  await t.test('stop before the store watch is established leaves no watcher', async (t) => {
    const ports = await cluster(handle)
    const s = openStream(await handle(request('GET', `${PODS}?watch=true`), ports))
    s.stop()
    await flush()
    t.equal(ports.objects.watcherCount, 0)
    await mkPod(ports, 'a')
    await flush()
    t.same(s.events, [])
  })
  await t.test('Table watch events are one-row Tables', async (t) => {
    const ports = await cluster(handle)
    const a = await mkPod(ports, 'a')
    const s = openStream(await handle(request('GET', `${PODS}?watch=true`, { accept: TABLE_ACCEPT }), ports))
    await mkPod(ports, 'b')
    await handle(request('DELETE', `${PODS}/a`), ports)
    await flush()
    t.same(s.events.map((e) => e.type), ['ADDED', 'ADDED', 'DELETED'])
    for (const e of s.events) {
      t.match(e.object, { kind: 'Table', apiVersion: 'meta.k8s.io/v1' })
      t.equal(e.object.rows.length, 1)
      t.same(e.object.columnDefinitions.slice(0, 3).map((c: any) => c.name), ['Name', 'Ready', 'Status'])
      t.equal(e.object.rows[0].object.kind, 'PartialObjectMetadata')
      t.equal(e.object.metadata.resourceVersion, e.object.rows[0].object.metadata.resourceVersion)
    }
    t.same(s.events.map((e) => e.object.rows[0].cells[0]), ['a', 'b', 'a'])
    t.equal(s.events[0].object.metadata.resourceVersion, a.metadata.resourceVersion)
    s.stop()
  })
  await t.test('a label-selected watch filters, both replay and live', async (t) => {
    const ports = await cluster(handle)
    await mkPod(ports, 'a', { app: 'web' })
    await mkPod(ports, 'b', { app: 'db' })
    const s = openStream(await handle(request('GET', `${PODS}?watch=true&labelSelector=app%3Dweb`), ports))
    await mkPod(ports, 'c', { app: 'web' })
    await mkPod(ports, 'd', { app: 'db' })
    await handle(request('DELETE', `${PODS}/b`), ports)
    await handle(request('DELETE', `${PODS}/a`), ports)
    await flush()
    t.same(s.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'ADDED c', 'DELETED a'])
    s.stop()
  })
  await t.test('a field-selected watch filters', async (t) => {
    const ports = await cluster(handle)
    const s = openStream(await handle(request('GET', `${PODS}?watch=true&fieldSelector=metadata.name%3Db`), ports))
    await mkPod(ports, 'a')
    await mkPod(ports, 'b')
    await flush()
    t.same(s.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED b'])
    s.stop()
  })
  await t.test('a bad selector on a watch: 400, no stream', async (t) => {
    const ports = await cluster(handle)
    const r = await handle(request('GET', `${PODS}?watch=true&labelSelector=a+in+b`), ports)
    t.equal(r.kind, 'json')
    t.equal(r.status, 400)
  })
  await t.test('an object relabeled out of a selected watch is reported DELETED', async (t) => {
    const ports = await cluster(handle)
    await mkPod(ports, 'a', { app: 'web' })
    await mkPod(ports, 'b', { app: 'db' })
    const s = openStream(await handle(request('GET', `${PODS}?watch=true&labelSelector=app%3Dweb`), ports))
    await handle(request('PATCH', `${PODS}/a`, { contentType: 'application/merge-patch+json', body: { metadata: { labels: { app: 'db' } } } }), ports)
    await handle(request('PATCH', `${PODS}/b`, { contentType: 'application/merge-patch+json', body: { metadata: { labels: { app: 'web' } } } }), ports)
    await flush()
    t.same(s.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'DELETED a', 'ADDED b'])
    s.stop()
  })
  await t.test('an all-namespaces watch sees every namespace; a namespaced one only its own', async (t) => {
    const ports = await cluster(handle, 'other')
    const all = openStream(await handle(request('GET', '/api/v1/pods?watch=true'), ports))
    const mine = openStream(await handle(request('GET', `${PODS}?watch=true`), ports))
    await mkPod(ports, 'x', {}, 'other')
    await mkPod(ports, 'y')
    await flush()
    t.same(all.events.map((e) => `${e.object.metadata.namespace}/${e.object.metadata.name}`), ['other/x', 'default/y'])
    t.same(mine.events.map((e) => `${e.object.metadata.namespace}/${e.object.metadata.name}`), ['default/y'])
    all.stop()
    mine.stop()
  })
})

t.test('watch with sendInitialEvents: the current objects, then a bookmark marking their end', async (t) => {
  const ports = await cluster(handle)
  await handle(request('POST', PODS, { body: pod('a') }), ports)
  await handle(request('POST', PODS, { body: pod('b') }), ports)
  const s = openStream(await handle(request('GET', `${PODS}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true`), ports))
  t.same(s.events.map((e) => e.type), ['ADDED', 'ADDED', 'BOOKMARK'])
  t.same(s.events[2].object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' })
  t.equal(s.events[2].object.metadata.resourceVersion, String(ports.objects.revision), 'at the list revision')
  const plain = openStream(await handle(request('GET', `${PODS}?watch=true`), ports))
  t.notOk(plain.events.some((e) => e.type === 'BOOKMARK'), 'no bookmark unless asked for')
  s.stop()
  plain.stop()
})
