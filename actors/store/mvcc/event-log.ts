/**
 * Every change since the compaction point, in (revision, sub) order: what watchers replay from.
 * Appends are O(1); "events in range with revision >= R" is a binary search to R and a scan forward,
 * so its cost is the number of events after R, not the size of the log.
 */
import { rangeContains, type KeyRange } from './key-range.ts'
import type { WatchEvent } from './types.ts'

export class EventLog {
  private events: WatchEvent[] = []

  get length(): number {
    return this.events.length
  }

  append(event: WatchEvent): void {
    this.events.push(event)
  }

  /** Events in `range` with revision >= `fromRevision`, oldest first, at most `limit` (0: all). */
  query(range: KeyRange, fromRevision: number, limit: number): { events: WatchEvent[]; more: boolean } {
    const out: WatchEvent[] = []
    for (let i = this.firstAtOrAfter(fromRevision); i < this.events.length; i++) {
      const event = this.events[i]!
      if (!rangeContains(range, event.kv.key)) continue
      if (limit > 0 && out.length >= limit) {
        // Never split a revision: a watcher resumes from a revision, so it must get all of it.
        if (event.revision !== out[out.length - 1]!.revision) return { events: out, more: true }
      }
      out.push(event)
    }
    return { events: out, more: false }
  }

  /** Forgets events below `revision` (compaction). */
  dropBefore(revision: number): void {
    const i = this.firstAtOrAfter(revision)
    if (i > 0) this.events = this.events.slice(i)
  }

  all(): readonly WatchEvent[] {
    return this.events
  }

  private firstAtOrAfter(revision: number): number {
    let lo = 0
    let hi = this.events.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.events[mid]!.revision < revision) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
