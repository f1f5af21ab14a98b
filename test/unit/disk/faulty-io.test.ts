/**
 * Chaos disk faults on a replica's files (runtime/disk/faulty-io.ts) under the real WAL, on the
 * simulated disk and a virtual clock: fsyncs slowed by the latency in force and back to normal
 * when it is lifted; a write failing as EIO before a byte is written, the WAL failing its pending
 * appends, and a reopened WAL holding exactly what was acknowledged before. The WAL's fsync
 * samples (what `actorkube_store_fsync_seconds` counts) are timed on the same clock the latency
 * waits on, so each one taken under the fault shows it: in every segment, the rotated ones too,
 * and through a WAL reopened (a fresh file handle) while the fault is in force.
 */
import t from 'tap'

import { FaultyDiskIo, InjectedDiskError } from '../../../runtime/disk/faulty-io.ts'
import { Wal, type SyncSample } from '../../../runtime/disk/wal.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { entries, entry, settle } from './helpers.ts'

function setup() {
  const clock = new VirtualClock()
  const disk = new MemoryDisk(clock, seededRandom(1), { fsyncMs: [1, 1], tornWriteChance: 0 })
  const io = new FaultyDiskIo(disk, { clock, random: seededRandom(2) })
  const run = <T>(promise: Promise<T>) => settle(clock, promise)
  /** Virtual ms one append takes to be durable. */
  const timed = async (wal: Wal, index: number): Promise<number> => {
    const started = clock.now()
    await run(wal.append({ entries: [entry(index)] }))
    return clock.now() - started
  }
  return { clock, disk, io, run, timed }
}

t.test('faulty io - fsyncs of the WAL take the latency in force longer, and normal time once lifted', async (t) => {
  const env = setup()
  const { wal } = await env.run(Wal.open('/wal', { io: env.io }))
  const normal = await env.timed(wal, 1)
  env.io.faults = { latencyMs: 250, errorProbability: 0 }
  const slowed = await env.timed(wal, 2)
  env.io.faults = undefined
  const after = await env.timed(wal, 3)
  t.equal(normal, 1, 'the simulated fsync alone')
  t.equal(slowed, 251, 'the latency, then the fsync')
  t.equal(after, 1)
  await env.run(wal.close())
})

t.test('faulty io - every fsync sample the WAL reports under the latency includes it: rotated segments and a reopened WAL too', async (t) => {
  const env = setup()
  const samples: SyncSample[] = []
  const options = { io: env.io, clock: env.clock, maxSegmentBytes: 200, onSync: (s: SyncSample) => samples.push(s) }
  const first = await env.run(Wal.open('/wal', options))
  await env.run(first.wal.append({ entries: [entry(1)] }))
  t.same(samples.map((s) => s.seconds), [0.001], 'before the fault: the simulated fsync alone')
  env.io.faults = { latencyMs: 250, errorProbability: 0 }
  samples.length = 0
  for (let i = 2; i <= 12; i++) await env.run(first.wal.append({ entries: [entry(i)] }))
  t.ok(first.wal.segmentPaths.length > 1, `segments rotated under the fault (${first.wal.segmentPaths.length})`)
  // Queued together: one group commit, one sample.
  await env.run(Promise.all([first.wal.append({ entries: [entry(13)] }), first.wal.append({ entries: [entry(14)] })]))
  await env.run(first.wal.close())
  const again = await env.run(Wal.open('/wal', options))
  await env.run(again.wal.append({ entries: [entry(15)] }))
  t.equal(samples.length, 13, 'one sample per group commit')
  t.same(samples.filter((s) => s.seconds !== 0.251), [], 'every one of them 250 ms slower than the simulated 1 ms fsync')
  env.io.faults = undefined
  samples.length = 0
  await env.run(again.wal.append({ entries: [entry(16)] }))
  t.same(samples.map((s) => s.seconds), [0.001], 'lifted: the fsync alone again')
  await env.run(again.wal.close())
})

t.test('faulty io - an injected write error fails the pending appends, writes nothing, and a reopened WAL has what was acknowledged', async (t) => {
  const env = setup()
  const first = await env.run(Wal.open('/wal', { io: env.io }))
  await env.run(first.wal.append({ entries: entries(1, 3), hardState: { term: 1, vote: 'a', commit: 2 } }))
  env.io.faults = { latencyMs: 0, errorProbability: 1 }
  const failed = first.wal.append({ entries: [entry(4)] })
  const queued = first.wal.append({ entries: [entry(5)] })
  const outcomes = await env.run(Promise.allSettled([failed, queued]))
  t.match(outcomes, [{ status: 'rejected', reason: InjectedDiskError }, { status: 'rejected', reason: InjectedDiskError }], 'the append and what was queued with it fail')
  await t.rejects(first.wal.append({ entries: [entry(6)] }), { code: 'EIO' }, 'the WAL stays failed: its file state is unknown to it')
  await env.run(first.wal.close())
  env.io.faults = undefined
  const again = await env.run(Wal.open('/wal', { io: env.io }))
  t.same(again.recovered.entries, entries(1, 3), 'exactly the acknowledged entries, no torn tail')
  t.equal(again.recovered.tailRepair, undefined)
  t.same(again.recovered.hardState, { term: 1, vote: 'a', commit: 2 })
  await t.resolves(env.run(again.wal.append({ entries: [entry(4)] })), 'appends go on after the fault is lifted')
  await env.run(again.wal.close())
})

t.test('faulty io - errors drawn with the probability in force, from the given random source', async (t) => {
  const env = setup()
  env.io.faults = { latencyMs: 0, errorProbability: 0.5 }
  const file = await env.run(env.io.openAppend('/f'))
  let failures = 0
  for (let i = 0; i < 200; i++) await file.write(new Uint8Array([i])).catch(() => failures++)
  t.ok(failures > 60 && failures < 140, `about half fail (${failures} of 200)`)
  t.equal((await env.disk.readFile('/f')).length, 200 - failures, 'a failed write wrote nothing')
})
