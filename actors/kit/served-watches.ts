/**
 * The server half of resumable watches (the client half: resumable-watch.ts), shared by the store
 * replica's watch hub and the apiserver's NATS watches: the watches one server pushes to, each
 * numbering its pushes 1, 2, 3..., renewed by keepalives and lapsing without them. A keepalive's
 * answer names the watches not served here and the number of the last push sent to each: that is
 * what lets a client see that the last push before a quiet spell was lost.
 *
 * Only this bookkeeping is shared. What the servers push differs: a replica collects the changes
 * of a Raft step into one push per watch and tells a lapsed watch's client (`lost`), the apiserver
 * forwards a handler stream's batches as they come and splits those too large for a message.
 */

export interface ServedWatch {
  readonly id: string
  /** The client that opened it: only its keepalives renew it (absent: anyone's). */
  readonly owner?: string
  /** The number of the last push sent (0: none yet). */
  seq: number
  /** When it was opened or last renewed. */
  aliveAt: number
}

export class ServedWatches<W extends ServedWatch> {
  readonly #byId = new Map<string, W>()

  get size(): number {
    return this.#byId.size
  }

  get(watchId: string): W | undefined {
    return this.#byId.get(watchId)
  }

  values(): IterableIterator<W> {
    return this.#byId.values()
  }

  /** Serves `watch`, in place of any watch of the same id. */
  add(watch: W): void {
    this.#byId.set(watch.id, watch)
  }

  delete(watchId: string): W | undefined {
    const watch = this.#byId.get(watchId)
    this.#byId.delete(watchId)
    return watch
  }

  /** Stops serving every watch; returns them. */
  clear(): W[] {
    const all = [...this.#byId.values()]
    this.#byId.clear()
    return all
  }

  /**
   * Renews `owner`'s watches among `watchIds`. Returns the ids not served here (or someone
   * else's), and for each id asked about, in order, the last push sent to it (0: none, or missing).
   */
  keepAlive(watchIds: readonly string[], now: number, owner?: string): { missing: string[]; lastSeqs: number[] } {
    const missing: string[] = []
    const lastSeqs: number[] = []
    for (const id of watchIds) {
      const w = this.#byId.get(id)
      if (w === undefined || w.owner !== owner) {
        missing.push(id)
        lastSeqs.push(0)
        continue
      }
      w.aliveAt = now
      lastSeqs.push(w.seq)
    }
    return { missing, lastSeqs }
  }

  /** Stops serving the watches not renewed since `before` (one renewed at `before` lives on); returns them. */
  lapse(before: number): W[] {
    const lapsed: W[] = []
    for (const w of this.#byId.values()) {
      if (w.aliveAt >= before) continue
      this.#byId.delete(w.id)
      lapsed.push(w)
    }
    return lapsed
  }
}

/**
 * The ids of watches a server ended (cancelled, lapsed, ended by their stream), each with the
 * client that opened it, for `ttlMs` and at most `capacity` of them: a copy of a watch's open
 * request that arrives after the watch ended must not start it again. The new stream would number
 * its pushes 1, 2... under the old id, and a client still holding that id would mix them with
 * its own. Clients never reuse an id, so refusing such a copy costs nothing.
 */
export class EndedWatches {
  /** Insertion order is expiry order (one TTL, a monotonic clock): the oldest are at the front. */
  readonly #byId = new Map<string, { readonly clientId: string; readonly expiresAt: number }>()
  readonly #ttlMs: number
  readonly #capacity: number

  constructor(options: { readonly ttlMs: number; readonly capacity: number }) {
    this.#ttlMs = options.ttlMs
    this.#capacity = options.capacity
  }

  get size(): number {
    return this.#byId.size
  }

  remember(watchId: string, clientId: string, now: number): void {
    this.#byId.delete(watchId)
    this.#byId.set(watchId, { clientId, expiresAt: now + this.#ttlMs })
    this.#evict(now)
  }

  /** Whether `clientId`'s watch `watchId` ended here recently. */
  has(watchId: string, clientId: string, now: number): boolean {
    this.#evict(now)
    return this.#byId.get(watchId)?.clientId === clientId
  }

  #evict(now: number): void {
    for (const [id, entry] of this.#byId) {
      if (this.#byId.size <= this.#capacity && entry.expiresAt > now) break
      this.#byId.delete(id)
    }
  }
}
