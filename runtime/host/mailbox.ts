import type { WireEvent } from '../codec.ts'
import type { HostMetrics } from '../metrics.ts'

/**
 * One actor's inbound side. One-way events of the types its kind declares batchable, arriving in
 * the same turn (one socket read, or one virtual instant), are handed over as a single `net.batch` event:
 * the actor then pays for one XState transition instead of one per message. Any other event first
 * flushes what is pending, so the actor still sees everything in arrival order.
 */
export class Mailbox {
  readonly #deliver: (event: WireEvent) => void
  readonly #batchable: ReadonlySet<string> | undefined
  readonly #defer: (flush: () => void) => void
  readonly #metrics: HostMetrics
  #pending: WireEvent[] = []
  #scheduled = false

  constructor(options: {
    deliver: (event: WireEvent) => void
    batchable: ReadonlySet<string> | undefined
    defer: (flush: () => void) => void
    metrics: HostMetrics
  }) {
    this.#deliver = options.deliver
    this.#batchable = options.batchable
    this.#defer = options.defer
    this.#metrics = options.metrics
  }

  /** True when the event was queued for a batch; otherwise the caller delivers it now, after {@link flush}. */
  offer(event: WireEvent): boolean {
    // Requests are never batched: their reply must be cached before a retry of them can arrive.
    if (this.#batchable === undefined || !this.#batchable.has(event.type) || event.replyTo !== undefined) return false
    this.#pending.push(event)
    if (!this.#scheduled) {
      this.#scheduled = true
      this.#defer(() => this.flush())
    }
    return true
  }

  flush(): void {
    this.#scheduled = false
    const events = this.#pending
    if (events.length === 0) return
    this.#pending = []
    const started = performance.now()
    this.#deliver(events.length === 1 ? events[0]! : { type: 'net.batch', events })
    const perEvent = (performance.now() - started) / 1000 / events.length
    for (const event of events) this.#metrics.messageHandled(event.type, perEvent)
  }
}
