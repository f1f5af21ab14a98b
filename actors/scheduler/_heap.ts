/** A binary heap keyed by a string, with removal and update by key (the queue's activeQ and backoffQ). */
export class KeyedHeap<T> {
  private readonly items: T[] = []
  private readonly index = new Map<string, number>()
  private readonly keyOf: (item: T) => string
  private readonly less: (a: T, b: T) => boolean

  constructor(keyOf: (item: T) => string, less: (a: T, b: T) => boolean) {
    this.keyOf = keyOf
    this.less = less
  }

  get size(): number {
    return this.items.length
  }

  has(key: string): boolean {
    return this.index.has(key)
  }

  get(key: string): T | undefined {
    const i = this.index.get(key)
    return i === undefined ? undefined : this.items[i]
  }

  peek(): T | undefined {
    return this.items[0]
  }

  /** Adds the item, or replaces the one with the same key and restores order. */
  push(item: T): void {
    const key = this.keyOf(item)
    const at = this.index.get(key)
    if (at !== undefined) {
      this.items[at] = item
      this.fix(at)
      return
    }
    this.items.push(item)
    this.index.set(key, this.items.length - 1)
    this.up(this.items.length - 1)
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined
    const top = this.items[0]!
    this.removeAt(0)
    return top
  }

  delete(key: string): T | undefined {
    const at = this.index.get(key)
    if (at === undefined) return undefined
    const item = this.items[at]!
    this.removeAt(at)
    return item
  }

  values(): readonly T[] {
    return this.items
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1
    this.index.delete(this.keyOf(this.items[i]!))
    if (i !== last) {
      this.items[i] = this.items[last]!
      this.index.set(this.keyOf(this.items[i]!), i)
    }
    this.items.pop()
    if (i < this.items.length) this.fix(i)
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i)
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!
    const b = this.items[j]!
    this.items[i] = b
    this.items[j] = a
    this.index.set(this.keyOf(b), i)
    this.index.set(this.keyOf(a), j)
  }

  private up(i: number): boolean {
    const start = i
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(this.items[i]!, this.items[parent]!)) break
      this.swap(i, parent)
      i = parent
    }
    return i !== start
  }

  private down(i: number): void {
    const n = this.items.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) return
      const r = l + 1
      const child = r < n && this.less(this.items[r]!, this.items[l]!) ? r : l
      if (!this.less(this.items[child]!, this.items[i]!)) return
      this.swap(i, child)
      i = child
    }
  }
}
