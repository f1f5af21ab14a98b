/**
 * What applying a command returns. Plain data, so the replica can send it back to the client.
 * Every result carries `revision`: the store's revision after the command (etcd's header revision).
 * Failures are results, never exceptions, so a bad command cannot stop a replica.
 */
import type { KeyValue, WatchEvent } from './types.ts'

export type ErrorCode =
  | 'bad-request'
  | 'value-too-large'
  | 'lease-not-found'
  | 'lease-exists'
  | 'compacted'
  | 'future-revision'

export interface ErrorResult {
  readonly ok: false
  readonly error: ErrorCode
  readonly message: string
  readonly revision: number
  /** Set with `compacted`: the oldest revision still readable. */
  readonly compactRevision?: number
}

export interface PutResult {
  readonly ok: true
  readonly type: 'put'
  readonly revision: number
  readonly prevKv?: KeyValue | null
}

export interface DeleteRangeResult {
  readonly ok: true
  readonly type: 'deleteRange'
  readonly revision: number
  readonly deleted: number
  readonly prevKvs?: readonly KeyValue[]
}

export interface RangeResult {
  readonly ok: true
  readonly type: 'range'
  readonly revision: number
  /** Empty when countOnly. Values are empty when keysOnly. */
  readonly kvs: readonly KeyValue[]
  /** Number of keys in the range (before `limit`). */
  readonly count: number
  readonly more: boolean
}

export type TxnOpResult = PutResult | DeleteRangeResult | RangeResult

export interface TxnResult {
  readonly ok: true
  readonly type: 'txn'
  readonly revision: number
  readonly succeeded: boolean
  readonly responses: readonly TxnOpResult[]
}

export interface LeaseGrantResult {
  readonly ok: true
  readonly type: 'leaseGrant'
  readonly revision: number
  readonly id: number
  readonly ttlMs: number
  readonly expiresAt: number
}

export interface LeaseRevokeResult {
  readonly ok: true
  readonly type: 'leaseRevoke'
  readonly revision: number
  readonly deleted: number
}

export interface LeaseKeepAliveResult {
  readonly ok: true
  readonly type: 'leaseKeepAlive'
  readonly revision: number
  readonly id: number
  readonly ttlMs: number
  readonly expiresAt: number
}

export interface LeaseExpireResult {
  readonly ok: true
  readonly type: 'leaseExpire'
  readonly revision: number
  /** The leases revoked, ascending. */
  readonly expired: readonly number[]
  readonly deleted: number
}

export interface CompactResult {
  readonly ok: true
  readonly type: 'compact'
  readonly revision: number
  readonly compactRevision: number
}

export type CommandResult =
  | ErrorResult
  | PutResult
  | DeleteRangeResult
  | RangeResult
  | TxnResult
  | LeaseGrantResult
  | LeaseRevokeResult
  | LeaseKeepAliveResult
  | LeaseExpireResult
  | CompactResult

/** apply's output: the reply, and the events the command produced (for the watch hub). */
export interface ApplyOutput {
  readonly result: CommandResult
  readonly events: readonly WatchEvent[]
}

export type WatchQueryResult =
  | { readonly ok: true; readonly revision: number; readonly events: readonly WatchEvent[]; readonly more: boolean }
  | ErrorResult
