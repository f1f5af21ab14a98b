/**
 * The MVCC store's data model, modelled on etcd's mvccpb.
 *
 * Keys are strings (Kubernetes keys are paths like `/registry/pods/default/x`), values are bytes
 * (Uint8Array), as in etcd. Keys are ordered by JavaScript string comparison (UTF-16 code units),
 * which equals etcd's byte order for ASCII keys; it is the same on every replica, which is what
 * determinism needs. Everything here is plain data so that it crosses the msgpack codec unchanged.
 */

/** A key's state as of some revision. Never mutated once created: history shares these objects. */
export interface KeyValue {
  readonly key: string
  readonly value: Uint8Array
  /** Revision of the put that created this generation of the key (reset by a delete). */
  readonly createRevision: number
  /** Revision of the last write to the key. */
  readonly modRevision: number
  /** Number of puts since the key was (re)created: 1 on creation, 0 never seen (deleted keys are absent). */
  readonly version: number
  /** Attached lease id, 0 for none (etcd's convention). */
  readonly lease: number
}

export type EventType = 'PUT' | 'DELETE'

/**
 * One change, as a watcher sees it. A DELETE's kv carries the key, an empty value and the deleting
 * revision as modRevision (etcd does the same). `sub` orders events inside one revision (a txn).
 */
export interface WatchEvent {
  readonly type: EventType
  readonly kv: KeyValue
  readonly prevKv: KeyValue | null
  readonly revision: number
  readonly sub: number
}

/** etcd's limit on a request (1.5 MiB): larger values are refused, not truncated. */
export const MAX_VALUE_BYTES = 1536 * 1024

/** Keys are Kubernetes paths; a bound keeps a single command from bloating every replica's index. */
export const MAX_KEY_LENGTH = 32 * 1024
