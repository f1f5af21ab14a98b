import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import t from 'tap'

import { encodeFrame, scanFrames } from '../../../runtime/disk/frame.ts'
import { nodeIo } from '../../../runtime/disk/io.ts'
import { LogContinuityError } from '../../../runtime/disk/log-rebuild.ts'
import { recover, WalCorruptionError } from '../../../runtime/disk/recovery.ts'
import { Wal, WalClosedError, type SyncSample } from '../../../runtime/disk/wal.ts'
import { flush } from '../../helpers/flush.ts'
import { countingIo, entries, entry, tempDir } from './helpers.ts'

t.test('round trip: hard state and entries survive close and reopen', async (t) => {
  const dir = await tempDir(t)
  const { wal, recovered } = await Wal.open(dir)
  t.equal(recovered.hardState, undefined)
  t.same(recovered.entries, [])
  await wal.append({ entries: entries(1, 3), hardState: { term: 1, vote: 'a', commit: 0 } })
  await wal.append({ entries: [entry(4, 2)], hardState: { term: 2, vote: undefined, commit: 3 } })
  await wal.close()
  const again = await Wal.open(dir)
  t.same(again.recovered.hardState, { term: 2, vote: undefined, commit: 3 })
  t.same(again.recovered.entries, [...entries(1, 3), entry(4, 2)])
  t.equal(again.recovered.nextIndex, 5)
  t.equal(again.recovered.tailRepair, undefined)
  // Decoded data is a plain Uint8Array.
  t.equal(Object.getPrototypeOf(again.recovered.entries[0]?.data), Uint8Array.prototype)
  await again.wal.close()
})

t.test('reopen after close resumes appending in the same segment', async (t) => {
  const dir = await tempDir(t)
  const first = await Wal.open(dir)
  await first.wal.append({ entries: entries(1, 2) })
  await first.wal.close()
  await t.rejects(first.wal.append({ entries: [entry(3)] }), WalClosedError)
  const second = await Wal.open(dir)
  await t.rejects(second.wal.append({ entries: [entry(5)] }), LogContinuityError, 'a gap is refused')
  await second.wal.append({ entries: [entry(3)] })
  await second.wal.close()
  const third = await Wal.open(dir)
  t.same(third.recovered.entries, entries(1, 3))
  t.equal((await readdir(dir)).length, 1)
  await third.wal.close()
})

t.test('truncation records overwrite a conflicting suffix and can move the log forward', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir)
  await wal.append({ entries: entries(1, 5, 1) })
  await wal.append({ truncateFrom: 4, entries: entries(4, 6, 2) })
  await wal.close()
  let reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, [...entries(1, 3, 1), ...entries(4, 6, 2)])
  // After installing a snapshot at 10 the log restarts above it.
  await reopened.wal.append({ truncateFrom: 11, entries: [entry(11, 3)] })
  await reopened.wal.close()
  reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, [entry(11, 3)])
  t.equal(reopened.recovered.nextIndex, 12)
  await reopened.wal.close()
})

t.test('a restart record drops every entry, also those below it that a truncation would keep', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir)
  await wal.append({ entries: entries(1, 20, 1) })
  await wal.append({ restartAt: 11 })
  await wal.close()
  let reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, [])
  t.equal(reopened.recovered.nextIndex, 11)
  await t.rejects(reopened.wal.append({ entries: [entry(12, 2)] }), { name: 'LogContinuityError' })
  await reopened.wal.append({ entries: [entry(11, 2)] })
  await reopened.wal.close()
  reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, [entry(11, 2)])
  await reopened.wal.close()
})

t.test('group commit: concurrent appends share fsyncs; each resolves only after its fsync', async (t) => {
  const dir = await tempDir(t)
  const samples: SyncSample[] = []
  const io = countingIo()
  const { wal } = await Wal.open(dir, { io, onSync: (s) => samples.push(s) })
  const n = 1000
  const durableAt: number[] = []
  const promises = []
  for (let i = 1; i <= n; i++) {
    promises.push(wal.append({ entries: [entry(i)] }).then(() => durableAt.push(io.syncs)))
  }
  await Promise.all(promises)
  t.ok(io.syncs < n / 10, `${io.syncs} fsyncs for ${n} appends`)
  t.ok(durableAt.every((syncs) => syncs >= 1), 'no promise resolved before an fsync')
  t.equal(samples.reduce((a, s) => a + s.appends, 0), n, 'metrics cover every append')
  t.equal(samples.reduce((a, s) => a + s.records, 0), n)
  t.ok(samples.every((s) => s.seconds >= 0 && s.bytes > 0))
  t.ok(samples.some((s) => s.appends > 1), 'some fsync covered many appends')
  await wal.close()
  const reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries.length, n)
  await reopened.wal.close()
})

