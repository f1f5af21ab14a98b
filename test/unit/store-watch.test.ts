import t from 'tap'
import type { WatchEvent } from '../../actors/store/mvcc/types.ts'
import { encodeEvent } from '../../runtime/codec.ts'
import { StoreError, type StoreClient, type Watch, type WatchOptions } from '../../runtime/store/store-client.ts'
import { FakeCluster, outcome, settle } from './store-client-fakes.ts'

const WATCH_SUBJECT = 'ak.c1.storewatch.cl.in'

/** Opens a watch and collects what it delivers; `at` is where delivered events are recorded. */
async function watching(cluster: FakeCluster, client: StoreClient, options: WatchOptions = { key: '/p', prefix: true }) {
  const delivered: WatchEvent[] = []
  const errors: StoreError[] = []
  const opened = outcome(client.watch(options, (events) => delivered.push(...events), { onError: (e) => errors.push(e) }))
  await settle(cluster.clock, 5)
  if (!opened.settled) throw new Error('watch not established')
  if (opened.error) throw opened.error
  return { watch: opened.value as Watch, delivered, errors, keys: () => delivered.map((e) => `${e.kv.key}@${e.revision}.${e.sub}`) }
}

const watchRequests = (cluster: FakeCluster, id: string) => cluster.replica(id).seen.filter((s) => s.request.type === 'store.watch').map((s) => s.request)

t.test('store watch - delivers changes in order, from the next write', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'])
  cluster.putAll(['/p/old'])
  const client = cluster.client()
  const w = await watching(cluster, client)
  t.equal(w.watch.lastRevision, 1, 'starts after the revision it was established at')
  cluster.putAll(['/p/a'])
  cluster.putAll(['/q/other'])
  cluster.putAll(['/p/b', '/p/c'])
  await settle(cluster.clock, 5)
  t.same(w.keys(), ['/p/a@2.0', '/p/b@4.0', '/p/c@4.1'])
  t.equal(w.watch.lastRevision, 4)
  t.match(watchRequests(cluster, 'r1'), [{ clientId: 'cl', watchId: 'cl.w0', key: '/p', prefix: true, fromRevision: 0 }])
})

t.test('store watch - fromRevision replays history first', async (t) => {
  const cluster = new FakeCluster(['r1'])
  cluster.putAll(['/p/a'])
  cluster.putAll(['/p/b'])
  const client = cluster.client()
  const w = await watching(cluster, client, { key: '/p', prefix: true, fromRevision: 2 })
  cluster.putAll(['/p/c'])
  await settle(cluster.clock, 5)
  t.same(w.keys(), ['/p/b@2.0', '/p/c@3.0'])
})

t.test('store watch - pushes that overtake store.watching are buffered, in seq order', async (t) => {
  const cluster = new FakeCluster(['r1'])
  cluster.putAll(['/p/a'])
  cluster.putAll(['/p/b'])
  const r1 = cluster.replica('r1')
  r1.intercept = (request, respond) => {
    if (request.type !== 'store.watch') return false
    const watchId = request.watchId as string
    r1.watches.set(watchId, { clientId: 'cl', key: '/p', prefix: true, seq: 1 })
    r1.push(watchId, cluster.log.slice(1, 2)) // seq 2 first
    r1.watches.get(watchId)!.seq = 0
    r1.push(watchId, cluster.log.slice(0, 1)) // then seq 1
    r1.watches.get(watchId)!.seq = 2
    respond({ type: 'store.watching', watchId, revision: 2 })
    return true
  }
  const client = cluster.client()
  const w = await watching(cluster, client, { key: '/p', prefix: true, fromRevision: 1 })
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0'])
})

t.test('store watch - a callback that cancels the watch gets nothing more, not even pushes held for the re-opening', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const seen: number[] = []
  let watch: Watch | undefined
  const opened = outcome(client.watch({ key: '/p', prefix: true }, (events) => {
    seen.push(...events.map((e) => e.revision))
    if (seen.includes(2)) void watch?.cancel()
  }))
  await settle(cluster.clock, 5)
  watch = opened.value as Watch
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  // The re-opened incarnation's two pushes overtake its answer, so both are replayed in one go.
  r1.intercept = (request, respond) => {
    if (request.type !== 'store.watch') return false
    const watchId = request.watchId as string
    r1.watches.set(watchId, { clientId: 'cl', key: '/p', prefix: true, seq: 0 })
    r1.push(watchId, cluster.log.slice(1, 2))
    r1.push(watchId, cluster.log.slice(2, 3))
    respond({ type: 'store.watching', watchId, revision: 3 })
    return true
  }
  r1.dropPushes = 1
  cluster.putAll(['/p/b']) // lost
  cluster.putAll(['/p/c']) // the gap shows
  await settle(cluster.clock, 10)
  t.same(seen, [1, 2], 'cancelled in the callback of revision 2: revision 3, already held, is not delivered')
  t.equal(r1.watches.size, 0, 'released at the replica')
})

