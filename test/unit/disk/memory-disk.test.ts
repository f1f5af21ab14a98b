/**
 * The simulated disk (runtime/sim/memory-disk.ts): what a crash keeps and loses, fsyncs on
 * virtual time, injected faults, and the same seed giving the same run.
 */
import t from 'tap'

import { seededRandom } from '../../../runtime/random.ts'
import { DiskCrashedError, MemoryDisk, type MemoryDiskOptions } from '../../../runtime/sim/memory-disk.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { seedsComment, seedsFrom } from '../../helpers/seeds.ts'
import { settle } from './helpers.ts'

const SEEDS = seedsFrom('MEMORY_DISK_SEED', [1, 2, 3, 4, 5, 6, 7, 8])

function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill)
}

function setup(seed = 1, options: MemoryDiskOptions = {}) {
  const clock = new VirtualClock()
  const disk = new MemoryDisk(clock, seededRandom(seed), options)
  return { clock, disk, run: <T>(promise: Promise<T>) => settle(clock, promise) }
}

/** A directory `/d` whose name is durable, holding a durable, empty file `/d/f`. */
async function durableFile(env: ReturnType<typeof setup>) {
  await env.run(env.disk.mkdirp('/d'))
  const file = await env.disk.openAppend('/d/f')
  await env.run(env.disk.syncDir('/d'))
  return file
}

t.test('memory disk - a synced write survives a crash, an unsynced one does not', async (t) => {
  const env = setup(1, { tornWriteChance: 0 })
  const file = await durableFile(env)
  await file.write(bytes(10, 1))
  await env.run(file.sync())
  await file.write(bytes(10, 2))
  env.disk.crash()
  t.same(await env.disk.readFile('/d/f'), bytes(10, 1))
  await t.rejects(file.write(bytes(1, 3)), DiskCrashedError, 'the crashed process\'s file handle is dead')
})

t.test('memory disk - a crash may keep a torn prefix of the unsynced tail', async (t) => {
  t.comment(seedsComment('MEMORY_DISK_SEED', SEEDS, import.meta.url))
  const lengths = new Set<number>()
  for (const seed of SEEDS) {
    const env = setup(seed, { tornWriteChance: 1 })
    const file = await durableFile(env)
    await file.write(bytes(100, 1))
    await env.run(file.sync())
    const tail = bytes(4000, 2)
    await file.write(tail)
    env.disk.crash()
    const after = await env.disk.readFile('/d/f')
    t.ok(after.length > 100 && after.length <= 4100, `seed ${seed}: ${after.length} bytes, the synced 100 and part of the tail`)
    t.same(after.subarray(0, 100), bytes(100, 1), `seed ${seed}: the synced bytes are intact`)
    t.ok(after.subarray(100).every((b) => b === 2 || b === 0), `seed ${seed}: the kept tail is the write's bytes (or zeros at its end)`)
    lengths.add(after.length)
    // What survived a crash is on disk: a second crash keeps it.
    env.disk.crash()
    t.equal((await env.disk.readFile('/d/f')).length, after.length, `seed ${seed}: a second crash keeps what the first left`)
  }
  t.ok(lengths.size > 1, `tears at different points across seeds: ${[...lengths].join(', ')}`)
})

t.test('memory disk - names are durable only after the directory is synced', async (t) => {
  const env = setup(1, { tornWriteChance: 0 })
  await env.run(env.disk.mkdirp('/d'))
  const created = await env.disk.create('/d/new')
  await created.write(bytes(5, 1))
  await env.run(created.sync())
  env.disk.crash()
  t.same(await env.disk.readdir('/d'), [], 'a file synced but its name never: gone')

  const file = await env.disk.create('/d/a.tmp')
  await file.write(bytes(5, 7))
  await env.run(file.sync())
  await env.disk.rename('/d/a.tmp', '/d/a')
  await env.run(env.disk.syncDir('/d'))
  env.disk.crash()
  t.same(await env.disk.readdir('/d'), ['a'], 'temp, fsync, rename, directory fsync: the new name')
  t.same(await env.disk.readFile('/d/a'), bytes(5, 7))

  await env.disk.rename('/d/a', '/d/b')
  await env.disk.unlink('/d/b')
  t.same(await env.disk.readdir('/d'), [], 'the running process sees the unlink at once')
  env.disk.crash()
  t.same(await env.disk.readdir('/d'), ['a'], 'rename and unlink without a directory fsync: undone by a crash')
})

