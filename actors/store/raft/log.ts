/**
 * The replicated log as the core holds it: a snapshot boundary plus the entries after it.
 *
 * Ownership: the core owns `entries` and mutates it in place (append, truncate a conflicting
 * suffix, drop a compacted prefix) so a step costs O(new entries), not O(log). Entry objects are
 * never mutated, and every array the core hands out (persist, apply, messages) is a fresh slice,
 * so callers may keep those; they must not keep or touch `entries` itself.
 */
import type { Entry } from './types.ts'

export interface RaftLog {
  /** entries[k].index === offset + 1 + k. */
  entries: Entry[]
  /** Index and term of the last entry covered by the snapshot (0, 0 without one). */
  offset: number
  offsetTerm: number
  /** Highest index known committed / handed to the caller to apply. applied <= commit <= last. */
  commit: number
  applied: number
}

export const lastIndex = (l: RaftLog): number => l.offset + l.entries.length

/** The term of entry `i`, or undefined when it is compacted away or not in the log yet. */
export function termAt(l: RaftLog, i: number): number | undefined {
  if (i === l.offset) return l.offsetTerm
  if (i < l.offset || i > lastIndex(l)) return undefined
  return l.entries[i - l.offset - 1]!.term
}

export const lastTerm = (l: RaftLog): number => termAt(l, lastIndex(l))!

/** §5.4.1: a candidate's log is at least as up to date as ours. */
export const isUpToDate = (l: RaftLog, index: number, term: number): boolean => {
  const t = lastTerm(l)
  return term > t || (term === t && index >= lastIndex(l))
}

/** Entries lo..hi inclusive, as a fresh array; lo must be past the snapshot. */
export function slice(l: RaftLog, lo: number, hi: number): Entry[] {
  if (lo <= l.offset) throw new RangeError(`raft log: slice from ${lo} reaches into the snapshot at ${l.offset}`)
  return l.entries.slice(lo - l.offset - 1, hi - l.offset)
}

/**
 * Writes entries that follow a matched prefix (§5.3): entries already present with the same
 * term are skipped, the first conflicting one truncates the log from there. Returns the index
 * of the first entry written (what must be persisted from), or undefined if all were present.
 */
export function appendMatching(l: RaftLog, entries: readonly Entry[]): number | undefined {
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!
    const t = termAt(l, e.index)
    if (t === e.term) continue
    if (e.index <= l.commit) throw new Error(`raft log: entry ${e.index} conflicts with a committed entry (commit ${l.commit})`)
    l.entries.length = e.index - l.offset - 1
    for (let j = k; j < entries.length; j++) l.entries.push(entries[j]!)
    return e.index
  }
  return undefined
}

/**
 * The largest index <= `index` whose term is <= `term` (and that term), used on both sides of
 * fast backtracking. Stops at the snapshot: a compacted index answers with term 0.
 */
export function findConflictByTerm(l: RaftLog, index: number, term: number): readonly [number, number] {
  if (index > lastIndex(l)) return [index, 0]
  for (let i = index; i > 0; i--) {
    const t = termAt(l, i)
    if (t === undefined) return [i, 0]
    if (t <= term) return [i, t]
  }
  return [0, 0]
}

/** Drops entries up to `index`, which becomes the snapshot boundary. */
export function compactTo(l: RaftLog, index: number, term: number): void {
  l.entries.splice(0, index - l.offset)
  l.offset = index
  l.offsetTerm = term
}

/** Replaces the whole log with a snapshot boundary (a follower installing a leader's snapshot). */
export function resetTo(l: RaftLog, index: number, term: number): void {
  l.entries = []
  l.offset = index
  l.offsetTerm = term
  l.commit = index
}