t.test('store watch - a seq gap re-opens the watch without gaps or duplicates', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  r1.dropPushes = 1
  cluster.putAll(['/p/b']) // lost
  cluster.putAll(['/p/c']) // seq 3: the gap shows
  await settle(cluster.clock, 10)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0', '/p/c@3.0'])
  const opens = watchRequests(cluster, 'r1')
  t.match(opens, [{ watchId: 'cl.w0', fromRevision: 0 }, { watchId: 'cl.w1', fromRevision: 1 }], 'a new id, resumed at the last revision')
  t.same([...r1.watches.keys()], ['cl.w1'], 'the abandoned incarnation was cancelled')
  cluster.putAll(['/p/d'])
  await settle(cluster.clock, 5)
  t.same(w.keys().slice(3), ['/p/d@4.0'])
})

t.test('store watch - from now, a lost first push is resumed from the revision the watch opened at (no current objects come first to lose)', async (t) => {
  const cluster = new FakeCluster(['r1'])
  cluster.putAll(['/p/old'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  r1.dropPushes = 1
  cluster.putAll(['/p/a']) // push 1: lost
  cluster.putAll(['/p/b']) // push 2: the gap shows
  await settle(cluster.clock, 10)
  t.same(w.keys(), ['/p/a@2.0', '/p/b@3.0'])
  t.match(watchRequests(cluster, 'r1'), [{ watchId: 'cl.w0', fromRevision: 0 }, { watchId: 'cl.w1', fromRevision: 2 }], 'right after the revision it opened at')
})

t.test('store watch - a revision split over pushes is resumed inside, not after', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  r1.eventsPerPush = 2
  const client = cluster.client()
  const w = await watching(cluster, client)
  // One txn, three events: pushes [a, b] and [c]; the second is lost.
  const push = r1.push.bind(r1)
  let n = 0
  r1.push = (id, events, extra) => {
    if (n++ === 1) r1.watches.get(id)!.seq++
    else push(id, events, extra)
  }
  cluster.putAll(['/p/a', '/p/b', '/p/c'])
  cluster.putAll(['/p/d'])
  await settle(cluster.clock, 10)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@1.1', '/p/c@1.2', '/p/d@2.0'])
})

t.test('store watch - a lost push re-opens the watch at the new leader', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  // r1 loses leadership and its watches (it restored a snapshot); r3 leads and a write lands.
  cluster.leader = 'r3'
  r1.push('cl.w0', [], { lost: 'snapshot' })
  r1.watches.clear()
  cluster.putAll(['/p/b'])
  await settle(cluster.clock, 10)
  cluster.putAll(['/p/c'])
  await settle(cluster.clock, 5)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0', '/p/c@3.0'])
  t.equal(cluster.replica('r3').watches.size, 1, 'served by the new leader')
  t.equal(client.leaderGuess, 'r3')
})

t.test('store watch - keepalives: a watch the replica lacks is re-opened', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  r1.watches.clear() // lapsed without a word
  cluster.putAll(['/p/b'])
  await settle(cluster.clock, 1000)
  t.match(r1.seen.find((s) => s.request.type === 'store.watchKeepAlive')?.request, { clientId: 'cl', watchIds: ['cl.w0'] })
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0'])
  t.same([...r1.watches.keys()], ['cl.w1'])
})

t.test('store watch - the last push before a quiet spell, lost, shows in the next keepalives', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  r1.dropPushes = 1
  cluster.putAll(['/p/b']) // lost, and nothing follows it
  await settle(cluster.clock, 1100)
  t.same(w.keys(), ['/p/a@1.0'], 'one keepalive: the push may still be in flight')
  await settle(cluster.clock, 1000)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0'], 'still missing at the next keepalive: resumed')
  t.same([...r1.watches.keys()], ['cl.w1'], 'the incarnation that lost it was cancelled')
})

