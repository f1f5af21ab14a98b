/** replica.ts: a leader that loses its quorum steps down and answers what it was waiting on with a redirect. */
import t from 'tap'
import { Cluster } from './replica-cluster.ts'

t.test('replica step-down - pending writes and reads of a cut-off leader get stepped-down redirects', async (t) => {
  const c = new Cluster()
  const old = c.elect()
  const oid = old.options.id
  const revision = old.store.currentRevision
  c.isolated.add(oid)
  c.put(oid, 'w1', '/k', 'lost?', 'to-w1') // flushed and appended, but never acknowledged
  c.put(oid, 'w1', '/k', 'lost?', 'to-w1-retry') // a retry of the same id waits for the same write
  c.handle(oid, old.read({ type: 'range', key: '/k' }, false, 'to-read', c.now))
  t.equal(old.pendingCount, 2)
  let ticks = 0
  while (old.isLeader && ticks < 100) {
    t.same(c.repliesTo('to-w1'), [], 'no answer while it still believes it leads')
    c.tick()
    ticks++
  }
  t.notOk(old.isLeader, `stepped down after ${ticks} ticks (check-quorum)`)
  t.ok(ticks <= 2 * 10 + 1, 'within about an election timeout')
  for (const to of ['to-w1', 'to-w1-retry', 'to-read']) {
    const replies = c.repliesTo(to)
    t.equal(replies.length, 1, `${to}: exactly one reply`)
    t.match(replies[0], { type: 'store.redirect', reason: 'stepped-down' }, to)
  }
  t.equal(old.pendingCount, 0)
  t.equal(old.store.currentRevision, revision, 'the write was never applied there')

  // The client retries at the new leader; the old leader's uncommitted entry is overwritten when it rejoins.
  const next = c.elect()
  t.not(next.options.id, oid)
  c.put(next.options.id, 'w1', '/k', 'lost?', 'to-w1-new')
  c.deliver()
  t.match(c.repliesTo('to-w1-new'), [{ type: 'store.result', result: { ok: true, revision: revision + 1 } }])
  c.isolated.delete(oid)
  c.tick(5)
  for (const r of c.replicas.values()) {
    t.equal(r.store.currentRevision, revision + 1, `${r.options.id}: applied once`)
    t.same(c.contents(r.options.id), c.contents(next.options.id))
  }
  t.same(c.repliesTo('to-w1'), [c.repliesTo('to-w1')[0]], 'no second answer to the first caller')
})

t.test('replica step-down - buffered writes not yet flushed are answered too', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const old = c.elect()
  const oid = old.options.id
  c.isolated.add(oid)
  c.put(oid, 'b1', '/k', 'v', 'to-b1')
  t.ok(old.hasBuffered)
  for (let k = 0; k < 100 && old.isLeader; k++) c.tick()
  t.notOk(old.isLeader)
  t.match(c.repliesTo('to-b1'), [{ type: 'store.redirect', reason: 'stepped-down' }])
  t.notOk(old.hasBuffered, 'the buffer is dropped: the new leader takes the retry')
})
