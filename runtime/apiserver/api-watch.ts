/**
 * Watches over NATS for the ApiClient (protocol: actors/apiserver/watch-protocol.ts). A watch
 * delivers every change to its objects once and in order, however its apiserver fails: when the
 * apiserver goes silent (a keepalive times out), forgets the watch, or a push goes missing, the
 * watch is opened again from the last resourceVersion delivered. When and why is the statechart's
 * (actors/kit/resumable-watch.ts); this adapter carries it out over NATS requests. An ERROR event
 * (410 Gone: the version is too old) ends the watch through `onError`; the caller relists, as a
 * Kubernetes informer does.
 *
 * A watch opened without a resourceVersion begins with the current objects (ADDED), which may
 * take several pushes; it always asks for the bookmark that ends them. The version the open
 * answered is past them all, so a gap before that bookmark cannot be resumed from there: with
 * nothing delivered yet the watch lists again, else it ends through `onError` (410) and the caller
 * relists (re-sent objects would not say which of the delivered ones were deleted meanwhile).
 */
import type { WatchStreamEvent } from '../../actors/apiserver/http/api-request.ts'
import { apiWatchAddress, isWatchEventsPush, type ApiWatchEvents, type ApiWatchOpen, type WatchOpened } from '../../actors/apiserver/watch-protocol.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { gone } from '../../actors/apiserver/meta/status.ts'
import { INITIAL_EVENTS_END } from '../../actors/apiserver/resource-handlers.ts'
import { ResumableWatch, type WatchCursor, type WatchEffect } from '../../actors/kit/resumable-watch.ts'
import { ClientWatches, type ClientWatch, type ClientWatchInput } from '../client-watches.ts'
import type { Clock } from '../clock.ts'
import type { WireEvent } from '../codec.ts'
import type { Transport } from '../transport/transport.ts'

export interface ApiWatchOptions {
  /**
   * Changes after this version; absent or "": the current objects first (as ADDED), then
   * `onSynced` (Kubernetes' WatchList: no separate list call), then changes. "0": the same, from
   * the apiserver's cache.
   */
  readonly resourceVersion?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
}

export interface ApiWatchHandlers {
  /** A batch of ADDED / MODIFIED / DELETED events, in order. */
  readonly onEvents: (events: readonly WatchEvent[]) => void
  /** The watch ended for good (410 Gone and the like); nothing more is delivered. */
  readonly onError?: (error: WatchEndedError) => void
  /** Opened without a resourceVersion: every object that existed when the watch started has been delivered. */
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
  /** Where first openings go (ApiClientOptions.preferredApiserver); in turn when absent. */
  readonly preferred?: string
  /** One request to one apiserver; rejects on timeout or no responders. */
  request(apiserver: string, event: ApiWatchOpen | { readonly type: 'api.watchKeepAlive'; readonly watchIds: readonly string[] }): Promise<WireEvent>
  /** One-way. */
  send(apiserver: string, event: { readonly type: 'api.watchCancel'; readonly watchId: string }): void
  log(message: string): void
}

const RETRY_MS = [50, 100, 200, 500, 1000, 2000] as const

/** Where a watch stands. */
export interface ApiPosition {
  /** The last one delivered, or the one the watch follows from; "" (or "0") until the open answer says which: the current objects first. */
  readonly resourceVersion: string
  /** Opened for the current objects first, and the bookmark ending them has not come yet. */
  readonly listing: boolean
  /** While listing: some of them went to the caller. */
  readonly delivered: boolean
}

const listsFirst = (resourceVersion: string): boolean => resourceVersion === '' || resourceVersion === '0'

/** Where a watch opened at `resourceVersion` ("" or "0": the current objects first) starts. */
export const startingAt = (resourceVersion: string): ApiPosition => ({ resourceVersion, listing: listsFirst(resourceVersion), delivered: false })

