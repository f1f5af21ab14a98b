/**
 * The commands the state machine applies. They travel through the Raft log, so they are plain data
 * and carry everything the outcome depends on, including time (`now`, in ms, chosen by the leader
 * when it proposes): replicas never read a clock, so they all compute the same state.
 *
 * Key selection follows etcd: `key` alone is one key; `rangeEnd` makes [key, rangeEnd) ("\0" means
 * no upper bound); `prefix: true` selects every key starting with `key`.
 */

export interface KeySelector {
  readonly key: string
  readonly rangeEnd?: string
  readonly prefix?: boolean
}

export interface PutCommand {
  readonly type: 'put'
  readonly key: string
  readonly value: Uint8Array
  /** Lease to attach the key to; 0 or absent detaches it. Unknown leases make the put fail. */
  readonly lease?: number
  /** Return the key's previous state. */
  readonly prevKv?: boolean
}

export interface DeleteRangeCommand extends KeySelector {
  readonly type: 'deleteRange'
  readonly prevKv?: boolean
}

/** A read. Served from the state directly (after ReadIndex), or inside a txn. */
export interface RangeRequest extends KeySelector {
  readonly type: 'range'
  /** At most this many kvs (0 or absent: no limit); `more` tells whether some were left off. */
  readonly limit?: number
  /** Read as of this revision (0 or absent: the current one). */
  readonly revision?: number
  readonly keysOnly?: boolean
  readonly countOnly?: boolean
}

export type TxnOp = PutCommand | DeleteRangeCommand | RangeRequest

export type CompareTarget = 'version' | 'createRevision' | 'modRevision' | 'value' | 'exists'
export type CompareOp = '=' | '!=' | '<' | '>'

/**
 * One guard of a txn. `value` is a number for version/revisions, bytes for value, a boolean for
 * exists. As in etcd, a missing key has version/createRevision/modRevision 0 and fails any value
 * compare.
 */
export interface Compare {
  readonly key: string
  readonly target: CompareTarget
  readonly op: CompareOp
  readonly value: number | Uint8Array | boolean
}

export interface TxnCommand {
  readonly type: 'txn'
  readonly compare: readonly Compare[]
  readonly success: readonly TxnOp[]
  readonly failure: readonly TxnOp[]
}

export interface LeaseGrantCommand {
  readonly type: 'leaseGrant'
  /** Requested id; absent or 0 lets the store pick the next free one (deterministically). */
  readonly id?: number
  readonly ttlMs: number
  readonly now: number
}

export interface LeaseRevokeCommand {
  readonly type: 'leaseRevoke'
  readonly id: number
}

export interface LeaseKeepAliveCommand {
  readonly type: 'leaseKeepAlive'
  readonly id: number
  readonly now: number
}

/**
 * Proposed by the leader: revoke every lease expired at `now`, or exactly the leases in `ids`
 * (the leader may compute them with `expiredLeases(now)`). Either way every replica does the same.
 */
export type LeaseExpireCommand =
  | { readonly type: 'leaseExpire'; readonly now: number }
  | { readonly type: 'leaseExpire'; readonly ids: readonly number[] }

export interface CompactCommand {
  readonly type: 'compact'
  readonly revision: number
}

export type Command =
  | PutCommand
  | DeleteRangeCommand
  | TxnCommand
  | LeaseGrantCommand
  | LeaseRevokeCommand
  | LeaseKeepAliveCommand
  | LeaseExpireCommand
  | CompactCommand
  | RangeRequest
