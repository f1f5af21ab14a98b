/**
 * The store's client: etcd-style calls (put, get, range, delete, txn, leases, compact, watch) over
 * the replica protocol in actors/store/replica/protocol.ts.
 *
 * Every call is one request at a time to one replica, retried until its deadline: it goes to the
 * current leader guess, follows `store.redirect`s, and rotates to the next replica on a timeout or
 * when nobody serves the subject. Nothing serializes calls, so any number may be in flight.
 * A write keeps one `requestId` over all its retries; the replicas remember recent ids, which is
 * what makes a write retried after a timeout apply exactly once.
 *
 * Errors: a call returns the ok result; an `ok: false` result or a refused request throws a
 * {@link StoreError} carrying the code; running out of time throws {@link StoreUnavailableError}.
 * The client does not own its transport: close() stops the client, the caller closes the transport.
 */
import { randomClientId } from '../random.ts'
import type { CompactResult, DeleteRangeResult, ErrorCode, ErrorResult, LeaseGrantResult, LeaseKeepAliveResult, LeaseRevokeResult, PutResult, RangeResult, TxnResult } from '../../actors/store/mvcc/results.ts'
import type { Compare, KeySelector, RangeRequest, TxnOp } from '../../actors/store/mvcc/commands.ts'
import type { KeyValue } from '../../actors/store/mvcc/types.ts'
import { replicaAddress, type ClientRequest, type ClientWrite, type StatusReply } from '../../actors/store/replica/protocol.ts'
import { systemClock, type Clock } from '../clock.ts'
import { decodeEvent, DecodeFailure, EncodeError, encodeEvent, type WireEvent } from '../codec.ts'
import { subjectFor, token } from '../subjects.ts'
import { endSpan, startClientSend, tracingOn } from '../telemetry.ts'
import { NoRespondersError, Requester, RequesterClosedError, RequestTimeoutError } from '../transport/requester.ts'
import type { Transport } from '../transport/transport.ts'
import { StoreWatches, type Watch, type WatchHandlers, type WatchLink, type WatchOnEvents, type WatchOptions } from './store-watch.ts'

export type { Watch, WatchHandlers, WatchOnEvents, WatchOptions }

/** The header a replica's host deduplicates requests on (see runtime/host/host-network.ts). */
const MSG_ID_HEADER = 'ak-msg-id'
/** Values may be up to 1.5 MiB (MAX_VALUE_BYTES), so bodies need more than NATS' default 1 MiB. */
export const STORE_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
const FIRST_PAUSE_MS = 20
const MAX_PAUSE_MS = 200

export type StoreErrorCode = ErrorCode | 'unavailable' | 'closed' | 'bad-reply'

export class StoreError extends Error {
  override readonly name: string = 'StoreError'
  readonly code: StoreErrorCode
  /** The store's revision when the error was decided, when the store said. */
  readonly revision: number | undefined
  /** With `compacted`: the oldest revision still readable. */
  readonly compactRevision: number | undefined

  constructor(code: StoreErrorCode, message: string, details: { readonly revision?: number; readonly compactRevision?: number } = {}) {
    super(message)
    this.code = code
    this.revision = details.revision
    this.compactRevision = details.compactRevision
  }

  static fromResult(result: ErrorResult): StoreError {
    return new StoreError(result.error, result.message, { revision: result.revision, ...(result.compactRevision !== undefined ? { compactRevision: result.compactRevision } : {}) })
  }
}

/** No replica gave an answer before the call's deadline (no leader, partitions, all down). */
export class StoreUnavailableError extends StoreError {
  override readonly name: string = 'StoreUnavailableError'
  constructor(message: string) {
    super('unavailable', message)
  }
}

export class StoreClientClosedError extends StoreError {
  override readonly name: string = 'StoreClientClosedError'
  constructor() {
    super('closed', 'store client closed')
  }
}

