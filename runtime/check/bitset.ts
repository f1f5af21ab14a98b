/**
 * A fixed-size set of operation ids, stored as 32-bit words. The linearizability search keeps
 * one of these for "operations linearized so far" and memoizes (bitset, model state) pairs, so
 * hashing and comparing must be cheap: the hash is maintained incrementally (Zobrist style, an
 * XOR of a per-bit mixed value), so set/clear/hash are O(1) and only equality walks the words.
 */
export class Bitset {
  private readonly words: Uint32Array
  private hashValue: number

  constructor(size: number, words?: Uint32Array, hash = 0) {
    this.words = words ?? new Uint32Array(Math.ceil(size / 32))
    this.hashValue = hash
  }

  has(i: number): boolean {
    return ((this.words[i >>> 5]! >>> (i & 31)) & 1) === 1
  }

  set(i: number): this {
    if (!this.has(i)) {
      this.words[i >>> 5]! |= 1 << (i & 31)
      this.hashValue ^= bitHash(i)
    }
    return this
  }

  clear(i: number): this {
    if (this.has(i)) {
      this.words[i >>> 5]! &= ~(1 << (i & 31))
      this.hashValue ^= bitHash(i)
    }
    return this
  }

  clone(): Bitset {
    return new Bitset(0, this.words.slice(), this.hashValue)
  }

  hash(): number {
    return this.hashValue
  }

  equals(other: Bitset): boolean {
    if (this.hashValue !== other.hashValue || this.words.length !== other.words.length) return false
    for (let w = 0; w < this.words.length; w++) if (this.words[w] !== other.words[w]) return false
    return true
  }

  count(): number {
    let n = 0
    for (const word of this.words) {
      let v = word
      while (v !== 0) {
        v &= v - 1
        n++
      }
    }
    return n
  }
}

/** A well-mixed 32-bit value per bit index (murmur3 finalizer), so XORs of them rarely collide. */
function bitHash(i: number): number {
  let z = (i + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) | 0
}

/** Mixes two 32-bit hashes (bitset hash and state hash) into one cache key. */
export function combineHashes(a: number, b: number): number {
  let z = (a ^ Math.imul(b, 0x9e3779b1)) | 0
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d)
  return (z ^ (z >>> 12)) | 0
}

/** FNV-1a over a string: states that have a canonical string form hash through this. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h | 0
}
