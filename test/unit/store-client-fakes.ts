/**
 * A tiny fake of the store's replicas for the client's unit tests: one shared key-value state
 * (as if perfectly replicated), a leader id the test moves around, and per-replica behaviour
 * (answer, stay silent, or a test's own interceptor) on an in-memory network in virtual time.
 */
import type { KeyValue, WatchEvent } from '../../actors/store/mvcc/types.ts'
import { replicaAddress, watchAddress, type WatchEventsPush } from '../../actors/store/replica/protocol.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { seededRandom } from '../../runtime/random.ts'
import { MemoryNetwork, type MemoryTransport } from '../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'
import { StoreClient, type StoreClientOptions } from '../../runtime/store/store-client.ts'
import { subjectFor } from '../../runtime/subjects.ts'
import type { InboundMessage } from '../../runtime/transport/transport.ts'
import { flush } from '../helpers/flush.ts'

export const CLUSTER = 'c1'
const MAX = 4 * 1024 * 1024

export interface Seen {
  readonly request: WireEvent
  readonly msgId: string | undefined
}

interface FakeWatch {
  readonly clientId: string
  readonly key: string
  readonly prefix: boolean
  seq: number
}

/** Returns true when it answered (or deliberately ignored) the request itself. */
export type Intercept = (request: WireEvent, respond: (event: WireEvent) => void) => boolean

export class FakeReplica {
  readonly id: string
  readonly transport: MemoryTransport
  readonly seen: Seen[] = []
  readonly watches = new Map<string, FakeWatch>()
  silent = false
  intercept: Intercept | undefined
  /** Splits catch-up and live pushes into pushes of at most this many events. */
  eventsPerPush = 512
  /** Loses this many of the next pushes (their seqs are used up, as if lost on the way). */
  dropPushes = 0
  readonly #cluster: FakeCluster

  constructor(cluster: FakeCluster, id: string) {
    this.#cluster = cluster
    this.id = id
    this.transport = cluster.network.connect(id)
    this.transport.subscribe(subjectFor(CLUSTER, replicaAddress(id)), (m) => this.#handle(m))
  }

  /** Pushes to a watch with the next seq (or the given fields, to fake losses). */
  push(watchId: string, events: readonly WatchEvent[], extra: Partial<WatchEventsPush> = {}): void {
    const watch = this.watches.get(watchId)
    if (!watch) throw new Error(`${this.id} has no watch ${watchId}`)
    const event = { type: 'store.events', watchId, seq: ++watch.seq, events, revision: this.#cluster.revision, ...extra }
    if (this.dropPushes > 0 && this.dropPushes--) return
    this.transport.publish(subjectFor(CLUSTER, watchAddress(watch.clientId)), encodeEvent(event, MAX))
  }

  /** Sends the watch's matching events, split as a real replica would. */
  offer(events: readonly WatchEvent[]): void {
    for (const [id, watch] of this.watches) {
      const mine = events.filter((e) => matches(watch, e.kv.key))
      for (let i = 0; i < mine.length; i += this.eventsPerPush) this.push(id, mine.slice(i, i + this.eventsPerPush))
    }
  }

  #handle(message: InboundMessage): void {
    const request = decodeEvent(message.data, MAX)
    if (request instanceof DecodeFailure) throw new Error(`fake replica got ${request.reason}`)
    this.seen.push({ request, msgId: message.headers?.['ak-msg-id'] })
    const respond = (event: WireEvent) => {
      if (message.reply) this.transport.publish(message.reply, encodeEvent(event, MAX))
    }
    if (this.silent) return
    if (this.intercept?.(request, respond)) return
    const c = this.#cluster
    switch (request.type) {
      case 'store.status':
        return respond({ type: 'store.statusReply', id: this.id, role: c.leader === this.id ? 'leader' : 'follower', term: 1, leader: c.leader, commit: 0, applied: 0, lastIndex: 0, snapshotIndex: 0, revision: c.revision, compactRevision: c.compactRevision, watchers: this.watches.size })
      case 'store.watchKeepAlive': {
        const ids = request.watchIds as string[]
        return respond({ type: 'store.watchAlive', missing: ids.filter((id) => !this.watches.has(id)), lastSeqs: ids.map((id) => this.watches.get(id)?.seq ?? 0) })
      }
      case 'store.watchCancel':
        this.watches.delete(request.watchId as string)
        return respond({ type: 'store.result', result: { ok: true, type: 'watchCancel', revision: c.revision } })
    }
    if (c.leader !== this.id && !(request.type === 'store.read' && request.serializable)) {
      return respond({ type: 'store.redirect', ...(c.leader ? { leader: c.leader } : {}), reason: c.leader ? 'not-leader' : 'no-leader' })
    }
    switch (request.type) {
      case 'store.write':
        return respond({ type: 'store.result', result: c.write(request.requestId as string, request.command as WireEvent) })
      case 'store.read': {
        const r = request.request as { key: string; prefix?: boolean }
        const kvs = [...c.kvs.values()].filter((kv) => (r.prefix ? kv.key.startsWith(r.key) : kv.key === r.key))
        return respond({ type: 'store.result', result: { ok: true, type: 'range', revision: c.revision, kvs, count: kvs.length, more: false } })
      }
      case 'store.watch': {
        const from = request.fromRevision as number
        if (from > 0 && from < c.compactRevision) {
          return respond({ type: 'store.result', result: { ok: false, error: 'compacted', message: 'compacted', revision: c.revision, compactRevision: c.compactRevision } })
        }
        const watchId = request.watchId as string
        const watch: FakeWatch = { clientId: request.clientId as string, key: request.key as string, prefix: request.prefix === true, seq: 0 }
        this.watches.set(watchId, watch)
        respond({ type: 'store.watching', watchId, revision: c.revision })
        const backlog = from > 0 ? c.log.filter((e) => e.revision >= from && matches(watch, e.kv.key)) : []
        for (let i = 0; i < backlog.length; i += this.eventsPerPush) this.push(watchId, backlog.slice(i, i + this.eventsPerPush))
        return
      }
    }
  }
}

export class FakeCluster {
  readonly clock = new VirtualClock()
  readonly network = new MemoryNetwork(this.clock, seededRandom(7), { minLatencyMs: 1, maxLatencyMs: 1 })
  readonly replicas = new Map<string, FakeReplica>()
  readonly kvs = new Map<string, KeyValue>()
  readonly log: WatchEvent[] = []
  /** requestId -> result: the real replica's exactly-once table. */
  readonly applied = new Map<string, unknown>()
  leader: string | undefined
  revision = 0
  compactRevision = 0
  #clients = 0

