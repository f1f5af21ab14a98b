/**
 * Watches for the store client: each logical watch delivers every change in its keys once, in
 * (revision, sub) order, however often the replica serving it loses pushes, drops it or fails.
 *
 * A watch is opened with `store.watch` at the leader; the replica answers `store.watching` and
 * pushes `store.events` numbered 1, 2, 3... to the client's watch subject (pushes that overtake
 * the answer are buffered). Every (re-)opening uses a fresh watchId, so pushes still in flight
 * from an abandoned incarnation are told apart and dropped, and numbering restarts at 1.
 *
 * Resume: on a seq gap, a `lost` push, a keepalive naming the watch missing, a keepalive that
 * times out, or a push the replica reports sent (in a keepalive's `lastSeqs`) that has still not
 * arrived by the next keepalive (the last push before a quiet spell has no successor to reveal its
 * loss), the watch is opened again at the (possibly new) leader from the last revision it
 * delivered. A push counts only for the incarnation it names: one of an abandoned incarnation
 * carries another numbering, and taking it would make the new incarnation's own push of that
 * number look like a duplicate. Not from the one after: a large revision (a txn) may be split over pushes, so the
 * last one may be incomplete; events up to the last (revision, sub) delivered are dropped.
 */
import type { ClientRequest, WatchEventsPush } from '../../actors/store/replica/protocol.ts'
import type { ErrorResult } from '../../actors/store/mvcc/results.ts'
import type { WatchEvent } from '../../actors/store/mvcc/types.ts'
import { watchAddress } from '../../actors/store/replica/protocol.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { decodeEvent, DecodeFailure, type WireEvent } from '../codec.ts'
import { subjectFor } from '../subjects.ts'
import type { InboundMessage, Subscription, Transport } from '../transport/transport.ts'
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
/** Pushes held while waiting for `store.watching`; beyond that the watch is re-opened instead. */
const MAX_BUFFERED_PUSHES = 1024

/** All watches of one client: one subscription, one keepalive timer, pushes routed by watchId. */
export class StoreWatches {
  readonly link: WatchLink
  readonly #byId = new Map<string, WatchStream>()
  readonly #streams = new Set<WatchStream>()
  #subscription: Subscription | undefined
  #timer: TimerHandle | undefined
  #watchCount = 0
  #closed = false

  constructor(link: WatchLink) {
    this.link = link
  }

  async open(options: WatchOptions, onEvents: WatchOnEvents, handlers: WatchHandlers): Promise<Watch> {
    this.#subscription ??= this.link.transport.subscribe(subjectFor(this.link.cluster, watchAddress(this.link.clientId)), (m) => this.#onPush(m))
    const stream = new WatchStream(this, options, onEvents, handlers)
    this.#streams.add(stream)
    this.#armKeepAlive()
    try {
      await stream.open(true)
    } catch (error) {
      this.#streams.delete(stream)
      throw error
    }
    return stream
  }

  /** A fresh watchId for `stream`, registered before the request goes out so early pushes find it. */
  register(stream: WatchStream): string {
    const id = `${this.link.clientId}.w${(this.#watchCount++).toString(36)}`
    this.#byId.set(id, stream)
    return id
  }

  unregister(watchId: string): void {
    this.#byId.delete(watchId)
  }

  ended(stream: WatchStream): void {
    this.#streams.delete(stream)
    this.#byId.delete(stream.watchId)
  }

  get closed(): boolean {
    return this.#closed
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) this.link.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await Promise.all([...this.#streams].map((s) => s.cancel()))
    this.#subscription?.unsubscribe()
  }

  #onPush(message: InboundMessage): void {
    const event = decodeEvent(message.data, this.link.maxBytes)
    if (event instanceof DecodeFailure || !isPush(event)) {
      this.link.log(`dropped a malformed watch push on ${message.subject}`)
      return
    }
    // Unknown ids are pushes to an abandoned incarnation or a cancelled watch.
    this.#byId.get(event.watchId)?.receive(event)
  }

