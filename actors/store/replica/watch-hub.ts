/**
 * The watches one replica serves. A watch is caught up from its start revision when it opens,
 * then fed every applied change in its key range; changes collected during one step go out as
 * one push per watch. Watches lapse unless their client keeps them alive, so a client that died
 * does not leave work behind.
 */
import type { Address } from '../../kit/address.ts'
import { ServedWatches, type ServedWatch } from '../../kit/served-watches.ts'
import { rangeContains, toKeyRange, type KeyRange } from '../mvcc/key-range.ts'
import type { WatchEvent } from '../mvcc/types.ts'
import { watchAddress, type WatchEventsPush } from './protocol.ts'

/** Events per push: a catch-up of a long history goes out in several pushes, each a bounded message. */
export const EVENTS_PER_PUSH = 512

interface Watcher extends ServedWatch {
  /** The client that opened it. */
  readonly owner: string
  readonly to: Address
  readonly range: KeyRange
  /** The store's revision when it opened: what `store.watching` reports, on every retry too. */
  readonly openedAt: number
  pending: WatchEvent[]
}

export interface Push {
  readonly to: Address
  readonly event: WatchEventsPush
}

export class WatchHub {
  readonly #watchers = new ServedWatches<Watcher>()
  readonly #replica: string

  /** `replica`: this replica's id, stamped on every push. */
  constructor(replica: string) {
    this.#replica = replica
  }

  get size(): number {
    return this.#watchers.size
  }

  has(watchId: string): boolean {
    return this.#watchers.get(watchId) !== undefined
  }

  /**
   * Opens a watch; `backlog` is its catch-up. Opening one that is already open (a retried request
   * whose first answer was lost) changes nothing: restarting its pushes' numbering would make the
   * client's gap detection blind. Returns the revision at which the watch opened.
   */
  open(o: { watchId: string; clientId: string; key: string; rangeEnd?: string; prefix?: boolean; now: number; revision: number; backlog: readonly WatchEvent[] }): number {
    const existing = this.#watchers.get(o.watchId)
    if (existing !== undefined && existing.owner === o.clientId) {
      existing.aliveAt = o.now
      return existing.openedAt
    }
    this.#watchers.add({
      id: o.watchId,
      owner: o.clientId,
      to: watchAddress(o.clientId),
      range: toKeyRange(o.key, o.rangeEnd, o.prefix),
      openedAt: o.revision,
      seq: 0,
      aliveAt: o.now,
      pending: [...o.backlog],
    })
    return o.revision
  }

  cancel(watchId: string): void {
    this.#watchers.delete(watchId)
  }

  /** Renews the client's watches: see {@link ServedWatches.keepAlive}. */
  keepAlive(clientId: string, watchIds: readonly string[], now: number): { missing: string[]; lastSeqs: number[] } {
    return this.#watchers.keepAlive(watchIds, now, clientId)
  }

  /** Hands applied changes to the watches they concern (flushed by {@link drain}). */
  offer(events: readonly WatchEvent[]): void {
    if (events.length === 0 || this.#watchers.size === 0) return
    for (const w of this.#watchers.values()) {
      for (const e of events) if (rangeContains(w.range, e.kv.key)) w.pending.push(e)
    }
  }

  /** One push per watch with news (several for a long catch-up). */
  drain(revision: number): Push[] {
    const pushes: Push[] = []
    for (const w of this.#watchers.values()) {
      if (w.pending.length === 0) continue
      for (let i = 0; i < w.pending.length; i += EVENTS_PER_PUSH) {
        pushes.push(this.#push(w, w.pending.slice(i, i + EVENTS_PER_PUSH), revision))
      }
      w.pending = []
    }
    return pushes
  }

  /** Ends every watch (this replica's history jumped, e.g. to a snapshot): clients re-open them. */
  loseAll(reason: 'snapshot', revision: number): Push[] {
    return this.#watchers.clear().map((w) => this.#push(w, [], revision, reason))
  }

  /** Drops watches not renewed since `before`; tells their clients in case they are only slow. */
  lapse(before: number, revision: number): Push[] {
    return this.#watchers.lapse(before).map((w) => this.#push(w, [], revision, 'lapsed'))
  }

  /** The watch's next push (numbered, naming this replica); `lost` ends the watch. */
  #push(w: Watcher, events: readonly WatchEvent[], revision: number, lost?: WatchEventsPush['lost']): Push {
    return { to: w.to, event: { type: 'store.events', watchId: w.id, seq: ++w.seq, events, revision, replica: this.#replica, ...(lost ? { lost } : {}) } }
  }
}