export interface StoreClientOptions {
  readonly transport: Transport
  readonly clock?: Clock
  readonly cluster: string
  /** Replica ids; the first is the initial leader guess. */
  readonly replicas: readonly string[]
  /** Names this client's watch subject and its write ids; random by default. */
  readonly clientId?: string
  /** One try at one replica. */
  readonly requestTimeoutMs?: number
  /** A whole call, all retries included. */
  readonly deadlineMs?: number
  /** Interval of watch keepalives (the replicas drop watches not renewed for a few seconds). */
  readonly watchKeepAliveMs?: number
  readonly maxBytes?: number
  /** Where dropped pushes, failed keepalives and throwing callbacks are reported. */
  readonly log?: (message: string) => void
}

export interface CallOptions {
  /** Overrides the client's deadlineMs for this call. */
  readonly deadlineMs?: number
  /**
   * A write the cluster's liveness depends on (lease renewals of leader election, node
   * heartbeats): the leader proposes it ahead of the bulk writes waiting for the next batch.
   * Ignored by reads.
   */
  readonly priority?: boolean
}
export interface ReadOptions extends CallOptions {
  /** Any replica may answer from its own state (possibly stale); otherwise the leader confirms. */
  readonly serializable?: boolean
}
export type RangeOptions = Omit<RangeRequest, 'type'>
export interface TxnSpec {
  readonly compare: readonly Compare[]
  readonly success: readonly TxnOp[]
  readonly failure: readonly TxnOp[]
}

/** Where a request goes: `leader` follows redirects and learns the leader; `any` is a serializable read. */
interface Route extends CallOptions {
  readonly any?: boolean
  /** First replica to try instead of the leader guess. */
  readonly start?: string
  /** Filled in with the replica that answered. */
  readonly answered?: { replica: string }
}

export class StoreClient {
  readonly clientId: string
  readonly #clock: Clock
  readonly #cluster: string
  readonly #replicas: readonly string[]
  readonly #subjects = new Map<string, string>()
  readonly #requester: Requester
  readonly #requestTimeoutMs: number
  readonly #deadlineMs: number
  readonly #maxBytes: number
  readonly #watches: StoreWatches
  #leader: string
  #writeSeq = 0
  #messageSeq = 0
  #closed = false

