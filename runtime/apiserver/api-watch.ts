/**
 * Watches over NATS for the ApiClient (protocol: actors/apiserver/watch-protocol.ts). A watch
 * delivers every change to its objects once and in order, however its apiserver fails: when the
 * apiserver goes silent (a keepalive times out), forgets the watch, or a push goes missing, the
 * watch is opened again at the next apiserver from the last resourceVersion delivered. An ERROR
 * event (410 Gone: the version is too old) ends the watch through `onError`; the caller relists,
 * as a Kubernetes informer does.
 */
import type { WatchStreamEvent } from '../../actors/apiserver/http/api-request.ts'
import { apiWatchAddress, isWatchEventsPush, type ApiWatchEvents, type ApiWatchOpen, type WatchOpened } from '../../actors/apiserver/watch-protocol.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { INITIAL_EVENTS_END } from '../../actors/apiserver/resource-handlers.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { decodeEvent, DecodeFailure, type WireEvent } from '../codec.ts'
import { subjectFor } from '../subjects.ts'
import type { InboundMessage, Subscription, Transport } from '../transport/transport.ts'

export interface ApiWatchOptions {
  /** Changes after this version; absent or "": the current objects first (as ADDED), then changes. "0": the same, from the apiserver's cache. */
  readonly resourceVersion?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /**
   * Without a resourceVersion: the current objects come first as ADDED events and then
   * `onSynced` is called (Kubernetes' WatchList), so no separate list call is needed.
   */
  readonly sendInitialEvents?: boolean
}

export interface ApiWatchHandlers {
  /** A batch of ADDED / MODIFIED / DELETED events, in order. */
  readonly onEvents: (events: readonly WatchEvent[]) => void
  /** The watch ended for good (410 Gone and the like); nothing more is delivered. */
  readonly onError?: (error: WatchEndedError) => void
  /** With sendInitialEvents: every object that existed when the watch started has been delivered. */
  readonly onSynced?: () => void
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'
  readonly object: KubeObject
}

export interface ApiWatch {
  cancel(): Promise<void>
  /** The last resourceVersion delivered (or the one the watch started after). */
  readonly resourceVersion: string
  /** The apiserver serving the watch now. */
  readonly apiserver: string
}

export class WatchEndedError extends Error {
  override readonly name = 'WatchEndedError'
  readonly status: number
  readonly body: unknown

  constructor(status: number, body: unknown) {
    super((body as { message?: string } | undefined)?.message ?? `watch ended: HTTP ${status}`)
    this.status = status
    this.body = body
  }
}

/** What watches need from their ApiClient. */
export interface ApiWatchLink {
  readonly transport: Transport
  readonly cluster: string
  readonly clientId: string
  readonly clock: Clock
  readonly apiservers: readonly string[]
  readonly keepAliveMs: number
  readonly maxBytes: number
  /** One request to one apiserver; rejects on timeout or no responders. */
  request(apiserver: string, event: ApiWatchOpen | { readonly type: 'api.watchKeepAlive'; readonly watchIds: readonly string[] }): Promise<WireEvent>
  /** One-way. */
  send(apiserver: string, event: { readonly type: 'api.watchCancel'; readonly watchId: string }): void
  log(message: string): void
}

const MAX_BUFFERED_PUSHES = 1024
const RETRY_MS = [50, 100, 200, 500, 1000, 2000] as const

/** All watches of one ApiClient: one subscription for pushes, one keepalive timer. */
export class ApiWatches {
  readonly link: ApiWatchLink
  readonly #byId = new Map<string, ApiWatchStream>()
  readonly #streams = new Set<ApiWatchStream>()
  #subscription: Subscription | undefined
  #timer: TimerHandle | undefined
  #count = 0
  #next = 0
  closed = false

  constructor(link: ApiWatchLink) {
    this.link = link
  }

  async open(path: string, options: ApiWatchOptions, handlers: ApiWatchHandlers): Promise<ApiWatch> {
    this.#subscription ??= this.link.transport.subscribe(subjectFor(this.link.cluster, apiWatchAddress(this.link.clientId)), (m) => this.#onPush(m))
    const stream = new ApiWatchStream(this, path, options, handlers)
    this.#streams.add(stream)
    this.#arm()
    try {
      await stream.openFirst(this.#next++)
    } catch (error) {
      this.ended(stream)
      throw error
    }
    return stream
  }

  register(stream: ApiWatchStream): string {
    const id = `${this.link.clientId}.w${(this.#count++).toString(36)}`
    this.#byId.set(id, stream)
    return id
  }

  unregister(watchId: string): void {
    this.#byId.delete(watchId)
  }

  ended(stream: ApiWatchStream): void {
    this.#streams.delete(stream)
    this.#byId.delete(stream.watchId)
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.#timer !== undefined) this.link.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await Promise.all([...this.#streams].map((s) => s.cancel()))
    this.#subscription?.unsubscribe()
  }

  #onPush(message: InboundMessage): void {
    const event = decodeEvent(message.data, this.link.maxBytes)
    if (event instanceof DecodeFailure || !isWatchEventsPush(event)) {
      this.link.log(`dropped a malformed watch push on ${message.subject}`)
      return
    }
    // Unknown ids: pushes of an abandoned incarnation or a cancelled watch.
    this.#byId.get(event.watchId)?.receive(event)
  }

