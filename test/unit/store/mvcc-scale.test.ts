import t from 'tap'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'

// 100k Kubernetes-like keys: puts must not be O(n) each in anything but a memmove, and a prefix
// range must cost the size of the prefix, not of the store. Generous bounds: CI machines are slow.
t.test('mvcc scale - 100k keys in random order, prefix reads stay cheap', async (t) => {
  const s = new MvccStore()
  const value = new Uint8Array(64)
  const n = 100_000
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    const j = (i * 7919) % n // a permutation: inserts land all over the sorted index
    s.apply({ type: 'put', key: `/registry/pods/ns${j % 100}/pod-${j}`, value })
  }
  const putMs = performance.now() - started
  t.equal(s.currentRevision, n + 1)
  const readStarted = performance.now()
  for (let i = 0; i < 1000; i++) {
    const r = s.range({ type: 'range', key: `/registry/pods/ns${i % 100}/`, prefix: true, limit: 10 })
    if (!r.ok || r.count !== 1000) t.fail(`count ${r.ok ? r.count : r.error}`)
  }
  const readMs = performance.now() - readStarted
  t.ok(putMs < 20_000, `100k puts in ${putMs.toFixed(0)} ms`)
  t.ok(readMs < 10_000, `1000 prefix ranges of 1000 keys in ${readMs.toFixed(0)} ms`)
  const compactStarted = performance.now()
  t.match(s.apply({ type: 'compact', revision: n }).result, { ok: true })
  t.ok(performance.now() - compactStarted < 5_000, 'compaction of 100k keys')
})
