import t from 'tap'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import { bytes, listing, run, storeWith, text } from './mvcc-helpers.ts'

t.test('mvcc put - revisions and versions follow etcd', async (t) => {
  const s = new MvccStore()
  t.equal(s.currentRevision, 1, 'an empty store is at revision 1, like etcd')
  t.match(run(s, { type: 'put', key: '/a', value: bytes('1') }), { ok: true, revision: 2 })
  t.match(run(s, { type: 'put', key: '/b', value: bytes('1') }), { ok: true, revision: 3 })
  t.match(run(s, { type: 'put', key: '/a', value: bytes('2'), prevKv: true }), {
    ok: true,
    revision: 4,
    prevKv: { key: '/a', createRevision: 2, modRevision: 2, version: 1 },
  })
  const r = s.range({ type: 'range', key: '/a' })
  t.match(r, { ok: true, revision: 4, count: 1, kvs: [{ key: '/a', createRevision: 2, modRevision: 4, version: 2, lease: 0 }] })
  t.match(run(s, { type: 'put', key: '/c', value: bytes('x'), prevKv: true }), { prevKv: null }, 'prevKv of a new key is null')
})

t.test('mvcc delete - tombstone resets version and createRevision', async (t) => {
  const s = storeWith({ '/a': '1' }) // rev 2
  t.match(run(s, { type: 'deleteRange', key: '/a', prevKv: true }), { ok: true, revision: 3, deleted: 1, prevKvs: [{ key: '/a', version: 1 }] })
  t.match(s.range({ type: 'range', key: '/a' }), { count: 0, kvs: [] })
  t.match(run(s, { type: 'deleteRange', key: '/a' }), { ok: true, revision: 3, deleted: 0 }, 'deleting nothing does not bump the revision')
  run(s, { type: 'put', key: '/a', value: bytes('again') })
  t.match(s.range({ type: 'range', key: '/a' }), { kvs: [{ createRevision: 4, modRevision: 4, version: 1 }] })
})

t.test('mvcc deleteRange - single, interval, prefix, from-key', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['single', { key: '/p/b' }, ['/p/a=1', '/p/c=1', '/pz=1', '/q=1']],
    ['interval', { key: '/p/a', rangeEnd: '/p/c' }, ['/p/c=1', '/pz=1', '/q=1']],
    ['prefix', { key: '/p/', prefix: true }, ['/pz=1', '/q=1']],
    ['from key', { key: '/pz', rangeEnd: '\0' }, ['/p/a=1', '/p/b=1', '/p/c=1']],
    ['empty prefix is everything', { key: '', prefix: true }, []],
  ]
  for (const [name, selector, left] of cases) {
    const s = storeWith({ '/p/a': '1', '/p/b': '1', '/p/c': '1', '/pz': '1', '/q': '1' })
    const result = run(s, { type: 'deleteRange', ...selector })
    t.equal(result.ok, true, name)
    t.strictSame(listing(s), left, name)
    if (result.ok) t.equal(result.revision, 7, `${name}: all deletes share one revision`)
  }
})

t.test('mvcc range - limit, keysOnly, countOnly, ordering', async (t) => {
  const s = storeWith({ '/r/c': 'c', '/r/a': 'a', '/r/b': 'b', '/s': 's' })
  t.strictSame(listing(s, '/r/'), ['/r/a=a', '/r/b=b', '/r/c=c'], 'sorted by key')
  t.match(s.range({ type: 'range', key: '/r/', prefix: true, limit: 2 }), { count: 3, more: true, kvs: [{ key: '/r/a' }, { key: '/r/b' }] })
  const keysOnly = s.range({ type: 'range', key: '/r/', prefix: true, keysOnly: true })
  t.ok(keysOnly.ok && keysOnly.kvs.every((kv) => kv.value.length === 0), 'keysOnly drops values')
  t.match(s.range({ type: 'range', key: '/r/', prefix: true, countOnly: true }), { count: 3, kvs: [], more: false })
  t.match(s.range({ type: 'range', key: '/r/b', rangeEnd: '/s' }), { count: 2 })
  t.match(s.range({ type: 'range', key: '/nope' }), { count: 0, kvs: [] })
})

