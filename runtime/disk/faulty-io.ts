/**
 * A store replica's file operations with chaos disk faults switched on and off at run time
 * (`disk-latency`, `disk-error`): while in force, every fsync of a file opened for appending
 * (the WAL's segments) waits `latencyMs` on the host's clock first, and every write to one fails
 * with `errorProbability`, as EIO, before a byte is written, so the file stays what it was. The
 * WAL handles that as any write error (runtime/disk/wal.ts): the batch and everything queued
 * fail, the replica's disk child reports `disk.failed`, the replica fails and its supervisor
 * restarts it, recovering from the files. Snapshots and directory operations are not slowed.
 */
import type { Clock } from '../clock.ts'
import type { Random } from '../random.ts'
import type { AppendFile, DiskIo } from './io.ts'

export interface DiskFaults {
  readonly latencyMs: number
  readonly errorProbability: number
}

/** What an injected write failure looks like: node's EIO. */
export class InjectedDiskError extends Error {
  override readonly name = 'InjectedDiskError'
  readonly code = 'EIO'
}

export class FaultyDiskIo implements DiskIo {
  readonly #inner: DiskIo
  readonly #clock: Clock
  readonly #random: Random
  /** The faults in force; undefined: none, and the wrapper only forwards. */
  faults: DiskFaults | undefined

  constructor(inner: DiskIo, options: { clock: Clock; random: Random }) {
    this.#inner = inner
    this.#clock = options.clock
    this.#random = options.random
  }

  async openAppend(path: string): Promise<AppendFile> {
    const file = await this.#inner.openAppend(path)
    return {
      write: (bytes) => {
        const p = this.faults?.errorProbability ?? 0
        if (p > 0 && this.#random() < p) return Promise.reject(new InjectedDiskError(`EIO: i/o error, write ${path} (chaos disk-error)`))
        return file.write(bytes)
      },
      sync: async () => {
        const latency = this.faults?.latencyMs ?? 0
        if (latency > 0) await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, latency))
        return file.sync()
      },
      close: () => file.close(),
    }
  }

  create(path: string): Promise<AppendFile> {
    return this.#inner.create(path)
  }

  syncDir(path: string): Promise<void> {
    return this.#inner.syncDir(path)
  }

  mkdirp(path: string): Promise<void> {
    return this.#inner.mkdirp(path)
  }

  readdir(path: string): Promise<string[]> {
    return this.#inner.readdir(path)
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#inner.readFile(path)
  }

  rename(from: string, to: string): Promise<void> {
    return this.#inner.rename(from, to)
  }

  unlink(path: string): Promise<void> {
    return this.#inner.unlink(path)
  }

  truncate(path: string, length: number): Promise<void> {
    return this.#inner.truncate(path, length)
  }

  nextTurn(): Promise<void> {
    return this.#inner.nextTurn()
  }
}
