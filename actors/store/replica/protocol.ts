/**
 * The store's wire protocol: what clients, peers and the replica's disk service exchange with a
 * replica actor. Every message is a plain XState event (msgpack-encoded on the wire).
 *
 * Clients talk to `{ component: 'store', instance: <replica id> }` with requests and get exactly
 * one reply each: `store.result` (the state machine's result, which may itself be an error such
 * as `compacted`), `store.redirect` (not the leader: retry at `leader` if known) or
 * `store.refused` (the request itself is bad, or the store is not ready: do not retry as is).
 *
 * Writes carry a `requestId`, unique per client and reused on every retry: the state machine
 * remembers recent ids, so a write retried at a new leader after a timeout is applied once.
 */
import type { Address } from '../../kit/address.ts'
import type {
  CompactCommand,
  DeleteRangeCommand,
  LeaseRevokeCommand,
  PutCommand,
  RangeRequest,
  TxnCommand,
} from '../mvcc/commands.ts'
import type { CommandResult, ErrorResult } from '../mvcc/results.ts'
import type { KeyValue, WatchEvent } from '../mvcc/types.ts'
import type { PeerMessage } from '../raft/messages.ts'
import type { Entry, HardState, Snapshot } from '../raft/types.ts'

export const STORE_COMPONENT = 'store'
/** Watch events are pushed to `{ component: WATCH_COMPONENT, instance: <client id> }`. */
export const WATCH_COMPONENT = 'storewatch'

export const replicaAddress = (id: string): Address => ({ component: STORE_COMPONENT, instance: id })
export const watchAddress = (clientId: string): Address => ({ component: WATCH_COMPONENT, instance: clientId })

/** Lease commands as a client sends them: the leader stamps the time. */
export interface ClientLeaseGrant { readonly type: 'leaseGrant'; readonly id?: number; readonly ttlMs: number }
export interface ClientLeaseKeepAlive { readonly type: 'leaseKeepAlive'; readonly id: number }

/** Everything a client may write. */
export type ClientWrite =
  | PutCommand
  | DeleteRangeCommand
  | TxnCommand
  | ClientLeaseGrant
  | ClientLeaseKeepAlive
  | LeaseRevokeCommand
  | CompactCommand

// ---- client -> replica (requests) ----

/** `priority`: the leader proposes it before the writes already waiting (lease renewals, heartbeats). */
export interface WriteRequest { readonly type: 'store.write'; readonly requestId: string; readonly command: ClientWrite; readonly priority?: boolean }
/** A read; linearizable (ReadIndex at the leader) unless `serializable`, then any replica answers. */
export interface ReadRequest { readonly type: 'store.read'; readonly request: RangeRequest; readonly serializable?: boolean }
/**
 * Opens a watch pushing `store.events` to `watchAddress(clientId)`. Events from `fromRevision`
 * on (0: from the next write) are sent first, then every later change as it is applied.
 */
export interface WatchRequest {
  readonly type: 'store.watch'
  readonly clientId: string
  readonly watchId: string
  readonly key: string
  readonly rangeEnd?: string
  readonly prefix?: boolean
  readonly fromRevision: number
}
/** Keeps a client's watches alive (they lapse unrenewed); the reply lists the ones this replica lacks. */
export interface WatchKeepAlive { readonly type: 'store.watchKeepAlive'; readonly clientId: string; readonly watchIds: readonly string[] }
export interface WatchCancel { readonly type: 'store.watchCancel'; readonly watchId: string }
export interface StatusRequest { readonly type: 'store.status' }
/** Operator or graceful shutdown: hand leadership to another replica. */
export interface TransferRequest { readonly type: 'store.transfer'; readonly to?: string }

export type ClientRequest = WriteRequest | ReadRequest | WatchRequest | WatchKeepAlive | WatchCancel | StatusRequest | TransferRequest

// ---- replica -> client ----

