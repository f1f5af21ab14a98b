/**
 * What one step asks of the caller (etcd's Ready), and the scratch context that collects it.
 */
import type { PeerMessage, Unsent } from './messages.ts'
import type { RaftState } from './state.ts'
import type { Entry, HardState, ReplicaId, Snapshot } from './types.ts'

/** A linearizable read is safe to serve from the state machine once it has applied `index`. */
export interface ReadState { readonly id: string; readonly index: number }

/** A proposal or read this replica will not serve; `leader` is where the client should retry. */
export interface Rejection {
  readonly id: string
  readonly kind: 'propose' | 'read'
  readonly leader: ReplicaId | undefined
  readonly reason: 'not-leader' | 'transferring' | 'stepped-down'
}

/** A proposal the leader appended: it is committed when an applied entry has this index and term. */
export interface Proposed { readonly id: string; readonly index: number; readonly term: number }

/**
 * The caller's contract, in this order:
 *  1. persist: write `snapshot` (it replaces the whole log: drop every entry), then `entries`
 *     (the first one's index may be <= the last one on disk: truncate from it before writing),
 *     then `hardState`; fsync. Nothing may be sent before this is durable: a vote or an
 *     acknowledgement promises the state is on disk, and the leader counts its own log as
 *     durable when it computes the commit index.
 *  2. send every message in `send` (any order; the network may drop or reorder them).
 *  3. apply `applySnapshot` (if any) then `apply`, in order, to the state machine, then answer
 *     `readStates` (each is satisfied by the time this step's `apply` is applied) and tell
 *     clients about `rejected` and `proposed`.
 * The core treats everything in `apply` as applied: the next step must not come before it is.
 * All arrays and entries here are fresh; the caller may keep them.
 */
export interface Output {
  readonly state: RaftState
  readonly persist: {
    readonly hardState?: HardState
    readonly entries?: readonly Entry[]
    readonly snapshot?: Snapshot
  }
  readonly send: readonly PeerMessage[]
  readonly applySnapshot?: Snapshot
  readonly apply: readonly Entry[]
  readonly readStates: readonly ReadState[]
  readonly rejected: readonly Rejection[]
  readonly proposed: readonly Proposed[]
}

/** The step-in-progress: the state plus what the step has produced so far. */
export interface Ctx {
  readonly s: RaftState
  readonly sent: PeerMessage[]
  readonly readStates: ReadState[]
  readonly rejected: Rejection[]
  readonly proposed: Proposed[]
  /** Lowest log index written this step; everything from it on is persisted. */
  unstableFrom: number
  snapshotToPersist: Snapshot | undefined
}

/**
 * Queues a message; its term is the replica's term unless the message sets one. `m` is always a
 * fresh literal at the call site, so it is completed in place: copying it with a spread made
 * this the hottest line of the core.
 */
export function send(ctx: Ctx, m: Unsent<PeerMessage>): void {
  const msg = m as { term?: number; from?: string }
  if (msg.term === undefined) msg.term = ctx.s.term
  msg.from = ctx.s.id
  ctx.sent.push(msg as PeerMessage)
}

export function reject(ctx: Ctx, id: string, kind: Rejection['kind'], reason: Rejection['reason']): void {
  ctx.rejected.push({ id, kind, leader: ctx.s.lead === ctx.s.id ? undefined : ctx.s.lead, reason })
}