export const apiCursor: WatchCursor<WatchStreamEvent, ApiPosition, string> = {
  started: (p, resourceVersion) => (listsFirst(p.resourceVersion) ? { ...p, resourceVersion } : p),
  take(p, events) {
    let position = p
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      if (e.type === 'ERROR') {
        const status = (e.object as { code?: number } | undefined)?.code ?? 500
        const end = status === 410 ? ({ type: 'failed', error: new WatchEndedError(410, e.object) } as const) : ({ type: 'resume', reason: `the apiserver ended it with ${status}`, elsewhere: true } as const)
        return { fresh: events.slice(0, i), position, end }
      }
      position = advance(position, e.object)
      if (!position.listing) continue
      if (e.type !== 'BOOKMARK') position = { ...position, delivered: true }
      else if (isInitialEnd(e.object)) position = { ...position, listing: false, delivered: false }
    }
    return { fresh: events, position }
  },
  resumed(p, gap) {
    if (!p.listing) return { from: p }
    // Cut off among the current objects: the open answer's version is past them, so resuming there loses the rest for good.
    if (!p.delivered) return { from: { ...p, resourceVersion: '' } }
    return { error: new WatchEndedError(410, gone(`the watch lost some of the objects it began with (${gap}); list again`).status) }
  },
}

/** Kubernetes versions are opaque strings; ours are numbers, and the initial objects come in any order. */
function advance(p: ApiPosition, object: unknown): ApiPosition {
  const rv = (object as KubeObject | undefined)?.metadata?.resourceVersion
  if (typeof rv !== 'string' || !/^\d+$/.test(rv)) return p
  return p.resourceVersion === '' || Number(rv) > Number(p.resourceVersion) ? { ...p, resourceVersion: rv } : p
}

const isInitialEnd = (object: unknown): boolean => (object as KubeObject | undefined)?.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true'

/** All watches of one ApiClient: one subscription for pushes, one keepalive timer. */
export class ApiWatches {
  readonly link: ApiWatchLink
  readonly hub: ClientWatches<ApiWatchEvents, ApiWatchStream>
  #next = 0

  constructor(link: ApiWatchLink) {
    this.link = link
    this.hub = new ClientWatches({
      ...link,
      pushAddress: apiWatchAddress(link.clientId),
      push: (event) => (isWatchEventsPush(event) ? event : undefined),
      keepAlive: async (apiserver, watchIds) => {
        const reply = await link.request(apiserver, { type: 'api.watchKeepAlive', watchIds })
        return reply.type === 'api.watchAlive' ? reply : undefined
      },
    })
  }

  async open(path: string, options: ApiWatchOptions, handlers: ApiWatchHandlers): Promise<ApiWatch> {
    const stream = new ApiWatchStream(this, path, options, handlers)
    this.hub.add(stream)
    try {
      const preferred = this.link.preferred === undefined ? -1 : this.link.apiservers.indexOf(this.link.preferred)
      await stream.openFirst(preferred >= 0 ? preferred : this.#next++)
    } catch (error) {
      this.hub.ended(stream)
      throw error
    }
    return stream
  }

  close(): Promise<void> {
    return this.hub.close()
  }

  indexOf(apiserver: string): number {
    return Math.max(0, this.link.apiservers.indexOf(apiserver))
  }
}

class ApiWatchStream implements ApiWatch, ClientWatch<ApiWatchEvents> {
  readonly #watches: ApiWatches
  readonly #path: string
  readonly #options: ApiWatchOptions
  readonly #handlers: ApiWatchHandlers
  readonly #core: ResumableWatch<WatchStreamEvent, ApiPosition, string, ApiWatchEvents>

  constructor(watches: ApiWatches, path: string, options: ApiWatchOptions, handlers: ApiWatchHandlers) {
    this.#watches = watches
    this.#path = path
    this.#options = options
    this.#handlers = handlers
    this.#core = new ResumableWatch(apiCursor, startingAt(options.resourceVersion ?? ''))
  }

  get resourceVersion(): string {
    return this.#core.position.resourceVersion
  }

  get apiserver(): string {
    return this.#core.server
  }

  get server(): string {
    return this.#core.server
  }

  get watchId(): string {
    return this.#core.watchId
  }

  get streaming(): boolean {
    return this.#core.streaming
  }

  step(input: ClientWatchInput<ApiWatchEvents>): void {
    this.#run(this.#core.step(input))
  }

  /** The first opening: tries each apiserver once; a refusal (4xx) or nobody answering rejects. */
  async openFirst(start: number): Promise<void> {
    const servers = this.#watches.link.apiservers
    let lastError = new Error('no apiserver answered the watch')
    for (let tried = 0; tried < servers.length && !this.#core.ended; tried++) {
      const outcome = await this.#try(servers[(start + tried) % servers.length]!)
      if (outcome === 'opened') return
      lastError = outcome
      if (outcome instanceof WatchEndedError) break
      this.#core.step({ type: 'openFailed', watchId: this.watchId, error: outcome, final: false })
    }
    this.#core.step({ type: 'openFailed', watchId: this.watchId, error: lastError, final: true })
    throw lastError
  }

