/**
 * The apiserver's side of watches over NATS (actors/apiserver/watch-protocol.ts): each open
 * watch is a handler stream whose event batches are published to the watcher's subject, numbered
 * per watch. Watches not kept alive for `lapseMs` are stopped, so a watcher that died costs
 * nothing for long.
 */
import { badRequest, gone } from '../../actors/apiserver/meta/status.ts'
import type { ApiResponse, WatchStreamEvent } from '../../actors/apiserver/http/api-request.ts'
import { apiWatchAddress, type ApiWatchEvents, type ApiWatchOpen, type WatchOpened } from '../../actors/apiserver/watch-protocol.ts'
import { EndedWatches, ServedWatches, type ServedWatch } from '../../actors/kit/served-watches.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { encodeEvent, EncodeError } from '../codec.ts'
import { DEDUP_TTL_MS } from '../host/dedup-cache.ts'
import type { Logger } from '../log.ts'
import { subjectFor } from '../subjects.ts'
import type { Transport } from '../transport/transport.ts'

export interface NatsWatchesOptions {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly log: Logger
  /** A watch with no keepalive for this long is stopped. */
  readonly lapseMs?: number
  /** Largest push; a batch that encodes larger is split. */
  readonly maxMessageBytes?: number
}

interface Served extends ServedWatch {
  readonly subject: string
  /** Who opened it, on which path, and the version its open answer named: a repeated open gets the same answer. */
  readonly clientId: string
  readonly path: string
  readonly resourceVersion: string
  stop: () => void
}

export const DEFAULT_WATCH_LAPSE_MS = 10_000

/** Ended watches remembered at most: a late copy of an open comes no later than the request dedup window allows for. */
export const MAX_ENDED_WATCHES = 10_000

export class NatsWatches {
  readonly #o: NatsWatchesOptions
  readonly #served = new ServedWatches<Served>()
  readonly #ended = new EndedWatches({ ttlMs: DEDUP_TTL_MS, capacity: MAX_ENDED_WATCHES })
  #timer: TimerHandle | undefined
  #closed = false

  constructor(options: NatsWatchesOptions) {
    this.#o = options
  }

  get count(): number {
    return this.#served.size
  }

  /**
   * Starts pushing `response`'s events for `call`; the answer to send back is 200 with the
   * version the watch follows from. A response that is not a stream is the answer as it is.
   * Opening one already served (a duplicated or late copy of its open request) changes nothing:
   * a second stream under the same id would number its pushes 1, 2... again, and the client,
   * which cannot tell the two apart, would take one's pushes for the other's and lose events.
   * Opening one that ended here recently is refused (410) for the same reason.
   */
  open(call: ApiWatchOpen, response: ApiResponse): { status: number; body: unknown } {
    if (response.kind === 'json') return { status: response.status, body: response.body }
    if (response.kind === 'raw') return { status: response.status, body: JSON.parse(response.body) }
    if (response.kind === 'text') return { status: 400, body: badRequest('only watches can be opened with api.watch').status }
    const existing = this.#served.get(call.watchId)
    if (existing !== undefined && existing.clientId === call.clientId && existing.path === call.path) {
      existing.aliveAt = this.#o.clock.now()
      return { status: 200, body: { watchId: call.watchId, resourceVersion: existing.resourceVersion } satisfies WatchOpened }
    }
    if (existing === undefined && this.#ended.has(call.watchId, call.clientId, this.#o.clock.monotonic())) {
      return { status: 410, body: gone(`watch ${call.watchId} has ended; open a new one`, 'Gone').status }
    }
    if (existing !== undefined) this.#retire(existing)
    const subject = subjectFor(this.#o.cluster, apiWatchAddress(call.clientId))
    const served: Served = { id: call.watchId, subject, clientId: call.clientId, path: call.path, resourceVersion: response.resourceVersion, seq: 0, aliveAt: this.#o.clock.now(), stop: () => {} }
    this.#served.add(served)
    // The answer goes out before the first push (the handler emits the initial objects at once),
    // so the client knows the watch before its events arrive in the usual case.
    queueMicrotask(() => {
      if (this.#served.get(call.watchId) !== served) return
      const stop = response.open(
        (events) => this.#push(call.watchId, served, events),
        () => this.#end(call.watchId, served),
      )
      if (this.#served.get(call.watchId) === served) served.stop = stop
      else stop()
    })
    this.#arm()
    return { status: 200, body: { watchId: call.watchId, resourceVersion: response.resourceVersion } satisfies WatchOpened }
  }

  /** Renews the named watches: see {@link ServedWatches.keepAlive}. */
  keepAlive(watchIds: readonly string[]): { missing: string[]; lastSeqs: number[] } {
    return this.#served.keepAlive(watchIds, this.#o.clock.now())
  }

  cancel(watchId: string): void {
    const served = this.#served.delete(watchId)
    if (served !== undefined) this.#retire(served)
  }

  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer)
    for (const served of this.#served.clear()) served.stop()
  }

  #push(watchId: string, served: Served, events: readonly WatchStreamEvent[]): void {
    if (this.#served.get(watchId) !== served) return
    const max = this.#o.maxMessageBytes ?? 4 * 1024 * 1024
    const send = (batch: readonly WatchStreamEvent[]): void => {
      const push: ApiWatchEvents = { type: 'api.watchEvents', watchId, seq: served.seq + 1, events: batch }
      let data: Uint8Array
      try {
        data = encodeEvent(push, max)
      } catch (error) {
        if (!(error instanceof EncodeError) || batch.length === 1) throw error
        const half = Math.ceil(batch.length / 2)
        send(batch.slice(0, half))
        send(batch.slice(half))
        return
      }
      served.seq++
      this.#o.transport.publish(served.subject, data)
    }
    try {
      send(events)
    } catch (error) {
      // One event too large for a message: the watcher cannot follow; it resumes (and relists) elsewhere.
      this.#o.log.warn({ watchId, err: error instanceof Error ? error.message : String(error) }, 'watch push too large; watch ended')
      this.cancel(watchId)
    }
  }

  #end(watchId: string, served: Served): void {
    if (this.#served.get(watchId) !== served) return
    this.#served.delete(watchId)
    this.#ended.remember(watchId, served.clientId, this.#o.clock.monotonic())
  }

  /** Stops `served` (no longer in #served, or about to be replaced) and remembers its id: see {@link EndedWatches}. */
  #retire(served: Served): void {
    this.#ended.remember(served.id, served.clientId, this.#o.clock.monotonic())
    served.stop()
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return
    const lapseMs = this.#o.lapseMs ?? DEFAULT_WATCH_LAPSE_MS
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined
      for (const served of this.#served.lapse(this.#o.clock.now() - lapseMs)) {
        this.#o.log.debug({ watchId: served.id }, 'watch lapsed: no keepalive')
        this.#retire(served)
      }
      if (this.#served.size > 0) this.#arm()
    }, lapseMs / 2)
  }
}
