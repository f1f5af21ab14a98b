/** replica.ts, leases: stamped with the leader's clock, expired by the leader's housekeeping on every replica. */
import t from 'tap'
import { decodeProposals } from '../../../actors/store/replica/proposals.ts'
import type { Entry } from '../../../actors/store/raft/types.ts'
import { Cluster, TICK_MS } from './replica-cluster.ts'

/** The commands the leader appended (seen in the `app` messages it sent; each entry once), decoded. */
function proposedTypes(c: Cluster, leader: string): string[] {
  const entries = new Map<number, Entry>()
  for (const m of c.sent) if (m.from === leader && m.type === 'app') for (const e of m.entries) entries.set(e.index, e)
  return [...entries.values()]
    .filter((e) => e.kind === 'command')
    .flatMap((e) => decodeProposals(e.data).map((p) => p.command.type))
}

t.test('replica leases - a grant carries the leader\'s now, and its key disappears everywhere after the TTL', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  const ttlMs = 500
  const grantedAt = c.now
  c.write(id, 'grant', { type: 'leaseGrant', ttlMs }, 'grant-reply')
  c.deliver()
  const [grant] = c.repliesTo('grant-reply')
  t.match(grant, { type: 'store.result', result: { ok: true, type: 'leaseGrant', ttlMs, expiresAt: grantedAt + ttlMs } }, 'stamped with the leader\'s clock')
  const leaseId = (grant as { result: { id: number } }).result.id
  c.write(id, 'put', { type: 'put', key: '/lease/k', value: new Uint8Array([1]), lease: leaseId }, 'put-reply')
  c.write(id, 'keep', { type: 'put', key: '/plain', value: new Uint8Array([2]) }, 'keep-reply')
  c.deliver()
  c.tick(2)
  for (const r of c.replicas.values()) {
    t.equal(r.store.lease(leaseId)?.expiresAt, grantedAt + ttlMs, `${r.options.id} computed the same deadline`)
  }

  // Just short of the deadline nothing expires, whatever housekeeping runs.
  while (c.now + TICK_MS < grantedAt + ttlMs) c.tick()
  t.notOk(proposedTypes(c, id).includes('leaseExpire'))
  for (const r of c.replicas.values()) t.ok(r.store.lease(leaseId), `${r.options.id}: lease alive before its TTL`)

  // Past it, the next housekeeping round (every few ticks) proposes the expiry.
  c.tick(20)
  t.ok(proposedTypes(c, id).includes('leaseExpire'), 'the leader proposed leaseExpire')
  t.equal(proposedTypes(c, id).filter((type) => type === 'leaseExpire').length, 1, 'once, not every housekeeping round')
  for (const r of c.replicas.values()) {
    t.equal(r.store.lease(leaseId), undefined, `${r.options.id}: lease gone`)
    t.same(c.contents(r.options.id).map((kv) => kv.split('=')[0]), ['/plain'], `${r.options.id}: the attached key is gone, the other kept`)
  }
  t.same(c.replies.filter((r) => r.replyTo === ''), [], 'the internal write answers nobody')
})

t.test('replica leases - a keep-alive on the leader moves the deadline by the leader\'s clock', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  c.write(id, 'grant', { type: 'leaseGrant', id: 7, ttlMs: 300 }, 'grant-reply')
  c.deliver()
  for (let k = 0; k < 5; k++) {
    c.tick(20) // 200 ms, under the TTL
    const at = c.now
    c.write(id, `keep-${k}`, { type: 'leaseKeepAlive', id: 7 }, `keep-${k}`)
    c.deliver()
    t.match(c.repliesTo(`keep-${k}`), [{ type: 'store.result', result: { ok: true, expiresAt: at + 300 } }])
  }
  for (const r of c.replicas.values()) t.ok(r.store.lease(7), `${r.options.id}: kept alive for well past one TTL`)
})

t.test('replica leases - a client cannot send its own clock', async (t) => {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  // The leader stamps `now` over whatever the client put there.
  c.write(id, 'grant', { type: 'leaseGrant', ttlMs: 100, now: 1 } as never, 'grant-reply')
  c.deliver()
  t.match(c.repliesTo('grant-reply'), [{ result: { ok: true, expiresAt: c.now + 100 } }])
})

/**
 * Housekeeping proposes its expiry at a moment the leader refuses proposals (a leadership transfer
 * in progress, whose target is cut off and never takes over). The transfer times out and the
 * leader keeps leading, so the next housekeeping round must propose the expiry again.
 */
function expireDuringTransfer(transfer: boolean): { lease: unknown; leading: boolean } {
  const c = new Cluster()
  const leader = c.elect()
  const id = leader.options.id
  const target = c.followers()[0]!.options.id
  c.isolated.add(target)
  while (leader.raft.ticks % 8 !== 0) c.tick() // just after a housekeeping round
  c.write(id, 'grant', { type: 'leaseGrant', id: 5, ttlMs: 7 * TICK_MS }, 'grant')
  c.deliver()
  c.tick(7) // expired by the next round, which runs on the next tick
  if (transfer) c.handle(id, leader.transfer(target, undefined, c.now))
  c.tick(100)
  return { lease: leader.store.lease(5), leading: leader.isLeader }
}

t.test('replica leases - control: the same expiry without a transfer goes through', async (t) => {
  t.same(expireDuringTransfer(false), { lease: undefined, leading: true })
})

// Regression: an internal write whose batch was rejected ('transferring') used to stay marked in
// flight, so no later 'expire.' (or 'compact.') proposal was made for the rest of the term.
t.test('replica leases - an expiry refused during a failed transfer is proposed again', async (t) => {
  t.same(expireDuringTransfer(true), { lease: undefined, leading: true })
})
