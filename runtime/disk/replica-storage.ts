/**
 * Everything one Raft replica keeps on disk, in one directory: `wal/` (hard state and log)
 * and `snapshots/`. This is the API a replica uses; it ties snapshots to log compaction so
 * that the two can never disagree in a way that loses data.
 *
 * Compaction only goes up to the OLDEST kept snapshot: if the newest snapshot file turns out
 * damaged, recovery falls back to an older one, and the log above that one must still exist.
 */
import { join } from 'node:path'

import type { Entry, HardState, Snapshot } from '../../actors/store/raft/types.ts'
import type { TailRepair } from './recovery.ts'
import { SnapshotStore } from './snapshots.ts'
import { Wal, type WalBatch, type WalOptions } from './wal.ts'

export interface ReplicaStorageOptions extends WalOptions {
  /** Snapshot files kept (default 2): more survive a damaged newest snapshot. */
  readonly keepSnapshots?: number
}

/** What a replica restarts from. */
export interface ReplicaState {
  readonly hardState: HardState | undefined
  readonly snapshot: Snapshot | undefined
  /** Log entries above the snapshot's index, contiguous, oldest first. */
  readonly entries: readonly Entry[]
  /** Set when a torn or corrupt WAL tail was cut off (expected after a crash). */
  readonly tailRepair: TailRepair | undefined
  /** Newer snapshot files that were unreadable and skipped, now renamed to `<name>.damaged`. */
  readonly skippedSnapshots: readonly { readonly path: string; readonly reason: string }[]
}

export class StorageGapError extends Error {
  override readonly name = 'StorageGapError'
}

export class ReplicaStorage {
  readonly #wal: Wal
  readonly #snapshots: SnapshotStore

  private constructor(wal: Wal, snapshots: SnapshotStore) {
    this.#wal = wal
    this.#snapshots = snapshots
  }

  /**
   * Opens or creates the storage in `dir`. Throws WalCorruptionError for a damaged older WAL
   * segment and StorageGapError when the log does not continue from the snapshot: entries were
   * compacted away, or replaced by an installed snapshot, that no readable snapshot covers
   * (typically the newest snapshot is damaged). Starting anyway would forget entries this
   * replica acknowledged, and a Raft voter that forgets them can elect a leader without them.
   */
  static async open(dir: string, options: ReplicaStorageOptions = {}): Promise<{ storage: ReplicaStorage; state: ReplicaState }> {
    const snapshots = new SnapshotStore(join(dir, 'snapshots'), { keep: options.keepSnapshots ?? 2, ...(options.io ? { io: options.io } : {}) })
    const loaded = await snapshots.loadLatest()
    const { wal, recovered } = await Wal.open(join(dir, 'wal'), options)
    const snapshotIndex = loaded.snapshot?.meta.index ?? 0
    const entries = recovered.entries.filter((e) => e.index > snapshotIndex)
    const gap = logGap(snapshotIndex, entries[0]?.index, recovered.nextIndex)
    if (gap !== undefined) {
      await wal.close()
      const skipped = loaded.skipped.map((s) => `${s.path} (${s.reason})`).join(', ')
      throw new StorageGapError(`${gap}${skipped ? `; unreadable newer snapshots: ${skipped}` : ''}. Refusing to start without entries this replica may have acknowledged (docs/store.md, "Recovery")`)
    }
    await closeOnFailure(wal, snapshots.setAside(loaded.skipped.map((s) => s.path)))
    // A crash between an installed snapshot's save and the restart after it leaves a log that
    // ends below the snapshot: finish the install, or the entry after the snapshot would not
    // follow the log and the WAL would refuse it.
    if (entries.length === 0 && recovered.nextIndex !== undefined && recovered.nextIndex < snapshotIndex + 1) {
      await closeOnFailure(wal, wal.append({ restartAt: snapshotIndex + 1 }))
    }
    const state: ReplicaState = {
      hardState: recovered.hardState,
      snapshot: loaded.snapshot,
      entries,
      tailRepair: recovered.tailRepair,
      skippedSnapshots: loaded.skipped,
    }
    return { storage: new ReplicaStorage(wal, snapshots), state }
  }

  /** Makes `batch` durable (group commit); resolve = safe to vote or acknowledge. */
  append(batch: WalBatch): Promise<void> {
    return this.#wal.append(batch)
  }

  /**
   * A snapshot the replica took of its own state machine: the log stays, and segments below
   * the oldest kept snapshot are deleted.
   */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#snapshots.save(snapshot)
    const oldest = (await this.#snapshots.indexes())[0]
    if (oldest !== undefined) await this.#wal.compact(oldest)
  }

  /**
   * A snapshot received from the leader that replaces the whole log: the snapshot is made
   * durable first, then the log restarts above it. (In the other order a crash in between
   * would leave a log that starts above a snapshot that does not exist.) Restart, not
   * truncate: entries below the snapshot may differ from the leader's, and if this snapshot is
   * later unreadable they must not reappear on top of an older one.
   */
  async installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#snapshots.save(snapshot)
    await this.#wal.append({ restartAt: snapshot.meta.index + 1 })
    const oldest = (await this.#snapshots.indexes())[0]
    if (oldest !== undefined) await this.#wal.compact(oldest)
  }

  close(): Promise<void> {
    return this.#wal.close()
  }
}

/**
 * Why a log whose first entry above the snapshot is `first` (undefined: none) and whose next
 * index is `next` does not continue from a snapshot at `snapshotIndex`; undefined when it does.
 * With no entries above the snapshot, a next index past snapshotIndex + 1 means a truncation or
 * restart moved the log beyond entries that only an unreadable snapshot held.
 */
function logGap(snapshotIndex: number, first: number | undefined, next: number | undefined): string | undefined {
  if (first !== undefined) return first === snapshotIndex + 1 ? undefined : `the log starts at ${first} but the snapshot only covers up to ${snapshotIndex}`
  if (next !== undefined && next > snapshotIndex + 1) return `the log restarts at ${next} but the snapshot only covers up to ${snapshotIndex}: entries ${snapshotIndex + 1}..${next - 1} are missing`
  return undefined
}

/** Awaits `work`; if it fails, closes the WAL that open() will not hand out, and rethrows. */
async function closeOnFailure(wal: Wal, work: Promise<void>): Promise<void> {
  try {
    await work
  } catch (error) {
    await wal.close().catch(() => {})
    throw error
  }
}
