/**
 * Kubernetes objects over the real replicated store: create is AlreadyExists-safe, update and
 * delete honour resourceVersion (Conflict), list gives a version a watch continues from without
 * a gap, and concurrent updaters at the same version: exactly one wins.
 */
import t from 'tap'
import { ObjectStore, RANGE_PAGE, type KubeObject, type ObjectEvent } from '../../runtime/apiserver/object-store.ts'
import { storeCluster } from '../helpers/store-cluster.ts'
import { waitFor } from '../helpers/wait.ts'

const pod = (name: string, image: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image }] } })
const imageOf = (o: KubeObject) => (o.spec as { containers: { image: string }[] } | undefined)?.containers[0]?.image ?? ''
const key = (name: string) => `/registry/pods/default/${name}`

t.test('object store - create, get, list, update with resourceVersion, delete, watch', async (t) => {
  const cluster = await storeCluster(t)
  await cluster.leader()
  const objects = new ObjectStore(cluster.client())

  const created = await objects.create(key('a'), pod('a', 'nginx:1'))
  t.ok(created.ok)
  const rv = created.ok ? created.object.metadata!.resourceVersion! : ''
  t.match(rv, /^\d+$/, 'resourceVersion is the store revision')
  t.same(await objects.create(key('a'), pod('a', 'other')), { ok: false, reason: 'AlreadyExists' })

  const got = await objects.get(key('a'))
  t.equal(got?.metadata?.resourceVersion, rv)
  t.match(got, { spec: { containers: [{ image: 'nginx:1' }] } })
  t.equal(await objects.get(key('missing')), undefined)

  const listed = await objects.list('/registry/pods/default/')
  t.equal(listed.items.length, 1)
  const events: ObjectEvent[] = []
  const watch = await objects.watch('/registry/pods/default/', listed.resourceVersion, (batch) => void events.push(...batch))
  t.teardown(() => watch.cancel())

  const updated = await objects.update(key('a'), pod('a', 'nginx:2'), rv)
  t.ok(updated.ok, 'update at the current version')
  t.same(await objects.update(key('a'), pod('a', 'nginx:3'), rv), { ok: false, reason: 'Conflict' }, 'a stale version conflicts')
  t.same(await objects.update(key('gone'), pod('gone', 'x'), '1'), { ok: false, reason: 'NotFound' })

  // Concurrent updaters from the same version: one wins, the others conflict.
  const current = (await objects.get(key('a')))!.metadata!.resourceVersion!
  const racers = await Promise.all([1, 2, 3, 4].map((i) => objects.update(key('a'), pod('a', `race:${i}`), current)))
  t.equal(racers.filter((r) => r.ok).length, 1, 'exactly one concurrent update wins')

  await objects.create(key('b'), pod('b', 'busybox'))
  const deleted = await objects.delete(key('b'))
  t.match(deleted, { ok: true, object: { metadata: { name: 'b' } } })
  t.same(await objects.delete(key('b')), { ok: false, reason: 'NotFound' })

  await waitFor(() => events.length >= 4 || undefined, { timeoutMs: 5000, what: 'watch events' })
  const winner = racers.find((r) => r.ok)
  t.same(events.map((e) => `${e.type} ${e.object.metadata?.name} ${imageOf(e.object)}`), [
    'MODIFIED a nginx:2',
    `MODIFIED a ${winner?.ok ? imageOf(winner.object) : '?'}`,
    'ADDED b busybox',
    'DELETED b busybox',
  ])
  const versions = events.map((e) => Number(e.object.metadata?.resourceVersion))
  t.same(versions, [...versions].sort((x, y) => x - y), 'events come in resourceVersion order')
})

t.test('object store - a list larger than one store read is read in pages at one revision', async (t) => {
  const cluster = await storeCluster(t)
  await cluster.leader()
  const objects = new ObjectStore(cluster.client())
  const names = Array.from({ length: 1100 }, (_, i) => `p-${String(i).padStart(4, '0')}`)
  for (let i = 0; i < names.length; i += 100) await Promise.all(names.slice(i, i + 100).map((n) => objects.create(key(n), pod(n, 'x'))))
  const listed = await objects.list('/registry/pods/default/')
  t.equal(listed.items.length, 1100, `more than ${RANGE_PAGE} objects, all listed`)
  t.same(listed.items.map((o) => o.metadata?.name), names, 'in key order, none twice')
  t.ok(listed.items.every((o) => Number(o.metadata?.resourceVersion) <= Number(listed.resourceVersion)), 'all at or before the list revision')
})
