/**
 * A simulated host's network connection. `cut()` is the host dying: from then on nothing it
 * sends leaves and nothing reaches its handlers, even from actors still unwinding, and the
 * connection closes so the network forgets its subscriptions.
 */
import type { InboundMessage, MessageHandler, PublishOptions, SubscribeOptions, Subscription, Transport } from '../transport/transport.ts'
import type { MemoryTransport } from './memory-network.ts'

export class HostLink implements Transport {
  readonly #inner: MemoryTransport
  readonly #onPublish: (subject: string, data: Uint8Array, reply: string | undefined) => void
  #cut = false

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

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    if (this.#cut) return
    this.#onPublish(subject, data, options?.reply)
    this.#inner.publish(subject, data, options)
  }

  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    if (this.#cut) return { unsubscribe: () => {} }
    return this.#inner.subscribe(subject, (message: InboundMessage) => {
      if (!this.#cut) handler(message)
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

  cut(): void {
    this.#cut = true
    void this.#inner.close()
  }
}
