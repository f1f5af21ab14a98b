/**
 * Snapshot files: `snap-<index>.snap`, one checksummed frame holding the snapshot's meta and
 * data. Written atomically (temp file, fsync, rename, fsync the directory), so a reader sees
 * either the whole new snapshot or none of it; a crash leaves at most a `.tmp` file, which is
 * ignored and removed. The latest N are kept because the newest could still turn out
 * damaged on disk; loading falls back to an older valid one.
 */
import { join } from 'node:path'
import { Packr } from 'msgpackr'

import type { Snapshot } from '../../actors/store/raft/types.ts'
import { encodeFrame, scanFrames } from './frame.ts'
import { nodeIo, type DiskIo } from './io.ts'

const SNAPSHOT_NAME = /^snap-(\d{16})\.snap$/
const TEMP_SUFFIX = '.tmp'
const DAMAGED_SUFFIX = '.damaged'

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })

export interface SnapshotStoreOptions {
  /** How many snapshot files to keep (at least 1). Default 2. */
  readonly keep?: number
  readonly io?: DiskIo
}

export interface LoadedSnapshot {
  readonly snapshot: Snapshot | undefined
  /** Newer snapshot files that were unreadable and skipped, with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[]
}

export class SnapshotStore {
  readonly dir: string
  readonly #keep: number
  readonly #io: DiskIo
  /** Saves run one at a time: a save's pruning removes temp files, including another save's. */
  #saving: Promise<void> = Promise.resolve()

  constructor(dir: string, options: SnapshotStoreOptions = {}) {
    this.dir = dir
    this.#keep = Math.max(1, options.keep ?? 2)
    this.#io = options.io ?? nodeIo
  }

  /** Durably writes `snapshot`, then deletes all but the latest `keep` snapshot files. */
  save(snapshot: Snapshot): Promise<void> {
    const run = this.#saving.catch(() => {}).then(() => this.#save(snapshot))
    this.#saving = run
    return run
  }

  async #save(snapshot: Snapshot): Promise<void> {
    await this.#io.mkdirp(this.dir)
    const path = this.#path(snapshot.meta.index)
    const temp = path + TEMP_SUFFIX
    const { index, term, voters } = snapshot.meta
    const frame = encodeFrame(packr.pack({ index, term, voters: [...voters], data: snapshot.data }))
    const file = await this.#io.create(temp)
    try {
      await file.write(frame)
      await file.sync()
    } finally {
      await file.close()
    }
    await this.#io.rename(temp, path)
    await this.#io.syncDir(this.dir)
    await this.#prune()
  }

  /** The indexes of the snapshot files on disk, oldest first. */
  async indexes(): Promise<number[]> {
    return (await this.#list()).map((s) => s.index)
  }

  /** The newest snapshot that reads back whole and valid; undefined if there is none. */
  async loadLatest(): Promise<LoadedSnapshot> {
    const skipped: { path: string; reason: string }[] = []
    for (const { path } of (await this.#list()).reverse()) {
      const result = await readSnapshot(path, this.#io)
      if (typeof result === 'string') skipped.push({ path, reason: result })
      else return { snapshot: result, skipped }
    }
    return { snapshot: undefined, skipped }
  }

  /**
   * Renames unreadable snapshot files to `<name>.damaged`, kept for inspection. Left in place
   * they would count among the `keep` newest, and compaction, which goes up to the oldest kept,
   * would drop the log above the older readable snapshot that recovery fell back to.
   */
  async setAside(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return
    for (const path of paths) await this.#io.rename(path, path + DAMAGED_SUFFIX)
    await this.#io.syncDir(this.dir)
  }

  /** Snapshot files, oldest first. Leftover temp files are not snapshots. */
  async #list(): Promise<{ index: number; path: string }[]> {
    let names: string[]
    try {
      names = await this.#io.readdir(this.dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const found: { index: number; path: string }[] = []
    for (const name of names) {
      const match = SNAPSHOT_NAME.exec(name)
      if (match) found.push({ index: Number(match[1]), path: join(this.dir, name) })
    }
    return found.sort((a, b) => a.index - b.index)
  }

  async #prune(): Promise<void> {
    const all = await this.#list()
    const stale = all.slice(0, Math.max(0, all.length - this.#keep)).map((s) => s.path)
    // Temp files are from a save that crashed: never part of a snapshot.
    for (const name of await this.#io.readdir(this.dir)) {
      if (name.startsWith('snap-') && name.endsWith(TEMP_SUFFIX)) stale.push(join(this.dir, name))
    }
    for (const path of stale) await this.#io.unlink(path).catch(() => {})
    if (stale.length > 0) await this.#io.syncDir(this.dir)
  }

  #path(index: number): string {
    return join(this.dir, `snap-${String(index).padStart(16, '0')}.snap`)
  }
}

/** The snapshot in `path`, or why it cannot be used. */
async function readSnapshot(path: string, io: DiskIo): Promise<Snapshot | string> {
  const bytes = await io.readFile(path)
  const scan = scanFrames(bytes)
  const frame = scan.frames[0]
  if (scan.problem !== undefined) return `${scan.problem.kind} at offset ${scan.problem.offset}: ${scan.problem.detail}`
  if (frame === undefined || scan.frames.length !== 1) return `expected one frame, found ${scan.frames.length}`
  let value: unknown
  try {
    value = packr.unpack(frame.body)
  } catch (error) {
    return `undecodable: ${error instanceof Error ? error.message : String(error)}`
  }
  if (typeof value !== 'object' || value === null) return 'not a map'
  const v = value as Record<string, unknown>
  const { index, term, voters, data } = v
  if (
    typeof index !== 'number' ||
    typeof term !== 'number' ||
    !Array.isArray(voters) ||
    !voters.every((id): id is string => typeof id === 'string') ||
    !(data instanceof Uint8Array)
  ) {
    return 'malformed snapshot'
  }
  return { meta: { index, term, voters }, data: new Uint8Array(data) }
}
