/**
 * The Kubernetes API for the cluster's own actors and tools, over NATS: the same handlers and
 * semantics as HTTPS (resourceVersion preconditions, Status errors), without TLS or HTTP. Calls
 * go to any apiserver; a silent one is skipped for the next.
 */
import type { ApiCall } from '../../actors/apiserver/apiserver.machine.ts'
import type { Fence } from '../../actors/apiserver/fence.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Clock } from '../clock.ts'
import { systemClock } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../codec.ts'
import { randomClientId } from '../random.ts'
import { subjectFor, token } from '../subjects.ts'
import { endSpan, startClientSend, tracingOn } from '../telemetry.ts'
import { NoRespondersError, Requester, RequesterClosedError, RequestTimeoutError } from '../transport/requester.ts'
import type { Transport } from '../transport/transport.ts'
import { ApiWatches, type ApiWatch, type ApiWatchHandlers, type ApiWatchOptions } from './api-watch.ts'

export interface ApiClientOptions {
  readonly transport: Transport
  readonly cluster: string
  /** The apiserver actors' ids (the master hosts). */
  readonly apiservers: readonly string[]
  readonly clock?: Clock
  readonly timeoutMs?: number
  /** How often watches are kept alive (the apiserver drops them after 10 s without). */
  readonly watchKeepAliveMs?: number
  /** Names this client's watch subject; random by default. */
  readonly clientId?: string
  /** How often a call answered 429 (flow control) is sent again after its Retry-After; client-go's default is 10. */
  readonly maxRetriesOn429?: number
  /** A leader's fencing token, sent on every call but a GET: the apiserver refuses it (409) once the term is over. */
  readonly fence?: Fence
  /**
   * The apiserver to try first, while it answers (the others follow in turn): a control-plane
   * component's own master's, as kubeadm points them at their local apiserver. Its calls and
   * watches then do not depend on another master, whose stop would hold them for a timeout.
   */
  readonly preferredApiserver?: string
}

/** A metav1.Status failure from the API. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly reason: string
  readonly body: unknown

  constructor(status: number, body: unknown) {
    const s = (body ?? {}) as { message?: string; reason?: string }
    super(s.message ?? `HTTP ${status}`)
    this.status = status
    this.reason = s.reason ?? ''
    this.body = body
  }
}

/**
 * A call on a closed client: nothing more of it was sent (not to another apiserver, not after a
 * 429), and an answer still on its way is not awaited. Whether a send before the close landed is
 * unknown.
 */
export class ApiClientClosedError extends Error {
  override readonly name = 'ApiClientClosedError'

  constructor(method: string, path: string) {
    super(`${method} ${path}: the API client is closed (its owner stopped), so the call was not sent or its answer not awaited`)
  }
}

const MAX_ANSWER_BYTES = 16 * 1024 * 1024
/** An apiserver that failed to answer is tried last for this long. */
const SUSPECT_MS = 5000
const MAX_RETRIES_ON_429 = 10
/** A Retry-After is honoured up to this long (a wild value must not park a caller). */
const MAX_RETRY_AFTER_MS = 30_000

export class ApiClient {
  readonly #o: ApiClientOptions
  readonly #requester: Requester
  readonly #watches: ApiWatches
  readonly #clock: Clock
  /** When each apiserver last failed to answer. */
  readonly #suspects = new Map<string, number>()
  #next = 0
  #throttled = 0
  #closed = false

