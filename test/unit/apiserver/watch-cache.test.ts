import t from 'tap'
import type { KubeObject, ObjectEvent } from '../../../actors/apiserver/ports.ts'
import { WatchCache } from '../../../actors/apiserver/watch-cache.ts'

const PODS = '/registry/core/pods/'
const obj = (name: string, rv: number, extra: Record<string, unknown> = {}): KubeObject => ({ kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: String(rv) }, ...extra })
const put = (name: string, rv: number, ns = 'default') => ({ key: `${PODS}${ns}/${name}`, revision: rv, object: { ...obj(name, rv), metadata: { name, namespace: ns, resourceVersion: String(rv) } } })
const del = (name: string, rv: number, ns = 'default') => ({ key: `${PODS}${ns}/${name}`, revision: rv, object: undefined })
const summary = (events: readonly ObjectEvent[]) => events.map((e) => `${e.type} ${e.object.metadata?.name} ${e.object.metadata?.resourceVersion}`)

function collect(cache: WatchCache, prefix: string, after: number) {
  const seen: string[] = []
  const batches: number[] = []
  const errors: string[] = []
  const w = cache.watch(
    prefix,
    after,
    (events) => {
      batches.push(events.length)
      seen.push(...summary(events))
    },
    (e) => errors.push(e.message),
  )
  return { seen, batches, errors, w }
}

t.test('watch cache - starts from a list; changes become ADDED, MODIFIED (with the previous object), DELETED', async (t) => {
  const cache = new WatchCache(PODS, [{ key: `${PODS}default/a`, object: obj('a', 3) }], 5, 100)
  const all: ObjectEvent[] = []
  cache.watch(PODS, 5, (events) => all.push(...events), () => {})
  cache.apply([put('a', 6), put('b', 7), del('a', 8)])
  t.same(summary(all), ['MODIFIED a 6', 'ADDED b 7', 'DELETED a 8'])
  t.equal(all[0]!.previous?.metadata?.resourceVersion, '3', 'MODIFIED carries the object before')
  t.equal(cache.revision, 8)
  t.same(cache.list(PODS).items.map((o) => o.metadata?.name), ['b'])
  t.equal(cache.list(PODS).revision, 8)
})

t.test('watch cache - a watch from a recent version replays the window, then follows live changes, one batch per apply', async (t) => {
  const cache = new WatchCache(PODS, [], 10, 100)
  cache.apply([put('a', 11), put('b', 12)])
  cache.apply([put('a', 13)])
  const w = collect(cache, PODS, 11)
  t.same(w.seen, ['ADDED b 12', 'MODIFIED a 13'], 'replayed synchronously')
  cache.apply([put('c', 14), put('d', 15)])
  t.same(w.seen.slice(2), ['ADDED c 14', 'ADDED d 15'])
  t.same(w.batches, [2, 2])
})

t.test('watch cache - namespaced watches see only their namespace; changes already listed are not repeated', async (t) => {
  const cache = new WatchCache(PODS, [], 10, 100)
  const mine = collect(cache, `${PODS}default/`, 10)
  const all = collect(cache, PODS, 10)
  cache.apply([put('a', 9), put('a', 11), put('x', 12, 'other')])
  t.same(mine.seen, ['ADDED a 11'], 'revision 9 is before the list: skipped')
  t.same(all.seen, ['ADDED a 11', 'ADDED x 12'])
})

t.test('watch cache - a watch from a version past the cache waits for later changes', async (t) => {
  const cache = new WatchCache(PODS, [], 10, 100)
  cache.apply([put('a', 11)])
  const w = collect(cache, PODS, 20)
  cache.apply([put('b', 15), put('c', 21)])
  t.same(w.seen, ['ADDED c 21'])
})

t.test('watch cache - a watch from before the window is refused with the oldest version it could serve', async (t) => {
  const cache = new WatchCache(PODS, [], 10, 3)
  t.same(cache.watch(PODS, 9, () => {}, () => {}), { ok: false, oldest: 11 }, 'before the list')
  cache.apply([put('a', 11), put('b', 12), put('c', 13)])
  t.ok(collect(cache, PODS, 10).w.ok, 'the window still holds 11..13')
  cache.apply([put('d', 14)])
  t.same(cache.watch(PODS, 10, () => {}, () => {}), { ok: false, oldest: 12 }, '11 fell out of the window')
  const w = collect(cache, PODS, 11)
  t.same(w.seen, ['ADDED b 12', 'ADDED c 13', 'ADDED d 14'])
})

t.test('watch cache - cancel stops deliveries; fail ends every watch and later ones', async (t) => {
  const cache = new WatchCache(PODS, [], 0, 10)
  const a = collect(cache, PODS, 0)
  const b = collect(cache, PODS, 0)
  t.equal(cache.watcherCount, 2)
  if (a.w.ok) a.w.cancel()
  cache.apply([put('x', 1)])
  t.same(a.seen, [])
  t.same(b.seen, ['ADDED x 1'])
  cache.fail(new Error('compacted'))
  t.same(b.errors, ['compacted'])
  t.equal(cache.watcherCount, 0)
  const late = collect(cache, PODS, 1)
  t.same(late.errors, ['compacted'])
  cache.apply([put('y', 2)])
  t.same(b.seen, ['ADDED x 1'], 'a failed cache applies nothing')
})

t.test('watch cache - every watcher gets the same event objects (serialized once)', async (t) => {
  const cache = new WatchCache(PODS, [], 0, 10)
  const got: ObjectEvent[][] = [[], []]
  cache.watch(PODS, 0, (e) => got[0]!.push(...e), () => {})
  cache.watch(PODS, 0, (e) => got[1]!.push(...e), () => {})
  cache.apply([put('x', 1)])
  t.equal(got[0]![0]!.object, got[1]![0]!.object)
})

t.test('watch cache - a bad capacity or a foreign prefix is refused', async (t) => {
  t.throws(() => new WatchCache(PODS, [], 0, 0), RangeError)
  const cache = new WatchCache(PODS, [], 0, 10)
  t.throws(() => cache.watch('/registry/core/nodes/', 0, () => {}, () => {}), RangeError)
})

t.test('watch cache - get answers one key from the current objects', async (t) => {
  const cache = new WatchCache(PODS, [{ key: `${PODS}default/a`, object: obj('a', 3) }], 5, 100)
  t.equal(cache.get(`${PODS}default/a`)?.metadata?.resourceVersion, '3')
  cache.apply([put('a', 6), put('b', 7)])
  t.equal(cache.get(`${PODS}default/a`)?.metadata?.resourceVersion, '6')
  t.equal(cache.get(`${PODS}default/b`)?.metadata?.name, 'b')
  cache.apply([del('a', 8)])
  t.equal(cache.get(`${PODS}default/a`), undefined)
})
