/**
 * Orders a replica's effects around its disk writes. Each WAL write gets a sequence number; the
 * messages and replies of an input that needed a sync wait until that write is durable, and so
 * does everything after them, so nothing is ever seen out of order. The WAL completes writes in
 * the order they were issued, so "durable up to seq" is one number.
 */
import type { Persist } from './persist.ts'
import type { Effects } from './replica.ts'

export interface Admitted {
  /** A WAL write to issue now, with its sequence number. */
  readonly write: { readonly seq: number; readonly persist: Persist } | undefined
  /** Effects whose writes are durable: carry them out now, in order. */
  readonly release: readonly Effects[]
}

export class EffectGate {
  #issued = 0
  #durable = 0
  /** The seq the latest admitted effects wait for. */
  #required = 0
  #waiting: { seq: number; effects: Effects }[] = []

  /** True while a write that gates effects is not yet durable: the leader batches writes meanwhile. */
  get syncing(): boolean {
    return this.#required > this.#durable
  }

  admit(effects: Effects): Admitted {
    let write: Admitted['write']
    if (effects.persist !== undefined) {
      write = { seq: ++this.#issued, persist: effects.persist }
      if (effects.sync) this.#required = write.seq
    }
    if (this.#required <= this.#durable) return { write, release: [effects] }
    this.#waiting.push({ seq: this.#required, effects })
    return { write, release: [] }
  }

  /** The WAL made write `seq` (and so every earlier one) durable. */
  persisted(seq: number): Effects[] {
    this.#durable = Math.max(this.#durable, seq)
    let n = 0
    while (n < this.#waiting.length && this.#waiting[n]!.seq <= this.#durable) n++
    return this.#waiting.splice(0, n).map((w) => w.effects)
  }
}
