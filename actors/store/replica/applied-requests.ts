/**
 * The request ids the state machine has applied, with their results, so that a write retried
 * after a timeout or a leader change is answered from here instead of applied twice. Part of the
 * replicated state (and of snapshots): every replica evicts the same ids in the same order.
 */
import type { CommandResult, ErrorResult } from '../mvcc/results.ts'

export type StoredResult = CommandResult | ErrorResult

/** Clients retry for seconds, not minutes: this covers well over a minute of writes at bench rates. */
export const DEFAULT_REMEMBERED = 200_000

export class AppliedRequests {
  readonly #results = new Map<string, StoredResult>()
  readonly #limit: number

  constructor(limit = DEFAULT_REMEMBERED) {
    this.#limit = limit
  }

  get(requestId: string): StoredResult | undefined {
    return this.#results.get(requestId)
  }

  remember(requestId: string, result: StoredResult): void {
    this.#results.set(requestId, result)
    // Maps iterate in insertion order: the first key is the oldest.
    if (this.#results.size > this.#limit) this.#results.delete(this.#results.keys().next().value!)
  }

  get size(): number {
    return this.#results.size
  }

  /** Oldest first, so that restoring re-inserts in the same order. */
  toPlain(): [string, StoredResult][] {
    return [...this.#results]
  }

  static fromPlain(raw: unknown, limit = DEFAULT_REMEMBERED): AppliedRequests {
    const applied = new AppliedRequests(limit)
    if (!Array.isArray(raw)) return applied
    for (const pair of raw) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'object' && pair[1] !== null) applied.remember(pair[0], pair[1] as StoredResult)
    }
    return applied
  }
}
