/**
 * Combining what several Raft steps ask to persist into one WAL write, and deciding whether the
 * write must be durable before the step's messages and replies go out.
 */
import type { Entry, HardState, Snapshot } from '../raft/types.ts'

export interface Persist {
  readonly hardState?: HardState
  readonly entries?: readonly Entry[]
  readonly snapshot?: Snapshot
}

export const isEmptyPersist = (p: Persist): boolean => p.hardState === undefined && p.snapshot === undefined && (p.entries === undefined || p.entries.length === 0)

/** `later` applied on top of `earlier`, by the WAL's rules (a snapshot resets the log; entries overwrite from their first index). */
export function mergePersist(earlier: Persist, later: Persist): Persist {
  if (later.snapshot !== undefined) return later
  let entries = earlier.entries ?? []
  const next = later.entries ?? []
  if (next.length > 0) {
    const first = next[0]!.index
    entries = [...entries.filter((e) => e.index < first), ...next]
  }
  const hardState = later.hardState ?? earlier.hardState
  return {
    ...(earlier.snapshot !== undefined ? { snapshot: earlier.snapshot } : {}),
    ...(entries.length > 0 ? { entries } : {}),
    ...(hardState !== undefined ? { hardState } : {}),
  }
}

/**
 * Entries, a snapshot, or a new term or vote must be on disk before anyone hears of them. A hard
 * state that only moves the commit index need not be (etcd's MustSync): the commit index is
 * re-learned from the leader after a crash, so nothing waits for that write.
 */
export function mustSync(p: Persist, synced: { term: number; vote: string | undefined }): boolean {
  if (p.snapshot !== undefined || (p.entries !== undefined && p.entries.length > 0)) return true
  return p.hardState !== undefined && (p.hardState.term !== synced.term || p.hardState.vote !== synced.vote)
}
