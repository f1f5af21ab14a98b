import t from 'tap'
import { Packr } from 'msgpackr'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import { bytes, run } from './mvcc-helpers.ts'

// The codec's settings: snapshots travel as msgpack like everything else.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })
const encode = (s: MvccStore): Uint8Array => packr.pack(s.snapshot())
/** Restored values are Buffers (msgpackr's Uint8Array): compare encodings, not object shapes. */
const packed = (value: unknown): Buffer => Buffer.from(packr.pack(value))

function busyStore(): MvccStore {
  const s = new MvccStore()
  run(s, { type: 'leaseGrant', id: 3, ttlMs: 100, now: 10 })
  run(s, { type: 'leaseGrant', id: 9, ttlMs: 50, now: 10 })
  for (let i = 0; i < 20; i++) run(s, { type: 'put', key: `/k/${i % 7}`, value: bytes(`v${i}`), lease: i % 3 === 0 ? 3 : 0 })
  run(s, { type: 'deleteRange', key: '/k/2' })
  run(s, { type: 'compact', revision: 12 })
  run(s, { type: 'txn', compare: [], success: [{ type: 'put', key: '/t', value: bytes('t'), lease: 9 }, { type: 'deleteRange', key: '/k/5' }], failure: [] })
  return s
}

t.test('mvcc snapshot - restore round-trips the whole state', async (t) => {
  const s = busyStore()
  const encoded = encode(s)
  const restored = MvccStore.restore(packr.unpack(encoded))
  if (!(restored instanceof MvccStore)) throw new Error(restored.message)
  t.same(Buffer.from(encode(restored)), Buffer.from(encoded), 'byte-identical snapshot after restore')
  t.equal(restored.currentRevision, s.currentRevision)
  t.equal(restored.compactedRevision, 12)
  for (let revision = 12; revision <= s.currentRevision; revision++) {
    t.same(packed(restored.range({ type: 'range', key: '', prefix: true, revision })), packed(s.range({ type: 'range', key: '', prefix: true, revision })), `range at ${revision}`)
  }
  t.same(packed(restored.watchEvents({ key: '', prefix: true, fromRevision: 12 })), packed(s.watchEvents({ key: '', prefix: true, fromRevision: 12 })))
  t.strictSame(restored.lease(3), s.lease(3))
  t.strictSame(restored.lease(9), s.lease(9))
  // And both keep evolving identically.
  for (const store of [s, restored]) {
    run(store, { type: 'leaseRevoke', id: 3 })
    run(store, { type: 'leaseGrant', ttlMs: 5, now: 0 })
    run(store, { type: 'put', key: '/after', value: bytes('x') })
  }
  t.same(Buffer.from(encode(restored)), Buffer.from(encode(s)))
})

t.test('mvcc snapshot - bad data is an error result, never a throw', async (t) => {
  const good = busyStore().snapshot()
  const bad: Array<[string, unknown]> = [
    ['null', null],
    ['bytes', new Uint8Array(3)],
    ['wrong format', { ...good, format: 2 }],
    ['negative revision', { ...good, revision: -1 }],
    ['compact ahead', { ...good, compactRevision: good.revision + 1 }],
    ['events reversed', { ...good, events: [...good.events].reverse() }],
    ['event not an object', { ...good, events: [1] }],
    ['leases unsorted', { ...good, leases: [...good.leases].reverse() }],
    ['baseline kv without value', { ...good, baseline: [{ ...good.baseline[0], value: 'x' }] }],
  ]
  for (const [name, data] of bad) t.match(MvccStore.restore(data), { ok: false, error: 'bad-request' }, name)
  t.ok(MvccStore.restore(new MvccStore().snapshot()) instanceof MvccStore, 'an empty store restores')
})
