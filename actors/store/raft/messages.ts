/**
 * Everything the core consumes. Local inputs come from the replica that owns the core (clock,
 * clients, the snapshotter); peer messages come from other replicas over the network. Every
 * peer message carries the sender's term, which is how stale leaders and candidates are found.
 */
import type { Entry, ReplicaId, Snapshot } from './types.ts'

/** One clock tick. Timeouts are counted in ticks, never in wall time. */
export interface Tick { readonly type: 'tick' }
/** A client command. `id` is the caller's correlation id, echoed in `proposed` or `rejected`. */
export interface Propose {
  readonly type: 'propose'
  readonly id: string
  readonly data: Uint8Array
  readonly kind?: 'command' | 'config'
}
/** A linearizable read (ReadIndex). `id` comes back in a `ReadState` or a rejection. */
export interface Read { readonly type: 'read'; readonly id: string }
/** Ask the leader to hand leadership to `to` (graceful shutdown). */
export interface Transfer { readonly type: 'transfer'; readonly to: ReplicaId }
/** Start an election now, as if the election timeout had fired (operators, tests). */
export interface Campaign { readonly type: 'campaign' }
/**
 * The caller took `snapshot` of its state machine (at an index it has applied): the core drops
 * the log up to `snapshot.meta.index` and sends this snapshot to followers that need it.
 */
export interface Compact { readonly type: 'compact'; readonly snapshot: Snapshot }

export type LocalMessage = Tick | Propose | Read | Transfer | Campaign | Compact

interface Peer {
  readonly from: ReplicaId
  readonly to: ReplicaId
  readonly term: number
}
/** RequestVote; `pre` for a PreVote round, sent with term + 1 and not changing anyone's term. */
export interface Vote extends Peer {
  readonly type: 'vote'
  readonly pre: boolean
  readonly lastIndex: number
  readonly lastTerm: number
  /** Set when the campaign follows a leadership transfer: voters skip the leader-lease check. */
  readonly transfer: boolean
}
export interface VoteResp extends Peer { readonly type: 'voteResp'; readonly pre: boolean; readonly reject: boolean }
/** AppendEntries. An empty `entries` still carries `commit` and probes consistency. */
export interface App extends Peer {
  readonly type: 'app'
  readonly prevIndex: number
  readonly prevTerm: number
  readonly entries: readonly Entry[]
  readonly commit: number
}
/**
 * Answer to `app` and `snap`. On success `index` is the follower's last index now known to match.
 * On reject `index` is the rejected `prevIndex`, and (hintIndex, hintTerm) is the follower's
 * largest index whose term is <= the leader's prevTerm: the leader skips a whole conflicting
 * term per round trip instead of one entry (fast backtracking, paper §5.3 end).
 */
export interface AppResp extends Peer {
  readonly type: 'appResp'
  readonly reject: boolean
  readonly index: number
  readonly hintIndex: number
  readonly hintTerm: number
}
/** Heartbeat; `round` is the leader's latest ReadIndex round, echoed to confirm leadership. */
export interface Heartbeat extends Peer { readonly type: 'heartbeat'; readonly commit: number; readonly round: number }
export interface HeartbeatResp extends Peer { readonly type: 'heartbeatResp'; readonly round: number }
/** InstallSnapshot, whole (the store's snapshots are small enough for one message). */
export interface Snap extends Peer { readonly type: 'snap'; readonly snapshot: Snapshot }
/** From a leader handing over leadership: campaign now, skipping PreVote. */
export interface TimeoutNow extends Peer { readonly type: 'timeoutNow' }

export type PeerMessage = Vote | VoteResp | App | AppResp | Heartbeat | HeartbeatResp | Snap | TimeoutNow
export type Message = LocalMessage | PeerMessage

/** Distributes Omit over the union, so `send` can take a message without its term/from. */
export type Unsent<M> = M extends PeerMessage ? Omit<M, 'term' | 'from'> & { readonly term?: number } : never

export const isPeerMessage = (m: Message): m is PeerMessage => 'from' in m
