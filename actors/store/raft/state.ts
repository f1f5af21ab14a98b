/**
 * One replica's Raft state, and building it from what the WAL holds after a restart.
 *
 * Ownership: `step` takes the state, mutates it in place and returns the same object. Treat the
 * state passed to `step` as consumed: do not read it concurrently, keep old "versions", or
 * mutate it from outside. Snapshot a view with `status()` when one is needed.
 */
import { makeConfig, type Config } from './config.ts'
import type { RaftLog } from './log.ts'
import { lastIndex } from './log.ts'
import type { Progress } from './progress.ts'
import { nextRandom } from './rand.ts'
import type { Entry, HardState, ReplicaId, Snapshot } from './types.ts'

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader'

/** A ReadIndex request on the leader: `index` is unset until the leader has committed in its term. */
export interface PendingRead { readonly id: string; index: number | undefined; round: number }

export interface RaftState {
  readonly id: ReplicaId
  readonly voters: readonly ReplicaId[]
  readonly config: Config
  role: Role
  term: number
  vote: ReplicaId | undefined
  /** The leader of `term` as far as this replica knows. */
  lead: ReplicaId | undefined
  log: RaftLog
  /** The latest snapshot, sent to followers that fell behind the compacted log. */
  snapshot: Snapshot | undefined
  electionElapsed: number
  heartbeatElapsed: number
  randomizedElectionTimeout: number
  /** The PRNG state (see rand.ts). */
  seed: number
  /** Ticks since start; the leader times snapshot retries with it. */
  ticks: number
  /** Candidate and precandidate: answers received. */
  votes: Map<ReplicaId, boolean>
  /** Leader: one per voter other than itself. */
  progress: Map<ReplicaId, Progress>
  leadTransferee: ReplicaId | undefined
  reads: PendingRead[]
  readRound: number
}

export interface RestoreOptions {
  readonly id: ReplicaId
  /** All voters including `id`. Ignored in favour of the snapshot's voters when there is one. */
  readonly voters: readonly ReplicaId[]
  /** Seeds election-timeout randomness; give each replica a different one. */
  readonly seed: number
  readonly config?: Partial<Config>
  /** From the WAL; all absent for a brand new replica. */
  readonly hardState?: HardState
  readonly snapshot?: Snapshot
  /** The entries after the snapshot, contiguous. The core takes ownership of a copy. */
  readonly entries?: readonly Entry[]
  /**
   * The highest index the caller's state machine already holds (defaults to the snapshot's
   * index): committed entries after it come back in the first step's `apply`.
   */
  readonly applied?: number
}

export function restore(o: RestoreOptions): RaftState {
  const voters = o.snapshot?.meta.voters ?? o.voters
  if (!voters.includes(o.id)) throw new RangeError(`raft: replica ${o.id} is not among the voters ${voters.join(',')}`)
  const offset = o.snapshot?.meta.index ?? 0
  const log: RaftLog = {
    entries: [...(o.entries ?? [])],
    offset,
    offsetTerm: o.snapshot?.meta.term ?? 0,
    commit: Math.max(o.hardState?.commit ?? 0, offset),
    applied: o.applied ?? offset,
  }
  log.entries.forEach((e, k) => {
    if (e.index !== offset + 1 + k) throw new RangeError(`raft: entry ${k} has index ${e.index}, expected ${offset + 1 + k}`)
  })
  if (log.commit > lastIndex(log)) throw new RangeError(`raft: commit ${log.commit} is past the last entry ${lastIndex(log)}`)
  if (log.applied < offset || log.applied > log.commit) throw new RangeError(`raft: applied ${log.applied} outside [${offset}, ${log.commit}]`)
  const s: RaftState = {
    id: o.id,
    voters: [...voters],
    config: makeConfig(o.config),
    role: 'follower',
    term: o.hardState?.term ?? 0,
    vote: o.hardState?.vote,
    lead: undefined,
    log,
    snapshot: o.snapshot,
    electionElapsed: 0,
    heartbeatElapsed: 0,
    randomizedElectionTimeout: 0,
    seed: o.seed | 0,
    ticks: 0,
    votes: new Map(),
    progress: new Map(),
    leadTransferee: undefined,
    reads: [],
    readRound: 0,
  }
  randomizeTimeout(s)
  return s
}

/** A fresh timeout in [electionTimeout, 2 * electionTimeout), so split votes do not repeat (§5.2). */
export function randomizeTimeout(s: RaftState): void {
  const r = nextRandom(s.seed)
  s.seed = r.seed
  s.randomizedElectionTimeout = s.config.electionTimeout + Math.floor(r.value * s.config.electionTimeout)
}

/** A read-only copy of the interesting fields, for logs, metrics and tests. */
export interface Status {
  readonly id: ReplicaId
  readonly role: Role
  readonly term: number
  readonly vote: ReplicaId | undefined
  readonly lead: ReplicaId | undefined
  readonly commit: number
  readonly applied: number
  readonly lastIndex: number
  readonly snapshotIndex: number
}

export const status = (s: RaftState): Status => ({
  id: s.id,
  role: s.role,
  term: s.term,
  vote: s.vote,
  lead: s.lead,
  commit: s.log.commit,
  applied: s.log.applied,
  lastIndex: lastIndex(s.log),
  snapshotIndex: s.log.offset,
})
