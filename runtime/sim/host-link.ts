/**
 * A simulated host's network connection. `cut()` is the host dying: from then on nothing it
 * sends leaves and nothing reaches its handlers, even from actors still unwinding, and the
 * connection closes so the network forgets its subscriptions. `pause()` freezes the link as a
 * stalled process's sockets are: what the host sends and what arrives for it is held, and
 * `resume()` lets it all through in order (the held sends leave late, at once).
 */
import type { InboundMessage, MessageHandler, PublishOptions, SubscribeOptions, Subscription, Transport } from '../transport/transport.ts'
import type { MemoryTransport } from './memory-network.ts'

export class HostLink implements Transport {
  readonly #inner: MemoryTransport
  readonly #onPublish: (subject: string, data: Uint8Array, reply: string | undefined) => void
  #cut = false
  /** While paused: the sends and deliveries held, in order. */
  #held: (() => void)[] | undefined

  constructor(inner: MemoryTransport, onPublish: (subject: string, data: Uint8Array, reply: string | undefined) => void) {
    this.#inner = inner
    this.#onPublish = onPublish
  }

  get name(): string {
    return this.#inner.name
  }

  get isCut(): boolean {
    return this.#cut
  }

  get isPaused(): boolean {
    return this.#held !== undefined
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    if (this.#cut) return
    if (this.#held) return void this.#held.push(() => this.publish(subject, data, options))
    this.#onPublish(subject, data, options?.reply)
    this.#inner.publish(subject, data, options)
  }

  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    if (this.#cut) return { unsubscribe: () => {} }
    return this.#inner.subscribe(subject, (message: InboundMessage) => {
      if (this.#cut) return
      if (this.#held) this.#held.push(() => handler(message))
      else handler(message)
    }, options)
  }

  flush(): Promise<void> {
    return this.#inner.flush()
  }

  /** A host's own close (graceful stop) leaves the connection to the simulation, as a real host's does. */
  async close(): Promise<void> {}

  newInbox(): string {
    return this.#inner.newInbox()
  }

  pause(): void {
    if (!this.#cut) this.#held ??= []
  }

  resume(): void {
    const held = this.#held ?? []
    this.#held = undefined
    for (const work of held) {
      if (this.#cut) return
      work()
    }
  }

  cut(): void {
    this.#cut = true
    this.#held = undefined
    void this.#inner.close()
  }
}