  /** `leader` null: no leader yet. */
  constructor(ids: readonly string[], leader: string | null = ids[0]!) {
    for (const id of ids) this.replicas.set(id, new FakeReplica(this, id))
    this.leader = leader ?? undefined
  }

  replica(id: string): FakeReplica {
    return this.replicas.get(id)!
  }

  client(options: Partial<StoreClientOptions> = {}): StoreClient {
    return new StoreClient({ transport: this.network.connect(`client${this.#clients++}`), clock: this.clock, cluster: CLUSTER, replicas: [...this.replicas.keys()], clientId: 'cl', ...options })
  }

  /** Puts every key in one revision (a txn), then offers the events to every replica's watches. */
  putAll(keys: readonly string[], value = 'v'): WatchEvent[] {
    const revision = ++this.revision
    const events = keys.map((key, sub) => {
      const old = this.kvs.get(key)
      const kv: KeyValue = { key, value: new TextEncoder().encode(value), createRevision: old?.createRevision ?? revision, modRevision: revision, version: (old?.version ?? 0) + 1, lease: 0 }
      this.kvs.set(key, kv)
      return { type: 'PUT' as const, kv, prevKv: old ?? null, revision, sub }
    })
    this.log.push(...events)
    for (const r of this.replicas.values()) r.offer(events)
    return events
  }

  write(requestId: string, command: WireEvent): unknown {
    if (this.applied.has(requestId)) return this.applied.get(requestId)
    let result: unknown
    if (command.type === 'put') {
      this.putAll([command.key as string])
      result = { ok: true, type: 'put', revision: this.revision }
    } else if (command.type === 'compact') {
      this.compactRevision = command.revision as number
      result = { ok: true, type: 'compact', revision: this.revision, compactRevision: this.compactRevision }
    } else {
      result = { ok: false, error: 'bad-request', message: `fake cannot ${command.type}`, revision: this.revision }
    }
    this.applied.set(requestId, result)
    return result
  }
}

function matches(watch: FakeWatch, key: string): boolean {
  return watch.prefix ? key.startsWith(watch.key) : key === watch.key
}

/** Advances virtual time by `ms`, 1 ms at a time, letting promise continuations run in between. */
export async function settle(clock: VirtualClock, ms: number): Promise<void> {
  await flush()
  for (let i = 0; i < ms; i++) {
    clock.advance(1)
    await flush()
  }
}

/** Observes a promise without letting a rejection go unhandled. */
export function outcome<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false }
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  )
  return state
}
