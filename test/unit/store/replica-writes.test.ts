/** replica.ts, writes in a 3-replica cluster: redirects, batching, one reply per write, idempotent retries. */
import t from 'tap'
import type { ReplicaReply } from '../../../actors/store/replica/protocol.ts'
import { MAX_VALUE_BYTES } from '../../../actors/store/mvcc/types.ts'
import { Cluster } from './replica-cluster.ts'

const revisionOf = (reply: ReplicaReply | undefined): number => {
  if (reply?.type !== 'store.result' || !reply.result.ok) throw new Error(`not a successful result: ${JSON.stringify(reply)}`)
  return reply.result.revision
}

t.test('replica writes - a follower redirects a write to the leader', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  for (const f of c.followers()) {
    const effects = c.put(f.options.id, `r-${f.options.id}`, '/k', 'v', `to-${f.options.id}`)
    t.same(effects.replies, [{ replyTo: `to-${f.options.id}`, event: { type: 'store.redirect', reason: 'not-leader', leader: leader.options.id } }])
    t.notOk(f.hasBuffered, 'nothing buffered on a follower')
  }
  c.tick(3)
  t.equal(leader.store.currentRevision, 1, 'nothing was written')
})

t.test('replica writes - before any leader is known a write is told there is none', async (t) => {
  const c = new Cluster()
  const effects = c.put('s1', 'r1', '/k', 'v', 'to')
  t.same(effects.replies, [{ replyTo: 'to', event: { type: 'store.redirect', reason: 'no-leader' } }])
})

t.test('replica writes - the leader buffers writes until flush, then answers each once with rising revisions', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const id = leader.options.id
  const before = leader.store.currentRevision
  for (let i = 0; i < 5; i++) {
    const effects = c.put(id, `r${i}`, `/k${i}`, `v${i}`)
    t.same(effects.replies, [], 'no answer before the write is committed')
    t.same(effects.messages, [], 'nothing proposed yet')
  }
  t.ok(leader.hasBuffered)
  t.equal(leader.pendingCount, 5)
  c.tick(2)
  t.same(c.replies, [], 'ticks alone do not flush')
  const flushed = c.handle(id, leader.flush(c.now))
  t.notOk(leader.hasBuffered)
  t.ok(flushed.sync, 'the new entry must be durable before it is sent')
  const apps = flushed.messages.filter((m) => m.type === 'app')
  t.equal(apps.length, 2, 'one append per follower')
  for (const m of apps) if (m.type === 'app') t.equal(m.entries.length, 1, 'all five writes in one entry')
  c.deliver()
  const revisions = [0, 1, 2, 3, 4].map((i) => {
    const got = c.repliesTo(`reply.r${i}`)
    t.equal(got.length, 1, `r${i} answered exactly once`)
    return revisionOf(got[0])
  })
  t.same(revisions, [1, 2, 3, 4, 5].map((k) => before + k), 'applied in arrival order')
  t.equal(leader.pendingCount, 0)
  c.tick(2)
  for (const r of c.replicas.values()) t.same(c.contents(r.options.id), c.contents(id), `${r.options.id} holds the same keys`)
  t.equal(c.replies.length, 5, 'no reply came twice')
})

t.test('replica writes - maxBatchBytes splits a flush into several entries', async (t) => {
  const c = new Cluster({ autoFlush: false, maxBatchBytes: 1_000 })
  const leader = c.elect()
  for (let i = 0; i < 4; i++) c.put(leader.options.id, `r${i}`, `/k${i}`, 'x'.repeat(600))
  const flushed = c.handle(leader.options.id, leader.flush(c.now))
  const entries = flushed.persist?.entries ?? []
  t.equal(entries.length, 2, 'two 600-byte writes reach the cap, so four make two entries')
  c.deliver()
  t.same([0, 1, 2, 3].map((i) => c.repliesTo(`reply.r${i}`).length), [1, 1, 1, 1])
})

