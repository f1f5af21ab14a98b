/** replica.ts, snapshots: a replica cut off past the compacted log catches up from the leader's snapshot. */
import t from 'tap'
import { Replica } from '../../../actors/store/replica/replica.ts'
import { Cluster } from './replica-cluster.ts'

t.test('replica snapshot - a reconnected replica catches up via snap and its watches are lost', async (t) => {
  const c = new Cluster({ snapshotEvery: 5, watchLapseMs: 1e9 })
  const leader = c.elect()
  const id = leader.options.id
  const lagger = c.followers()[0]!
  const lid = lagger.options.id
  c.handle(lid, lagger.watch({ type: 'store.watch', clientId: 'c1', watchId: 'w1', key: '', prefix: true, fromRevision: 0 }, 'w', c.now))
  c.isolated.add(lid)
  for (let i = 0; i < 30; i++) c.put(id, `r${i}`, `/k${i % 12}`, `v${i}`)
  c.deliver()
  c.tick(2)
  const lastOfLagger = lagger.status().lastIndex
  t.ok(leader.status().snapshotIndex > lastOfLagger, 'the leader compacted past everything the lagger holds')
  t.same(c.sent.filter((m) => m.type === 'snap'), [], 'no snapshot sent while cut off')

  c.isolated.delete(lid)
  for (let k = 0; k < 50 && lagger.store.currentRevision !== leader.store.currentRevision; k++) c.tick()
  const snaps = c.sent.filter((m) => m.type === 'snap')
  t.ok(snaps.length >= 1, 'the leader sent a snap')
  t.ok(snaps.every((m) => m.from === id && m.to === lid))
  t.equal(lagger.store.currentRevision, leader.store.currentRevision, 'same revision')
  t.same(c.contents(lid), c.contents(id), 'same keys, values and mod revisions')
  t.equal(c.contents(lid).length, 12)
  const pushes = c.pushesFor('w1')
  t.match(pushes, [{ lost: 'snapshot', events: [], seq: 1 }], 'the watch ended: history jumped')
  t.ok(pushes[0]!.revision > 1 && pushes[0]!.revision <= lagger.store.currentRevision, 'carrying the snapshot\'s revision')
  t.notOk(lagger.watches.has('w1'))

  // The remembered request ids came with the snapshot: a retry at the caught-up replica is answered, not redirected.
  const [original] = c.repliesTo('reply.r20')
  t.same(c.put(lid, 'r20', '/k8', 'v20', 'retry').replies, [{ replyTo: 'retry', event: original }])

  // And replication simply goes on afterwards.
  c.put(id, 'after', '/after', 'x')
  c.tick(2)
  t.same(c.contents(lid), c.contents(id))
})

t.test('replica snapshot - a replica restarted from its saved snapshot has the same state', async (t) => {
  const c = new Cluster({ snapshotEvery: 4 })
  const leader = c.elect()
  for (let i = 0; i < 9; i++) c.put(leader.options.id, `r${i}`, `/k${i}`, `v${i}`)
  c.deliver()
  c.tick(2)
  const snapshot = leader.raft.snapshot
  t.ok(snapshot, 'the leader took a snapshot')
  const restarted = new Replica({ ...leader.options }, { snapshot: snapshot!, entries: [] })
  const kvs = (r: Replica, revision = 0) => {
    const got = r.store.range({ type: 'range', key: '', prefix: true, revision })
    if (!got.ok) throw new Error(got.message)
    return got.kvs
  }
  t.ok(restarted.store.currentRevision > 1)
  t.same(kvs(restarted), kvs(leader, restarted.store.currentRevision), 'equal to the leader as of the snapshot')
  t.equal(restarted.status().applied, snapshot!.meta.index)
  t.equal(restarted.applied.size, leader.applied.size - (leader.store.currentRevision - restarted.store.currentRevision), 'the request ids of the snapshot')
})
