/** Shared bits for the disk tests: temp dirs, entries, and an fs layer that counts fsyncs. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Entry } from '../../../actors/store/raft/types.ts'
import { nodeIo, type DiskIo } from '../../../runtime/disk/io.ts'

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
