/**
 * Watches for the store client: each logical watch delivers every change in its keys once, in
 * (revision, sub) order, however often the replica serving it loses pushes, drops it or fails.
 *
 * A watch is opened with `store.watch` at the leader; the replica answers `store.watching` and
 * pushes `store.events` numbered 1, 2, 3... to the client's watch subject. Every (re-)opening is a
 * new incarnation with a fresh watchId. When and why a watch resumes is the statechart's
 * (actors/kit/resumable-watch.ts: a seq gap, a `lost` push, a keepalive naming the watch missing
 * or revealing a lost last push, a keepalive that times out); this adapter carries it out over
 * the store client's calls. A watch resumes at the (possibly new) leader from the last revision
 * it delivered, not from the one after: a large revision (a txn) may be split over pushes, so the
 * last one may be incomplete; events up to the last (revision, sub) delivered are dropped.
 */
import { ResumableWatch, type WatchCursor, type WatchEffect, type WatchPush } from '../../actors/kit/resumable-watch.ts'
import type { ClientRequest, WatchEventsPush } from '../../actors/store/replica/protocol.ts'
import type { ErrorResult } from '../../actors/store/mvcc/results.ts'
import type { WatchEvent } from '../../actors/store/mvcc/types.ts'
import { watchAddress } from '../../actors/store/replica/protocol.ts'
import { ClientWatches, type ClientWatch, type ClientWatchInput } from '../client-watches.ts'
import type { Clock } from '../clock.ts'
import type { WireEvent } from '../codec.ts'
import type { Transport } from '../transport/transport.ts'
import { StoreError } from './store-client.ts'

export interface WatchOptions {
  readonly key: string
  readonly prefix?: boolean
  readonly rangeEnd?: string
  /** First revision to deliver; 0 or absent: changes after the watch is established. */
  readonly fromRevision?: number
}

/** `revision` is the store's revision when the replica sent the events (>= theirs). */
export type WatchOnEvents = (events: readonly WatchEvent[], revision: number) => void

export interface WatchHandlers {
  /** The watch ended for good (its resume point was compacted away); no more events follow. */
  readonly onError?: (error: StoreError) => void
}

export interface Watch {
  /** Stops deliveries at once, then tells the replica. */
  cancel(): Promise<void>
  /** The last revision delivered (or, before any event, the one the watch started after). */
  readonly lastRevision: number
}

/** What watches need from their client (passed in, so this file does not reach into it). */
export interface WatchLink {
  readonly clientId: string
  readonly clock: Clock
  readonly transport: Transport
  readonly cluster: string
  readonly keepAliveMs: number
  readonly maxBytes: number
  /** A leader-routed call with retries; `answered` names the replica that answered. */
  call(request: ClientRequest, route: { readonly start?: string; readonly answered: { replica: string } }): Promise<WireEvent>
  /** One try at one replica. */
  callOnce(replica: string, request: ClientRequest): Promise<WireEvent>
  after(replica: string): string
  log(message: string): void
}

/** A whole revision was delivered (or is before the watch's start): resume after it. */
const COMPLETE = Number.POSITIVE_INFINITY

/** The last (revision, sub) delivered; sub COMPLETE when all of the revision counts as delivered. */
export interface StorePosition {
  readonly revision: number
  readonly sub: number
  /** fromRevision 0: the start revision is only known from `store.watching`. */
  readonly fromNow: boolean
}

type StorePush = WatchEventsPush & WatchPush<WatchEvent>

/** Positions by (revision, sub): pushes are in that order, so the already-delivered events form a prefix. */
export const storeCursor: WatchCursor<WatchEvent, StorePosition, number> = {
  started: (position, revision) => (position.fromNow ? { revision, sub: COMPLETE, fromNow: false } : position),
  take(position, events) {
    let first = 0
    while (first < events.length && !isNew(position, events[first]!)) first++
    if (first === events.length) return { fresh: [], position }
    const last = events[events.length - 1]!
    return { fresh: first === 0 ? events : events.slice(first), position: { revision: last.revision, sub: last.sub, fromNow: false } }
  },
}