  /** Opens again from the last version delivered, at apiserver index `start` and on, until it works or the watch ends. */
  async #reopen(start: number): Promise<void> {
    const servers = this.#watches.link.apiservers
    for (let attempt = 0; !this.#core.ended && !this.#watches.hub.closed; attempt++) {
      const outcome = await this.#try(servers[(start + attempt) % servers.length]!)
      if (outcome === 'opened') return
      const final = outcome instanceof WatchEndedError
      this.#run(this.#core.step({ type: 'openFailed', watchId: this.watchId, error: outcome, final }))
      if (final) return
      await new Promise<void>((resolve) => this.#watches.link.clock.setTimeout(() => resolve(), RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!))
    }
  }

  /** One attempt at `apiserver`: 5xx (say, an apiserver still starting) is worth another try elsewhere; 4xx is final. */
  async #try(apiserver: string): Promise<'opened' | WatchEndedError | Error> {
    const link = this.#watches.link
    const watchId = this.#watches.hub.nextId(this)
    this.#core.step({ type: 'attempt', watchId })
    const query: Record<string, string> = {}
    const from = this.#core.position.resourceVersion
    if (from !== '') query.resourceVersion = from
    if (this.#options.labelSelector) query.labelSelector = this.#options.labelSelector
    if (this.#options.fieldSelector) query.fieldSelector = this.#options.fieldSelector
    // The bookmark ending the current objects: till then a gap cannot be resumed from a version.
    if (listsFirst(from)) {
      query.sendInitialEvents = 'true'
      query.allowWatchBookmarks = 'true'
    }
    let reply: WireEvent
    try {
      reply = await link.request(apiserver, { type: 'api.watch', clientId: link.clientId, watchId, path: this.#path, query })
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error))
    }
    const status = typeof reply.status === 'number' ? reply.status : 0
    if (reply.type !== 'api.response' || status !== 200) {
      return status >= 400 && status < 500 ? new WatchEndedError(status, reply.body) : new Error(`apiserver ${apiserver} answered the watch with ${status}`)
    }
    const opened = reply.body as WatchOpened
    this.#run(this.#core.step({ type: 'opened', watchId, server: apiserver, answer: String(opened.resourceVersion) }))
    return 'opened'
  }

  #run(effects: readonly WatchEffect<WatchStreamEvent, ApiWatchEvents>[]): void {
    const link = this.#watches.link
    for (const effect of effects) {
      switch (effect.type) {
        case 'deliver':
          // A callback may cancel the watch: nothing is delivered after that.
          if (this.#core.phase !== 'cancelled') this.#deliver(effect.events)
          break
        case 'cancel':
          link.send(effect.server, { type: 'api.watchCancel', watchId: effect.watchId })
          break
        case 'reopen': {
          link.log(`watch ${this.watchId}: ${effect.reason}; resuming from ${this.resourceVersion || 'now'}`)
          const at = this.#watches.indexOf(effect.server)
          void this.#reopen(effect.elsewhere ? at + 1 : at)
          break
        }
        case 'fail':
          this.#watches.hub.ended(this)
          this.#handlers.onError?.(effect.error as WatchEndedError)
          break
      }
    }
  }

  /** ADDED / MODIFIED / DELETED in batches; a bookmark ending the initial objects calls onSynced in between. */
  #deliver(events: readonly WatchStreamEvent[]): void {
    let batch: WatchEvent[] = []
    for (const e of events) {
      if (e.type !== 'BOOKMARK') {
        batch.push(e as WatchEvent)
        continue
      }
      if (batch.length > 0) this.#handlers.onEvents(batch)
      batch = []
      if (isInitialEnd(e.object)) this.#handlers.onSynced?.()
    }
    if (batch.length > 0) this.#handlers.onEvents(batch)
  }

  async cancel(): Promise<void> {
    this.#run(this.#core.step({ type: 'cancel' }))
    this.#watches.hub.ended(this)
  }
}

export type { WatchStreamEvent }
