/**
 * The queues of one Limited priority level: requests join the shortest queue of their flow's
 * hand (shuffle-shard.ts), and a freed seat goes to the head of the next non-empty queue in
 * turn (round-robin fair queuing: with equal-cost requests, each busy queue is served alike
 * however many requests it holds).
 */
import type { QueuingConfiguration } from './config.ts'
import { dealHand, flowHash } from './shuffle-shard.ts'

export interface Waiting<T> {
  readonly item: T
  /** When it stops waiting and is rejected (time-out). */
  readonly deadline: number
}

export class QueueSet<T> {
  readonly #config: QueuingConfiguration
  readonly #queues: Waiting<T>[][]
  /** The queue served next. */
  #turn = 0
  #size = 0

  constructor(config: QueuingConfiguration) {
    this.#config = config
    this.#queues = Array.from({ length: config.queues }, () => [])
  }

  get size(): number {
    return this.#size
  }

  /** Queues `item` for `flow`; false when every queue of its hand is full. */
  enqueue(flow: string, waiting: Waiting<T>): boolean {
    const hand = dealHand(flowHash(flow), this.#config.queues, this.#config.handSize)
    let shortest = this.#queues[hand[0]!]!
    for (const q of hand) if (this.#queues[q]!.length < shortest.length) shortest = this.#queues[q]!
    if (shortest.length >= this.#config.queueLengthLimit) return false
    shortest.push(waiting)
    this.#size++
    return true
  }

  /** The head of the next non-empty queue in turn. */
  dequeue(): T | undefined {
    const n = this.#queues.length
    for (let i = 0; i < n; i++) {
      const q = (this.#turn + i) % n
      const head = this.#queues[q]!.shift()
      if (head === undefined) continue
      this.#turn = (q + 1) % n
      this.#size--
      return head.item
    }
    return undefined
  }

  /** Removes and returns the requests whose deadline is past (each queue is in deadline order: only heads are looked at). */
  expire(now: number): T[] {
    const expired: T[] = []
    if (this.#size === 0) return expired
    for (const queue of this.#queues) {
      while (queue.length > 0 && queue[0]!.deadline <= now) expired.push(queue.shift()!.item)
    }
    this.#size -= expired.length
    return expired
  }

  /** The earliest deadline of a waiting request. */
  nextDeadline(): number | undefined {
    if (this.#size === 0) return undefined
    let next: number | undefined
    for (const queue of this.#queues) if (queue.length > 0 && (next === undefined || queue[0]!.deadline < next)) next = queue[0]!.deadline
    return next
  }
}
