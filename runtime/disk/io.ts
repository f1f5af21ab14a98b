/**
 * Every file operation the store's disk layer performs (runtime/disk, runtime/store/disk-service.ts),
 * behind one interface: `nodeIo` is the real file system, and the simulation's MemoryDisk
 * (runtime/sim/memory-disk.ts) keeps files in memory with every fsync on virtual time. Tests also
 * wrap nodeIo to count, hold back or fail fsyncs.
 *
 * Durability follows POSIX: written bytes survive a crash only after the file's `sync`, and a
 * created, renamed or deleted name only after `syncDir` of the directory holding it.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** A file opened for writing at its end. */
export interface AppendFile {
  /** Writes all of `bytes` at the end of the file. */
  write(bytes: Uint8Array): Promise<void>
  /** fdatasync is not enough for a new file's size, so this is a full fsync. */
  sync(): Promise<void>
  close(): Promise<void>
}

export interface DiskIo {
  /** Opens `path` for appending, creating it if missing. */
  openAppend(path: string): Promise<AppendFile>
  /** Creates `path`, or empties it if it exists, for writing from the start. */
  create(path: string): Promise<AppendFile>
  /** fsyncs a directory so that a created, renamed or deleted name inside it is durable. */
  syncDir(path: string): Promise<void>
  /** Creates `path` and any missing parents, each durably (its parent directory fsynced). */
  mkdirp(path: string): Promise<void>
  /** The names in directory `path`; rejects with code ENOENT when it does not exist. */
  readdir(path: string): Promise<string[]>
  readFile(path: string): Promise<Uint8Array>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
  /** Cuts `path` to `length` bytes and fsyncs it: the cut is durable once this resolves. */
  truncate(path: string, length: number): Promise<void>
  /**
   * Resolves after work already woken up (promise continuations, callbacks due now) has run:
   * the WAL's group commit waits for it so that callers just acknowledged can join the next batch.
   */
  nextTurn(): Promise<void>
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function openForWriting(path: string, flags: 'a' | 'w'): Promise<AppendFile> {
  const handle = await open(path, flags)
  return {
    async write(bytes) {
      let done = 0
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done)
        done += bytesWritten
      }
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  }
}

export const nodeIo: DiskIo = {
  openAppend: (path) => openForWriting(path, 'a'),
  create: (path) => openForWriting(path, 'w'),
  syncDir: (path) => fsyncPath(path, 'r'),
  async mkdirp(path) {
    const target = resolve(path)
    const first = await mkdir(target, { recursive: true })
    if (first === undefined) return
    // Every directory from `target` up to the first one created is a new name in its parent.
    for (let dir = target; dir.length >= resolve(first).length && dirname(dir) !== dir; dir = dirname(dir)) {
      await fsyncPath(dirname(dir), 'r')
    }
  },
  readdir: (path) => readdir(path),
  readFile: (path) => readFile(path),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async truncate(path, length) {
    const handle = await open(path, 'r+')
    try {
      await handle.truncate(length)
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
  nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
}
