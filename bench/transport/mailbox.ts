/** Waits for messages on one subject: the bench's side of every report. */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'

interface Waiter {
  readonly accept: (msg: Msg) => boolean
  readonly resolve: (msg: Msg) => void
}

export class Mailbox {
  readonly subject: string
  readonly #subscription: Subscription
  readonly #waiters = new Set<Waiter>()

  constructor(nc: NatsConnection, subject: string) {
    this.subject = subject
    this.#subscription = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return
        for (const waiter of this.#waiters) {
          if (waiter.accept(msg)) {
            this.#waiters.delete(waiter)
            waiter.resolve(msg)
            return
          }
        }
      },
    })
  }

  /** The first message from now on that `accept`s; rejects after `timeoutMs`, naming `what`. */
  next(what: string, accept: (msg: Msg) => boolean, timeoutMs: number): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      const waiter: Waiter = {
        accept,
        resolve: (msg) => {
          clearTimeout(timer)
          resolve(msg)
        },
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${this.subject}`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  close(): void {
    this.#subscription.unsubscribe()
  }
}
