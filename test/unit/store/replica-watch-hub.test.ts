/** watch-hub.ts: which watch gets which change, in bounded pushes numbered per watch, and when watches end. */
import t from 'tap'
import { EVENTS_PER_PUSH, WatchHub } from '../../../actors/store/replica/watch-hub.ts'
import { watchAddress } from '../../../actors/store/replica/protocol.ts'
import type { WatchEvent } from '../../../actors/store/mvcc/types.ts'

function put(key: string, revision: number): WatchEvent {
  return { type: 'PUT', kv: { key, value: new Uint8Array([1]), createRevision: revision, modRevision: revision, version: 1, lease: 0 }, prevKv: null, revision, sub: 0 }
}
const keysOf = (events: readonly WatchEvent[]): string[] => events.map((e) => e.kv.key)

t.test('watch hub - a long backlog drains in pushes of at most EVENTS_PER_PUSH, seq 1, 2, ...', async (t) => {
  const hub = new WatchHub('s1')
  const backlog = Array.from({ length: EVENTS_PER_PUSH * 2 + 3 }, (_, i) => put('/a', i + 1))
  hub.open({ watchId: 'w1', clientId: 'c1', key: '/a', now: 0, revision: 1, backlog })
  const pushes = hub.drain(999)
  t.same(pushes.map((p) => p.event.events.length), [EVENTS_PER_PUSH, EVENTS_PER_PUSH, 3])
  t.same(pushes.map((p) => p.event.seq), [1, 2, 3])
  t.same(pushes.flatMap((p) => p.event.events.map((e) => e.revision)), backlog.map((e) => e.revision), 'every event once, in order')
  for (const p of pushes) {
    t.same(p.to, watchAddress('c1'))
    t.equal(p.event.type, 'store.events')
    t.equal(p.event.watchId, 'w1')
    t.equal(p.event.revision, 999)
    t.equal(p.event.lost, undefined)
  }
  t.same(hub.drain(999), [], 'drained: nothing left')
  hub.offer([put('/a', 1000)])
  t.same(hub.drain(1000).map((p) => p.event.seq), [4], 'seq continues across drains')
})

t.test('watch hub - an empty backlog pushes nothing until a change arrives', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'w1', clientId: 'c1', key: '/a', now: 0, revision: 1, backlog: [] })
  t.same(hub.drain(5), [])
  hub.offer([put('/a', 6), put('/a', 7)])
  const pushes = hub.drain(7)
  t.equal(pushes.length, 1, 'changes of one step go out as one push')
  t.same(pushes[0]!.event.events.map((e) => e.revision), [6, 7])
})

t.test('watch hub - offer hands each watch only the keys in its range', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'single', clientId: 'c', key: '/a', now: 0, revision: 1, backlog: [] })
  hub.open({ watchId: 'prefix', clientId: 'c', key: '/a', prefix: true, now: 0, revision: 1, backlog: [] })
  hub.open({ watchId: 'range', clientId: 'c', key: '/b', rangeEnd: '/d', now: 0, revision: 1, backlog: [] })
  hub.open({ watchId: 'open', clientId: 'c', key: '/c', rangeEnd: '\0', now: 0, revision: 1, backlog: [] })
  hub.open({ watchId: 'all', clientId: 'c', key: '', prefix: true, now: 0, revision: 1, backlog: [] })
  const keys = ['/a', '/a/x', '/ab', '/b', '/c', '/c/1', '/d', '/z', '']
  hub.offer(keys.map((k, i) => put(k, i + 1)))
  const got = Object.fromEntries(hub.drain(9).map((p) => [p.event.watchId, keysOf(p.event.events)]))
  t.same(got, {
    single: ['/a'],
    prefix: ['/a', '/a/x', '/ab'],
    range: ['/b', '/c', '/c/1'],
    open: ['/c', '/c/1', '/d', '/z'],
    all: keys,
  })
})

t.test('watch hub - a watch with no matching change gets no push', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'w', clientId: 'c', key: '/x', now: 0, revision: 1, backlog: [] })
  hub.offer([put('/y', 1)])
  t.same(hub.drain(1), [])
})

t.test('watch hub - a retried open of the same watch changes nothing: same opening revision, seq goes on', async (t) => {
  const hub = new WatchHub('s1')
  t.equal(hub.open({ watchId: 'w', clientId: 'c', key: '/a', now: 0, revision: 4, backlog: [put('/a', 1)] }), 4)
  hub.drain(4)
  t.equal(hub.open({ watchId: 'w', clientId: 'c', key: '/a', now: 5, revision: 9, backlog: [put('/a', 1)] }), 4, 'reports when it first opened')
  t.equal(hub.size, 1)
  hub.offer([put('/a', 10), put('/b', 11)])
  const pushes = hub.drain(11)
  t.same(pushes.map((p) => [p.event.seq, keysOf(p.event.events), p.event.replica]), [[2, ['/a'], 's1']], 'no second backlog, numbering continues, sender named')
})

