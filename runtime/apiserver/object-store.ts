/**
 * Kubernetes objects in the cluster store: what the API server does between a validated request
 * and the store. Objects are JSON under `/registry/...` keys; `metadata.resourceVersion` is the
 * key's modRevision, filled in on the way out and never stored. Creates and updates are
 * compare-and-swap transactions, so concurrent writers get AlreadyExists or Conflict instead of
 * overwriting each other (Kubernetes' optimistic concurrency). A write of a kube-system Lease
 * keeps its term record, and a fenced write checks one, in the same transaction (fence.ts).
 */
import { fenceCompare, fenceHolds, fenceRead, FenceRefused, termRecordDelete, termRecordPut } from '../../actors/apiserver/fence.ts'
import type { KubeObject, ObjectEvent, ObjectsPort, WriteOptions, WriteOutcome } from '../../actors/apiserver/ports.ts'
import type { Compare, TxnOp } from '../../actors/store/mvcc/commands.ts'
import type { TxnResult } from '../../actors/store/mvcc/results.ts'
import type { KeyValue, WatchEvent } from '../../actors/store/mvcc/types.ts'
import { prefixEnd } from '../../actors/store/mvcc/key-range.ts'
import { IDENTITY_TRANSFORMER, type StorageTransformer } from '../../actors/apiserver/encryption/storage-transformer.ts'
import type { CallOptions, StoreClient, TxnSpec } from '../store/store-client.ts'
import type { Watch } from '../store/store-watch.ts'

export type { KubeObject, ObjectEvent, WriteOutcome }

/** Keys per store read when listing (a pod is a few KiB of JSON; messages are at most 4 MiB). */
export const RANGE_PAGE = 500

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The object as stored: without resourceVersion, which the store's revision stands for. */
function encode(object: KubeObject): Uint8Array {
  const { resourceVersion: _, ...metadata } = object.metadata ?? {}
  return encoder.encode(JSON.stringify({ ...object, metadata }))
}

export function decode(value: Uint8Array, modRevision: number): KubeObject {
  const object = JSON.parse(decoder.decode(value)) as KubeObject
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(modRevision) } }
}

export interface ObjectStoreOptions {
  /**
   * Writes are store priority proposals, ahead of the batch of bulk writes (what flow control
   * classifies as leader election or node heartbeat: a late Lease renewal costs a leader).
   */
  readonly priority?: boolean
  /** How objects' bytes are stored (encryption at rest, secret-encryption.ts); plain by default. */
  readonly transformer?: StorageTransformer
}

export class ObjectStore implements ObjectsPort {
  readonly #store: StoreClient
  readonly #writes: CallOptions
  readonly #transformer: StorageTransformer

  constructor(store: StoreClient, options: ObjectStoreOptions = {}) {
    this.#store = store
    this.#writes = options.priority ? { priority: true } : {}
    this.#transformer = options.transformer ?? IDENTITY_TRANSFORMER
  }

  /** The object a stored key-value holds (decrypted if it was encrypted), at its modRevision. */
  decodeKv(kv: { readonly key: string; readonly value: Uint8Array; readonly modRevision: number }): KubeObject {
    return decode(this.#transformer.fromStorage(kv.key, kv.value), kv.modRevision)
  }

  #encode(key: string, object: KubeObject): Uint8Array {
    return this.#transformer.toStorage(key, encode(object))
  }

  /** Stores a new object at `key`; AlreadyExists if the key holds one. */
  async create(key: string, object: KubeObject, options: WriteOptions = {}): Promise<WriteOutcome> {
    const r = await this.#txn(
      {
        compare: [{ key, target: 'exists', op: '=', value: false }],
        success: withDefined({ type: 'put', key, value: this.#encode(key, object) }, termRecordPut(key, object)),
        failure: [],
      },
      options,
    )
    if (!r.succeeded) return { ok: false, reason: 'AlreadyExists' }
    return { ok: true, object: withVersion(object, r.revision) }
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const { kv } = await this.#store.get(key)
    return kv && this.decodeKv(kv)
  }

  /** Every object under `prefix`, and the revision the list is consistent at (a watch starts after it). */
  async list(prefix: string, _options?: { readonly anyVersion?: boolean }): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const r = await this.rangeAll(prefix)
    return { items: r.kvs.map((kv) => this.decodeKv(kv)), resourceVersion: String(r.revision) }
  }

  /**
   * Every key under `prefix` at one revision, read in pages of {@link RANGE_PAGE} keys: one answer
   * with ten thousand pods would be over the messages' size limit.
   */
  async rangeAll(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const end = prefixEnd(prefix) ?? '\0'
    const first = await this.#store.range({ key: prefix, prefix: true, limit: RANGE_PAGE })
    const kvs = [...first.kvs]
    let more = first.more
    while (more) {
      const after = `${kvs[kvs.length - 1]!.key}\0`
      const page = await this.#store.range({ key: after, rangeEnd: end, limit: RANGE_PAGE, revision: first.revision })
      kvs.push(...page.kvs)
      more = page.more && page.kvs.length > 0
    }
    return { kvs, revision: first.revision }
  }

