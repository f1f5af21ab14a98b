import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

import type { Snapshot } from '../../../actors/store/raft/types.ts'
import { ReplicaStorage, StorageGapError } from '../../../runtime/disk/replica-storage.ts'
import { SnapshotStore } from '../../../runtime/disk/snapshots.ts'
import { entries, entry, tempDir } from './helpers.ts'

function snapshot(index: number, term = 1): Snapshot {
  return { meta: { index, term, voters: ['a', 'b', 'c'] }, data: new Uint8Array([index & 0xff]) }
}

t.test('a fresh directory starts empty; state round-trips', async (t) => {
  const dir = await tempDir(t)
  const { storage, state } = await ReplicaStorage.open(dir)
  t.same(state, { hardState: undefined, snapshot: undefined, entries: [], tailRepair: undefined, skippedSnapshots: [] })
  await storage.append({ entries: entries(1, 5), hardState: { term: 1, vote: 'a', commit: 2 } })
  await storage.close()
  const again = await ReplicaStorage.open(dir)
  t.same(again.state.entries, entries(1, 5))
  t.same(again.state.hardState, { term: 1, vote: 'a', commit: 2 })
  await again.storage.close()
})

t.test('saveSnapshot keeps the log above it and compacts below the oldest kept snapshot', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir, { maxSegmentBytes: 300, keepSnapshots: 2 })
  for (let i = 1; i <= 60; i++) await storage.append({ entries: [entry(i)] })
  const segmentsBefore = (await readdir(join(dir, 'wal'))).length
  await storage.saveSnapshot(snapshot(20))
  const after20 = (await readdir(join(dir, 'wal'))).length
  t.ok(after20 < segmentsBefore, `${segmentsBefore} -> ${after20} segments`)
  await storage.saveSnapshot(snapshot(50))
  await storage.close()
  t.equal((await readdir(join(dir, 'wal'))).length, after20, 'compaction stops at the oldest kept snapshot (20)')

  const { storage: again, state } = await ReplicaStorage.open(dir)
  t.same(state.snapshot, snapshot(50))
  t.same(state.entries, entries(51, 60))
  await again.close()

  // The newest snapshot damaged: the older one is used and the log above it is still there.
  const newest = join(dir, 'snapshots', 'snap-0000000000000050.snap')
  const bytes = await readFile(newest)
  bytes[bytes.length - 1]! ^= 0xff
  await writeFile(newest, bytes)
  const fallback = await ReplicaStorage.open(dir)
  t.same(fallback.state.snapshot, snapshot(20))
  t.same(fallback.state.entries, entries(21, 60))
  t.equal(fallback.state.skippedSnapshots.length, 1)
  await fallback.storage.close()
})

t.test('installSnapshot replaces the log; the log restarts above it', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir)
  await storage.append({ entries: entries(1, 10) })
  await storage.installSnapshot(snapshot(100, 4))
  await storage.append({ entries: [entry(101, 4)] })
  await storage.close()
  const { storage: again, state } = await ReplicaStorage.open(dir)
  t.same(state.snapshot, snapshot(100, 4))
  t.same(state.entries, [entry(101, 4)])
  await again.close()
})

t.test('a crash inside installSnapshot, after the snapshot and before the truncation: the log continues after the snapshot', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir)
  await storage.append({ entries: entries(1, 10) })
  await storage.close()
  // installSnapshot's first step alone, as if the process died right after it.
  await new SnapshotStore(join(dir, 'snapshots')).save(snapshot(100, 4))
  const { storage: again, state } = await ReplicaStorage.open(dir)
  t.same(state.snapshot, snapshot(100, 4))
  t.same(state.entries, [])
  await again.append({ entries: [entry(101, 4)] })
  await again.close()
  const { storage: third, state: after } = await ReplicaStorage.open(dir)
  t.same(after.entries, [entry(101, 4)])
  await third.close()
})

t.test('a log that does not continue from any readable snapshot is an error', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir, { keepSnapshots: 1 })
  await storage.installSnapshot(snapshot(100, 4))
  await storage.append({ entries: [entry(101, 4)] })
  await storage.close()
  const only = join(dir, 'snapshots', 'snap-0000000000000100.snap')
  await writeFile(only, new Uint8Array([1, 2, 3]))
  await t.rejects(ReplicaStorage.open(dir), StorageGapError)
})

