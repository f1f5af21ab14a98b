/** replica.ts, priority writes: lease renewals and heartbeats go into the log before the bulk writes already waiting. */
import t from 'tap'
import type { ReplicaReply } from '../../../actors/store/replica/protocol.ts'
import { decodeProposals } from '../../../actors/store/replica/proposals.ts'
import { Cluster } from './replica-cluster.ts'

const revisionOf = (reply: ReplicaReply | undefined): number => {
  if (reply?.type !== 'store.result' || !reply.result.ok) throw new Error(`not a successful result: ${JSON.stringify(reply)}`)
  return reply.result.revision
}

t.test('replica priority writes - a priority write is proposed in its own entry ahead of the waiting batch', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const id = leader.options.id
  for (let i = 0; i < 3; i++) c.put(id, `bulk${i}`, `/pods/p${i}`, 'x'.repeat(100))
  c.put(id, 'lease', '/leases/kube-node-lease/n1', 'renew', 'reply.lease', true)
  c.put(id, 'bulk3', '/pods/p3', 'x'.repeat(100))
  const flushed = c.handle(id, leader.flush(c.now))
  const entries = (flushed.persist?.entries ?? []).map((e) => decodeProposals(e.data).map((p) => p.requestId))
  t.same(entries, [['lease'], ['bulk0', 'bulk1', 'bulk2', 'bulk3']], 'the priority entry first, then the batch in arrival order')
  c.deliver()
  const lease = revisionOf(c.repliesTo('reply.lease')[0])
  const bulk = [0, 1, 2, 3].map((i) => revisionOf(c.repliesTo(`reply.bulk${i}`)[0]))
  t.ok(bulk.every((r) => r > lease), `the lease (revision ${lease}) applied before every bulk write (${bulk.join(', ')})`)
})

t.test('replica priority writes - priority writes keep their own arrival order and the byte cap', async (t) => {
  const c = new Cluster({ autoFlush: false, maxBatchBytes: 1_000 })
  const leader = c.elect()
  const id = leader.options.id
  c.put(id, 'bulk', '/pods/p', 'x')
  for (let i = 0; i < 3; i++) c.put(id, `hb${i}`, `/leases/n${i}`, 'x'.repeat(600), `reply.hb${i}`, true)
  const flushed = c.handle(id, leader.flush(c.now))
  const entries = (flushed.persist?.entries ?? []).map((e) => decodeProposals(e.data).map((p) => p.requestId))
  t.same(entries, [['hb0', 'hb1'], ['hb2'], ['bulk']])
})

t.test('replica priority writes - a follower redirects a priority write like any other', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const follower = c.followers()[0]!
  const effects = c.put(follower.options.id, 'lease', '/leases/x', 'v', 'to', true)
  t.same(effects.replies, [{ replyTo: 'to', event: { type: 'store.redirect', reason: 'not-leader', leader: leader.options.id } }])
  t.notOk(follower.hasBuffered)
})

t.test('replica priority writes - a leader that steps down drops its waiting priority writes and redirects them', async (t) => {
  const c = new Cluster({ autoFlush: false })
  const leader = c.elect()
  const id = leader.options.id
  c.isolated.add(id)
  c.put(id, 'lease', '/leases/x', 'v', 'reply.lease', true)
  t.ok(leader.hasBuffered)
  for (let k = 0; k < 100 && leader.isLeader; k++) c.tick()
  t.notOk(leader.isLeader, 'stepped down (check-quorum)')
  t.notOk(leader.hasBuffered, 'nothing left to propose')
  t.match(c.repliesTo('reply.lease'), [{ type: 'store.redirect', reason: 'stepped-down' }])
})
