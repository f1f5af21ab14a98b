import t from 'tap'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import { bytes, listing, run } from './mvcc-helpers.ts'

t.test('mvcc lease - grant ids: explicit, then the next free one', async (t) => {
  const s = new MvccStore()
  t.match(run(s, { type: 'leaseGrant', ttlMs: 1000, now: 50 }), { ok: true, id: 1, ttlMs: 1000, expiresAt: 1050 })
  t.match(run(s, { type: 'leaseGrant', id: 7, ttlMs: 10, now: 0 }), { ok: true, id: 7 })
  t.match(run(s, { type: 'leaseGrant', ttlMs: 10, now: 0 }), { ok: true, id: 8 })
  t.match(run(s, { type: 'leaseGrant', id: 7, ttlMs: 10, now: 0 }), { ok: false, error: 'lease-exists' })
  t.equal(s.currentRevision, 1, 'grants do not bump the revision')
})

t.test('mvcc lease - put with an unknown lease fails; keys attach and detach', async (t) => {
  const s = new MvccStore()
  t.match(run(s, { type: 'put', key: '/x', value: bytes(''), lease: 5 }), { ok: false, error: 'lease-not-found' })
  t.equal(s.currentRevision, 1)
  run(s, { type: 'leaseGrant', id: 5, ttlMs: 100, now: 0 })
  run(s, { type: 'leaseGrant', id: 6, ttlMs: 100, now: 0 })
  run(s, { type: 'put', key: '/x', value: bytes(''), lease: 5 })
  run(s, { type: 'put', key: '/y', value: bytes(''), lease: 5 })
  run(s, { type: 'put', key: '/z', value: bytes(''), lease: 5 })
  run(s, { type: 'put', key: '/y', value: bytes('') }) // detached by a put without lease
  run(s, { type: 'put', key: '/z', value: bytes(''), lease: 6 }) // moved to another lease
  t.strictSame(s.lease(5)?.keys, ['/x'])
  t.strictSame(s.lease(6)?.keys, ['/z'])
  run(s, { type: 'deleteRange', key: '/x' })
  t.strictSame(s.lease(5)?.keys, [])
})

t.test('mvcc lease - revoke deletes attached keys in one revision', async (t) => {
  const s = new MvccStore()
  run(s, { type: 'leaseGrant', id: 1, ttlMs: 100, now: 0 })
  run(s, { type: 'put', key: '/n/b', value: bytes(''), lease: 1 })
  run(s, { type: 'put', key: '/n/a', value: bytes(''), lease: 1 })
  run(s, { type: 'put', key: '/keep', value: bytes('') })
  const out = s.apply({ type: 'leaseRevoke', id: 1 })
  t.match(out.result, { ok: true, deleted: 2, revision: 5 })
  t.strictSame(out.events.map((e) => [e.type, e.kv.key, e.revision, e.sub]), [['DELETE', '/n/a', 5, 0], ['DELETE', '/n/b', 5, 1]])
  t.strictSame(listing(s), ['/keep='])
  t.equal(s.lease(1), undefined)
  t.match(run(s, { type: 'leaseRevoke', id: 1 }), { ok: false, error: 'lease-not-found' })
  run(s, { type: 'leaseGrant', id: 2, ttlMs: 100, now: 0 })
  t.match(run(s, { type: 'leaseRevoke', id: 2 }), { ok: true, deleted: 0, revision: 5 }, 'revoking an empty lease does not bump')
})

t.test('mvcc lease - keepalive extends expiry; expire by time or by ids', async (t) => {
  const s = new MvccStore()
  run(s, { type: 'leaseGrant', id: 1, ttlMs: 100, now: 0 }) // expires 100
  run(s, { type: 'leaseGrant', id: 2, ttlMs: 100, now: 0 }) // expires 100
  run(s, { type: 'leaseGrant', id: 3, ttlMs: 500, now: 0 }) // expires 500
  run(s, { type: 'put', key: '/l1', value: bytes(''), lease: 1 })
  run(s, { type: 'put', key: '/l2', value: bytes(''), lease: 2 })
  t.match(run(s, { type: 'leaseKeepAlive', id: 2, now: 90 }), { ok: true, expiresAt: 190 })
  t.match(run(s, { type: 'leaseKeepAlive', id: 9, now: 90 }), { ok: false, error: 'lease-not-found' })
  t.strictSame(s.expiredLeases(99), [])
  t.strictSame(s.expiredLeases(100), [1])
  t.strictSame(s.expiredLeases(1000), [1, 2, 3])
  const out = s.apply({ type: 'leaseExpire', now: 150 })
  t.match(out.result, { ok: true, expired: [1], deleted: 1, revision: 4 })
  t.strictSame(listing(s), ['/l2='])
  t.match(run(s, { type: 'leaseExpire', ids: [3, 2, 2, 42] }), { ok: true, expired: [2, 3], deleted: 1, revision: 5 }, 'unknown ids are skipped')
  t.strictSame(listing(s), [])
  t.match(run(s, { type: 'leaseExpire', now: 10_000 }), { ok: true, expired: [], deleted: 0, revision: 5 })
})
