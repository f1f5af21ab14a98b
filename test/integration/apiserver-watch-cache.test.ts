/**
 * The apiserver's watch cache over the real replicated store: many watchers of a resource cost
 * one store watch, each gets every change in order, lists at resourceVersion=0 come from the
 * cache, and a watch from before the cache's window is served by the store instead.
 */
import t from 'tap'
import type { ObjectEvent } from '../../actors/apiserver/ports.ts'
import { CachedObjects } from '../../runtime/apiserver/cached-objects.ts'
import type { KubeObject } from '../../runtime/apiserver/object-store.ts'
import { storeCluster, VOTERS } from '../helpers/store-cluster.ts'
import { waitFor } from '../helpers/wait.ts'

const PODS = '/registry/core/pods/'
const pod = (name: string, ns = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }] } })
const key = (name: string, ns = 'default') => `${PODS}${ns}/${name}`

t.test('watch cache - 200 watchers are one store watch, and each sees every change in order', async (t) => {
  const cluster = await storeCluster(t)
  await cluster.leader()
  const client = cluster.client()
  const objects = new CachedObjects(client, { capacity: 5 })
  t.teardown(() => objects.close())
  await objects.create(key('before'), pod('before'))
  const listed = await objects.list(PODS)

  const seen: string[][] = []
  const watches = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const mine: string[] = []
      seen.push(mine)
      const prefix = i % 2 === 0 ? PODS : `${PODS}default/`
      return objects.watch(prefix, listed.resourceVersion, (events: readonly ObjectEvent[]) => {
        for (const e of events) mine.push(`${e.type} ${e.object.metadata?.namespace}/${e.object.metadata?.name}`)
      })
    }),
  )
  t.teardown(() => Promise.all(watches.map((w) => w.cancel())))

  const statuses = await Promise.all(VOTERS.map((id) => client.status(id)))
  t.equal(statuses.reduce((sum, s) => sum + s.watchers, 0), 1, 'one store watch across the replicas')

  for (let i = 0; i < 10; i++) await objects.create(key(`p${i}`), pod(`p${i}`))
  await objects.create(key('q', 'other'), pod('q', 'other'))
  await objects.delete(key('p0'))
  const everything = [...Array.from({ length: 10 }, (_, i) => `ADDED default/p${i}`), 'ADDED other/q', 'DELETED default/p0']
  const inDefault = everything.filter((e) => !e.includes('other/'))
  await waitFor(() => seen.every((s, i) => s.length >= (i % 2 === 0 ? everything : inDefault).length) || undefined, { timeoutMs: 10_000, what: 'every watcher caught up' })
  const wrong = seen.flatMap((s, i) => (JSON.stringify(s) === JSON.stringify(i % 2 === 0 ? everything : inDefault) ? [] : [{ watcher: i, saw: s }]))
  t.same(wrong, [], 'all-namespace watchers saw every change, default-namespace ones their own, in order')

  const cachedList = await objects.list(`${PODS}default/`, { anyVersion: true })
  t.same(cachedList.items.map((o) => o.metadata?.name), ['before', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'], 'resourceVersion=0 lists come from the cache')

  // The window (5 changes) no longer reaches back to the list: the store serves this watch.
  const late: string[] = []
  const fallback = await objects.watch(PODS, listed.resourceVersion, (events) => {
    for (const e of events) late.push(`${e.type} ${e.object.metadata?.namespace}/${e.object.metadata?.name}`)
  })
  t.teardown(() => fallback.cancel())
  await waitFor(() => late.length >= everything.length || undefined, { timeoutMs: 10_000, what: 'the fallback watch' })
  t.same(late, everything, 'a watch from before the window is served by the store, nothing missing')
})
