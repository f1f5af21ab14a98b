import type { Clock, TimerHandle } from '../clock.ts'
import { NO_RESPONDERS_STATUS, type Headers, type InboundMessage, type Subscription, type Transport } from './transport.ts'

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError'
}

/** Nobody was subscribed to the subject: distinct from a timeout, and retried differently. */
export class NoRespondersError extends Error {
  override readonly name = 'NoRespondersError'
}

export class RequesterClosedError extends Error {
  override readonly name = 'RequesterClosedError'
}

interface Pending {
  readonly resolve: (message: InboundMessage) => void
  readonly reject: (error: Error) => void
  readonly timer: TimerHandle
}

/**
 * Request/reply over plain publish/subscribe: one wildcard subscription on a private inbox and a
 * table of outstanding tokens (what nats.js calls a muxed subscription). Timeouts run on the
 * injected clock, so simulated requests time out in simulated time.
 */
export class Requester {
  readonly #transport: Transport
  readonly #clock: Clock
  readonly #prefix: string
  readonly #pending = new Map<string, Pending>()
  readonly #subscription: Subscription
  #seq = 0
  #closed = false

  constructor(transport: Transport, clock: Clock) {
    this.#transport = transport
    this.#clock = clock
    this.#prefix = transport.newInbox()
    this.#subscription = transport.subscribe(`${this.#prefix}.*`, (message) => {
      this.#settle(message)
    })
  }

  request(subject: string, data: Uint8Array, options: { timeoutMs: number; headers?: Headers }): Promise<InboundMessage> {
    // A closed requester sends nothing: its owner stopped, and a request it could never answer must not go out.
    if (this.#closed) return Promise.reject(new RequesterClosedError(`requester closed: nothing sent on ${subject}`))
    const token = (this.#seq++).toString(36)
    const reply = `${this.#prefix}.${token}`
    return new Promise<InboundMessage>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending.delete(token)
        reject(new RequestTimeoutError(`no reply on ${subject} within ${options.timeoutMs} ms`))
      }, options.timeoutMs)
      this.#pending.set(token, { resolve, reject, timer })
      try {
        this.#transport.publish(subject, data, { reply, ...(options.headers ? { headers: options.headers } : {}) })
      } catch (error) {
        this.#clock.clearTimeout(timer)
        this.#pending.delete(token)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }

  get outstanding(): number {
    return this.#pending.size
  }

  close(): void {
    this.#closed = true
    this.#subscription.unsubscribe()
    for (const [token, pending] of this.#pending) {
      this.#clock.clearTimeout(pending.timer)
      pending.reject(new RequesterClosedError('requester closed'))
      this.#pending.delete(token)
    }
  }

  #settle(message: InboundMessage): void {
    const token = message.subject.slice(this.#prefix.length + 1)
    const pending = this.#pending.get(token)
    // A reply after the timeout (or a duplicated reply) has nobody waiting: ignore it.
    if (!pending) return
    this.#pending.delete(token)
    this.#clock.clearTimeout(pending.timer)
    if (message.status === NO_RESPONDERS_STATUS) {
      pending.reject(new NoRespondersError(`no responders on ${message.subject}`))
    } else {
      pending.resolve(message)
    }
  }
}
