import { connect, createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node'
import type { Headers, InboundMessage, MessageHandler, PublishOptions, SubscribeOptions, Subscription, Transport } from './transport.ts'

export interface NatsTransportOptions {
  readonly servers: readonly string[]
  /** Shown by the server as the connection name (e.g. the host id). */
  readonly name: string
  readonly onStatus?: (event: { type: string; data?: unknown }) => void
}

/** The real transport: one NATS connection that reconnects forever across the given servers. */
export class NatsTransport implements Transport {
  readonly #connection: NatsConnection

  private constructor(connection: NatsConnection) {
    this.#connection = connection
  }

  static async connect(options: NatsTransportOptions): Promise<NatsTransport> {
    const connection = await connect({
      servers: [...options.servers],
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    })
    const transport = new NatsTransport(connection)
    if (options.onStatus) void transport.#watchStatus(options.onStatus)
    return transport
  }

  get server(): string {
    return this.#connection.getServer()
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    // The common case (no headers, no reply) allocates nothing here.
    if (!options?.headers && !options?.reply) return this.#connection.publish(subject, data)
    const hdrs = options.headers ? toNatsHeaders(options.headers) : undefined
    this.#connection.publish(subject, data, {
      ...(hdrs ? { headers: hdrs } : {}),
      ...(options.reply ? { reply: options.reply } : {}),
    })
  }

  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    const subscription = this.#connection.subscribe(subject, {
      ...(options?.queue ? { queue: options.queue } : {}),
      callback: (error, msg) => {
        if (!error) handler(fromNatsMsg(msg))
      },
    })
    return { unsubscribe: () => subscription.unsubscribe() }
  }

  flush(): Promise<void> {
    return this.#connection.flush()
  }

  async close(): Promise<void> {
    if (this.#connection.isClosed()) return
    await this.#connection.drain()
  }

  newInbox(): string {
    return createInbox()
  }

  async #watchStatus(onStatus: (event: { type: string; data?: unknown }) => void): Promise<void> {
    for await (const status of this.#connection.status()) {
      onStatus({ type: status.type, data: 'server' in status ? status.server : undefined })
    }
  }
}

function toNatsHeaders(source: Headers): MsgHdrs | undefined {
  const keys = Object.keys(source)
  if (keys.length === 0) return undefined
  const hdrs = natsHeaders()
  for (const key of keys) hdrs.set(key, source[key]!)
  return hdrs
}

function fromNatsMsg(msg: Msg): InboundMessage {
  const hdrs = msg.headers
  let headers: Record<string, string> | undefined
  let status: number | undefined
  if (hdrs) {
    if (hdrs.hasError || hdrs.code > 0) status = hdrs.code
    for (const [key, values] of hdrs) {
      headers ??= {}
      headers[key] = values[0] ?? ''
    }
  }
  return {
    subject: msg.subject,
    data: msg.data,
    headers,
    reply: msg.reply || undefined,
    ...(status !== undefined ? { status } : {}),
  }
}