t.test('a promise never resolves while its fsync is held back', async (t) => {
  const dir = await tempDir(t)
  /** Releases of the fsyncs in progress, in the order they began. */
  const held: (() => void)[] = []
  let syncBegan: () => void = () => {}
  const nextSync = () => new Promise<void>((resolve) => (syncBegan = resolve))
  const io = countingIo({
    beforeSync: () =>
      new Promise<void>((release) => {
        held.push(release)
        syncBegan()
      }),
  })
  const { wal } = await Wal.open(dir, { io })
  let firstDone = false
  let secondDone = false
  let began = nextSync()
  const first = wal.append({ entries: [entry(1)] }).then(() => (firstDone = true))
  await began
  t.equal(held.length, 1, 'the first batch is in its fsync')
  // Submitted during the first fsync: both go in the second batch.
  const second = wal.append({ entries: [entry(2)] }).then(() => (secondDone = true))
  const third = wal.append({ entries: [entry(3)] })
  await flush()
  t.notOk(firstDone, 'not resolved before its fsync')
  began = nextSync()
  held[0]!()
  await first
  await began
  t.equal(held.length, 2, 'the second batch waits in its own fsync')
  t.notOk(secondDone)
  held[1]!()
  await Promise.all([second, third])
  t.equal(io.syncs, 2, 'two fsyncs for three appends')
  await wal.close()
})

t.test('a failed fsync rejects its batch and every later append', async (t) => {
  const dir = await tempDir(t)
  const io = countingIo({ beforeSync: () => Promise.reject(new Error('EIO')) })
  const { wal } = await Wal.open(dir, { io })
  await t.rejects(wal.append({ entries: [entry(1)] }), /EIO/)
  await t.rejects(wal.append({ entries: [entry(2)] }), /EIO/)
  await wal.close()
})

t.test('torn tail: a cut-short record and trailing garbage are cut off', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir)
  await wal.append({ entries: entries(1, 10) })
  await wal.close()
  const [segment] = wal.segmentPaths
  if (segment === undefined) throw new Error('no segment')
  const full = (await stat(segment)).size
  await truncate(segment, full - 5)
  await appendFile(segment, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
  const reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, entries(1, 9))
  t.equal(reopened.recovered.tailRepair?.problem.kind, 'corrupt')
  const repairedSize = (await stat(segment)).size
  t.ok(repairedSize < full, 'the file was cut at the last whole record')
  // Appending continues right after the last whole record.
  await reopened.wal.append({ entries: [entry(10)] })
  await reopened.wal.close()
  const third = await Wal.open(dir)
  t.same(third.recovered.entries, entries(1, 10))
  t.equal(third.recovered.tailRepair, undefined)
  await third.wal.close()
})

t.test('a partial frame header at the end is a torn tail', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir)
  await wal.append({ entries: entries(1, 3) })
  await wal.close()
  const segment = wal.segmentPaths[0] ?? ''
  await truncate(segment, (await stat(segment)).size - 1)
  const reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, entries(1, 2))
  t.equal(reopened.recovered.tailRepair?.problem.kind, 'torn')
  await reopened.wal.close()
})

t.test('a bad checksum in the middle of the last segment truncates there', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir)
  for (let i = 1; i <= 10; i++) await wal.append({ entries: [entry(i)] })
  await wal.close()
  const segment = wal.segmentPaths[0] ?? ''
  const bytes = await readFile(segment)
  const recordBytes = bytes.length / 10
  bytes[recordBytes * 4 + 12]! ^= 0xff // inside record 5's body
  await writeFile(segment, bytes)
  const reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, entries(1, 4))
  t.equal(reopened.recovered.tailRepair?.droppedBytes, recordBytes * 6)
  t.equal((await stat(segment)).size, recordBytes * 4)
  await reopened.wal.close()
})

