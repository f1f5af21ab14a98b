/**
 * What the key-value model knows about the store after a sequence of operations: each key's value
 * and mod revision, and the store's revision. The store has one global revision counter, so
 * revisions are constraints, not just labels: every write commits above every revision before it,
 * a read sees a key at the revision of its last write, a guard that held fixes that revision.
 *
 * Much is unknown. A write whose reply was lost committed at some revision nobody was told, and a
 * partition of the history never sees the writes to other keys, which also advance the counter.
 * So the store's revision is a lower bound (it may be higher because of writes elsewhere) and a
 * key's mod revision is an interval [low, high], a single value once known. Unknown revisions get
 * pinned when a read or a succeeding guard reveals them, and bounded by the writes around them: a
 * write with an unknown revision lies above the store's revision before it and below the revision
 * of any later write.
 *
 * Invariant: every key's `low` is at most `revision` (a key's revision never exceeds the store's),
 * so raising `revision` or lowering a `high` to a revision at or above `revision` never empties an
 * interval.
 */
import { hashString } from './bitset.ts'

export interface KeyState {
  /** null: absent. */
  readonly value: string | null
  /** The key's mod revision lies in [low, high] (high may be Infinity); absent keys are at 0. */
  readonly low: number
  readonly high: number
}

/** An immutable snapshot with a canonical string form, used for equality and hashing. */
export interface KvState {
  readonly keys: ReadonlyMap<string, KeyState>
  /** A lower bound on the store's revision. */
  readonly revision: number
  readonly id: string
  /** hashString(id), computed once: the search hashes every state it reaches. */
  readonly hash: number
}

/** A state being changed by one step; `freeze` turns it back into a KvState. */
export interface Draft {
  keys: Map<string, KeyState>
  revision: number
}

const ABSENT: KeyState = { value: null, low: 0, high: 0 }

export function freeze({ keys, revision }: Draft): KvState {
  const sorted = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const id = JSON.stringify([revision, sorted.map(([k, s]) => [k, s.value, s.low, s.high])])
  return { keys: new Map(sorted), revision, id, hash: hashString(id) }
}

export const EMPTY_STATE = freeze({ keys: new Map(), revision: 0 })

export function draftOf(state: KvState): Draft {
  return { keys: new Map(state.keys), revision: state.revision }
}

export function lookup(state: KvState | Draft, key: string): KeyState {
  return state.keys.get(key) ?? ABSENT
}

export function knownRevision(key: KeyState): number | undefined {
  return key.low === key.high ? key.low : undefined
}

/** Whether the key's mod revision is `modRevision`: undefined when its interval allows it but it is not known. */
export function modRevisionIs(key: KeyState, modRevision: number): boolean | undefined {
  if (modRevision < key.low || modRevision > key.high) return false
  return key.low === key.high ? true : undefined
}

/** A read or a guard that held saw the key at `modRevision`; false if the state rules that out. */
export function observeModRevision(draft: Draft, key: string, modRevision: number): boolean {
  const current = lookup(draft, key)
  if (modRevisionIs(current, modRevision) === false) return false
  draft.keys.set(key, { value: current.value, low: modRevision, high: modRevision })
  draft.revision = Math.max(draft.revision, modRevision)
  return true
}

/**
 * The store was at exactly `revision` (a response header): it cannot be below what came before,
 * and every write so far, unknown ones included, committed at or below it.
 */
export function observeStoreRevision(draft: Draft, revision: number): boolean {
  if (revision < draft.revision) return false
  capUnknown(draft, revision)
  draft.revision = revision
  return true
}

/** Whether writing `writes` changes anything: a delete of an absent key does not take a revision. */
export function writesSomething(draft: Draft, writes: readonly { key: string; value: string | null }[]): boolean {
  return writes.some((w) => w.value !== null || lookup(draft, w.key).value !== null)
}

/**
 * Commits `writes` (null deletes) as one revision: `revision` when known, which must lie above
 * the store's, else the next one up from the lower bound. False when the revision goes backwards.
 * Writes that change nothing take no revision; a revision reported for them is the header's.
 */
export function commitWrites(
  draft: Draft,
  writes: readonly { key: string; value: string | null }[],
  revision: number | undefined,
): boolean {
  if (!writesSomething(draft, writes)) return revision === undefined || observeStoreRevision(draft, revision)
  if (revision !== undefined && revision <= draft.revision) return false
  if (revision !== undefined) capUnknown(draft, revision - 1)
  const committed = revision ?? draft.revision + 1
  for (const { key, value } of writes) {
    if (value === null) draft.keys.delete(key)
    else draft.keys.set(key, { value, low: committed, high: revision ?? Infinity })
  }
  draft.revision = committed
  return true
}

/** Every write not yet pinned happened at or below `revision`. */
function capUnknown(draft: Draft, revision: number): void {
  for (const [key, state] of draft.keys) {
    if (state.high > revision) draft.keys.set(key, { value: state.value, low: state.low, high: revision })
  }
}

function describeRevision(key: KeyState): string {
  if (key.low === key.high) return `@${key.low}`
  return key.high === Infinity ? `@?(>=${key.low})` : `@?(${key.low}..${key.high})`
}

export function describeKvState(state: KvState): string {
  const parts = [...state.keys.entries()].map(([k, s]) => `${k}=${s.value === null ? '(absent)' : JSON.stringify(s.value)}${describeRevision(s)}`)
  return `{${parts.join(', ')}} revision>=${state.revision}`
}
