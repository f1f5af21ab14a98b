/** replica.ts, reads and watches in a 3-replica cluster. */
import t from 'tap'
import type { RangeRequest } from '../../../actors/store/mvcc/commands.ts'
import type { WatchRequest } from '../../../actors/store/replica/protocol.ts'
import { Cluster } from './replica-cluster.ts'

const get = (key: string): RangeRequest => ({ type: 'range', key })
const keysIn = (reply: unknown): string[] => {
  const r = reply as { type: string; result: { ok: boolean; kvs: { key: string }[] } }
  if (r?.type !== 'store.result' || !r.result.ok) throw new Error(`not a range result: ${JSON.stringify(reply)}`)
  return r.result.kvs.map((kv) => kv.key)
}

t.test('replica reads - a linearizable read on the leader waits for a heartbeat round (ReadIndex)', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  c.put(id, 'r1', '/k', 'v')
  c.deliver()
  const effects = c.handle(id, leader.read(get('/k'), false, 'read-1', c.now))
  t.same(effects.replies, [], 'not answered before a quorum confirms the leadership')
  const beats = effects.urgent.filter((m) => m.type === 'heartbeat')
  t.equal(beats.length, 2, 'a heartbeat round to both followers')
  t.equal(leader.pendingCount, 1)
  c.deliver()
  const replies = c.repliesTo('read-1')
  t.equal(replies.length, 1, 'answered once the round came back')
  t.same(keysIn(replies[0]), ['/k'])
  t.equal(leader.pendingCount, 0)
})

t.test('replica reads - a cut-off leader never answers a linearizable read from its own state', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  c.isolated.add(id)
  c.handle(id, leader.read(get('/k'), false, 'read-1', c.now))
  c.tick(5)
  t.same(c.repliesTo('read-1'), [], 'no quorum, no answer')
})

t.test('replica reads - a follower answers a serializable read at once and redirects a linearizable one', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  c.put(leader.options.id, 'r1', '/k', 'v')
  c.tick(2) // the followers learn the commit index with the next heartbeat
  const follower = c.followers()[0]!
  const serial = follower.read(get('/k'), true, 'serial', c.now)
  t.equal(serial.replies.length, 1)
  t.same(keysIn(serial.replies[0]!.event), ['/k'])
  t.same(serial.messages, [], 'no round trip for a serializable read')
  const linear = follower.read(get('/k'), false, 'linear', c.now)
  t.same(linear.replies, [{ replyTo: 'linear', event: { type: 'store.redirect', reason: 'not-leader', leader: leader.options.id } }])
})

t.test('replica watches - fromRevision catches up on history, then later changes arrive as pushes', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  c.put(id, 'r1', '/app/a', '1')
  c.put(id, 'r2', '/other', 'x')
  c.put(id, 'r3', '/app/b', '2')
  c.deliver()
  const first = leader.store.currentRevision - 2 // the revision of r1
  const request: WatchRequest = { type: 'store.watch', clientId: 'c1', watchId: 'w1', key: '/app/', prefix: true, fromRevision: first }
  const opened = c.handle(id, leader.watch(request, 'watch-reply', c.now))
  t.same(opened.replies, [{ replyTo: 'watch-reply', event: { type: 'store.watching', watchId: 'w1', revision: leader.store.currentRevision } }])
  const [catchUp, ...rest] = c.pushesFor('w1')
  t.same(rest, [])
  t.equal(catchUp?.seq, 1)
  t.same(catchUp?.events.map((e) => e.kv.key), ['/app/a', '/app/b'], 'the backlog, filtered by the prefix')
  c.put(id, 'r4', '/app/c', '3')
  c.put(id, 'r5', '/zzz', 'nope')
  c.deliver()
  const pushes = c.pushesFor('w1')
  t.same(pushes.map((p) => p.seq), [1, 2])
  t.same(pushes[1]?.events.map((e) => [e.type, e.kv.key]), [['PUT', '/app/c']])
  t.equal(pushes.every((p) => c.pushes.find((q) => q.event === p)?.clientId === 'c1'), true, 'pushed to the client that opened it')
})

t.test('replica watches - a follower\'s watch sees changes as the follower applies them', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const follower = c.followers()[0]!
  const fid = follower.options.id
  c.handle(fid, follower.watch({ type: 'store.watch', clientId: 'c1', watchId: 'w1', key: '/k', fromRevision: 0 }, 'reply', c.now))
  t.same(c.pushesFor('w1'), [], 'fromRevision 0: no catch-up')
  c.put(leader.options.id, 'r1', '/k', 'v')
  c.tick(2)
  const pushes = c.pushesFor('w1')
  t.equal(pushes.length, 1)
  t.same(pushes.flatMap((p) => p.events.map((e) => e.kv.key)), ['/k'])
  t.ok(pushes.every((p) => c.pushes.find((q) => q.event === p)?.from === fid), 'from the follower it was opened on')
})

t.test('replica watches - a watch from a compacted revision is answered with the compacted error', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  for (let i = 0; i < 4; i++) c.put(id, `r${i}`, '/k', `v${i}`)
  c.deliver()
  c.write(id, 'compact', { type: 'compact', revision: leader.store.currentRevision - 1 }, 'compact-reply')
  c.deliver()
  const effects = leader.watch({ type: 'store.watch', clientId: 'c1', watchId: 'w1', key: '/k', fromRevision: 1 }, 'reply', c.now)
  const reply = effects.replies[0]?.event
  t.equal(reply?.type, 'store.result')
  t.match(reply, { result: { ok: false, error: 'compacted' } })
  t.notOk(leader.watches.has('w1'), 'no watch was opened')
})

t.test('replica watches - keep-alives hold a watch; without them it lapses with a push', async (t) => {
  const c = new Cluster({ watchLapseMs: 200 })
  const leader = c.elect()
  const id = leader.options.id
  c.handle(id, leader.watch({ type: 'store.watch', clientId: 'c1', watchId: 'kept', key: '/a', fromRevision: 0 }, 'r1', c.now))
  c.handle(id, leader.watch({ type: 'store.watch', clientId: 'c2', watchId: 'left', key: '/a', fromRevision: 0 }, 'r2', c.now))
  for (let k = 0; k < 10; k++) {
    c.tick(5)
    const alive = c.handle(id, leader.watchKeepAlive('c1', ['kept', 'left'], 'alive', c.now))
    if (k === 0) t.same(alive.replies, [{ replyTo: 'alive', event: { type: 'store.watchAlive', missing: ['left'], lastSeqs: [0, 0] } }], 'another client\'s watch counts as missing')
  }
  t.ok(leader.watches.has('kept'))
  t.notOk(leader.watches.has('left'))
  t.match(c.pushesFor('left'), [{ lost: 'lapsed', events: [] }])
  t.same(c.pushesFor('kept'), [])
})
