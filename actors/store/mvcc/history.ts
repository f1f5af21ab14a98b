/**
 * One key's history: every write still readable, oldest first, as (revision, sub, kv) with kv null
 * for a delete (a tombstone). A range at revision R reads the newest entry at or below R.
 */
import type { KeyValue } from './types.ts'

export interface HistoryEntry {
  readonly revision: number
  readonly sub: number
  /** null: the key was deleted at this revision. */
  readonly kv: KeyValue | null
}

export type KeyHistory = HistoryEntry[]

/** Index of the newest entry with revision <= `revision`, or -1. Binary search: histories can be long. */
export function entryIndexAt(history: readonly HistoryEntry[], revision: number): number {
  let lo = 0
  let hi = history.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (history[mid]!.revision <= revision) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/** The key as of `revision`: null when it did not exist then. */
export function kvAt(history: readonly HistoryEntry[], revision: number): KeyValue | null {
  const i = entryIndexAt(history, revision)
  return i < 0 ? null : history[i]!.kv
}

export function latestKv(history: readonly HistoryEntry[]): KeyValue | null {
  const last = history[history.length - 1]
  return last === undefined ? null : last.kv
}

/**
 * Drops what no read at or above `revision` can see: entries older than the newest one at or below
 * it, and that one too if it is a tombstone (a deleted key reads as absent either way). Returns the
 * surviving entries; empty means the key can leave the index.
 */
export function compactHistory(history: KeyHistory, revision: number): KeyHistory {
  const i = entryIndexAt(history, revision)
  if (i < 0) return history
  const keepFrom = history[i]!.kv === null ? i + 1 : i
  return keepFrom === 0 ? history : history.slice(keepFrom)
}