const isNew = (p: StorePosition, e: WatchEvent): boolean => e.revision > p.revision || (e.revision === p.revision && e.sub > p.sub)

/** Where an opening asks the replica to start: inside the last revision unless it was complete. */
const resumeRevision = (p: StorePosition): number => (p.fromNow ? 0 : p.sub === COMPLETE ? p.revision + 1 : p.revision)

/** All watches of one client: one subscription, one keepalive timer, pushes routed by watchId. */
export class StoreWatches {
  readonly link: WatchLink
  readonly hub: ClientWatches<StorePush, WatchStream>

  constructor(link: WatchLink) {
    this.link = link
    this.hub = new ClientWatches({
      ...link,
      pushAddress: watchAddress(link.clientId),
      push: (event) => (isPush(event) ? { ...event, ...(event.replica !== undefined ? { sender: event.replica } : {}) } : undefined),
      keepAlive: async (replica, watchIds) => {
        const reply = await link.callOnce(replica, { type: 'store.watchKeepAlive', clientId: link.clientId, watchIds })
        return reply.type === 'store.watchAlive' ? reply : undefined
      },
    })
  }

  async open(options: WatchOptions, onEvents: WatchOnEvents, handlers: WatchHandlers): Promise<Watch> {
    const stream = new WatchStream(this, options, onEvents, handlers)
    this.hub.add(stream)
    await stream.open(true)
    return stream
  }

  close(): Promise<void> {
    return this.hub.close()
  }
}

class WatchStream implements Watch, ClientWatch<StorePush> {
  readonly #watches: StoreWatches
  readonly #options: WatchOptions
  readonly #onEvents: WatchOnEvents
  readonly #handlers: WatchHandlers
  readonly #core: ResumableWatch<WatchEvent, StorePosition, number, StorePush>

  constructor(watches: StoreWatches, options: WatchOptions, onEvents: WatchOnEvents, handlers: WatchHandlers) {
    this.#watches = watches
    this.#options = options
    this.#onEvents = onEvents
    this.#handlers = handlers
    const from = options.fromRevision ?? 0
    this.#core = new ResumableWatch(storeCursor, from <= 0 ? { revision: 0, sub: COMPLETE, fromNow: true } : { revision: from - 1, sub: COMPLETE, fromNow: false })
  }

  get lastRevision(): number {
    return this.#core.position.revision
  }

  get watchId(): string {
    return this.#core.watchId
  }

  get server(): string {
    return this.#core.server
  }

  get streaming(): boolean {
    return this.#core.streaming
  }

  step(input: ClientWatchInput<StorePush>): void {
    this.#run(this.#core.step(input))
  }

