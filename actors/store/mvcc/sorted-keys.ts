/**
 * A sorted set of strings as a list of sorted chunks (a one-level B-tree). Inserting into one
 * flat sorted array costs a memmove of half the array, ~80 µs at 100k keys; a chunk of at most
 * CHUNK keys keeps an insert at O(log n + CHUNK) while scans stay plain array walks.
 */

const CHUNK = 512

export class SortedKeys {
  private chunks: string[][] = []
  private count = 0

  get size(): number {
    return this.count
  }

  /** Inserts `key`, which must not be present. */
  insert(key: string): void {
    this.count++
    if (this.chunks.length === 0) {
      this.chunks.push([key])
      return
    }
    const c = Math.min(this.chunkFor(key), this.chunks.length - 1)
    const chunk = this.chunks[c]!
    chunk.splice(lowerBound(chunk, key), 0, key)
    if (chunk.length > 2 * CHUNK) this.chunks.splice(c, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK))
  }

  /** Keys >= `start`, ascending. */
  *from(start: string): Generator<string> {
    let c = this.chunkFor(start)
    if (c >= this.chunks.length) return
    for (let i = lowerBound(this.chunks[c]!, start); c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!
      for (; i < chunk.length; i++) yield chunk[i]!
    }
  }

  *all(): Generator<string> {
    for (const chunk of this.chunks) yield* chunk
  }

  /** Rebuilds from keys already in ascending order (compaction). */
  static fromSorted(keys: readonly string[]): SortedKeys {
    const out = new SortedKeys()
    for (let i = 0; i < keys.length; i += CHUNK) out.chunks.push(keys.slice(i, i + CHUNK))
    out.count = keys.length
    return out
  }

  /** First chunk whose last key is >= `key` (chunks.length when none is). */
  private chunkFor(key: string): number {
    let lo = 0
    let hi = this.chunks.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const chunk = this.chunks[mid]!
      if (chunk[chunk.length - 1]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