  #armKeepAlive(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = this.link.clock.setTimeout(() => {
      this.#timer = undefined
      if (this.#streams.size === 0) return
      this.#keepAliveAll()
      this.#armKeepAlive()
    }, this.link.keepAliveMs)
  }

  /** One keepalive per replica, naming every established watch it serves. */
  #keepAliveAll(): void {
    const byReplica = new Map<string, WatchStream[]>()
    for (const stream of this.#streams) {
      if (!stream.established) continue
      const list = byReplica.get(stream.replica)
      if (list) list.push(stream)
      else byReplica.set(stream.replica, [stream])
    }
    for (const [replica, streams] of byReplica) void this.#keepAlive(replica, streams)
  }

  async #keepAlive(replica: string, streams: WatchStream[]): Promise<void> {
    const ids = streams.map((s) => s.watchId)
    let reply: WireEvent
    try {
      reply = await this.link.callOnce(replica, { type: 'store.watchKeepAlive', clientId: this.link.clientId, watchIds: ids })
    } catch (error) {
      if (this.#closed) return
      this.link.log(`watch keepalive to ${replica} failed: ${error instanceof Error ? error.message : String(error)}`)
      const next = this.link.after(replica)
      for (let i = 0; i < streams.length; i++) if (streams[i]!.watchId === ids[i]) streams[i]!.reopen(next)
      return
    }
    if (reply.type !== 'store.watchAlive' || !Array.isArray(reply.missing)) return
    const missing = new Set<unknown>(reply.missing)
    const lastSeqs = Array.isArray(reply.lastSeqs) ? (reply.lastSeqs as unknown[]) : []
    // A stream re-opened meanwhile has a new id: only the incarnation asked about is re-opened.
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[i]!
      if (stream.watchId !== ids[i]) continue
      if (missing.has(ids[i])) stream.reopen()
      else if (typeof lastSeqs[i] === 'number') stream.pushedUpTo(lastSeqs[i] as number)
    }
  }
}

class WatchStream implements Watch {
  readonly #hub: StoreWatches
  readonly #options: WatchOptions
  readonly #onEvents: WatchOnEvents
  readonly #handlers: WatchHandlers
  watchId = ''
  /** The replica serving the current incarnation. */
  replica = ''
  established = false
  #nextSeq = 1
  /** A push the replica said it sent and that had not arrived then: still missing at the next keepalive, it was lost. */
  #awaitedSeq = 0
  #buffer: WatchEventsPush[] = []
  /** Replicas found pushing this incarnation's id besides the one that answered. */
  #strays = new Set<string>()
  #overflowed = false
  /** Last delivered (revision, sub); sub COMPLETE when all of lastRevision counts as delivered. */
  #lastRevision: number
  #lastSub = COMPLETE
  /** fromRevision 0: the start revision is only known from `store.watching`. */
  #fromNow: boolean
  #opening = false
  #stopped = false

  constructor(hub: StoreWatches, options: WatchOptions, onEvents: WatchOnEvents, handlers: WatchHandlers) {
    this.#hub = hub
    this.#options = options
    this.#onEvents = onEvents
    this.#handlers = handlers
    const from = options.fromRevision ?? 0
    this.#fromNow = from <= 0
    this.#lastRevision = this.#fromNow ? 0 : from - 1
  }

  get lastRevision(): number {
    return this.#lastRevision
  }

