/**
 * nodeIo (runtime/disk/io.ts) on real files behaves as the disk layer expects (errors carry
 * node's codes, truncate cuts, create empties, mkdirp nests), and MemoryDisk behaves the same.
 */
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

import { nodeIo, type DiskIo } from '../../../runtime/disk/io.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { settle, tempDir } from './helpers.ts'

t.test('node io - mkdirp creates nested directories and accepts existing ones', async (t) => {
  const dir = await tempDir(t)
  await nodeIo.mkdirp(join(dir, 'a', 'b', 'c'))
  t.ok((await stat(join(dir, 'a', 'b', 'c'))).isDirectory())
  await nodeIo.mkdirp(join(dir, 'a', 'b'))
  t.same(await nodeIo.readdir(join(dir, 'a', 'b')), ['c'])
  await t.rejects(nodeIo.readdir(join(dir, 'missing')), { code: 'ENOENT' })
})

t.test('node io - appends, create empties, truncate cuts, rename and unlink', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'f')
  await writeFile(path, Uint8Array.of(1, 2))
  const appended = await nodeIo.openAppend(path)
  await appended.write(Uint8Array.of(3, 4, 5))
  await appended.sync()
  await appended.close()
  t.same([...(await nodeIo.readFile(path))], [1, 2, 3, 4, 5])
  await nodeIo.truncate(path, 3)
  t.same([...(await nodeIo.readFile(path))], [1, 2, 3])
  const created = await nodeIo.create(path)
  await created.write(Uint8Array.of(9))
  await created.close()
  t.same([...(await nodeIo.readFile(path))], [9])
  await nodeIo.rename(path, join(dir, 'g'))
  await nodeIo.syncDir(dir)
  t.same(await nodeIo.readdir(dir), ['g'])
  await nodeIo.unlink(join(dir, 'g'))
  t.same(await nodeIo.readdir(dir), [])
})

/** The same operations on any DiskIo, and what they show: MemoryDisk must show what node's files do. */
async function observe(io: DiskIo, root: string, run: <T>(p: Promise<T>) => Promise<T>): Promise<unknown[]> {
  const seen: unknown[] = []
  const code = (p: Promise<unknown>) => run(p).then(() => 'ok', (error: NodeJS.ErrnoException) => error.code)
  await run(io.mkdirp(join(root, 'd', 'e')))
  const file = await io.openAppend(join(root, 'd', 'f'))
  await file.write(Uint8Array.of(1, 2, 3))
  await run(file.sync())
  await file.close()
  seen.push(await io.readdir(join(root, 'd')), [...(await io.readFile(join(root, 'd', 'f')))])
  await run(io.truncate(join(root, 'd', 'f'), 1))
  await io.rename(join(root, 'd', 'f'), join(root, 'd', 'g'))
  await run(io.syncDir(join(root, 'd')))
  seen.push(await io.readdir(join(root, 'd')), [...(await io.readFile(join(root, 'd', 'g')))])
  seen.push(await code(io.readdir(join(root, 'nothing'))), await code(io.readFile(join(root, 'd', 'f'))), await code(io.unlink(join(root, 'd', 'f'))))
  seen.push(await code(io.readFile(join(root, 'd'))), await code(io.rename(join(root, 'd', 'missing'), join(root, 'd', 'x'))))
  await io.unlink(join(root, 'd', 'g'))
  seen.push(await io.readdir(join(root, 'd')))
  return seen
}

t.test('node io and MemoryDisk - the same operations show the same files and the same error codes', async (t) => {
  const dir = await tempDir(t)
  const real = await observe(nodeIo, dir, (p) => p)
  const clock = new VirtualClock()
  const simulated = await observe(new MemoryDisk(clock, seededRandom(1)), '/sim', (p) => settle(clock, p))
  t.same(simulated, real)
  t.same(real[0], ['e', 'f'], 'the script observed something')
})