  #arm(): void {
    if (this.#timer !== undefined || this.closed) return
    this.#timer = this.link.clock.setTimeout(() => {
      this.#timer = undefined
      if (this.#streams.size === 0) return
      this.#keepAliveAll()
      this.#arm()
    }, this.link.keepAliveMs)
  }

  #keepAliveAll(): void {
    const byApiserver = new Map<string, ApiWatchStream[]>()
    for (const s of this.#streams) {
      if (!s.established) continue
      const list = byApiserver.get(s.apiserver) ?? []
      list.push(s)
      byApiserver.set(s.apiserver, list)
    }
    for (const [apiserver, streams] of byApiserver) void this.#keepAlive(apiserver, streams)
  }

  async #keepAlive(apiserver: string, streams: ApiWatchStream[]): Promise<void> {
    const ids = streams.map((s) => s.watchId)
    let reply: WireEvent
    try {
      reply = await this.link.request(apiserver, { type: 'api.watchKeepAlive', watchIds: ids })
    } catch (error) {
      if (this.closed) return
      this.link.log(`watch keepalive to ${apiserver} failed: ${error instanceof Error ? error.message : String(error)}`)
      for (let i = 0; i < streams.length; i++) if (streams[i]!.watchId === ids[i]) streams[i]!.reopen(this.after(apiserver))
      return
    }
    if (reply.type !== 'api.watchAlive' || !Array.isArray(reply.missing)) return
    const missing = new Set<unknown>(reply.missing)
    const lastSeqs = Array.isArray(reply.lastSeqs) ? (reply.lastSeqs as unknown[]) : []
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[i]!
      if (stream.watchId !== ids[i]) continue
      if (missing.has(ids[i])) stream.reopen(this.indexOf(apiserver))
      else if (typeof lastSeqs[i] === 'number') stream.pushedUpTo(lastSeqs[i] as number)
    }
  }

  indexOf(apiserver: string): number {
    return Math.max(0, this.link.apiservers.indexOf(apiserver))
  }

  after(apiserver: string): number {
    return this.indexOf(apiserver) + 1
  }
}

class ApiWatchStream implements ApiWatch {
  readonly #hub: ApiWatches
  readonly #path: string
  readonly #options: ApiWatchOptions
  readonly #handlers: ApiWatchHandlers
  watchId = ''
  apiserver = ''
  established = false
  #nextSeq = 1
  /** A push the apiserver said it sent and that had not arrived then: still missing at the next keepalive, it was lost. */
  #awaitedSeq = 0
  #buffer: ApiWatchEvents[] = []
  #overflowed = false
  #resourceVersion: string
  #opening = false
  #stopped = false
  /** The initial events (sendInitialEvents) have all arrived. */
  #initialDone = false

  constructor(hub: ApiWatches, path: string, options: ApiWatchOptions, handlers: ApiWatchHandlers) {
    this.#hub = hub
    this.#path = path
    this.#options = options
    this.#handlers = handlers
    this.#resourceVersion = options.resourceVersion ?? ''
  }

  get resourceVersion(): string {
    return this.#resourceVersion
  }

  /** The first opening: tries each apiserver once; a refusal (4xx) or nobody answering rejects. */
  async openFirst(start: number): Promise<void> {
    const servers = this.#hub.link.apiservers
    let lastError: unknown
    for (let tried = 0; tried < servers.length; tried++) {
      const outcome = await this.#try(servers[(start + tried) % servers.length]!)
      if (outcome === 'opened') return
      if (outcome instanceof WatchEndedError) throw outcome
      lastError = outcome
    }
    throw lastError instanceof Error ? lastError : new Error('no apiserver answered the watch')
  }

