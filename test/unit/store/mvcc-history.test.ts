import t from 'tap'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import { bytes, listing, run } from './mvcc-helpers.ts'

/** rev 2: /a=1, 3: /b=1, 4: /a=2, 5: delete /b, 6: /c=1, 7: /b=again */
function storeWithHistory(): MvccStore {
  const s = new MvccStore()
  run(s, { type: 'put', key: '/a', value: bytes('1') })
  run(s, { type: 'put', key: '/b', value: bytes('1') })
  run(s, { type: 'put', key: '/a', value: bytes('2') })
  run(s, { type: 'deleteRange', key: '/b' })
  run(s, { type: 'put', key: '/c', value: bytes('1') })
  run(s, { type: 'put', key: '/b', value: bytes('again') })
  return s
}

t.test('mvcc history - range at every older revision', async (t) => {
  const s = storeWithHistory()
  const expected: Array<[number, string[]]> = [
    [1, []],
    [2, ['/a=1']],
    [3, ['/a=1', '/b=1']],
    [4, ['/a=2', '/b=1']],
    [5, ['/a=2']],
    [6, ['/a=2', '/c=1']],
    [7, ['/a=2', '/b=again', '/c=1']],
    [0, ['/a=2', '/b=again', '/c=1']],
  ]
  for (const [revision, kvs] of expected) t.strictSame(listing(s, '/', revision), kvs, `at ${revision}`)
  t.match(s.range({ type: 'range', key: '/', prefix: true, revision: 8 }), { ok: false, error: 'future-revision' })
})

t.test('mvcc compaction - older reads fail with compacted, newer ones are unchanged', async (t) => {
  const s = storeWithHistory()
  const before = [4, 5, 6, 7].map((r) => listing(s, '/', r))
  t.match(run(s, { type: 'compact', revision: 4 }), { ok: true, compactRevision: 4, revision: 7 })
  t.equal(s.currentRevision, 7, 'compaction does not bump the revision')
  t.strictSame([4, 5, 6, 7].map((r) => listing(s, '/', r)), before, 'reads at or after the compaction point unchanged')
  for (const revision of [1, 2, 3]) {
    t.match(s.range({ type: 'range', key: '/', prefix: true, revision }), { ok: false, error: 'compacted', compactRevision: 4 }, `at ${revision}`)
  }
  t.match(run(s, { type: 'compact', revision: 4 }), { ok: false, error: 'compacted' }, 'compacting again at the same revision')
  t.match(run(s, { type: 'compact', revision: 3 }), { ok: false, error: 'compacted' })
  t.match(run(s, { type: 'compact', revision: 9 }), { ok: false, error: 'future-revision' })
  t.match(run(s, { type: 'txn', compare: [], success: [{ type: 'range', key: '/a', revision: 2 }], failure: [] }), { ok: false, error: 'compacted' })
  t.match(run(s, { type: 'compact', revision: 7 }), { ok: true })
  t.strictSame(listing(s, '/', 7), ['/a=2', '/b=again', '/c=1'])
  // A key deleted before the compaction point leaves the index entirely.
  const d = new MvccStore()
  run(d, { type: 'put', key: '/gone', value: bytes('') })
  run(d, { type: 'deleteRange', key: '/gone' })
  run(d, { type: 'compact', revision: 3 })
  t.strictSame(d.snapshot().baseline, [])
  t.strictSame(listing(d, '/', 3), [])
})

t.test('mvcc history - versions and createRevision over delete/recreate cycles', async (t) => {
  const s = new MvccStore()
  const seen: Array<[number, number, number]> = []
  for (let cycle = 0; cycle < 3; cycle++) {
    for (let i = 0; i < 3; i++) {
      run(s, { type: 'put', key: '/k', value: bytes(String(i)) })
      const r = s.range({ type: 'range', key: '/k' })
      if (r.ok) seen.push([r.kvs[0]!.version, r.kvs[0]!.createRevision, r.kvs[0]!.modRevision])
    }
    run(s, { type: 'deleteRange', key: '/k' })
  }
  t.strictSame(seen, [
    [1, 2, 2], [2, 2, 3], [3, 2, 4],
    [1, 6, 6], [2, 6, 7], [3, 6, 8],
    [1, 10, 10], [2, 10, 11], [3, 10, 12],
  ])
})