t.test('replica writes - a retried request id is applied once, answered each time with the same result', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  c.put(id, 'req-1', '/k', 'first', 'try-1')
  // Retried while the first attempt is still in flight: both callers wait for the one write.
  c.put(id, 'req-1', '/k', 'first', 'try-2')
  c.deliver()
  const [a] = c.repliesTo('try-1')
  const [b] = c.repliesTo('try-2')
  t.same(b, a)
  const revision = leader.store.currentRevision
  t.equal(revisionOf(a), revision)
  // Retried after it was applied: answered from the remembered result, nothing proposed.
  const again = c.put(id, 'req-1', '/k', 'other value', 'try-3')
  t.same(again.replies, [{ replyTo: 'try-3', event: a }])
  t.same(again.messages, [])
  c.tick(3)
  t.equal(leader.store.currentRevision, revision, 'the store revision did not move')
  t.same(c.contents(id), [`/k=first@${revision}`])
})

t.test('replica writes - a retry at a new leader after a leadership change returns the same result', async (t) => {
  const c = new Cluster()
  const old = c.elect()
  c.put(old.options.id, 'req-1', '/k', 'v', 'try-1')
  c.deliver()
  const [first] = c.repliesTo('try-1')
  const revision = revisionOf(first)
  const target = c.followers()[0]!.options.id
  c.handle(old.options.id, old.transfer(target, undefined, c.now))
  c.deliver()
  const next = c.elect()
  t.equal(next.options.id, target, 'leadership moved')
  t.notOk(old.isLeader)
  c.put(target, 'req-1', '/k', 'v', 'try-2')
  c.tick(3)
  t.same(c.repliesTo('try-2'), [first], 'same result, from the new leader')
  for (const r of c.replicas.values()) t.equal(r.store.currentRevision, revision, `${r.options.id}: not applied twice`)
  // And the old leader, now a follower, answers a retry from what it applied rather than redirecting.
  t.same(c.put(old.options.id, 'req-1', '/k', 'v', 'try-3').replies, [{ replyTo: 'try-3', event: first }])
})

t.test('replica writes - a bad command is refused and nothing is proposed', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const id = leader.options.id
  const revision = leader.store.currentRevision
  const bad: [string, unknown, string][] = [
    ['non-string key', { type: 'put', key: 42, value: new Uint8Array(1) }, 'bad-request'],
    ['value over the limit', { type: 'put', key: '/k', value: new Uint8Array(MAX_VALUE_BYTES + 1) }, 'value-too-large'],
    ['a range is a read', { type: 'range', key: '/k' }, 'bad-request'],
    ['leaseExpire is the leader\'s own', { type: 'leaseExpire', ids: [1] }, 'bad-request'],
    ['unknown type', { type: 'drop', key: '/k' }, 'bad-request'],
  ]
  for (const [name, command, error] of bad) {
    const effects = c.write(id, `bad-${name}`, command as never, `to-${name}`)
    t.equal(effects.replies.length, 1, name)
    const reply = effects.replies[0]!.event
    t.equal(reply.type, 'store.refused', name)
    if (reply.type === 'store.refused') t.equal(reply.error, error, name)
    t.same(effects.messages, [], `${name}: nothing sent`)
    t.notOk(leader.hasBuffered, `${name}: nothing buffered`)
  }
  t.equal(leader.pendingCount, 0)
  const flushed = leader.flush(c.now)
  t.equal(flushed.persist, undefined, 'a flush has nothing to write')
  c.tick(3)
  t.equal(leader.store.currentRevision, revision)
  // A value of exactly the limit is fine.
  c.autoFlush = true
  c.write(id, 'max', { type: 'put', key: '/k', value: new Uint8Array(MAX_VALUE_BYTES) }, 'to-max')
  c.deliver()
  t.equal(revisionOf(c.repliesTo('to-max')[0]), revision + 1)
})