t.test('memory disk - mkdirp makes each directory it creates durable', async (t) => {
  const env = setup(1)
  await env.run(env.disk.mkdirp('/a/b/c'))
  env.disk.crash()
  t.same(await env.disk.readdir('/a/b'), ['c'])
  await t.rejects(env.disk.readdir('/missing'), { code: 'ENOENT' })
  await t.rejects(env.disk.readFile('/a'), { code: 'EISDIR' })
})

t.test('memory disk - fsyncs take virtual time, drawn within the range and scaled by slow()', async (t) => {
  const env = setup(3, { fsyncMs: [2, 4] })
  const file = await durableFile(env)
  let synced = false
  const sync = file.sync().then(() => (synced = true))
  const started = env.clock.now()
  env.clock.advance(1.9)
  await settle(env.clock, Promise.resolve())
  t.equal(synced, false, 'not done before the shortest latency')
  await env.run(sync)
  const took = env.clock.now() - started
  t.ok(took >= 2 && took <= 4, `took ${took} virtual ms`)

  env.disk.slow(10)
  const before = env.clock.now()
  await env.run(file.sync())
  const slowTook = env.clock.now() - before
  t.ok(slowTook >= 20 && slowTook <= 40, `slowed down 10x: ${slowTook} virtual ms`)
})

t.test('memory disk - failWrites makes writes and fsyncs fail with EIO; reads go on', async (t) => {
  const env = setup(1)
  const file = await durableFile(env)
  await file.write(bytes(3, 1))
  env.disk.failWrites(true)
  await t.rejects(file.write(bytes(3, 2)), { code: 'EIO' })
  await t.rejects(file.sync(), { code: 'EIO' })
  await t.rejects(env.disk.syncDir('/d'), { code: 'EIO' })
  await t.rejects(env.disk.create('/d/g'), { code: 'EIO' })
  t.same(await env.disk.readFile('/d/f'), bytes(3, 1), 'the failed write did not land')
  env.disk.failWrites(false)
  await env.run(file.sync())
  env.disk.crash()
  t.same(await env.disk.readFile('/d/f'), bytes(3, 1))
})

t.test('memory disk - an fsync in flight at a crash fails and makes nothing durable; a crashed incarnation is cut off', async (t) => {
  const env = setup(1, { tornWriteChance: 0 })
  const io = env.disk.incarnation()
  await env.run(io.mkdirp('/d'))
  const file = await io.openAppend('/d/f')
  await env.run(io.syncDir('/d'))
  await file.write(bytes(8, 1))
  const sync = file.sync()
  env.disk.crash()
  await t.rejects(settle(env.clock, sync), DiskCrashedError)
  t.same(await env.disk.readFile('/d/f'), new Uint8Array(0))
  await t.rejects(io.unlink('/d/f'), DiskCrashedError, 'the old incarnation cannot touch the disk')
  t.same(await env.disk.incarnation().readdir('/d'), ['f'], 'a new incarnation can')
})

t.test('memory disk - the same seed gives the same timings and the same crash', async (t) => {
  t.comment(seedsComment('MEMORY_DISK_SEED', SEEDS, import.meta.url))
  const runOnce = async (seed: number) => {
    const env = setup(seed, { tornWriteChance: 1 })
    const file = await durableFile(env)
    const times: number[] = []
    for (let i = 0; i < 5; i++) {
      await file.write(bytes(50, i + 1))
      await env.run(file.sync())
      times.push(env.clock.now())
    }
    await file.write(bytes(3000, 9))
    env.disk.crash()
    return { times, after: await env.disk.readFile('/d/f') }
  }
  const outcomes = new Set<string>()
  for (const seed of SEEDS) {
    const first = await runOnce(seed)
    t.same(await runOnce(seed), first, `seed ${seed}: replayed identically`)
    outcomes.add(`${first.times.join()}/${first.after.length}`)
  }
  t.equal(outcomes.size, SEEDS.length, 'every seed ran differently')
})