/** Damages a snapshot file the way a bad sector would: its last byte flipped (flipping it again repairs it). */
async function flipSnapshotByte(dir: string, index: number): Promise<void> {
  const path = join(dir, 'snapshots', `snap-${String(index).padStart(16, '0')}.snap`)
  const bytes = await readFile(path)
  bytes[bytes.length - 1]! ^= 0xff
  await writeFile(path, bytes)
}

t.test('an installed snapshot damaged with nothing appended after it: the entries it replaced are not silently missing', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir, { keepSnapshots: 2 })
  await storage.append({ entries: entries(1, 60), hardState: { term: 1, vote: 'a', commit: 60 } })
  await storage.saveSnapshot(snapshot(50))
  // Entries 51..60 were acknowledged to the leader; the install replaces them.
  await storage.installSnapshot(snapshot(100, 2))
  await storage.close()
  await flipSnapshotByte(dir, 100)
  // Falling back to snapshot 50 would restart with nothing after 50: entries 51..60 gone.
  await t.rejects(ReplicaStorage.open(dir), StorageGapError)
  // Refusing leaves the directory as it was: repairing the snapshot brings everything back.
  await flipSnapshotByte(dir, 100)
  const { storage: again, state } = await ReplicaStorage.open(dir)
  t.same(state.snapshot, snapshot(100, 2))
  t.same(state.entries, [])
  await again.close()
})

t.test('an installed snapshot damaged with entries after it: refused, not a hole between the snapshots', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir, { keepSnapshots: 2 })
  await storage.append({ entries: entries(1, 60) })
  await storage.saveSnapshot(snapshot(50))
  await storage.installSnapshot(snapshot(100, 2))
  await storage.append({ entries: [entry(101, 2)], hardState: { term: 2, vote: 'a', commit: 101 } })
  await storage.close()
  await flipSnapshotByte(dir, 100)
  await t.rejects(ReplicaStorage.open(dir), StorageGapError)
})

t.test('an install over a longer, diverging log, then damaged: the diverging entries below it do not come back as the log', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir, { keepSnapshots: 2 })
  // Term 1 entries up to 120; the leader's log differs from 61 on, and it sends a snapshot at 100.
  await storage.append({ entries: entries(1, 120, 1) })
  await storage.saveSnapshot(snapshot(50))
  await storage.installSnapshot(snapshot(100, 3))
  await storage.append({ hardState: { term: 3, vote: 'b', commit: 100 } })
  await storage.close()
  await flipSnapshotByte(dir, 100)
  // Snapshot 50 plus the old 51..100 would be a log the leader never had, committed up to 100.
  await t.rejects(ReplicaStorage.open(dir), StorageGapError)
})

t.test('a damaged snapshot recovery fell back past is set aside: it does not count among the kept ones, so compaction keeps the log above the older one', async (t) => {
  const dir = await tempDir(t)
  const { storage } = await ReplicaStorage.open(dir, { maxSegmentBytes: 300, keepSnapshots: 2 })
  for (let i = 1; i <= 90; i++) await storage.append({ entries: [entry(i)] })
  await storage.saveSnapshot(snapshot(20))
  await storage.saveSnapshot(snapshot(50))
  await storage.close()
  await flipSnapshotByte(dir, 50)
  const fallback = await ReplicaStorage.open(dir, { maxSegmentBytes: 300, keepSnapshots: 2 })
  t.same(fallback.state.snapshot, snapshot(20))
  t.same(
    (await readdir(join(dir, 'snapshots'))).sort(),
    ['snap-0000000000000020.snap', 'snap-0000000000000050.snap.damaged'],
  )
  // Had the damaged 50 stayed, this save would keep 50 and 80 and compact the log up to 50.
  await fallback.storage.saveSnapshot(snapshot(80))
  await fallback.storage.close()
  await flipSnapshotByte(dir, 80)
  const again = await ReplicaStorage.open(dir)
  t.same(again.state.snapshot, snapshot(20))
  t.same(again.state.entries, entries(21, 90))
  await again.storage.close()
})
