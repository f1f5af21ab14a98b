/** The in-memory ObjectsPort used by the handle-*.test.ts files behaves as runtime/apiserver/object-store.ts does. */
import t from 'tap'
import type { ObjectEvent } from '../../../actors/apiserver/ports.ts'
import { flush } from '../../helpers/flush.ts'
import { MemoryObjects } from './memory-objects.ts'

const obj = (name: string, extra: Record<string, unknown> = {}) => ({ kind: 'ConfigMap', metadata: { name, resourceVersion: '999' }, ...extra })

t.test('revisions are global; resourceVersion is the modRevision and is not stored', async (t) => {
  const m = new MemoryObjects()
  const a = await m.create('/r/a', obj('a'))
  const b = await m.create('/r/b', obj('b'))
  t.same(a, { ok: true, object: { kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '1' } } })
  t.equal(b.ok && b.object.metadata?.resourceVersion, '2')
  t.equal((await m.get('/r/a'))?.metadata?.resourceVersion, '1')
  t.same(await m.create('/r/a', obj('a')), { ok: false, reason: 'AlreadyExists' })
  t.equal(m.revision, 2, 'a refused create does not bump the revision')
  const listed = await m.list('/r/')
  t.same(listed.items.map((o) => o.metadata?.name), ['a', 'b'])
  t.equal(listed.resourceVersion, '2')
  t.same((await m.list('/r/a')).items.length, 1, 'prefix match')
  t.same((await m.list('/x/')).items, [])
})

t.test('update and delete preconditions', async (t) => {
  const m = new MemoryObjects()
  await m.create('/r/a', obj('a'))
  t.same(await m.update('/r/a', obj('a', { data: { x: '1' } }), '7'), { ok: false, reason: 'Conflict' })
  t.same(await m.update('/r/missing', obj('missing')), { ok: false, reason: 'NotFound' })
  t.same(await m.update('/r/missing', obj('missing'), '1'), { ok: false, reason: 'NotFound' })
  const u = await m.update('/r/a', obj('a', { data: { x: '1' } }), '1')
  t.equal(u.ok && u.object.metadata?.resourceVersion, '2')
  const u2 = await m.update('/r/a', obj('a', { data: { x: '2' } }))
  t.equal(u2.ok && u2.object.metadata?.resourceVersion, '3')
  t.same(await m.delete('/r/a', '2'), { ok: false, reason: 'Conflict' })
  const d = await m.delete('/r/a', '3')
  t.same(d, { ok: true, object: { kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '3' }, data: { x: '2' } } })
  t.same(await m.delete('/r/a'), { ok: false, reason: 'NotFound' })
  t.equal(await m.get('/r/a'), undefined)
  t.equal(m.revision, 4)
})

t.test('watch replays history after a revision, then live events, in order; cancel stops it', async (t) => {
  const m = new MemoryObjects()
  await m.create('/r/a', obj('a')) // 1
  await m.create('/s/x', obj('x')) // 2
  await m.update('/r/a', obj('a', { data: { v: '2' } })) // 3
  const seen: string[] = []
  const w = await m.watch('/r/', '1', (batch) => {
    for (const e of batch) seen.push(`${e.type} ${e.object.metadata?.name} ${e.object.metadata?.resourceVersion}`)
  })
  await flush()
  t.same(seen, ['MODIFIED a 3'])
  await m.delete('/r/a') // 4
  await m.create('/r/a', obj('a')) // 5: version restarts
  await m.create('/s/y', obj('y')) // 6: other prefix
  await flush()
  t.same(seen, ['MODIFIED a 3', 'DELETED a 4', 'ADDED a 5'])
  await w.cancel()
  await m.create('/r/b', obj('b'))
  await flush()
  t.equal(seen.length, 3, 'no events after cancel')
  t.equal(m.watcherCount, 0)
  const all: string[] = []
  const w2 = await m.watch('/r/', '0', (batch) => {
    for (const e of batch) all.push(`${e.type} ${e.object.metadata?.resourceVersion}`)
  })
  await flush()
  t.same(all, ['ADDED 1', 'MODIFIED 3', 'DELETED 4', 'ADDED 5', 'ADDED 7'])
  await w2.cancel()
})

t.test('a watch from a compacted revision fails', async (t) => {
  const m = new MemoryObjects()
  await m.create('/r/a', obj('a'))
  await m.create('/r/b', obj('b'))
  m.compact(2)
  const errors: string[] = []
  await m.watch('/r/', '1', () => t.fail('no events'), (e) => errors.push(e.message))
  await flush()
  t.same(errors, ['too old resource version: 1 (3)'])
})
