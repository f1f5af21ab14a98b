/**
 * One resource's objects and recent changes, as an apiserver keeps them so that many watchers
 * cost one store watch (Kubernetes' watch cache, the Cacher). The runtime feeds it the store's
 * changes under the resource's prefix; it keeps the current objects (lists at "any"
 * resourceVersion are served from them) and a window of the last `capacity` changes, from which
 * a watch starting at a recent resourceVersion is replayed before it follows live changes.
 *
 * A watch from before the window cannot be served here: {@link WatchCache.watch} says so and the
 * caller falls back to a store watch (or answers 410 Gone, as Kubernetes does).
 */
import type { KubeObject, ObjectEvent } from './ports.ts'

/** One change under the prefix: the new object, or `undefined` for a deletion. */
export interface StoreChange {
  readonly key: string
  readonly revision: number
  readonly object: KubeObject | undefined
}

interface WindowEntry {
  readonly key: string
  readonly revision: number
  readonly event: ObjectEvent
}

interface Watcher {
  readonly prefix: string
  /** Changes at or before this revision are not delivered (the watcher already has them). */
  readonly after: number
  readonly deliver: (events: readonly ObjectEvent[]) => void
  readonly fail: (error: Error) => void
}

export type CacheWatch = { readonly ok: true; cancel(): void } | { readonly ok: false; readonly oldest: number }

export class WatchCache {
  readonly prefix: string
  readonly #capacity: number
  readonly #objects = new Map<string, KubeObject>()
  readonly #window: (WindowEntry | undefined)[]
  #head = 0
  #size = 0
  /** Every change after this revision is in the window. */
  #complete: number
  #revision: number
  readonly #listedAt: number
  readonly #watchers = new Set<Watcher>()
  #failed: Error | undefined

  /** Starts from a list of `prefix` at `revision`. */
  constructor(prefix: string, listed: readonly { key: string; object: KubeObject }[], revision: number, capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`watch cache capacity must be a positive integer, got ${capacity}`)
    this.prefix = prefix
    this.#capacity = capacity
    this.#window = new Array<WindowEntry | undefined>(capacity)
    for (const { key, object } of listed) this.#objects.set(key, object)
    this.#complete = revision
    this.#revision = revision
    this.#listedAt = revision
  }

  /** The revision the cached objects are current at. */
  get revision(): number {
    return this.#revision
  }

  get watcherCount(): number {
    return this.#watchers.size
  }

  get objectCount(): number {
    return this.#objects.size
  }

  /** Applies changes in revision order and hands each watcher its share as one batch. */
  apply(changes: readonly StoreChange[]): void {
    if (this.#failed) return
    const entries: WindowEntry[] = []
    for (const change of changes) {
      // The store watch starts after the list; anything at or before it is in the list already.
      if (change.revision <= this.#listedAt) continue
      const previous = this.#objects.get(change.key)
      let event: ObjectEvent
      if (change.object === undefined) {
        if (previous === undefined) continue
        this.#objects.delete(change.key)
        // The deleted object as last stored, at the deletion's revision (as Kubernetes reports it).
        event = { type: 'DELETED', object: { ...previous, metadata: { ...previous.metadata, resourceVersion: String(change.revision) } } }
      } else {
        this.#objects.set(change.key, change.object)
        event = previous === undefined ? { type: 'ADDED', object: change.object } : { type: 'MODIFIED', object: change.object, previous }
      }
      const entry = { key: change.key, revision: change.revision, event }
      this.#push(entry)
      entries.push(entry)
      this.#revision = Math.max(this.#revision, change.revision)
    }
    if (entries.length === 0) return
    for (const w of this.#watchers) {
      const mine = select(entries, w)
      if (mine.length > 0) w.deliver(mine)
    }
  }

  /**
   * Follows changes under `prefix` after revision `after`: those still in the window are
   * delivered at once (synchronously, as one batch), later ones as they are applied.
   */
  watch(prefix: string, after: number, deliver: (events: readonly ObjectEvent[]) => void, fail: (error: Error) => void): CacheWatch {
    if (!prefix.startsWith(this.prefix)) throw new RangeError(`${prefix} is not under the cached prefix ${this.prefix}`)
    if (after < this.#complete) return { ok: false, oldest: this.#complete + 1 }
    if (this.#failed) {
      fail(this.#failed)
      return { ok: true, cancel: () => {} }
    }
    const watcher: Watcher = { prefix, after, deliver, fail }
    const replay = select(this.#entries(), watcher)
    if (replay.length > 0) deliver(replay)
    this.#watchers.add(watcher)
    return { ok: true, cancel: () => void this.#watchers.delete(watcher) }
  }

  /** The object at `key` as of {@link revision}, if any. */
  get(key: string): KubeObject | undefined {
    return this.#objects.get(key)
  }

  /** The current objects under `prefix`, in key order, and the revision they are current at. */
  list(prefix: string): { items: KubeObject[]; revision: number } {
    const keys = [...this.#objects.keys()].filter((k) => k.startsWith(prefix)).sort()
    return { items: keys.map((k) => this.#objects.get(k)!), revision: this.#revision }
  }

  /** The feed broke (its store watch ended): every watcher gets `error`, and so will later ones. */
  fail(error: Error): void {
    this.#failed = error
    const watchers = [...this.#watchers]
    this.#watchers.clear()
    for (const w of watchers) w.fail(error)
  }

  #push(entry: WindowEntry): void {
    if (this.#size === this.#capacity) {
      const oldest = this.#window[this.#head]!
      this.#complete = Math.max(this.#complete, oldest.revision)
      this.#window[this.#head] = entry
      this.#head = (this.#head + 1) % this.#capacity
      return
    }
    this.#window[(this.#head + this.#size) % this.#capacity] = entry
    this.#size++
  }

  *#entries(): Iterable<WindowEntry> {
    for (let i = 0; i < this.#size; i++) yield this.#window[(this.#head + i) % this.#capacity]!
  }
}

function select(entries: Iterable<WindowEntry>, w: Watcher): ObjectEvent[] {
  const out: ObjectEvent[] = []
  for (const e of entries) if (e.revision > w.after && e.key.startsWith(w.prefix)) out.push(e.event)
  return out
}