t.test('store watch - a push still in flight at a keepalive is not taken for lost', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  let keepAlives = 0
  r1.intercept = (request, respond) => {
    if (request.type !== 'store.watchKeepAlive' || keepAlives++ > 0) return false
    // The replica has sent push 1, which has not arrived yet.
    respond({ type: 'store.watchAlive', missing: [], lastSeqs: [1] })
    return true
  }
  await settle(cluster.clock, 1500)
  cluster.putAll(['/p/a']) // push 1 arrives before the next keepalive
  await settle(cluster.clock, 1600)
  t.ok(keepAlives >= 2, `kept alive ${keepAlives} times`)
  t.same(w.keys(), ['/p/a@1.0'])
  t.equal(watchRequests(cluster, 'r1').length, 1, 'never re-opened')
})

t.test('store watch - an abandoned incarnation\'s buffered pushes are not taken for the new one\'s', async (t) => {
  // Seed 1957142857 of the store's chaos test: pushes 1, 3 and 4 of incarnation A overtook its
  // store.watching. Replaying them, push 3 showed the gap and re-opened the watch as B; push 4 of A
  // then landed in B's buffer and, sorted among B's pushes, took B's number 4, so B's own push 4
  // was dropped as a duplicate and its revision never delivered.
  const cluster = new FakeCluster(['r1'])
  for (let i = 0; i < 6; i++) cluster.putAll([`/p/k${i}`])
  const [r1, r2, r3, r4, r5, r6] = cluster.log
  const r1Replica = cluster.replica('r1')
  let incarnation = 0
  r1Replica.intercept = (request, respond) => {
    if (request.type !== 'store.watch') return false
    const watchId = request.watchId as string
    r1Replica.watches.set(watchId, { clientId: 'cl', key: '/p', prefix: true, seq: 0 })
    const push = (events: WatchEvent[], seq: number) => {
      r1Replica.watches.get(watchId)!.seq = seq - 1
      r1Replica.push(watchId, events)
    }
    if (incarnation++ === 0) {
      push([r1!], 1)
      push([r3!], 3) // 2 is lost
      push([r4!], 4)
    } else {
      t.equal(request.fromRevision, 1, 'B resumes at the last revision delivered (it may have been split)')
      push([r1!, r2!, r3!], 1)
      push([r4!], 2)
      push([r5!], 3)
      push([r6!], 4)
    }
    respond({ type: 'store.watching', watchId, revision: 6 })
    return true
  }
  const client = cluster.client()
  const w = await watching(cluster, client, { key: '/p', prefix: true, fromRevision: 1 })
  await settle(cluster.clock, 10)
  t.same(w.keys(), ['/p/k0@1.0', '/p/k1@2.0', '/p/k2@3.0', '/p/k3@4.0', '/p/k4@5.0', '/p/k5@6.0'])
})

/**
 * A watch at r1 that has delivered /p/a; then r1 goes quiet (answers nothing, holds no watch) and
 * r2 leads: the watch must find its way there.
 */
async function watchingWhileR1GoesQuiet(cluster: FakeCluster, client: StoreClient) {
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  const r1 = cluster.replica('r1')
  r1.silent = true
  r1.watches.clear()
  cluster.leader = 'r2'
  return w
}

t.test('store watch - a keepalive timeout re-opens at the next replica', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'])
  const w = await watchingWhileR1GoesQuiet(cluster, cluster.client({ requestTimeoutMs: 200 }))
  cluster.putAll(['/p/b'])
  await settle(cluster.clock, 1300)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0'])
  t.equal(cluster.replica('r2').watches.size, 1)
  t.equal(watchRequests(cluster, 'r1').length, 1, 'not re-opened at the silent replica')
})

t.test('store watch - a call timing out at the watch\'s replica re-opens the watch with it, before any keepalive', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'])
  // Keepalives far apart: only the write's timeout can tell the watch r1 went quiet.
  const client = cluster.client({ requestTimeoutMs: 200, watchKeepAliveMs: 60_000 })
  const w = await watchingWhileR1GoesQuiet(cluster, client)
  const written = outcome(client.put('/q/x', new TextEncoder().encode('v')))
  await settle(cluster.clock, 250)
  t.ok(written.settled && written.error === undefined, 'the write went on to the next replica')
  t.equal(cluster.replica('r2').watches.size, 1, 're-opened at r2 with the write, ~200 ms after r1 went quiet')
  cluster.putAll(['/p/b'])
  await settle(cluster.clock, 5)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@3.0'], 'nothing lost or repeated')
})

