/**
 * The write-ahead log of one Raft replica: hard state, entries and truncations, appended to
 * segment files with group commit.
 *
 * Group commit: one fsync costs as much as ~70 small records (TOOLCHAIN.md "Disk"), so an
 * fsync per append would cap the store at ~4k commits/s. While one batch is being written
 * and fsynced, everything appended meanwhile queues up and goes out together as the next
 * batch under a single fsync. Each append's promise resolves only after the fsync that
 * covers its records, so "resolved" means "durable".
 */
import type { Entry, HardState } from '../../actors/store/raft/types.ts'
import { systemClock, type Clock } from '../clock.ts'
import { encodeFrame } from './frame.ts'
import { nodeIo, type AppendFile, type DiskIo } from './io.ts'
import { IndexRule } from './log-rebuild.ts'
import { recover, type Recovered } from './recovery.ts'
import { segmentPath } from './segments.ts'
import { encodeRecord, type WalRecord } from './wal-record.ts'

/** What one append makes durable, written in this order: restart, truncation, entries, hard state. */
export interface WalBatch {
  /** Drop every entry; the next one has this index (the log restarts above an installed snapshot). */
  readonly restartAt?: number
  /** Drop entries at this index and above (Raft overwriting a conflicting suffix). */
  readonly truncateFrom?: number
  readonly entries?: readonly Entry[]
  readonly hardState?: HardState
}

/** One group commit, for the host's metrics. */
export interface SyncSample {
  readonly seconds: number
  /** Appends (callers) covered by this fsync. */
  readonly appends: number
  readonly records: number
  readonly bytes: number
}

export interface WalOptions {
  /** A segment at or over this size is closed and a new one started. Default 64 MiB. */
  readonly maxSegmentBytes?: number
  readonly io?: DiskIo
  /** Called after every fsync of appended data. */
  readonly onSync?: (sample: SyncSample) => void
  /**
   * Times the samples: the host's clock, on which a chaos disk-latency waits too (the simulation's
   * virtual one: the wall clock would time its fsyncs at ~0). The system clock when absent.
   */
  readonly clock?: Pick<Clock, 'monotonic'>
}

export class WalClosedError extends Error {
  override readonly name = 'WalClosedError'
}

interface Pending {
  readonly bytes: Uint8Array
  readonly records: number
  readonly hardState: HardState | undefined
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

interface LiveSegment {
  readonly seq: number
  readonly path: string
  maxIndex: number
}

export const DEFAULT_MAX_SEGMENT_BYTES = 64 * 1024 * 1024

export class Wal {
  readonly dir: string
  readonly #io: DiskIo
  readonly #maxSegmentBytes: number
  readonly #onSync: ((sample: SyncSample) => void) | undefined
  readonly #clock: Pick<Clock, 'monotonic'>
  readonly #rule: IndexRule
  /** Oldest first; the last one is the one being appended to. */
  readonly #segments: LiveSegment[]
  #file: AppendFile
  #fileBytes: number
  /**
   * The latest hard state written and fsynced: repeated at the head of each new segment, so that
   * deleting older segments never loses it. Not the latest submitted: that one belongs after its
   * own batch's records, and written ahead of them a torn write could keep it without them (a
   * commit index past the last entry, which the Raft core refuses to restart from).
   */
  #writtenHardState: HardState | undefined
  #pending: Pending[] = []
  /** Highest entry index queued but not yet attributed to a segment. */
  #maxIndexQueued = 0
  #flushing: Promise<void> | undefined
  /** Compactions run one at a time (both would unlink the same oldest segment). */
  #compacting: Promise<number> = Promise.resolve(0)
  /** Once a write or fsync fails the file's state is unknown: every later append fails. */
  #failure: unknown
  #closed = false

  private constructor(dir: string, options: WalOptions, recovered: Recovered, file: AppendFile, segments: LiveSegment[], fileBytes: number) {
    this.dir = dir
    this.#io = options.io ?? nodeIo
    this.#maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES
    this.#onSync = options.onSync
    this.#clock = options.clock ?? systemClock
    this.#rule = new IndexRule(recovered.nextIndex)
    this.#writtenHardState = recovered.hardState
    this.#segments = segments
    this.#file = file
    this.#fileBytes = fileBytes
  }

  /**
   * Opens (creating if needed) the WAL in `dir`, recovering what is on disk. Throws
   * WalCorruptionError if a segment other than the last is damaged.
   */
  static async open(dir: string, options: WalOptions = {}): Promise<{ wal: Wal; recovered: Recovered }> {
    const io = options.io ?? nodeIo
    await io.mkdirp(dir)
    const recovered = await recover(dir, io)
    const segments: LiveSegment[] = recovered.segments.map((s) => ({ seq: s.seq, path: s.path, maxIndex: s.maxIndex }))
    let last = segments.at(-1)
    if (last === undefined) {
      last = { seq: 1, path: segmentPath(dir, 1), maxIndex: 0 }
      segments.push(last)
    }
    const file = await io.openAppend(last.path)
    // Makes a newly created first segment's name durable (harmless for an existing one).
    await io.syncDir(dir)
    const bytes = recovered.segments.at(-1)?.bytes ?? 0
    return { wal: new Wal(dir, options, recovered, file, segments, bytes), recovered }
  }