t.test('a checksum-valid frame that is not a record is treated as corrupt', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir)
  await wal.append({ entries: entries(1, 2) })
  await wal.close()
  await appendFile(wal.segmentPaths[0] ?? '', encodeFrame(new Uint8Array([0xc0])))
  const reopened = await Wal.open(dir)
  t.same(reopened.recovered.entries, entries(1, 2))
  t.equal(reopened.recovered.tailRepair?.problem.kind, 'corrupt')
  await reopened.wal.close()
})

t.test('segments rotate at the size limit; corruption in an older one is an error', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir, { maxSegmentBytes: 500 })
  for (let i = 1; i <= 60; i++) await wal.append({ entries: [entry(i)], hardState: { term: 1, vote: 'a', commit: i - 1 } })
  await wal.close()
  const segments = wal.segmentPaths
  t.ok(segments.length >= 5, `${segments.length} segments`)
  const reopened = await Wal.open(dir, { maxSegmentBytes: 500 })
  t.same(reopened.recovered.entries, entries(1, 60))
  t.same(reopened.recovered.hardState, { term: 1, vote: 'a', commit: 59 })
  await reopened.wal.close()

  const second = segments[1] ?? ''
  const bytes = await readFile(second)
  bytes[bytes.length - 3]! ^= 0xff
  await writeFile(second, bytes)
  await t.rejects(Wal.open(dir), WalCorruptionError)
  // A torn end of an older segment is just as bad: acknowledged records are gone.
  bytes[bytes.length - 3]! ^= 0xff
  await writeFile(second, bytes.subarray(0, bytes.length - 3))
  await t.rejects(Wal.open(dir), WalCorruptionError)
})

t.test('compaction deletes only segments wholly below the snapshot and keeps the hard state', async (t) => {
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir, { maxSegmentBytes: 300 })
  await wal.append({ hardState: { term: 7, vote: 'b', commit: 0 } })
  for (let i = 1; i <= 40; i++) await wal.append({ entries: [entry(i, 7)] })
  const before = wal.segmentPaths.length
  t.ok(before >= 4)
  t.equal(await wal.compact(0), 0, 'nothing is below index 0')
  const deleted = await wal.compact(25)
  t.ok(deleted >= 1)
  t.equal(wal.segmentPaths.length, before - deleted)
  t.equal((await readdir(dir)).length, wal.segmentPaths.length)
  const mid = await recover(dir, nodeIo)
  t.ok((mid.entries[0]?.index ?? 99) <= 26, 'entries above the snapshot are all kept')
  t.same(mid.entries.at(-1), entry(40, 7))
  const left = wal.segmentPaths.length
  t.equal(await wal.compact(1000), left - 1)
  t.equal(wal.segmentPaths.length, 1, 'the live segment is never deleted')
  await wal.append({ entries: [entry(41, 7)] })
  await wal.close()
  const reopened = await Wal.open(dir)
  t.same(reopened.recovered.hardState, { term: 7, vote: 'b', commit: 0 }, 'each new segment starts with the hard state')
  const first = reopened.recovered.entries[0]?.index ?? 0
  t.ok(first > 25, `log starts at ${first}`)
  t.same(reopened.recovered.entries, entries(first, 41, 7))
  await reopened.wal.close()
})

t.test('a new segment starts with the hard state already written, not the one of the batch that follows it', async (t) => {
  // Written ahead of its own batch's entries, a torn write could keep the newer hard state without
  // them: a commit index past the last entry, which the Raft core refuses to restart from.
  const dir = await tempDir(t)
  const { wal } = await Wal.open(dir, { maxSegmentBytes: 200 })
  let last = 0
  while (wal.segmentPaths.length === 1) {
    last++
    await wal.append({ entries: [entry(last)], hardState: { term: 1, vote: 'a', commit: last } })
  }
  await wal.close()
  // The crash tore the rotating write right after the new segment's header.
  const rotated = wal.segmentPaths[1] ?? ''
  const frames = scanFrames(await readFile(rotated)).frames
  t.equal(frames.length, 3, 'header, entry, hard state')
  await truncate(rotated, frames[1]?.offset ?? 0)
  const { wal: reopened, recovered } = await Wal.open(dir)
  t.equal(recovered.entries.at(-1)?.index, last - 1, 'the torn batch\'s entry is gone')
  t.same(recovered.hardState, { term: 1, vote: 'a', commit: last - 1 }, 'and so is its hard state')
  await reopened.close()
})