  /**
   * Replaces the object at `key` if it still has `resourceVersion` (any version when absent):
   * Conflict if it changed meanwhile, NotFound if it is gone.
   */
  async update(key: string, object: KubeObject, resourceVersion?: string, options: WriteOptions = {}): Promise<WriteOutcome> {
    const r = await this.#txn(
      {
        compare: [precondition(key, resourceVersion)],
        success: withDefined({ type: 'put', key, value: this.#encode(key, object) }, termRecordPut(key, object)),
        failure: [{ type: 'range', key }],
      },
      options,
    )
    if (r.succeeded) return { ok: true, object: withVersion(object, r.revision) }
    return { ok: false, reason: whyNot(r) }
  }

  /** Deletes the object at `key` (only at `resourceVersion` when given); returns what was deleted. */
  async delete(key: string, resourceVersion?: string, options: WriteOptions = {}): Promise<WriteOutcome> {
    const r = await this.#txn(
      {
        compare: [precondition(key, resourceVersion)],
        success: withDefined({ type: 'deleteRange', key, prevKv: true }, termRecordDelete(key)),
        failure: [{ type: 'range', key }],
      },
      options,
    )
    if (r.succeeded) {
      const deleted = r.responses[0]
      const prev = deleted?.type === 'deleteRange' ? deleted.prevKvs?.[0] : undefined
      if (prev === undefined) return { ok: false, reason: 'NotFound' }
      return { ok: true, object: this.decodeKv(prev) }
    }
    return { ok: false, reason: whyNot(r) }
  }

  /**
   * Whether the object at `key` is still at `resourceVersion` (there at all when absent), as a txn of reads: ordered in the
   * store's log as a write is (so a fence is checked), and writing nothing (the revision stays).
   */
  async confirm(key: string, resourceVersion?: string, options: WriteOptions = {}): Promise<WriteOutcome> {
    const r = await this.#txn({ compare: [precondition(key, resourceVersion)], success: [{ type: 'range', key }], failure: [{ type: 'range', key }] }, options)
    const read = r.responses[0]
    const kv = read?.type === 'range' ? read.kvs[0] : undefined
    if (r.succeeded && kv !== undefined) return { ok: true, object: this.decodeKv(kv) }
    return { ok: false, reason: whyNot(r) }
  }

  /**
   * Runs a write's txn; fenced, it also compares the lease's term record (and reads it when the
   * txn fails: a term that is over throws FenceRefused, before any other reason is looked at).
   */
  async #txn(txn: TxnSpec, { fence }: WriteOptions): Promise<TxnResult> {
    if (fence === undefined) return this.#store.txn(txn, this.#writes)
    const r = await this.#store.txn({ compare: [...txn.compare, fenceCompare(fence)], success: txn.success, failure: [...txn.failure, fenceRead(fence)] }, this.#writes)
    const record = r.responses.at(-1)
    if (!r.succeeded && !(record?.type === 'range' && fenceHolds(fence, record.kvs))) throw new FenceRefused(fence)
    return r
  }

  #toObjectEvent(e: WatchEvent): ObjectEvent {
    if (e.type === 'DELETE') {
      const prev = e.prevKv
      const object = prev ? this.decodeKv({ ...prev, modRevision: e.revision }) : { metadata: { resourceVersion: String(e.revision) } }
      return { type: 'DELETED', object }
    }
    const object = this.decodeKv(e.kv)
    if (e.kv.version === 1 || e.prevKv === null) return { type: 'ADDED', object }
    return { type: 'MODIFIED', object, previous: this.decodeKv(e.prevKv) }
  }

  /**
   * Changes under `prefix` after `resourceVersion` (as from a list), in order, as Kubernetes watch
   * events. A compacted version fails the watch (the API answers 410 Gone).
   */
  watch(prefix: string, resourceVersion: string, onEvents: (events: readonly ObjectEvent[]) => void, onError?: (error: Error) => void): Promise<Watch> {
    const from = Number(resourceVersion) + 1
    return this.#store.watch({ key: prefix, prefix: true, fromRevision: from }, (events) => onEvents(events.map((e) => this.#toObjectEvent(e))), onError ? { onError } : {})
  }
}

/** The txn ops `first`, then `extra` when there is one. */
function withDefined(first: TxnOp, extra: TxnOp | undefined): TxnOp[] {
  return extra === undefined ? [first] : [first, extra]
}

/** The key still at `resourceVersion`, or (none given) still there at all. */
function precondition(key: string, resourceVersion: string | undefined): Compare {
  return resourceVersion === undefined ? { key, target: 'exists', op: '=', value: true } : { key, target: 'modRevision', op: '=', value: Number(resourceVersion) }
}

/** Why a guarded txn (failure branch: a range of the key) did not apply. */
function whyNot(r: TxnResult): 'Conflict' | 'NotFound' {
  const current = r.responses[0]
  return current?.type === 'range' && current.kvs.length > 0 ? 'Conflict' : 'NotFound'
}

function withVersion(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } }
}