t.test('store watch - compacted past the resume point ends the watch with onError', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  for (let i = 0; i < 4; i++) cluster.putAll(['/q/x'])
  cluster.compactRevision = 5
  r1.dropPushes = 1
  cluster.putAll(['/p/b'])
  cluster.putAll(['/p/c'])
  await settle(cluster.clock, 10)
  t.same(w.keys(), ['/p/a@1.0'])
  t.equal(w.errors.length, 1)
  t.type(w.errors[0], StoreError)
  t.match(w.errors[0], { code: 'compacted', compactRevision: 5 })
  cluster.putAll(['/p/d'])
  await settle(cluster.clock, 2000)
  t.same(w.keys(), ['/p/a@1.0'], 'nothing after the error')
  t.equal(r1.seen.filter((s) => s.request.type === 'store.watchKeepAlive').length, 0, 'no keepalives for an ended watch')
})

t.test('store watch - compaction just past a complete last revision is no loss', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  cluster.compactRevision = 2
  r1.dropPushes = 1
  cluster.putAll(['/p/b'])
  cluster.putAll(['/p/c'])
  await settle(cluster.clock, 10)
  t.same(w.keys(), ['/p/a@1.0', '/p/b@2.0', '/p/c@3.0'])
  t.same(w.errors, [])
})

t.test('store watch - opening at a compacted revision rejects', async (t) => {
  const cluster = new FakeCluster(['r1'])
  for (let i = 0; i < 3; i++) cluster.putAll(['/p/a'])
  cluster.compactRevision = 3
  const client = cluster.client()
  const opened = outcome(client.watch({ key: '/p', prefix: true, fromRevision: 1 }, () => {}))
  await settle(cluster.clock, 5)
  t.match(opened.error, { code: 'compacted', compactRevision: 3 })
})

t.test('store watch - cancel tells the replica and stops deliveries', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const client = cluster.client()
  const w = await watching(cluster, client)
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  const stale = r1.watches.get('cl.w0')!
  const cancelled = outcome(w.watch.cancel())
  await settle(cluster.clock, 5)
  t.ok(cancelled.settled)
  t.equal(r1.watches.size, 0)
  r1.watches.set('cl.w0', stale) // a push already on its way
  cluster.putAll(['/p/b'])
  await settle(cluster.clock, 5)
  t.same(w.keys(), ['/p/a@1.0'])
})

t.test('store watch - malformed and duplicate pushes are ignored', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const r1 = cluster.replica('r1')
  const logged: string[] = []
  const client = cluster.client({ log: (m) => logged.push(m) })
  const w = await watching(cluster, client)
  r1.transport.publish(WATCH_SUBJECT, new Uint8Array([0xc1]))
  r1.transport.publish(WATCH_SUBJECT, encodeEvent({ type: 'store.events', watchId: 'cl.w0', seq: 1, events: [{ nope: 1 }], revision: 1 }))
  r1.transport.publish(WATCH_SUBJECT, encodeEvent({ type: 'store.events', watchId: 'someone-else', seq: 1, events: [], revision: 1 }))
  cluster.putAll(['/p/a'])
  const push = r1.watches.get('cl.w0')!
  push.seq-- // the same push again
  cluster.putAll(['/p/a'])
  await settle(cluster.clock, 5)
  t.same(w.keys(), ['/p/a@1.0'], 'seq 1 once; the second seq 1 is a duplicate')
  t.equal(logged.length, 2)
  t.equal(watchRequests(cluster, 'r1').length, 1, 'no re-open')
})

t.test('store watch - a throwing callback does not stop the watch', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const client = cluster.client({ log: () => {} })
  const seen: number[] = []
  await (async () => {
    const opened = outcome(client.watch({ key: '/p', prefix: true }, (events) => {
      seen.push(events[0]!.revision)
      throw new Error('boom')
    }))
    await settle(cluster.clock, 5)
    t.ok(opened.value)
  })()
  cluster.putAll(['/p/a'])
  cluster.putAll(['/p/b'])
  await settle(cluster.clock, 5)
  t.same(seen, [1, 2])
})

t.test('store watch - close cancels every watch', async (t) => {
  const cluster = new FakeCluster(['r1'])
  const client = cluster.client()
  await watching(cluster, client)
  await watching(cluster, client, { key: '/q' })
  t.equal(cluster.replica('r1').watches.size, 2)
  const closed = outcome(client.close())
  await settle(cluster.clock, 5)
  t.ok(closed.settled)
  t.equal(cluster.replica('r1').watches.size, 0)
})