  /**
   * Queues `batch` for the next group commit; resolves once it is fsynced. Index rules are
   * checked now, so a batch that would make an unreadable log throws (rejects) immediately.
   */
  append(batch: WalBatch): Promise<void> {
    if (this.#closed) return Promise.reject(new WalClosedError('the WAL is closed'))
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const records: WalRecord[] = []
    // Check against a copy so that a rejected batch leaves no trace.
    const rule = new IndexRule(this.#rule.next)
    try {
      if (batch.restartAt !== undefined) {
        rule.truncate(batch.restartAt)
        records.push({ type: 'restart', next: batch.restartAt })
      }
      if (batch.truncateFrom !== undefined) {
        rule.truncate(batch.truncateFrom)
        records.push({ type: 'truncate', from: batch.truncateFrom })
      }
      for (const entry of batch.entries ?? []) {
        rule.entry(entry.index)
        records.push({ type: 'entry', entry })
      }
    } catch (error) {
      return Promise.reject(error)
    }
    if (batch.hardState !== undefined) records.push({ type: 'hard-state', hardState: batch.hardState })
    if (records.length === 0) return Promise.resolve()
    const frames = records.map((r) => encodeFrame(encodeRecord(r)))
    this.#rule.next = rule.next
    const last = batch.entries?.at(-1)
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ bytes: concat(frames), records: records.length, hardState: batch.hardState, resolve, reject })
      // Attributed at submission: the batch is written to the current segment or the next one.
      if (last !== undefined) this.#maxIndexQueued = Math.max(this.#maxIndexQueued, last.index)
      this.#flushing ??= this.#flushLoop()
    })
  }

  async #flushLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0 && this.#failure === undefined) {
        // Let the callers just resolved run their continuations and append again first: without
        // this the next batch leaves before they can join it, and batches alternate half-full.
        await this.#io.nextTurn()
        const batch = this.#pending
        this.#pending = []
        const maxIndex = this.#maxIndexQueued
        this.#maxIndexQueued = 0
        const headerHardState = this.#writtenHardState
        try {
          let prefix: Uint8Array | undefined
          if (this.#fileBytes >= this.#maxSegmentBytes) {
            await this.#rotate()
            // The new segment starts with the hard state, so deleting older segments never loses it.
            if (headerHardState !== undefined) prefix = encodeFrame(encodeRecord({ type: 'hard-state', hardState: headerHardState }))
          }
          const bytes = concat(prefix ? [prefix, ...batch.map((p) => p.bytes)] : batch.map((p) => p.bytes))
          const current = this.#segments.at(-1)
          if (current !== undefined) current.maxIndex = Math.max(current.maxIndex, maxIndex)
          const started = this.#clock.monotonic()
          await this.#file.write(bytes)
          await this.#file.sync()
          this.#fileBytes += bytes.length
          for (const p of batch) this.#writtenHardState = p.hardState ?? this.#writtenHardState
          this.#onSync?.({
            seconds: (this.#clock.monotonic() - started) / 1000,
            appends: batch.length,
            records: batch.reduce((n, p) => n + p.records, 0),
            bytes: bytes.length,
          })
          for (const p of batch) p.resolve()
        } catch (error) {
          this.#failure = error
          for (const p of batch) p.reject(error)
        }
      }
      if (this.#failure !== undefined) {
        for (const p of this.#pending.splice(0)) p.reject(this.#failure)
      }
    } finally {
      this.#flushing = undefined
    }
  }

  /** Previous segment is fully fsynced (every batch is), so a crash can only tear the new one. */
  async #rotate(): Promise<void> {
    const previous = this.#segments.at(-1)
    const seq = (previous?.seq ?? 0) + 1
    const path = segmentPath(this.dir, seq)
    const file = await this.#io.openAppend(path)
    await this.#io.syncDir(this.dir)
    await this.#file.close()
    this.#file = file
    this.#fileBytes = 0
    this.#segments.push({ seq, path, maxIndex: 0 })
  }

  /**
   * Deletes segments whose entries are all at or below `snapshotIndex` (covered by a durable
   * snapshot), oldest first so a crash midway leaves a contiguous tail. Never deletes the
   * segment being appended to. Returns how many were deleted.
   */
  compact(snapshotIndex: number): Promise<number> {
    const run = this.#compacting.catch(() => 0).then(() => this.#compactNow(snapshotIndex))
    this.#compacting = run
    return run
  }

  async #compactNow(snapshotIndex: number): Promise<number> {
    let deleted = 0
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0]
      if (oldest === undefined || oldest.maxIndex > snapshotIndex) break
      await this.#io.unlink(oldest.path)
      this.#segments.shift()
      deleted++
    }
    if (deleted > 0) await this.#io.syncDir(this.dir)
    return deleted
  }

  /** Segment files currently held, oldest first. */
  get segmentPaths(): readonly string[] {
    return this.#segments.map((s) => s.path)
  }

  /** Waits for queued appends to be durable, then closes the file. Later appends reject. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    while (this.#flushing !== undefined) await this.#flushing
    await this.#file.close()
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
