/**
 * A simulated disk for the store's WAL and snapshots (runtime/disk): files in memory, every
 * fsync taking virtual time drawn from the simulation's Random, and crashes that lose exactly
 * what POSIX allows them to lose:
 *
 * - written bytes are an unsynced tail until the file's `sync` completes;
 * - a created, renamed or deleted name changes the directory at once, but the change survives
 *   a crash only after `syncDir` of that directory completes (a file whose name was never made
 *   durable is gone after a crash, however often its data was synced);
 * - a crash keeps, by chance, part of a file's unsynced tail: a torn last write, sometimes with
 *   its end read back as zeros (the file grew but the data did not land), so that recovery's
 *   checksum and torn-record handling runs.
 *
 * Files are inodes (nodes) and directories map names to them, in two versions: what the
 * running process sees and what a crash would leave.
 */
import { posix } from 'node:path'

import type { Clock } from '../clock.ts'
import type { AppendFile, DiskIo } from '../disk/io.ts'
import type { Random } from '../random.ts'

export interface MemoryDiskOptions {
  /** fsync latency in virtual milliseconds, drawn uniformly from [min, max]. Default [0.5, 3]. */
  readonly fsyncMs?: readonly [number, number]
  /** Chance that a crash keeps part of a file's unsynced tail. Default 0.5. */
  readonly tornWriteChance?: number
}

/** Rejects the calls of a process incarnation that a crash ended, and fsyncs in flight at the crash. */
export class DiskCrashedError extends Error {
  override readonly name = 'DiskCrashedError'
  readonly code = 'EIO'
}

/** Bytes the last block of a torn write may read back as zeros. */
const ZEROED_BLOCK_BYTES = 512

class FileNode {
  /** The contents are bytes[0, length). Bytes below a buffer's length are never rewritten (truncate copies), so `durable` may be a view. */
  bytes = new Uint8Array(0)
  length = 0
  durable: Uint8Array = new Uint8Array(0)
  /** Bumped by every change; a sync makes the version it started at durable. */
  version = 0
  durableVersion = 0
  /** The version of the last truncation: after it, the contents no longer extend `durable`. */
  truncatedAt = 0

  get content(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }

  append(data: Uint8Array): void {
    const needed = this.length + data.length
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2, 256))
      grown.set(this.content)
      this.bytes = grown
    }
    this.bytes.set(data, this.length)
    this.length = needed
    this.version++
  }

  truncate(length: number): void {
    const next = new Uint8Array(Math.max(length, 256))
    next.set(this.bytes.subarray(0, Math.min(length, this.length)))
    this.bytes = next
    this.length = length
    this.truncatedAt = ++this.version
  }

  /** The unsynced bytes appended after the durable contents, if the file only grew since. */
  unsyncedTail(): Uint8Array | undefined {
    if (this.truncatedAt > this.durableVersion || this.length <= this.durable.length) return undefined
    return this.bytes.subarray(this.durable.length, this.length)
  }

  /** After a crash: the durable contents plus what survived of the tail, all of it now on disk. */
  restore(tail: Uint8Array): void {
    this.bytes = new Uint8Array(Math.max(this.durable.length + tail.length, 256))
    this.bytes.set(this.durable)
    this.bytes.set(tail, this.durable.length)
    this.length = this.durable.length + tail.length
    this.durable = this.content
    this.durableVersion = ++this.version
  }
}

class DirNode {
  entries = new Map<string, DiskNode>()
  durable = new Map<string, DiskNode>()
  version = 0
  durableVersion = 0
}

