/**
 * What a client's resumable watches share around their statechart (actors/kit/resumable-watch.ts),
 * the store client's (runtime/store/store-watch.ts) and the ApiClient's (runtime/apiserver/api-watch.ts):
 * one subscription whose pushes are routed by watchId, one keepalive timer, and each tick one
 * keepalive per server naming the watches it serves; its answer goes to each watch it names.
 */
import type { Address } from '../actors/kit/address.ts'
import { keepAliveInputs, streamingByServer, type KeepAliveAnswer, type WatchPush } from '../actors/kit/resumable-watch.ts'
import type { Clock, TimerHandle } from './clock.ts'
import { decodeEvent, DecodeFailure, type WireEvent } from './codec.ts'
import { subjectFor } from './subjects.ts'
import type { Subscription, Transport } from './transport/transport.ts'

/** What the hub feeds a watch: its pushes and what keepalives learned about its incarnation `watchId`. */
export type ClientWatchInput<M> =
  | { readonly type: 'push'; readonly push: M }
  | { readonly type: 'keepAlive'; readonly watchId: string; readonly missing: boolean; readonly pushedUpTo?: number }
  | { readonly type: 'keepAliveFailed'; readonly watchId: string }

export interface ClientWatch<M> {
  /** The current incarnation. */
  readonly watchId: string
  readonly server: string
  readonly streaming: boolean
  step(input: ClientWatchInput<M>): void
  cancel(): Promise<void>
}

export interface ClientWatchesLink<M> {
  readonly transport: Transport
  readonly cluster: string
  readonly clientId: string
  readonly clock: Clock
  readonly keepAliveMs: number
  readonly maxBytes: number
  /** Where the servers push to. */
  readonly pushAddress: Address
  /** The push `event` is, or undefined when it is malformed. */
  push(event: WireEvent): M | undefined
  /** Asks `server` about `watchIds`: the `missing` / `lastSeqs` answer, or undefined for an answer of another kind; rejects when the server does not answer. */
  keepAlive(server: string, watchIds: readonly string[]): Promise<KeepAliveAnswer | undefined>
  log(message: string): void
}

export class ClientWatches<M extends WatchPush<unknown>, S extends ClientWatch<M>> {
  readonly #link: ClientWatchesLink<M>
  readonly #byId = new Map<string, S>()
  readonly #watches = new Set<S>()
  #subscription: Subscription | undefined
  #timer: TimerHandle | undefined
  #count = 0
  #closed = false

  constructor(link: ClientWatchesLink<M>) {
    this.#link = link
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Starts routing pushes and keepalives to `watch`. */
  add(watch: S): void {
    this.#subscription ??= this.#link.transport.subscribe(subjectFor(this.#link.cluster, this.#link.pushAddress), (m) => this.#onPush(m.subject, m.data))
    this.#watches.add(watch)
    this.#arm()
  }

  /** A fresh watchId for `watch`'s next incarnation, routed before the request goes out so early pushes find it. */
  nextId(watch: S): string {
    this.#byId.delete(watch.watchId)
    const id = `${this.#link.clientId}.w${(this.#count++).toString(36)}`
    this.#byId.set(id, watch)
    return id
  }

  /**
   * `server` failed to answer a call of this client's own (it timed out, or nobody serves it): the
   * watches it serves resume elsewhere now, as after a failed keepalive, rather than when their
   * next keepalive fails too (a stopped store leader's watches held an apiserver's watch cache
   * up to two keepalives behind its writes).
   */
  serverSilent(server: string): void {
    if (this.#closed) return
    for (const w of streamingByServer(this.#watches).get(server) ?? []) w.step({ type: 'keepAliveFailed', watchId: w.watchId })
  }

  ended(watch: S): void {
    this.#watches.delete(watch)
    this.#byId.delete(watch.watchId)
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) this.#link.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await Promise.all([...this.#watches].map((w) => w.cancel()))
    this.#subscription?.unsubscribe()
  }

  #onPush(subject: string, data: Uint8Array): void {
    const event = decodeEvent(data, this.#link.maxBytes)
    const push = event instanceof DecodeFailure ? undefined : this.#link.push(event)
    if (push === undefined) {
      this.#link.log(`dropped a malformed watch push on ${subject}`)
      return
    }
    // Unknown ids are pushes to an abandoned incarnation or a cancelled watch.
    this.#byId.get(push.watchId)?.step({ type: 'push', push })
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = this.#link.clock.setTimeout(() => {
      this.#timer = undefined
      if (this.#watches.size === 0) return
      for (const [server, watches] of streamingByServer(this.#watches)) void this.#keepAlive(server, watches)
      this.#arm()
    }, this.#link.keepAliveMs)
  }

  async #keepAlive(server: string, watches: readonly S[]): Promise<void> {
    const ids = watches.map((w) => w.watchId)
    let reply: KeepAliveAnswer | undefined
    try {
      reply = await this.#link.keepAlive(server, ids)
    } catch (error) {
      if (this.#closed) return
      this.#link.log(`watch keepalive to ${server} failed: ${error instanceof Error ? error.message : String(error)}`)
      watches.forEach((w, i) => w.step({ type: 'keepAliveFailed', watchId: ids[i]! }))
      return
    }
    // A watch re-opened meanwhile has a new id: the answer is about the incarnation asked about only.
    if (reply !== undefined) keepAliveInputs(ids, reply).forEach((input, i) => watches[i]!.step(input))
  }
}
