/**
 * All keys with history, sorted, for range and prefix scans (a chunked sorted array, see
 * sorted-keys.ts), plus a map from key to history for point lookups.
 */
import { type KeyHistory } from './history.ts'
import type { KeyRange } from './key-range.ts'
import { SortedKeys } from './sorted-keys.ts'

export class KeyIndex {
  private sorted = new SortedKeys()
  private readonly histories = new Map<string, KeyHistory>()

  get size(): number {
    return this.sorted.size
  }

  get(key: string): KeyHistory | undefined {
    return this.histories.get(key)
  }

  /** The key's history, creating an empty one (and its place in the order) for a new key. */
  getOrCreate(key: string): KeyHistory {
    let history = this.histories.get(key)
    if (history === undefined) {
      history = []
      this.histories.set(key, history)
      this.sorted.insert(key)
    }
    return history
  }

  /** Keys in the range, ascending. */
  *keysIn(range: KeyRange): Generator<string> {
    if (range.kind === 'single') {
      if (this.histories.has(range.key)) yield range.key
      return
    }
    for (const key of this.sorted.from(range.start)) {
      if (range.end !== null && key >= range.end) return
      yield key
    }
  }

  /** Every (key, history), ascending: for snapshots and compaction. */
  *entries(): Generator<[string, KeyHistory]> {
    for (const key of this.sorted.all()) yield [key, this.histories.get(key)!]
  }

  /** Replaces histories in bulk (compaction); an empty history removes its key. One O(n) pass. */
  replaceAll(update: (key: string, history: KeyHistory) => KeyHistory): void {
    const kept: string[] = []
    for (const key of this.sorted.all()) {
      const next = update(key, this.histories.get(key)!)
      if (next.length === 0) this.histories.delete(key)
      else {
        this.histories.set(key, next)
        kept.push(key)
      }
    }
    this.sorted = SortedKeys.fromSorted(kept)
  }
}