type DiskNode = FileNode | DirNode

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`)
  error.code = code
  error.syscall = syscall
  error.path = path
  return error
}

/** Absolute, normalized; relative paths are taken from the root (never the process's cwd). */
function normalize(path: string): string {
  return posix.resolve('/', path)
}

export class MemoryDisk implements DiskIo {
  readonly #clock: Clock
  readonly #random: Random
  readonly #fsyncMs: readonly [number, number]
  readonly #tornWriteChance: number
  readonly #root = new DirNode()
  #slowFactor = 1
  #failing = false
  /** Bumped by every crash: calls and fsyncs of an earlier incarnation are void. */
  #epoch = 0

  constructor(clock: Clock, random: Random, options: MemoryDiskOptions = {}) {
    const [min, max] = options.fsyncMs ?? [0.5, 3]
    if (!(min >= 0 && max >= min)) throw new RangeError(`fsyncMs must be [min, max] with 0 <= min <= max, got [${min}, ${max}]`)
    const torn = options.tornWriteChance ?? 0.5
    if (!(torn >= 0 && torn <= 1)) throw new RangeError(`tornWriteChance must be within [0, 1], got ${torn}`)
    this.#clock = clock
    this.#random = random
    this.#fsyncMs = [min, max]
    this.#tornWriteChance = torn
  }

  /** Multiplies every later fsync's latency by `factor` (1 restores normal speed). */
  slow(factor: number): void {
    if (!(factor >= 0) || !Number.isFinite(factor)) throw new RangeError(`slow factor must be a finite number >= 0, got ${factor}`)
    this.#slowFactor = factor
  }

  /** While on, every call that would change the disk (writes, fsyncs, new or changed names) rejects with EIO. */
  failWrites(on: boolean): void {
    this.#failing = on
  }

  /**
   * The machine loses power: every name and byte not yet made durable is gone, a file's unsynced
   * tail may survive in part (torn), and fsyncs in flight reject with DiskCrashedError.
   */
  crash(): void {
    this.#epoch++
    const seen = new Set<DiskNode>()
    const visit = (dir: DirNode): void => {
      if (seen.has(dir)) return
      seen.add(dir)
      dir.entries = new Map(dir.durable)
      for (const node of dir.entries.values()) {
        if (node instanceof DirNode) visit(node)
        else if (!seen.has(node)) {
          seen.add(node)
          node.restore(this.#survivingTail(node))
        }
      }
    }
    visit(this.#root)
  }

  /**
   * The disk as one process incarnation sees it: after the next crash every call through it
   * rejects, so a crashed host's leftover work cannot touch what its successor recovers.
   */
  incarnation(): DiskIo {
    const epoch = this.#epoch
    const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
      epoch === this.#epoch ? fn(...args) : Promise.reject(new DiskCrashedError('the disk crashed since this process started'))
    return {
      openAppend: guard((path) => this.openAppend(path)),
      create: guard((path) => this.create(path)),
      syncDir: guard((path) => this.syncDir(path)),
      mkdirp: guard((path) => this.mkdirp(path)),
      readdir: guard((path) => this.readdir(path)),
      readFile: guard((path) => this.readFile(path)),
      rename: guard((from, to) => this.rename(from, to)),
      unlink: guard((path) => this.unlink(path)),
      truncate: guard((path, length) => this.truncate(path, length)),
      nextTurn: () => this.nextTurn(),
    }
  }

  async openAppend(path: string): Promise<AppendFile> {
    return this.#handle(this.#fileForWriting(path, 'open'))
  }

  async create(path: string): Promise<AppendFile> {
    this.#checkWritable('open', path)
    const file = this.#fileForWriting(path, 'open')
    if (file.length > 0) file.truncate(0)
    return this.#handle(file)
  }

  async syncDir(path: string): Promise<void> {
    this.#checkWritable('fsync', path)
    const dir = this.#dir(path, 'fsync')
    const entries = new Map(dir.entries)
    const version = dir.version
    await this.#fsync(() => {
      if (version <= dir.durableVersion) return
      dir.durable = entries
      dir.durableVersion = version
    })
  }

  async mkdirp(path: string): Promise<void> {
    let dir = this.#root
    let at = '/'
    for (const name of normalize(path).split('/').filter((part) => part !== '')) {
      const parent = at
      at = posix.join(at, name)
      const existing = dir.entries.get(name)
      if (existing instanceof FileNode) throw fsError('EEXIST', 'mkdir', at)
      if (existing !== undefined) {
        dir = existing
        continue
      }
      this.#checkWritable('mkdir', at)
      const created = new DirNode()
      dir.entries.set(name, created)
      dir.version++
      dir = created
      await this.syncDir(parent)
    }
  }

  async readdir(path: string): Promise<string[]> {
    return [...this.#dir(path, 'scandir').entries.keys()].sort()
  }

  async readFile(path: string): Promise<Uint8Array> {
    return this.#file(path, 'open').content.slice()
  }

  async rename(from: string, to: string): Promise<void> {
    this.#checkWritable('rename', from)
    const source = this.#parent(from, 'rename')
    const node = source.dir.entries.get(source.name)
    if (node === undefined) throw fsError('ENOENT', 'rename', from)
    const target = this.#parent(to, 'rename')
    if (target.dir.entries.get(target.name) instanceof DirNode) throw fsError('EISDIR', 'rename', to)
    source.dir.entries.delete(source.name)
    source.dir.version++
    target.dir.entries.set(target.name, node)
    target.dir.version++
  }

  async unlink(path: string): Promise<void> {
    this.#checkWritable('unlink', path)
    const { dir, name } = this.#parent(path, 'unlink')
    const node = dir.entries.get(name)
    if (node === undefined) throw fsError('ENOENT', 'unlink', path)
    if (node instanceof DirNode) throw fsError('EISDIR', 'unlink', path)
    dir.entries.delete(name)
    dir.version++
  }

  async truncate(path: string, length: number): Promise<void> {
    this.#checkWritable('ftruncate', path)
    const file = this.#file(path, 'open')
    file.truncate(length)
    await this.#syncFile(file)
  }

  /** One virtual-clock task later: everything woken before it has run by then. */
  nextTurn(): Promise<void> {
    return new Promise<void>((resolve) => this.#clock.setTimeout(resolve, 0))
  }

  #handle(file: FileNode): AppendFile {
    const epoch = this.#epoch
    let closed = false
    const usable = (syscall: string): void => {
      if (epoch !== this.#epoch) throw new DiskCrashedError('the disk crashed since this file was opened')
      if (closed) throw fsError('EBADF', syscall, '<closed file>')
    }
    return {
      write: async (bytes) => {
        usable('write')
        this.#checkWritable('write', '<open file>')
        file.append(bytes)
      },
      sync: async () => {
        usable('fsync')
        this.#checkWritable('fsync', '<open file>')
        await this.#syncFile(file)
      },
      close: async () => {
        closed = true
      },
    }
  }

  #syncFile(file: FileNode): Promise<void> {
    const content = file.content
    const version = file.version
    return this.#fsync(() => {
      if (version <= file.durableVersion) return
      file.durable = content
      file.durableVersion = version
    })
  }

  /** Applies `complete` after a drawn fsync latency, unless the disk crashed meanwhile. */
  #fsync(complete: () => void): Promise<void> {
    const epoch = this.#epoch
    const [min, max] = this.#fsyncMs
    const latency = (min + this.#random() * (max - min)) * this.#slowFactor
    return new Promise<void>((resolve, reject) => {
      this.#clock.setTimeout(() => {
        if (epoch !== this.#epoch) return reject(new DiskCrashedError('the disk crashed during an fsync'))
        complete()
        resolve()
      }, latency)
    })
  }

  /** What a crash leaves of `file`'s unsynced tail: nothing, or a prefix whose last block may be zeros. */
  #survivingTail(file: FileNode): Uint8Array {
    const tail = file.unsyncedTail()
    if (tail === undefined || this.#random() >= this.#tornWriteChance) return new Uint8Array(0)
    const kept = tail.slice(0, 1 + Math.floor(this.#random() * tail.length))
    if (this.#random() < 0.25) kept.fill(0, Math.max(0, kept.length - ZEROED_BLOCK_BYTES))
    return kept
  }

  #checkWritable(syscall: string, path: string): void {
    if (this.#failing) throw fsError('EIO', syscall, path)
  }

  #lookup(path: string, syscall: string): DiskNode {
    let node: DiskNode = this.#root
    for (const name of normalize(path).split('/').filter((part) => part !== '')) {
      if (!(node instanceof DirNode)) throw fsError('ENOTDIR', syscall, path)
      const next: DiskNode | undefined = node.entries.get(name)
      if (next === undefined) throw fsError('ENOENT', syscall, path)
      node = next
    }
    return node
  }

  #dir(path: string, syscall: string): DirNode {
    const node = this.#lookup(path, syscall)
    if (!(node instanceof DirNode)) throw fsError('ENOTDIR', syscall, path)
    return node
  }

  #file(path: string, syscall: string): FileNode {
    const node = this.#lookup(path, syscall)
    if (!(node instanceof FileNode)) throw fsError('EISDIR', syscall, path)
    return node
  }

  #parent(path: string, syscall: string): { dir: DirNode; name: string } {
    const full = normalize(path)
    if (full === '/') throw fsError('EPERM', syscall, path)
    return { dir: this.#dir(posix.dirname(full), syscall), name: posix.basename(full) }
  }

  /** The file at `path`, created (a new name in its directory) if missing. */
  #fileForWriting(path: string, syscall: string): FileNode {
    const { dir, name } = this.#parent(path, syscall)
    const existing = dir.entries.get(name)
    if (existing instanceof DirNode) throw fsError('EISDIR', syscall, path)
    if (existing !== undefined) return existing
    this.#checkWritable(syscall, path)
    const created = new FileNode()
    dir.entries.set(name, created)
    dir.version++
    return created
  }
}
