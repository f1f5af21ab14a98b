/**
 * The transport seam: NATS in production, an in-memory bus under simulation, and a fault-injecting
 * wrapper around either. Only publish/subscribe is primitive; request/reply is built once on top
 * (see requester.ts) so that every transport, and every fault, treats requests and replies alike.
 */
export type Headers = Readonly<Record<string, string>>

export interface InboundMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: Headers | undefined
  readonly reply: string | undefined
  /** A NATS status code carried by a control message (503 = no responders). */
  readonly status?: number
}

export interface PublishOptions {
  readonly headers?: Headers
  readonly reply?: string
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  readonly queue?: string
}

export interface Subscription {
  unsubscribe(): void
}

export type MessageHandler = (message: InboundMessage) => void

export interface Transport {
  publish(subject: string, data: Uint8Array, options?: PublishOptions): void
  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription
  /** Resolves once everything published so far has reached the server. */
  flush(): Promise<void>
  /** Stops delivery and releases the connection, delivering what is already buffered. */
  close(): Promise<void>
  /** A unique, subscribable prefix for this connection's reply subjects. */
  newInbox(): string
}

export const NO_RESPONDERS_STATUS = 503