  /**
   * Opens a new incarnation, retrying until established, cancelled, or refused for good. The first
   * opening rejects on any failure; a re-opening outlives outages and reports a refusal to onError.
   */
  async open(initial: boolean, start?: string): Promise<void> {
    const link = this.#watches.link
    for (;;) {
      if (this.#core.ended) return
      const watchId = this.#watches.hub.nextId(this)
      this.#core.step({ type: 'attempt', watchId })
      const from = resumeRevision(this.#core.position)
      const answered = { replica: '' }
      let reply: WireEvent
      try {
        reply = await link.call(this.#request(watchId, from), { ...(start !== undefined ? { start } : {}), answered })
      } catch (error) {
        const failure = error instanceof StoreError ? error : new StoreError('unavailable', error instanceof Error ? error.message : String(error))
        if (initial || this.#watches.hub.closed || this.#core.ended) return this.#refused(watchId, failure, initial ? error : undefined)
        // Each call already waited out its deadline: try again at once.
        link.log(`re-opening watch on ${this.#options.key} failed, retrying: ${failure.message}`)
        this.#core.step({ type: 'openFailed', watchId, error: failure, final: false })
        start = undefined
        continue
      }
      if (reply.type === 'store.watching' && typeof reply.revision === 'number') {
        this.#run(this.#core.step({ type: 'opened', watchId, server: answered.replica, answer: reply.revision }))
        return
      }
      const result = reply.type === 'store.result' ? (reply.result as ErrorResult | undefined) : undefined
      const position = this.#core.position
      // Resuming inside a revision that compaction just passed: the rest of it is gone anyway.
      if (result?.error === 'compacted' && position.sub !== COMPLETE && result.compactRevision === from + 1) {
        this.#core.step({ type: 'openFailed', watchId, error: StoreError.fromResult(result), final: false, position: { ...position, sub: COMPLETE } })
        continue
      }
      const error = result?.ok === false ? StoreError.fromResult(result) : new StoreError('bad-reply', `store.watch answered with ${reply.type}`)
      return this.#refused(watchId, error, initial ? error : undefined)
    }
  }

  /** The opening failed for good: the first one rejects with `thrown`, a re-opening tells onError. */
  #refused(watchId: string, error: StoreError, thrown: unknown): void {
    const effects = this.#core.step({ type: 'openFailed', watchId, error, final: true })
    this.#watches.hub.ended(this)
    if (thrown !== undefined) throw thrown
    this.#run(effects)
  }

  #run(effects: readonly WatchEffect<WatchEvent, StorePush>[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'deliver':
          // A callback may cancel the watch: nothing is delivered after that.
          if (this.#core.phase !== 'cancelled') this.#deliver(effect.events, effect.push.revision)
          break
        case 'cancel':
          void this.#cancelAt(effect.server, effect.watchId)
          break
        case 'reopen':
          this.#watches.link.log(`watch ${this.watchId}: ${effect.reason}; resuming after revision ${this.lastRevision}`)
          this.#reopen(effect.elsewhere ? this.#watches.link.after(effect.server) : undefined)
          break
        case 'fail':
          this.#watches.hub.ended(this)
          this.#handlers.onError?.(effect.error as StoreError)
          break
      }
    }
  }

  #reopen(start: string | undefined): void {
    this.open(false, start).catch((error: unknown) => {
      this.#watches.link.log(`re-opening watch on ${this.#options.key} threw: ${error instanceof Error ? error.message : String(error)}`)
    })
  }

  async cancel(): Promise<void> {
    const effects = this.#core.step({ type: 'cancel' })
    this.#watches.hub.ended(this)
    await Promise.all(effects.map((e) => (e.type === 'cancel' ? this.#cancelAt(e.server, e.watchId) : undefined)))
  }

  #deliver(events: readonly WatchEvent[], revision: number): void {
    try {
      this.#onEvents(events, revision)
    } catch (error) {
      this.#watches.link.log(`watch callback threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  #request(watchId: string, fromRevision: number): ClientRequest {
    const o = this.#options
    return {
      type: 'store.watch',
      clientId: this.#watches.link.clientId,
      watchId,
      key: o.key,
      ...(o.rangeEnd !== undefined ? { rangeEnd: o.rangeEnd } : {}),
      ...(o.prefix ? { prefix: true } : {}),
      fromRevision,
    }
  }

  async #cancelAt(replica: string, watchId: string): Promise<void> {
    try {
      await this.#watches.link.callOnce(replica, { type: 'store.watchCancel', watchId })
    } catch {
      // Best effort: an uncancelled watch lapses without keepalives.
    }
  }
}

function isPush(event: WireEvent): event is WireEvent & WatchEventsPush {
  if (event.type !== 'store.events' || typeof event.watchId !== 'string' || !Number.isInteger(event.seq)) return false
  if (typeof event.revision !== 'number' || !Array.isArray(event.events)) return false
  for (const e of event.events as unknown[]) {
    const ev = e as Partial<WatchEvent> | null
    if (typeof ev !== 'object' || ev === null || typeof ev.revision !== 'number' || typeof ev.sub !== 'number' || typeof ev.kv !== 'object') return false
  }
  return event.lost === undefined || typeof event.lost === 'string'
}
