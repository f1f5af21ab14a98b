/** Shared bits for the disk tests: temp dirs, entries, an fs layer that counts fsyncs, and running a virtual clock. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Entry } from '../../../actors/store/raft/types.ts'
import { nodeIo, type DiskIo } from '../../../runtime/disk/io.ts'
import type { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { flush } from '../../helpers/flush.ts'

export async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-disk-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export function entry(index: number, term = 1, size = 16): Entry {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (index + i) & 0xff
  return { term, index, kind: 'command', data }
}

export function entries(from: number, to: number, term = 1): Entry[] {
  const out: Entry[] = []
  for (let i = from; i <= to; i++) out.push(entry(i, term))
  return out
}

/** Wraps the real io, counting file fsyncs and letting a test hold each one until released. */
export function countingIo(options: { beforeSync?: () => Promise<void>; afterSync?: () => void } = {}): DiskIo & { syncs: number } {
  const io = {
    ...nodeIo,
    syncs: 0,
    async openAppend(path: string) {
      const file = await nodeIo.openAppend(path)
      return {
        write: (bytes: Uint8Array) => file.write(bytes),
        async sync() {
          await options.beforeSync?.()
          await file.sync()
          io.syncs++
          options.afterSync?.()
        },
        close: () => file.close(),
      }
    },
  }
  return io
}

/**
 * Runs `clock` one task at a time, letting queued work run between tasks, until `promise`
 * settles; throws if the clock runs dry first (the promise would never settle).
 */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await flush()
  while (!settled) {
    if (!clock.step()) throw new Error('the virtual clock ran out of tasks before the promise settled')
    await flush()
  }
  return promise
}