  constructor(options: StoreClientOptions) {
    if (options.replicas.length === 0) throw new RangeError('a store client needs at least one replica')
    this.clientId = token('clientId', options.clientId ?? randomClientId('c'))
    this.#clock = options.clock ?? systemClock
    this.#cluster = options.cluster
    this.#replicas = [...options.replicas]
    for (const id of this.#replicas) this.#subjects.set(id, subjectFor(options.cluster, replicaAddress(id)))
    this.#leader = this.#replicas[0]!
    this.#requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 1000)
    this.#deadlineMs = positive('deadlineMs', options.deadlineMs ?? 10_000)
    this.#maxBytes = options.maxBytes ?? STORE_MAX_MESSAGE_BYTES
    this.#requester = new Requester(options.transport, this.#clock)
    const link: WatchLink = {
      clientId: this.clientId,
      clock: this.#clock,
      transport: options.transport,
      cluster: options.cluster,
      keepAliveMs: positive('watchKeepAliveMs', options.watchKeepAliveMs ?? 1000),
      maxBytes: this.#maxBytes,
      call: (request, route) => this.#call(request, route),
      callOnce: (replica, request) => this.#callOnce(replica, request),
      after: (replica) => this.#after(replica),
      log: options.log ?? (() => {}),
    }
    this.#watches = new StoreWatches(link)
  }

  /** The replica calls go to first. */
  get leaderGuess(): string {
    return this.#leader
  }

  put(key: string, value: Uint8Array, options: { readonly lease?: number; readonly prevKv?: boolean } & CallOptions = {}): Promise<PutResult> {
    const command = { type: 'put' as const, key, value, ...(options.lease ? { lease: options.lease } : {}), ...(options.prevKv ? { prevKv: true } : {}) }
    return this.#write(command, 'put', options)
  }

  /** One key; `kv` is undefined when it does not exist (at `revision`, if given). */
  async get(key: string, options: { readonly revision?: number } & ReadOptions = {}): Promise<{ kv: KeyValue | undefined; revision: number }> {
    const result = await this.range({ key, ...(options.revision ? { revision: options.revision } : {}) }, options)
    return { kv: result.kvs[0], revision: result.revision }
  }

  async range(request: RangeOptions, options: ReadOptions = {}): Promise<RangeResult> {
    const read = { type: 'store.read' as const, request: defined({ type: 'range' as const, ...request }), ...(options.serializable ? { serializable: true } : {}) }
    return expectResult(await this.#call(read, { ...(options.serializable ? { any: true } : {}), ...deadline(options) }), 'range')
  }

  delete(selector: string | KeySelector, options: { readonly prevKv?: boolean } & CallOptions = {}): Promise<DeleteRangeResult> {
    const keys = typeof selector === 'string' ? { key: selector } : defined({ key: selector.key, rangeEnd: selector.rangeEnd, prefix: selector.prefix })
    return this.#write({ type: 'deleteRange', ...keys, ...(options.prevKv ? { prevKv: true } : {}) }, 'deleteRange', options)
  }

  txn(spec: TxnSpec, options: CallOptions = {}): Promise<TxnResult> {
    return this.#write({ type: 'txn', compare: spec.compare, success: spec.success, failure: spec.failure }, 'txn', options)
  }

  /** `id` 0 or absent: the store picks one. */
  leaseGrant(ttlMs: number, id?: number, options: CallOptions = {}): Promise<LeaseGrantResult> {
    return this.#write({ type: 'leaseGrant', ttlMs, ...(id ? { id } : {}) }, 'leaseGrant', options)
  }

  leaseKeepAlive(id: number, options: CallOptions = {}): Promise<LeaseKeepAliveResult> {
    return this.#write({ type: 'leaseKeepAlive', id }, 'leaseKeepAlive', options)
  }

  leaseRevoke(id: number): Promise<LeaseRevokeResult> {
    return this.#write({ type: 'leaseRevoke', id }, 'leaseRevoke', {})
  }

  compact(revision: number): Promise<CompactResult> {
    return this.#write({ type: 'compact', revision }, 'compact', {})
  }

  /** One replica's own view; one try, a StoreUnavailableError if it does not answer in time. */
  async status(replicaId: string): Promise<StatusReply> {
    const reply = await this.#callOnce(replicaId, { type: 'store.status' })
    if (reply.type !== 'store.statusReply') throw new StoreError('bad-reply', `${replicaId} answered a status request with ${reply.type}`)
    return reply as unknown as StatusReply
  }

  /**
   * Asks every replica; a replica claiming leadership wins (the highest term, if an old leader has
   * not heard of a newer one), else the leader a majority names. Also becomes the leader guess.
   */
  async leader(): Promise<string | undefined> {
    const replies = await Promise.all(this.#replicas.map((id) => this.status(id).catch(() => undefined)))
    let claimant: StatusReply | undefined
    const named = new Map<string, number>()
    for (const reply of replies) {
      if (reply === undefined) continue
      if (reply.role === 'leader' && (claimant === undefined || reply.term > claimant.term)) claimant = reply
      if (typeof reply.leader === 'string') named.set(reply.leader, (named.get(reply.leader) ?? 0) + 1)
    }
    let found = claimant?.id
    if (found === undefined) {
      for (const [id, votes] of named) if (votes * 2 > this.#replicas.length) found = id
    }
    if (found !== undefined && this.#subject(found) !== undefined) this.#leader = found
    return found
  }

  /**
   * Calls `onEvents` with every change in the selected keys, in (revision, sub) order and once
   * each, across lost pushes and leader changes; resolves once the watch is established.
   */
  watch(options: WatchOptions, onEvents: WatchOnEvents, handlers: WatchHandlers = {}): Promise<Watch> {
    if (this.#closed) return Promise.reject(new StoreClientClosedError())
    return this.#watches.open(options, onEvents, handlers)
  }

  /** Cancels watches (best effort), then fails every call still in flight with StoreClientClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.#watches.close()
    this.#closed = true
    this.#requester.close()
  }

  async #write<T extends WriteType>(command: ClientWrite, type: T, options: CallOptions): Promise<ResultOf<T>> {
    const request = { type: 'store.write' as const, requestId: `${this.clientId}-${(this.#writeSeq++).toString(36)}`, command, ...(options.priority ? { priority: true } : {}) }
    return expectResult(await this.#call(request, deadline(options)), type)
  }

  /** One request, retried (see the file comment) until it is answered or its deadline passes. */
  async #call(request: ClientRequest, route: Route): Promise<WireEvent> {
    if (!tracingOn()) return this.#retrying(request, route, undefined)
    // Inside a traced operation (an apiserver request) the call is one `send <type>` span, retries included.
    const command = request.type === 'store.write' ? request.command.type : request.type === 'store.read' ? request.request.type : undefined
    const sent = startClientSend(this.#subject(route.start ?? this.#leader) ?? 'store', request.type, command ? { 'ak.store.command': command } : undefined)
    try {
      return await this.#retrying(request, route, sent?.headers)
    } catch (error) {
      endSpan(sent?.span, error)
      throw error
    } finally {
      if (sent?.span.isRecording()) sent.span.end()
    }
  }

  async #retrying(request: ClientRequest, route: Route, traceHeaders: Record<string, string> | undefined): Promise<WireEvent> {
    if (this.#closed) throw new StoreClientClosedError()
    const data = this.#encode(request)
    const deadlineMs = route.deadlineMs ?? this.#deadlineMs
    const deadlineAt = this.#clock.now() + deadlineMs
    let target = route.start ?? this.#leader
    let pauses = 0
    let hops = 0
    let unserved = 0
    let why = 'no try'
    for (;;) {
      const left = deadlineAt - this.#clock.now()
      if (left <= 0) throw new StoreUnavailableError(`${request.type}: no answer within ${deadlineMs} ms (last: ${why})`)
      let reply: WireEvent | DecodeFailure
      const timeoutMs = Math.min(this.#requestTimeoutMs, left)
      try {
        const message = await this.#requester.request(this.#subject(target)!, data, { timeoutMs, headers: this.#headers(traceHeaders) })
        reply = decodeEvent(message.data, this.#maxBytes)
      } catch (error) {
        if (error instanceof RequesterClosedError || this.#closed) throw new StoreClientClosedError()
        if (!(error instanceof RequestTimeoutError || error instanceof NoRespondersError)) throw error
        // Silent for a whole request timeout (not just the end of this call's deadline): the
        // watches it serves (the leader's) move on with this call, not a keepalive later.
        if (error instanceof NoRespondersError || timeoutMs === this.#requestTimeoutMs) this.#watches.hub.serverSilent(target)
        if (error instanceof RequestTimeoutError) why = `${target} timed out`
        else {
          why = `nobody serves ${target}`
          // Unserved subjects answer at once: pause after a whole round so a dead cluster is not spun on.
          if (++unserved % this.#replicas.length === 0) await this.#pause(pauses++, deadlineAt)
        }
        target = this.#after(target)
        continue
      }
      if (reply instanceof DecodeFailure) {
        why = `${target} sent a ${reply.reason} reply`
        target = this.#after(target)
        continue
      }
      if (reply.type === 'store.redirect') {
        const leader = typeof reply.leader === 'string' && this.#subject(reply.leader) !== undefined ? reply.leader : undefined
        why = `${target} redirected (${String(reply.reason)})`
        if (leader !== undefined) this.#leader = leader
        // Follow a named leader at once, but not around a loop of stale redirects forever.
        if (leader !== undefined && leader !== target && ++hops <= this.#replicas.length) {
          target = leader
          continue
        }
        hops = 0
        await this.#pause(pauses++, deadlineAt)
        target = leader ?? this.#after(target)
        continue
      }
      if (reply.type === 'store.refused') {
        if (reply.error !== 'unavailable') throw new StoreError(refusedCode(reply.error), String(reply.message))
        why = `${target} unavailable: ${String(reply.message)}`
        await this.#pause(pauses++, deadlineAt)
        target = this.#after(target)
        continue
      }
      if (this.#closed) throw new StoreClientClosedError()
      if (!route.any) this.#leader = target
      if (route.answered) route.answered.replica = target
      return reply
    }
  }

  async #callOnce(replica: string, request: ClientRequest): Promise<WireEvent> {
    if (this.#closed) throw new StoreClientClosedError()
    const subject = this.#subject(replica)
    if (subject === undefined) throw new StoreError('bad-request', `invalid replica id ${JSON.stringify(replica)}`)
    let reply: WireEvent | DecodeFailure
    try {
      const message = await this.#requester.request(subject, this.#encode(request), { timeoutMs: this.#requestTimeoutMs, headers: this.#headers() })
      reply = decodeEvent(message.data, this.#maxBytes)
    } catch (error) {
      if (error instanceof RequesterClosedError || this.#closed) throw new StoreClientClosedError()
      if (error instanceof RequestTimeoutError || error instanceof NoRespondersError) throw new StoreUnavailableError(`${request.type} at ${replica}: ${error.message}`)
      throw error
    }
    if (reply instanceof DecodeFailure) throw new StoreError('bad-reply', `${replica} sent a ${reply.reason} reply: ${reply.detail}`)
    return reply
  }

  #encode(request: ClientRequest): Uint8Array {
    try {
      return encodeEvent(request, this.#maxBytes)
    } catch (error) {
      if (error instanceof EncodeError) throw new StoreError('value-too-large', error.message)
      throw error
    }
  }

  // A fresh id per try: the host replays its cached reply to a repeated id, and a cached
  // "no leader" redirect replayed after the election would send the client in circles.
  #headers(traceHeaders?: Record<string, string>): Record<string, string> {
    return { ...traceHeaders, [MSG_ID_HEADER]: `${this.clientId}.${(this.#messageSeq++).toString(36)}` }
  }

  /** The replica's subject; undefined for an id that cannot be a subject token (a bad redirect). */
  #subject(id: string): string | undefined {
    let subject = this.#subjects.get(id)
    if (subject === undefined) {
      try {
        subject = subjectFor(this.#cluster, replicaAddress(id))
      } catch {
        return undefined
      }
      this.#subjects.set(id, subject)
    }
    return subject
  }

  #after(replica: string): string {
    const i = this.#replicas.indexOf(replica)
    return this.#replicas[(i + 1) % this.#replicas.length]!
  }

  /** Backoff: 20, 40, 80, 160, 200, 200... ms, never past the deadline. */
  #pause(n: number, deadlineAt: number): Promise<void> {
    const ms = Math.max(0, Math.min(FIRST_PAUSE_MS * 2 ** n, MAX_PAUSE_MS, deadlineAt - this.#clock.now()))
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms))
  }
}

type WriteType = 'put' | 'deleteRange' | 'txn' | 'leaseGrant' | 'leaseKeepAlive' | 'leaseRevoke' | 'compact'
type ResultOf<T extends string> = Extract<PutResult | DeleteRangeResult | RangeResult | TxnResult | LeaseGrantResult | LeaseKeepAliveResult | LeaseRevokeResult | CompactResult, { type: T }>

function expectResult<T extends WriteType | 'range'>(reply: WireEvent, type: T): ResultOf<T> {
  const result = reply.type === 'store.result' ? (reply.result as { ok?: unknown; type?: unknown } | undefined) : undefined
  if (result === undefined || typeof result !== 'object' || result === null) throw new StoreError('bad-reply', `expected a ${type} result, got ${reply.type}`)
  if (result.ok === false) return throwResult(result as ErrorResult)
  if (result.type !== type) throw new StoreError('bad-reply', `expected a ${type} result, got ${String(result.type)}`)
  return result as ResultOf<T>
}

function throwResult(result: ErrorResult): never {
  throw StoreError.fromResult(result)
}

function refusedCode(error: unknown): StoreErrorCode {
  return error === 'value-too-large' ? 'value-too-large' : 'bad-request'
}

/** Drops undefined fields: the codec refuses them (they are not plain msgpack data). */
function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v
  return out as T
}

function deadline(options: CallOptions): CallOptions {
  return options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`)
  return value
}