export interface ResultReply { readonly type: 'store.result'; readonly result: CommandResult | ErrorResult }
export interface RedirectReply {
  readonly type: 'store.redirect'
  /** Where to retry; absent while no leader is known (retry after a pause). */
  readonly leader?: string
  readonly reason: 'not-leader' | 'transferring' | 'stepped-down' | 'no-leader'
}
export interface RefusedReply {
  readonly type: 'store.refused'
  readonly error: 'bad-request' | 'value-too-large' | 'unavailable'
  readonly message: string
}
export interface WatchingReply { readonly type: 'store.watching'; readonly watchId: string; readonly revision: number }
/** `lastSeqs[i]`: the last push sent to `watchIds[i]` of the keepalive (0: none, or missing). */
export interface WatchAliveReply { readonly type: 'store.watchAlive'; readonly missing: readonly string[]; readonly lastSeqs?: readonly number[] }
export interface StatusReply {
  readonly type: 'store.statusReply'
  readonly id: string
  readonly role: string
  readonly term: number
  /** Absent while this replica knows no leader. */
  readonly leader?: string
  readonly commit: number
  readonly applied: number
  readonly lastIndex: number
  readonly snapshotIndex: number
  readonly revision: number
  readonly compactRevision: number
  readonly watchers: number
}

export type ReplicaReply = ResultReply | RedirectReply | RefusedReply | WatchingReply | WatchAliveReply | StatusReply

/**
 * Pushed to a watching client. `seq` counts pushes per watch from 1: a gap means a push was lost,
 * and the client re-opens the watch after the last revision it saw. `lost` ends the watch on
 * this replica (it restored a snapshot, or the watch lapsed): re-open it elsewhere or here.
 */
export interface WatchEventsPush {
  readonly type: 'store.events'
  readonly watchId: string
  readonly seq: number
  readonly events: readonly WatchEvent[]
  readonly revision: number
  readonly lost?: 'snapshot' | 'compacted' | 'lapsed'
  /**
   * The replica that sent it. A `store.watch` retried at another replica may have opened the watch
   * at both; the client follows the one that answered and ignores (and cancels) the other.
   */
  readonly replica: string
}

// ---- replica <-> replica ----

/** One Raft message. `snap` messages travel as `raft.snapChunk`s (see snapshot-chunks.ts). */
export interface RaftPeer { readonly type: 'raft.msg'; readonly m: PeerMessage }
export interface RaftSnapChunk {
  readonly type: 'raft.snapChunk'
  /** The `snap` message with empty snapshot data. */
  readonly m: PeerMessage
  readonly transfer: string
  readonly offset: number
  readonly total: number
  readonly chunk: Uint8Array
}

// ---- replica <-> its disk service (child `disk`) ----

export const DISK = 'disk'

export interface DiskRecover { readonly type: 'disk.recover' }
export interface DiskPersist {
  readonly type: 'disk.persist'
  readonly seq: number
  readonly hardState?: HardState
  readonly entries?: readonly Entry[]
  /** Received from the leader: replaces the whole log. */
  readonly snapshot?: Snapshot
}
export interface DiskSaveSnapshot { readonly type: 'disk.saveSnapshot'; readonly snapshot: Snapshot }
export type DiskCommand = DiskRecover | DiskPersist | DiskSaveSnapshot

export interface DiskRecovered {
  readonly type: 'disk.recovered'
  readonly hardState?: HardState
  readonly snapshot?: Snapshot
  readonly entries: readonly Entry[]
}
export interface DiskPersisted { readonly type: 'disk.persisted'; readonly seq: number }
export interface DiskFailed { readonly type: 'disk.failed'; readonly message: string }
export type DiskOutcome = DiskRecovered | DiskPersisted | DiskFailed

// ---- replica -> its metrics service (child `metrics`) ----

export const METRICS = 'metrics'

/** Sent every few ticks: the host turns it into Prometheus gauges and histograms. */
export interface ReplicaStats {
  readonly type: 'stats.replica'
  readonly status: StatusReply
  readonly pendingRequests: number
  /** Times this replica saw the leader change (counting from its start). */
  readonly leaderChanges: number
  /** Client writes per log entry, for each entry proposed since the last report. */
  readonly batchSizes: readonly number[]
}

export type { KeyValue }
