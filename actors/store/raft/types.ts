/**
 * The data Raft persists and exchanges, shared by the pure core (actors/store/raft) and the
 * durability layer (runtime/disk). Plain data only, so it encodes with the msgpack codec.
 */

/** A replica's id: a subject token (letters, digits, '-', '_'). */
export type ReplicaId = string

export interface Entry {
  readonly term: number
  readonly index: number
  /** `command`: an opaque state-machine command; `noop`: a new leader's first entry; `config`: membership. */
  readonly kind: 'command' | 'noop' | 'config'
  readonly data: Uint8Array
}

/** What must be on disk before a replica answers a vote or acknowledges entries. */
export interface HardState {
  readonly term: number
  readonly vote: ReplicaId | undefined
  readonly commit: number
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers, and that entry's term. */
  readonly index: number
  readonly term: number
  readonly voters: readonly ReplicaId[]
}

export interface Snapshot {
  readonly meta: SnapshotMeta
  /** The state machine's serialized state at `meta.index`. */
  readonly data: Uint8Array
}
