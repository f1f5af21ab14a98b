/**
 * Replays WAL records into the state a replica restarts from: the latest hard state and the
 * log with truncations applied. The same index rule is enforced when appending (wal.ts), so
 * a log that recovery would reject can never be written.
 */
import type { Entry, HardState } from '../../actors/store/raft/types.ts'
import type { WalRecord } from './wal-record.ts'

export class LogContinuityError extends Error {
  override readonly name = 'LogContinuityError'
}

/**
 * Tracks the index the next entry must have. Undefined until the first entry or truncation:
 * after compaction a log legitimately starts at any index.
 */
export class IndexRule {
  next: number | undefined

  constructor(next?: number) {
    this.next = next
  }

  /** Throws if `entry` does not extend the log; otherwise advances. */
  entry(index: number): void {
    if (this.next !== undefined && index !== this.next) {
      throw new LogContinuityError(`entry ${index} does not follow the log (next index is ${this.next})`)
    }
    this.next = index + 1
  }

  /**
   * Entries at `from` and above are discarded; the next entry has index `from`. A `from` past the
   * end moves the log forward (after installing a snapshot the log restarts above it).
   */
  truncate(from: number): void {
    if (from < 1) throw new LogContinuityError(`cannot truncate from index ${from}`)
    this.next = from
  }
}

export class LogRebuild {
  hardState: HardState | undefined
  readonly rule = new IndexRule()
  #entries: Entry[] = []

  apply(record: WalRecord): void {
    switch (record.type) {
      case 'hard-state':
        this.hardState = record.hardState
        return
      case 'entry':
        this.rule.entry(record.entry.index)
        this.#entries.push(record.entry)
        return
      case 'restart':
        this.rule.truncate(record.next)
        this.#entries = []
        return
      case 'truncate': {
        this.rule.truncate(record.from)
        const first = this.#entries[0]
        if (first === undefined) return
        // Entries are contiguous, so the cut is a position; a cut past the end drops them all.
        const keep = record.from - first.index
        if (keep < 0 || keep > this.#entries.length) this.#entries = []
        else this.#entries.length = keep
        return
      }
    }
  }

  get entries(): readonly Entry[] {
    return this.#entries
  }
}