t.test('watch hub - the same watch id from another client opens a separate watch', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'w', clientId: 'c1', key: '/a', now: 0, revision: 1, backlog: [] })
  t.equal(hub.open({ watchId: 'w', clientId: 'c2', key: '/b', now: 0, revision: 2, backlog: [] }), 2)
  hub.offer([put('/a', 3), put('/b', 4)])
  t.same(hub.drain(4).map((p) => [p.to.instance, keysOf(p.event.events)]), [['c2', ['/b']]])
})

t.test('watch hub - cancel stops a watch', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'w', clientId: 'c', key: '/a', now: 0, revision: 1, backlog: [put('/a', 1)] })
  hub.cancel('w')
  t.notOk(hub.has('w'))
  t.same(hub.drain(1), [], 'its pending backlog goes with it')
})

t.test('watch hub - keepAlive renews the client\'s own watches and names the others as missing', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'mine', clientId: 'c1', key: '/a', now: 0, revision: 1, backlog: [] })
  hub.open({ watchId: 'theirs', clientId: 'c2', key: '/a', now: 0, revision: 1, backlog: [] })
  t.same(hub.keepAlive('c1', ['mine', 'theirs', 'gone'], 100).missing, ['theirs', 'gone'])
  t.same(hub.keepAlive('c1', [], 100), { missing: [], lastSeqs: [] })
  // Only "mine" was renewed at 100: lapsing everything older than 50 drops "theirs" alone.
  const lapsed = hub.lapse(50, 7)
  t.same(lapsed.map((p) => p.event.watchId), ['theirs'])
  t.ok(hub.has('mine'))
})

t.test('watch hub - keepAlive reports the last push sent to each watch, so a lost last push shows', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'busy', clientId: 'c1', key: '/a', now: 0, revision: 1, backlog: [put('/a', 1)] })
  hub.open({ watchId: 'quiet', clientId: 'c1', key: '/b', now: 0, revision: 1, backlog: [] })
  t.same(hub.keepAlive('c1', ['busy', 'quiet'], 1), { missing: [], lastSeqs: [0, 0] }, 'nothing sent yet')
  hub.drain(1)
  hub.offer([put('/a', 2)])
  hub.drain(2)
  t.same(hub.keepAlive('c1', ['quiet', 'busy', 'gone'], 2), { missing: ['gone'], lastSeqs: [0, 2, 0] }, 'in the order asked')
})

t.test('watch hub - lapse drops unrenewed watches with a lost: lapsed push', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'old', clientId: 'c1', key: '/a', now: 10, revision: 1, backlog: [put('/a', 1)] })
  hub.open({ watchId: 'new', clientId: 'c2', key: '/a', now: 30, revision: 1, backlog: [] })
  hub.drain(1) // old: seq 1
  t.same(hub.lapse(10, 5), [], 'renewed exactly at the cut-off is still alive')
  const pushes = hub.lapse(20, 5)
  t.same(pushes, [{ to: watchAddress('c1'), event: { type: 'store.events', watchId: 'old', seq: 2, events: [], revision: 5, lost: 'lapsed', replica: 's1' } }])
  t.notOk(hub.has('old'))
  t.ok(hub.has('new'))
  t.same(hub.keepAlive('c1', ['old'], 40), { missing: ['old'], lastSeqs: [0] }, 'a lapsed watch is reported missing')
})

t.test('watch hub - loseAll ends every watch with lost: snapshot', async (t) => {
  const hub = new WatchHub('s1')
  hub.open({ watchId: 'a', clientId: 'c1', key: '/a', now: 0, revision: 1, backlog: [] })
  hub.open({ watchId: 'b', clientId: 'c2', key: '/b', now: 0, revision: 1, backlog: [put('/b', 1)] })
  hub.drain(1)
  const pushes = hub.loseAll('snapshot', 42)
  t.same(pushes.map((p) => [p.event.watchId, p.event.seq, p.event.lost, p.event.revision, p.event.events.length]), [
    ['a', 1, 'snapshot', 42, 0],
    ['b', 2, 'snapshot', 42, 0],
  ])
  t.equal(hub.size, 0)
  hub.offer([put('/a', 43)])
  t.same(hub.drain(43), [], 'no watch survives')
})