t.test('mvcc txn - compare targets against etcd semantics', async (t) => {
  const s = storeWith({ '/k': 'v1' }) // rev 2
  run(s, { type: 'put', key: '/k', value: bytes('v2') }) // rev 3, version 2, create 2
  const cases: Array<[string, unknown, boolean]> = [
    ['modRevision =', { key: '/k', target: 'modRevision', op: '=', value: 3 }, true],
    ['modRevision = stale', { key: '/k', target: 'modRevision', op: '=', value: 2 }, false],
    ['modRevision <', { key: '/k', target: 'modRevision', op: '<', value: 4 }, true],
    ['createRevision =', { key: '/k', target: 'createRevision', op: '=', value: 2 }, true],
    ['version >', { key: '/k', target: 'version', op: '>', value: 1 }, true],
    ['version !=', { key: '/k', target: 'version', op: '!=', value: 2 }, false],
    ['value =', { key: '/k', target: 'value', op: '=', value: bytes('v2') }, true],
    ['value <', { key: '/k', target: 'value', op: '<', value: bytes('v3') }, true],
    ['value > (prefix is smaller)', { key: '/k', target: 'value', op: '>', value: bytes('v') }, true],
    ['exists', { key: '/k', target: 'exists', op: '=', value: true }, true],
    ['missing: version = 0', { key: '/none', target: 'version', op: '=', value: 0 }, true],
    ['missing: createRevision = 0 (create-if-absent)', { key: '/none', target: 'createRevision', op: '=', value: 0 }, true],
    ['missing: value compare is false', { key: '/none', target: 'value', op: '!=', value: bytes('x') }, false],
    ['missing: exists != true', { key: '/none', target: 'exists', op: '!=', value: true }, true],
  ]
  for (const [name, compare, expected] of cases) {
    const r = run(s, { type: 'txn', compare: [compare], success: [{ type: 'range', key: '/k' }], failure: [] })
    t.match(r, { ok: true, succeeded: expected }, name)
  }
  t.equal(s.currentRevision, 3, 'read-only txns do not bump the revision')
})

t.test('mvcc txn - writes share one revision, later ops see earlier ones', async (t) => {
  const s = storeWith({ '/a': '1' }) // rev 2
  const out = s.apply({
    type: 'txn',
    compare: [{ key: '/a', target: 'value', op: '=', value: bytes('1') }],
    success: [
      { type: 'put', key: '/b', value: bytes('b') },
      { type: 'deleteRange', key: '/a' },
      { type: 'range', key: '/', prefix: true },
      { type: 'put', key: '/b', value: bytes('b2'), prevKv: true },
    ],
    failure: [{ type: 'put', key: '/failed', value: bytes('') }],
  })
  t.match(out.result, { ok: true, type: 'txn', succeeded: true, revision: 3 })
  if (out.result.ok && out.result.type === 'txn') {
    t.match(out.result.responses[2], { type: 'range', count: 1, kvs: [{ key: '/b', modRevision: 3 }] })
    t.match(out.result.responses[3], { prevKv: { key: '/b', version: 1 } })
    t.ok(out.result.responses.every((r) => r.revision === 3))
  }
  t.strictSame(out.events.map((e) => [e.type, e.kv.key, e.revision, e.sub]), [
    ['PUT', '/b', 3, 0],
    ['DELETE', '/a', 3, 1],
    ['PUT', '/b', 3, 2],
  ])
  t.match(s.range({ type: 'range', key: '/b' }), { kvs: [{ version: 2, createRevision: 3, modRevision: 3 }] })
  // failure branch
  const f = run(s, { type: 'txn', compare: [{ key: '/a', target: 'exists', op: '=', value: true }], success: [], failure: [{ type: 'put', key: '/f', value: bytes('') }] })
  t.match(f, { ok: true, succeeded: false, revision: 4 })
})

t.test('mvcc txn - all or nothing on a bad op', async (t) => {
  const s = storeWith({ '/a': '1' })
  const r = run(s, { type: 'txn', compare: [], success: [{ type: 'put', key: '/x', value: bytes('') }, { type: 'put', key: '/y', value: bytes(''), lease: 99 }], failure: [] })
  t.match(r, { ok: false, error: 'lease-not-found' })
  t.strictSame(listing(s), ['/a=1'])
  t.equal(s.currentRevision, 2)
})

t.test('mvcc apply result values are the stored ones', async (t) => {
  const s = storeWith({ '/v': 'hello' })
  const r = s.range({ type: 'range', key: '/v' })
  t.ok(r.ok && text(r.kvs[0]!.value) === 'hello')
})
