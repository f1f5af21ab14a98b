import type { Clock } from '../clock.ts'

/** A request still being handled: a retry of it is dropped, the first answer will do. */
export const IN_PROGRESS = Symbol('in-progress')

/** How long a request's id is remembered: a duplicate of it is expected no later than this. */
export const DEDUP_TTL_MS = 120_000

type Entry = { value: Uint8Array | typeof IN_PROGRESS; expiresAt: number }

/**
 * Message ids seen recently, with the encoded reply once there is one, so that a retried request
 * is answered from the cache instead of being acted on twice. Bounded in size and age; the age on
 * the monotonic clock, so a wall clock stepped ahead cannot forget a request a retry may repeat.
 */
export class DedupCache {
  readonly #entries = new Map<string, Entry>()
  readonly #clock: Clock
  readonly #capacity: number
  readonly #ttlMs: number

  constructor(clock: Clock, options: { capacity?: number; ttlMs?: number } = {}) {
    this.#clock = clock
    this.#capacity = options.capacity ?? 50_000
    this.#ttlMs = options.ttlMs ?? DEDUP_TTL_MS
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string): Uint8Array | typeof IN_PROGRESS | undefined {
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    if (entry.expiresAt <= this.#clock.monotonic()) {
      this.#entries.delete(id)
      return undefined
    }
    return entry.value
  }

  set(id: string, value: Uint8Array | typeof IN_PROGRESS): void {
    this.#entries.delete(id)
    this.#entries.set(id, { value, expiresAt: this.#clock.monotonic() + this.#ttlMs })
    this.#evict()
  }

  #evict(): void {
    const now = this.#clock.monotonic()
    // Insertion order is expiry order (constant TTL), so the oldest entries are at the front.
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= this.#capacity && entry.expiresAt > now) break
      this.#entries.delete(id)
    }
  }
}