  constructor(options: ApiClientOptions) {
    if (options.apiservers.length === 0) throw new RangeError('ApiClient: no apiservers')
    this.#o = options
    const clock = options.clock ?? systemClock
    this.#clock = clock
    this.#requester = new Requester(options.transport, clock)
    this.#watches = new ApiWatches({
      transport: options.transport,
      cluster: options.cluster,
      clientId: token('clientId', options.clientId ?? randomClientId('a')),
      clock,
      apiservers: options.apiservers,
      keepAliveMs: options.watchKeepAliveMs ?? 2000,
      maxBytes: MAX_ANSWER_BYTES,
      ...(options.preferredApiserver !== undefined ? { preferred: options.preferredApiserver } : {}),
      request: (id, event) => this.#ask(id, encodeEvent(event)),
      send: (id, event) => options.transport.publish(this.#subjectOf(id), encodeEvent(event)),
      log: () => {},
    })
  }

  /**
   * Follows changes to the objects at `path` (a collection, as for list): see api-watch.ts for
   * how it survives apiserver failures. Rejects if the watch cannot start (a Status error as a
   * WatchEndedError, or no apiserver answering).
   */
  watch(path: string, options: ApiWatchOptions, handlers: ApiWatchHandlers): Promise<ApiWatch> {
    return this.#watches.open(path, options, handlers)
  }

  /**
   * One call; resolves to the status and JSON body (errors included), rejects only when no apiserver
   * answers. A 429 (flow control) is waited out and sent again first (maxRetriesOn429).
   */
  async call(method: string, path: string, options: { query?: Record<string, string>; body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: unknown }> {
    if (this.#closed) throw new ApiClientClosedError(method, path)
    const fence = method !== 'GET' ? this.#o.fence : undefined
    const event: ApiCall = { type: 'api.request', method, path, ...(options.query ? { query: options.query } : {}), ...(options.body !== undefined ? { body: options.body } : {}), ...(options.contentType ? { contentType: options.contentType } : {}), ...(fence ? { fence } : {}) }
    const data = encodeEvent(event, 4 * 1024 * 1024)
    // Inside a traced operation the call is a `send api.request` span the apiserver's handling joins.
    const sent = tracingOn() ? startClientSend('apiserver', 'api.request', { 'http.request.method': method, 'url.path': path }) : undefined
    try {
      return await this.#callRetryingOn429(data, sent?.headers, method === 'GET', options.timeoutMs)
    } catch (caught) {
      const error = this.#closed && caught instanceof RequesterClosedError ? new ApiClientClosedError(method, path) : caught
      endSpan(sent?.span, error)
      throw error
    } finally {
      if (sent?.span.isRecording()) sent.span.end()
    }
  }

  /** Calls answered 429 that this client waited out and sent again. */
  get throttled(): number {
    return this.#throttled
  }

  /**
   * An overloaded apiserver answers 429 TooManyRequests with a Retry-After (flow control): wait it
   * out and send the call again, as client-go does, up to maxRetriesOn429 times; the last 429 is
   * the answer.
   */
  async #callRetryingOn429(data: Uint8Array, headers: Record<string, string> | undefined, read: boolean, timeoutMs: number | undefined): Promise<{ status: number; body: unknown }> {
    const retries = this.#o.maxRetriesOn429 ?? MAX_RETRIES_ON_429
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#callOn(data, headers, read, timeoutMs)
      if (answer.status !== 429 || attempt >= retries) return answer
      this.#throttled++
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, retryAfterMs(answer.body)))
      if (this.#closed) throw new RequesterClosedError('closed while waiting out a 429')
    }
  }

  /**
   * `read`: the call changes nothing, so one that timed out may go to the next apiserver. A write
   * that timed out may have been done all the same (the answer was lost, or the apiserver was
   * slow): sending it again elsewhere could do it twice (a second pod from one generateName). It
   * fails with the timeout, as client-go's does, and the caller decides on fresh state.
   */
  async #callOn(data: Uint8Array, headers: Record<string, string> | undefined, read: boolean, timeoutMs: number | undefined): Promise<{ status: number; body: unknown }> {
    let lastError: unknown
    let unavailable: { status: number; body: unknown } | undefined
    // Round robin over the apiservers, those that failed lately last; one nobody serves (no
    // responders), a starting one (503: it handled nothing) and, for a read, a silent one pass
    // the call on to the next.
    for (const id of this.#order()) {
      try {
        const answer = await this.#ask(id, data, headers, timeoutMs)
        if (answer.type !== 'api.response' || typeof answer.status !== 'number') throw new Error(`apiserver ${id} sent a malformed answer`)
        if (answer.status === 503) {
          unavailable = { status: answer.status, body: answer.body }
          this.#suspect(id)
          continue
        }
        this.#suspects.delete(id)
        return { status: answer.status, body: answer.body }
      } catch (error) {
        if (!(error instanceof RequestTimeoutError || error instanceof NoRespondersError)) throw error
        this.#suspect(id)
        // Silent for the client's whole timeout (not a call's shorter one): the watches it serves
        // resume elsewhere now, not after their own keepalive times out too.
        if (error instanceof NoRespondersError || timeoutMs === undefined) this.#watches.hub.serverSilent(id)
        if (error instanceof RequestTimeoutError && !read) throw error
        lastError = error
      }
    }
    if (unavailable !== undefined) return unavailable
    throw lastError instanceof Error ? lastError : new Error('no apiserver answered')
  }

  #subjectOf(id: string): string {
    return subjectFor(this.#o.cluster, { component: 'apiserver', instance: id })
  }

  /** One request to one apiserver and its decoded answer; `timeoutMs`: this call's, instead of the client's. */
  async #ask(id: string, data: Uint8Array, headers?: Record<string, string>, timeoutMs?: number): Promise<WireEvent> {
    const reply = await this.#requester.request(this.#subjectOf(id), data, { timeoutMs: timeoutMs ?? this.#o.timeoutMs ?? 5000, ...(headers ? { headers } : {}) })
    const answer = decodeEvent(reply.data, MAX_ANSWER_BYTES)
    if (answer instanceof DecodeFailure) throw new Error(`apiserver ${id} sent a malformed answer`)
    return answer
  }

  /** The apiservers to try: the preferred one, else starting at the next in turn; those that failed within SUSPECT_MS last. */
  #order(): string[] {
    const servers = this.#o.apiservers
    const preferred = servers.indexOf(this.#o.preferredApiserver ?? '')
    const first = preferred >= 0 ? preferred : this.#next++
    const rotated = servers.map((_, i) => servers[(first + i) % servers.length]!)
    const now = this.#clock.now()
    const fine = rotated.filter((id) => (this.#suspects.get(id) ?? -Infinity) + SUSPECT_MS <= now)
    return fine.length === rotated.length ? rotated : [...fine, ...rotated.filter((id) => !fine.includes(id))]
  }

  #suspect(id: string): void {
    this.#suspects.set(id, this.#clock.now())
  }

  /** The body of a successful call; an ApiError otherwise. */
  async #ok(method: string, path: string, options: { query?: Record<string, string>; body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<KubeObject> {
    const r = await this.call(method, path, options)
    if (r.status >= 400) throw new ApiError(r.status, r.body)
    return r.body as KubeObject
  }

  /** `timeoutMs`: how long each apiserver gets to answer this read, instead of the client's timeout. */
  get(path: string, options: { timeoutMs?: number } = {}): Promise<KubeObject> {
    return this.#ok('GET', path, options)
  }

  list(path: string, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<KubeObject & { items: KubeObject[] }> {
    const query = Object.fromEntries(Object.entries(selectors).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>
    return this.#ok('GET', path, { query }) as Promise<KubeObject & { items: KubeObject[] }>
  }

  create(path: string, object: KubeObject): Promise<KubeObject> {
    return this.#ok('POST', path, { body: object })
  }

  /** PUT; a stale `metadata.resourceVersion` is an ApiError with status 409. `timeoutMs`: this call's, instead of the client's. */
  update(path: string, object: KubeObject, options: { timeoutMs?: number } = {}): Promise<KubeObject> {
    return this.#ok('PUT', path, { body: object, ...options })
  }

  patch(path: string, patch: unknown, contentType = 'application/merge-patch+json'): Promise<KubeObject> {
    return this.#ok('PATCH', path, { body: patch, contentType })
  }

  delete(path: string): Promise<KubeObject> {
    return this.#ok('DELETE', path)
  }

  /**
   * Stops at once: calls in flight reject with ApiClientClosedError and are not sent again, later
   * calls reject without sending; then the watches are cancelled.
   */
  async close(): Promise<void> {
    this.#closed = true
    this.#requester.close()
    await this.#watches.close()
  }
}

/** A 429 Status's details.retryAfterSeconds in ms (1 s when absent, as kube-apiserver sends). */
export function retryAfterMs(body: unknown): number {
  const seconds = (body as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details?.retryAfterSeconds
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 1000
}
