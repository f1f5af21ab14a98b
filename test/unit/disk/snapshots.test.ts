import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

import type { Snapshot } from '../../../actors/store/raft/types.ts'
import { SnapshotStore } from '../../../runtime/disk/snapshots.ts'
import { tempDir } from './helpers.ts'

function snapshot(index: number, term = 1): Snapshot {
  return { meta: { index, term, voters: ['a', 'b', 'c'] }, data: new Uint8Array([index & 0xff, 1, 2, 3]) }
}

t.test('an empty or missing directory has no snapshot', async (t) => {
  const dir = await tempDir(t)
  t.same(await new SnapshotStore(dir).loadLatest(), { snapshot: undefined, skipped: [] })
  t.same(await new SnapshotStore(join(dir, 'nope')).loadLatest(), { snapshot: undefined, skipped: [] })
})

t.test('save and load the latest; only the latest N are kept', async (t) => {
  const dir = await tempDir(t)
  const store = new SnapshotStore(dir, { keep: 2 })
  await store.save(snapshot(10))
  await store.save(snapshot(20, 2))
  await store.save(snapshot(30, 3))
  const loaded = await new SnapshotStore(dir).loadLatest()
  t.same(loaded.snapshot, snapshot(30, 3))
  t.equal(Object.getPrototypeOf(loaded.snapshot?.data), Uint8Array.prototype)
  t.same((await readdir(dir)).sort(), ['snap-0000000000000020.snap', 'snap-0000000000000030.snap'])
})

t.test('a leftover temp file (a crashed save) is ignored, then removed', async (t) => {
  const dir = await tempDir(t)
  const store = new SnapshotStore(dir)
  await store.save(snapshot(5))
  await writeFile(join(dir, 'snap-0000000000000009.snap.tmp'), new Uint8Array([1, 2, 3]))
  t.same((await store.loadLatest()).snapshot, snapshot(5))
  await store.save(snapshot(7))
  t.notOk((await readdir(dir)).some((n) => n.endsWith('.tmp')))
})

t.test('a damaged newest snapshot falls back to the previous one', async (t) => {
  const dir = await tempDir(t)
  const store = new SnapshotStore(dir, { keep: 3 })
  await store.save(snapshot(1))
  await store.save(snapshot(2))
  const newest = join(dir, 'snap-0000000000000002.snap')
  const bytes = await readFile(newest)
  bytes[bytes.length - 1]! ^= 0xff
  await writeFile(newest, bytes)
  const loaded = await store.loadLatest()
  t.same(loaded.snapshot, snapshot(1))
  t.equal(loaded.skipped.length, 1)
  t.match(loaded.skipped[0]?.reason, /corrupt/)
})

t.test('overlapping saves do not trip over each other', async (t) => {
  const dir = await tempDir(t)
  const store = new SnapshotStore(dir, { keep: 2 })
  await Promise.all([store.save(snapshot(1)), store.save(snapshot(2)), store.save(snapshot(3))])
  t.same((await store.loadLatest()).snapshot, snapshot(3))
  t.equal((await readdir(dir)).length, 2)
})
