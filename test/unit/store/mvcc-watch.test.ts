import t from 'tap'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import { bytes, run } from './mvcc-helpers.ts'

/** rev 2: /p/a, 3: /q, 4: txn {/p/b, delete /p/a}, 5: /p/c, 6: /p/b again */
function storeWithEvents(): MvccStore {
  const s = new MvccStore()
  run(s, { type: 'put', key: '/p/a', value: bytes('a1') })
  run(s, { type: 'put', key: '/q', value: bytes('q1') })
  run(s, { type: 'txn', compare: [], success: [{ type: 'put', key: '/p/b', value: bytes('b1') }, { type: 'deleteRange', key: '/p/a' }], failure: [] })
  run(s, { type: 'put', key: '/p/c', value: bytes('c1') })
  run(s, { type: 'put', key: '/p/b', value: bytes('b2') })
  return s
}

const summary = (s: MvccStore, query: Parameters<MvccStore['watchEvents']>[0]): string[] | string => {
  const r = s.watchEvents(query)
  if (!r.ok) return r.error
  return r.events.map((e) => `${e.revision}.${e.sub} ${e.type} ${e.kv.key}`)
}

t.test('mvcc watch - events by prefix and from revision, in order', async (t) => {
  const s = storeWithEvents()
  const cases: Array<[string, Parameters<MvccStore['watchEvents']>[0], string[]]> = [
    ['all from 1', { key: '', prefix: true, fromRevision: 1 }, ['2.0 PUT /p/a', '3.0 PUT /q', '4.0 PUT /p/b', '4.1 DELETE /p/a', '5.0 PUT /p/c', '6.0 PUT /p/b']],
    ['prefix /p/', { key: '/p/', prefix: true, fromRevision: 2 }, ['2.0 PUT /p/a', '4.0 PUT /p/b', '4.1 DELETE /p/a', '5.0 PUT /p/c', '6.0 PUT /p/b']],
    ['from 4', { key: '/p/', prefix: true, fromRevision: 4 }, ['4.0 PUT /p/b', '4.1 DELETE /p/a', '5.0 PUT /p/c', '6.0 PUT /p/b']],
    ['single key', { key: '/p/b', fromRevision: 1 }, ['4.0 PUT /p/b', '6.0 PUT /p/b']],
    ['interval', { key: '/p/b', rangeEnd: '/q', fromRevision: 1 }, ['4.0 PUT /p/b', '5.0 PUT /p/c', '6.0 PUT /p/b']],
    ['future', { key: '', prefix: true, fromRevision: 7 }, []],
    ['limit keeps a revision whole', { key: '', prefix: true, fromRevision: 3, limit: 2 }, ['3.0 PUT /q', '4.0 PUT /p/b', '4.1 DELETE /p/a']],
  ]
  for (const [name, query, expected] of cases) t.strictSame(summary(s, query), expected, name)
  const r = s.watchEvents({ key: '/p/b', fromRevision: 1 })
  t.match(r, { ok: true, events: [{ prevKv: null }, { prevKv: { version: 1, modRevision: 4 }, kv: { version: 2 } }] }, 'prevKv carried')
  const del = s.watchEvents({ key: '/p/a', fromRevision: 4 })
  t.match(del, { ok: true, events: [{ type: 'DELETE', kv: { key: '/p/a', modRevision: 4, version: 0 }, prevKv: { key: '/p/a', version: 1 } }] })
})

t.test('mvcc watch - compacted below the compaction point', async (t) => {
  const s = storeWithEvents()
  run(s, { type: 'compact', revision: 4 })
  t.match(s.watchEvents({ key: '', prefix: true, fromRevision: 3 }), { ok: false, error: 'compacted', compactRevision: 4 })
  t.strictSame(summary(s, { key: '', prefix: true, fromRevision: 4 }), ['4.0 PUT /p/b', '4.1 DELETE /p/a', '5.0 PUT /p/c', '6.0 PUT /p/b'])
  t.match(s.watchEvents({ key: '', prefix: true, fromRevision: -1 }), { ok: false, error: 'bad-request' })
})

t.test('mvcc watch - apply hands back exactly the events it appended', async (t) => {
  const s = new MvccStore()
  const collected: string[] = []
  const commands = [
    { type: 'put', key: '/a', value: bytes('') },
    { type: 'deleteRange', key: '/nothing' },
    { type: 'txn', compare: [], success: [{ type: 'put', key: '/b', value: bytes('') }, { type: 'put', key: '/c', value: bytes('') }], failure: [] },
    { type: 'deleteRange', key: '/', prefix: true },
  ]
  for (const command of commands) for (const e of s.apply(command).events) collected.push(`${e.revision}.${e.sub} ${e.type} ${e.kv.key}`)
  t.strictSame(summary(s, { key: '', prefix: true, fromRevision: 1 }), collected)
  t.equal(collected.length, 6)
})
