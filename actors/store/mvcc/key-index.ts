/**
 * All keys with history, sorted, for range and prefix scans: a sorted array found by binary
 * search (a new key costs one splice, a memmove even at 100k keys) plus a map from key to history.
 */
import { type KeyHistory } from './history.ts'
import type { KeyRange } from './key-range.ts'

export class KeyIndex {
  private sorted: string[] = []
  private readonly histories = new Map<string, KeyHistory>()

  get size(): number {
    return this.sorted.length
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
      this.sorted.splice(this.lowerBound(key), 0, key)
    }
    return history
  }

  /** Keys in the range, ascending. */
  *keysIn(range: KeyRange): Generator<string> {
    if (range.kind === 'single') {
      if (this.histories.has(range.key)) yield range.key
      return
    }
    for (let i = this.lowerBound(range.start); i < this.sorted.length; i++) {
      const key = this.sorted[i]!
      if (range.end !== null && key >= range.end) return
      yield key
    }
  }

  /** Every (key, history), ascending: for snapshots and compaction. */
  *entries(): Generator<[string, KeyHistory]> {
    for (const key of this.sorted) yield [key, this.histories.get(key)!]
  }

  /** Replaces histories in bulk (compaction); an empty history removes its key. One O(n) pass. */
  replaceAll(update: (key: string, history: KeyHistory) => KeyHistory): void {
    const kept: string[] = []
    for (const key of this.sorted) {
      const next = update(key, this.histories.get(key)!)
      if (next.length === 0) this.histories.delete(key)
      else {
        this.histories.set(key, next)
        kept.push(key)
      }
    }
    this.sorted = kept
  }

  /** First position whose key is >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.sorted[mid]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