  /** Opens a new incarnation, retrying until established, stopped, or refused for good. */
  async open(initial: boolean, start?: string): Promise<void> {
    const link = this.#hub.link
    this.#opening = true
    try {
      for (;;) {
        if (this.#stopped) return
        this.watchId = this.#hub.register(this)
        this.established = false
        this.#nextSeq = 1
        this.#awaitedSeq = 0
        this.#strays = new Set()
        this.#buffer = []
        this.#overflowed = false
        const from = this.#resumeRevision()
        const answered = { replica: '' }
        let reply: WireEvent
        try {
          reply = await link.call(this.#request(from), { ...(start !== undefined ? { start } : {}), answered })
        } catch (error) {
          this.#hub.unregister(this.watchId)
          if (initial || this.#hub.closed || this.#stopped) throw error
          // A watch outlives outages: keep trying (each call already waited out its deadline).
          link.log(`re-opening watch on ${this.#options.key} failed, retrying: ${error instanceof Error ? error.message : String(error)}`)
          start = undefined
          continue
        }
        if (this.#stopped) {
          this.#hub.unregister(this.watchId)
          if (reply.type === 'store.watching') void this.#cancelAt(answered.replica, this.watchId)
          return
        }
        if (reply.type === 'store.watching' && typeof reply.revision === 'number') {
          this.replica = answered.replica
          if (this.#fromNow) {
            this.#fromNow = false
            this.#lastRevision = reply.revision
            this.#lastSub = COMPLETE
          }
          this.established = true
          this.#opening = false
          const buffered = this.#buffer.filter((p) => this.#fromOurReplica(p)).sort((a, b) => a.seq - b.seq)
          this.#buffer = []
          if (this.#overflowed) this.reopen()
          else for (const push of buffered) this.receive(push)
          return
        }
        this.#hub.unregister(this.watchId)
        const result = reply.type === 'store.result' ? (reply.result as ErrorResult | undefined) : undefined
        // Resuming inside a revision that compaction just passed: the rest of it is gone anyway.
        if (result?.error === 'compacted' && this.#lastSub !== COMPLETE && result.compactRevision === from + 1) {
          this.#lastSub = COMPLETE
          continue
        }
        const error = result?.ok === false ? StoreError.fromResult(result) : new StoreError('bad-reply', `store.watch answered with ${reply.type}`)
        if (initial) throw error
        this.#end()
        this.#handlers.onError?.(error)
        return
      }
    } finally {
      this.#opening = false
    }
  }

  /** Abandons the current incarnation and opens another, trying `start` first if given. */
  reopen(start?: string): void {
    if (this.#opening || this.#stopped) return
    this.#hub.unregister(this.watchId)
    this.established = false
    this.open(false, start).catch((error: unknown) => {
      if (this.#stopped || this.#hub.closed) return
      this.#end()
      this.#handlers.onError?.(error instanceof StoreError ? error : new StoreError('unavailable', String(error)))
    })
  }

  /**
   * The replica has sent pushes up to `lastSeq` (as of a keepalive). One may still be in flight, so
   * a push is taken for lost only when it is still missing at the keepalive after.
   */
  pushedUpTo(lastSeq: number): void {
    if (!this.established) return
    if (this.#awaitedSeq >= this.#nextSeq) {
      this.#hub.link.log(`watch ${this.watchId}: push ${this.#nextSeq} of ${this.#awaitedSeq} never arrived; resuming`)
      this.#abandon()
      return
    }
    this.#awaitedSeq = lastSeq >= this.#nextSeq ? lastSeq : 0
  }

  receive(push: WatchEventsPush): void {
    // Pushes of an abandoned incarnation (still being replayed from its buffer) are not ours.
    if (this.#stopped || push.watchId !== this.watchId) return
    if (!this.established) {
      if (this.#buffer.length < MAX_BUFFERED_PUSHES) this.#buffer.push(push)
      else this.#overflowed = true
      return
    }
    if (!this.#fromOurReplica(push)) return
    if (push.seq < this.#nextSeq) return // a duplicate
    if (push.seq > this.#nextSeq) {
      this.#abandon()
      return
    }
    this.#nextSeq++
    this.#deliver(push.events, push.revision)
    if (push.lost !== undefined) this.reopen()
  }

  /** A push went missing: the replica is still serving this incarnation, so release it, then resume. */
  #abandon(): void {
    void this.#cancelAt(this.replica, this.watchId)
    this.reopen()
  }

  async cancel(): Promise<void> {
    if (this.#stopped) return
    const { replica, watchId, established } = this
    this.#end()
    if (established) await this.#cancelAt(replica, watchId)
  }

  #deliver(events: readonly WatchEvent[], revision: number): void {
    // Pushes are in (revision, sub) order, so the already-delivered ones form a prefix.
    let first = 0
    while (first < events.length && !this.#isNew(events[first]!)) first++
    if (first === events.length) return
    const fresh = first === 0 ? events : events.slice(first)
    const last = fresh[fresh.length - 1]!
    this.#lastRevision = last.revision
    this.#lastSub = last.sub
    try {
      this.#onEvents(fresh, revision)
    } catch (error) {
      this.#hub.link.log(`watch callback threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  #isNew(event: WatchEvent): boolean {
    return event.revision > this.#lastRevision || (event.revision === this.#lastRevision && event.sub > this.#lastSub)
  }

  #resumeRevision(): number {
    if (this.#fromNow) return 0
    return this.#lastSub === COMPLETE ? this.#lastRevision + 1 : this.#lastRevision
  }

  #request(fromRevision: number): ClientRequest {
    const o = this.#options
    return {
      type: 'store.watch',
      clientId: this.#hub.link.clientId,
      watchId: this.watchId,
      key: o.key,
      ...(o.rangeEnd !== undefined ? { rangeEnd: o.rangeEnd } : {}),
      ...(o.prefix ? { prefix: true } : {}),
      fromRevision,
    }
  }

  #end(): void {
    this.#stopped = true
    this.established = false
    this.#buffer = []
    this.#hub.ended(this)
  }

  /**
   * A `store.watch` retried at another replica may have opened the watch at both: follow the one
   * that answered, and stop the other's stream.
   */
  #fromOurReplica(push: WatchEventsPush): boolean {
    if (push.replica === undefined || push.replica === this.replica) return true
    if (!this.#strays.has(push.replica)) {
      this.#strays.add(push.replica)
      void this.#cancelAt(push.replica, this.watchId)
    }
    return false
  }

  async #cancelAt(replica: string, watchId: string): Promise<void> {
    try {
      await this.#hub.link.callOnce(replica, { type: 'store.watchCancel', watchId })
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