  /** Opens again from the last version delivered, at apiserver index `start` and on, until it works or the watch ends. */
  reopen(start: number): void {
    if (this.#stopped || this.#opening) return
    const old = this.watchId
    const oldServer = this.apiserver
    this.#hub.unregister(old)
    if (this.established) this.#hub.link.send(oldServer, { type: 'api.watchCancel', watchId: old })
    this.established = false
    // Cut off in the middle of the initial objects: start over (they come again as ADDED).
    if (this.#options.sendInitialEvents && !this.#initialDone) this.#resourceVersion = ''
    this.#opening = true
    void (async () => {
      const servers = this.#hub.link.apiservers
      for (let attempt = 0; !this.#stopped && !this.#hub.closed; attempt++) {
        const outcome = await this.#try(servers[(start + attempt) % servers.length]!)
        if (outcome === 'opened') break
        if (outcome instanceof WatchEndedError) {
          this.#end(outcome)
          break
        }
        await new Promise<void>((resolve) => this.#hub.link.clock.setTimeout(() => resolve(), RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!))
      }
      this.#opening = false
    })()
  }

  async #try(apiserver: string): Promise<'opened' | WatchEndedError | Error> {
    const watchId = this.#hub.register(this)
    this.watchId = watchId
    this.#nextSeq = 1
    this.#awaitedSeq = 0
    this.#buffer = []
    this.#overflowed = false
    const query: Record<string, string> = {}
    if (this.#resourceVersion !== '') query.resourceVersion = this.#resourceVersion
    if (this.#options.labelSelector) query.labelSelector = this.#options.labelSelector
    if (this.#options.fieldSelector) query.fieldSelector = this.#options.fieldSelector
    if (this.#options.sendInitialEvents && this.#resourceVersion === '') {
      query.sendInitialEvents = 'true'
      query.allowWatchBookmarks = 'true'
    }
    let reply: WireEvent
    try {
      reply = await this.#hub.link.request(apiserver, { type: 'api.watch', clientId: this.#hub.link.clientId, watchId, path: this.#path, query })
    } catch (error) {
      this.#hub.unregister(watchId)
      return error instanceof Error ? error : new Error(String(error))
    }
    if (this.#stopped) {
      this.#hub.unregister(watchId)
      this.#hub.link.send(apiserver, { type: 'api.watchCancel', watchId })
      return 'opened'
    }
    const status = typeof reply.status === 'number' ? reply.status : 0
    if (reply.type !== 'api.response' || status !== 200) {
      this.#hub.unregister(watchId)
      // 5xx (say, an apiserver still starting) is worth another try elsewhere; 4xx is final.
      return status >= 400 && status < 500 ? new WatchEndedError(status, reply.body) : new Error(`apiserver ${apiserver} answered the watch with ${status}`)
    }
    const opened = reply.body as WatchOpened
    this.apiserver = apiserver
    this.established = true
    if (this.#resourceVersion === '' || this.#resourceVersion === '0') this.#resourceVersion = String(opened.resourceVersion)
    const buffered = this.#buffer
    this.#buffer = []
    if (this.#overflowed) this.reopen(this.#hub.indexOf(apiserver))
    else for (const push of buffered) this.receive(push)
    return 'opened'
  }

  /**
   * The apiserver has sent pushes up to `lastSeq` (as of a keepalive). One may still be in flight,
   * so a push is taken for lost only when it is still missing at the keepalive after.
   */
  pushedUpTo(lastSeq: number): void {
    if (!this.established) return
    if (this.#awaitedSeq >= this.#nextSeq) {
      this.#hub.link.log(`watch ${this.watchId}: push ${this.#nextSeq} of ${this.#awaitedSeq} never arrived; resuming from ${this.#resourceVersion}`)
      this.reopen(this.#hub.indexOf(this.apiserver))
      return
    }
    this.#awaitedSeq = lastSeq >= this.#nextSeq ? lastSeq : 0
  }

  receive(push: ApiWatchEvents): void {
    if (this.#stopped || push.watchId !== this.watchId) return
    if (!this.established) {
      if (this.#buffer.length >= MAX_BUFFERED_PUSHES) this.#overflowed = true
      else this.#buffer.push(push)
      return
    }
    if (push.seq !== this.#nextSeq) {
      this.#hub.link.log(`watch ${push.watchId}: push ${push.seq} arrived, expected ${this.#nextSeq}; resuming from ${this.#resourceVersion}`)
      this.reopen(this.#hub.indexOf(this.apiserver))
      return
    }
    this.#nextSeq++
    const delivered: WatchEvent[] = []
    for (const e of push.events) {
      if (e.type === 'ERROR') {
        if (delivered.length > 0) this.#deliver(delivered)
        const status = (e.object as { code?: number } | undefined)?.code ?? 500
        if (status === 410) this.#end(new WatchEndedError(410, e.object))
        else this.reopen(this.#hub.after(this.apiserver))
        return
      }
      if (e.type === 'BOOKMARK') {
        if (delivered.length > 0) this.#deliver(delivered.splice(0))
        this.#advance(e.object)
        if ((e.object as KubeObject | undefined)?.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
          this.#initialDone = true
          this.#handlers.onSynced?.()
        }
        continue
      }
      delivered.push(e as WatchEvent)
    }
    if (delivered.length > 0) this.#deliver(delivered)
  }

  #deliver(events: WatchEvent[]): void {
    for (const e of events) this.#advance(e.object)
    this.#handlers.onEvents(events)
  }

  #advance(object: unknown): void {
    const rv = (object as KubeObject | undefined)?.metadata?.resourceVersion
    if (typeof rv === 'string' && /^\d+$/.test(rv) && (this.#resourceVersion === '' || Number(rv) > Number(this.#resourceVersion))) this.#resourceVersion = rv
  }

  #end(error: WatchEndedError): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#hub.ended(this)
    this.#handlers.onError?.(error)
  }

  async cancel(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#hub.ended(this)
    if (this.established) this.#hub.link.send(this.apiserver, { type: 'api.watchCancel', watchId: this.watchId })
  }
}

export type { WatchStreamEvent }
