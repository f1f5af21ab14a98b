/**
 * A sequential specification of the replicated key-value store: get, put, delete, and
 * compare-and-swap / transactions guarded by a key's value or its mod revision.
 *
 * Partitioning: operations on different keys commute, so the history is checked per key —
 * exponentially cheaper than one big search. A transaction touching several keys ties those
 * keys together; `partition` therefore splits by connected groups of keys (union-find over the
 * keys each operation touches), so multi-key transactions are checked against the
 * unpartitioned state of exactly the keys they relate, and single-key histories stay per key.
 * (A history where transactions chain all keys together becomes one search: fine for small
 * histories, slow for large ones.)
 *
 * Revisions: outputs may carry the revision a write committed at and the mod revision a read
 * saw. The model checks them when present (a key's mod revision only grows; a read's mod
 * revision is that of the write it observed). A write whose outcome is unknown leaves the
 * key's mod revision unknown until a later read reveals it; a revision-guarded transaction
 * against an unknown revision with an unknown outcome may have gone either way, which is why
 * this model is nondeterministic (see nondeterministic.ts).
 *
 * Mapping from the store's API (actors/store/mvcc): range of one key → get (value decoded to a
 * string, modRevision = kvs[0]?.modRevision ?? 0); put → put (revision = result.revision);
 * deleteRange of one key → delete (deleted = result.deleted > 0); a txn whose compares are
 * `value =` / `modRevision =` on single keys and whose success branch puts/deletes single keys
 * → cas/txn (revision = result.revision when it succeeded). Not modelled: failure branches with
 * writes, reads inside txns, other compare targets/operators, ranges, leases, compaction.
 */
import { hashString } from './bitset.ts'
import type { Model, Operation } from './model.ts'
import { determinize, type NondeterministicModel } from './nondeterministic.ts'

/** A guard: the key holds this value (null: absent), or was last written at this revision (0: absent). */
export type Expect = { value: string | null } | { modRevision: number }

export type KvInput =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: string }
  | { op: 'delete'; key: string }
  /** Single-key compare-and-swap; `value: null` deletes on success. */
  | { op: 'cas'; key: string; expect: Expect; value: string | null }
  /** All compares hold → apply all writes atomically (null deletes); otherwise nothing. */
  | { op: 'txn'; compares: { key: string; expect: Expect }[]; writes: { key: string; value: string | null }[] }

/** What the client saw. Every field is optional: an absent field is not checked. */
export interface KvOutput {
  /** get: the value read, null when the key is absent. */
  value?: string | null
  /** get: the key's mod revision (0 when absent). */
  modRevision?: number
  /** put / successful cas / txn: the revision the write committed at. */
  revision?: number
  /** delete: whether a key was removed. */
  deleted?: boolean
  /** cas / txn: whether the guard held. */
  succeeded?: boolean
}

export type KvOperation = Operation<KvInput, KvOutput>

interface KeyState {
  readonly value: string | null
  /** null: written by an operation whose revision nobody has observed yet. */
  readonly rev: number | null
}

/** An immutable snapshot with a canonical string form, used for equality and hashing. */
export interface KvState {
  readonly keys: ReadonlyMap<string, KeyState>
  readonly id: string
  /** hashString(id), computed once: the search hashes every state it reaches. */
  readonly hash: number
}

const ABSENT: KeyState = { value: null, rev: 0 }

function makeState(keys: Map<string, KeyState>): KvState {
  const sorted = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const id = JSON.stringify(sorted.map(([k, s]) => [k, s.value, s.rev]))
  return { keys: new Map(sorted), id, hash: hashString(id) }
}

const EMPTY = makeState(new Map())

function lookup(state: KvState, key: string): KeyState {
  return state.keys.get(key) ?? ABSENT
}

/** Applies writes at `revision` (null: unknown); undefined if a known revision goes backwards. */
function applyWrites(
  state: KvState,
  writes: readonly { key: string; value: string | null }[],
  revision: number | null,
  refine: readonly { key: string; rev: number }[] = [],
): KvState | undefined {
  const keys = new Map(state.keys)
  for (const { key, rev } of refine) keys.set(key, { value: lookup(state, key).value, rev })
  for (const { key, value } of writes) {
    // Against the state before this write: a transaction may write one key twice at one revision.
    const current = lookup(state, key)
    if (revision !== null && current.rev !== null && revision <= current.rev) return undefined
    if (value === null) keys.delete(key)
    else keys.set(key, { value, rev: revision })
  }
  return makeState(keys)
}

/** true / false, or undefined when it depends on a revision nobody observed. */
function holds(state: KvState, key: string, expect: Expect): boolean | undefined {
  const current = lookup(state, key)
  if ('value' in expect) return current.value === expect.value
  return current.rev === null ? undefined : current.rev === expect.modRevision
}

function step(state: KvState, input: KvInput, output: KvOutput | undefined): KvState[] {
  switch (input.op) {
    case 'get': {
      if (output === undefined || output.value === undefined) return [state]
      const current = lookup(state, input.key)
      if (current.value !== output.value) return []
      if (output.modRevision === undefined || current.rev === output.modRevision) return [state]
      if (current.rev !== null) return []
      // The read reveals the revision of an unacknowledged write.
      return [applyWrites(state, [], null, [{ key: input.key, rev: output.modRevision }])!]
    }
    case 'put': {
      const next = applyWrites(state, [input], output?.revision ?? null)
      return next === undefined ? [] : [next]
    }
    case 'delete': {
      const existed = lookup(state, input.key).value !== null
      if (output?.deleted !== undefined && output.deleted !== existed) return []
      return [applyWrites(state, [{ key: input.key, value: null }], null)!]
    }
    case 'cas':
      return stepTxn(state, [{ key: input.key, expect: input.expect }], [{ key: input.key, value: input.value }], output)
    case 'txn':
      return stepTxn(state, input.compares, input.writes, output)
  }
}

function stepTxn(
  state: KvState,
  compares: readonly { key: string; expect: Expect }[],
  writes: readonly { key: string; value: string | null }[],
  output: KvOutput | undefined,
): KvState[] {
  const results = compares.map((c) => holds(state, c.key, c.expect))
  const canSucceed = results.every((r) => r !== false)
  const canFail = results.some((r) => r !== true)
  const next: KvState[] = []
  if (canSucceed && output?.succeeded !== false) {
    // Success proves every unknown revision it compared against.
    const refine = compares.flatMap((c, i) =>
      results[i] === undefined && 'modRevision' in c.expect ? [{ key: c.key, rev: c.expect.modRevision }] : [],
    )
    const after = applyWrites(state, writes, output?.succeeded === true ? (output.revision ?? null) : null, refine)
    if (after !== undefined) next.push(after)
  }
  if (canFail && output?.succeeded !== true) next.push(state)
  return next
}

/** The keys an operation reads or writes. */
export function keysOf(input: KvInput): string[] {
  return input.op === 'txn' ? [...input.compares.map((c) => c.key), ...input.writes.map((w) => w.key)] : [input.key]
}

/**
 * A read whose outcome is unknown changes nothing and accepts any state, so it can only add
 * branching to the search: leave it out.
 */
export function withoutUnknownReads(history: readonly KvOperation[]): KvOperation[] {
  return history.filter((op) => !(op.input.op === 'get' && (op.return === undefined || op.return === Infinity || op.output?.value === undefined)))
}

/** Groups operations by connected components of the keys they touch (see the file comment). */
export function partitionByKey(all: readonly KvOperation[]): KvOperation[][] {
  const history = withoutUnknownReads(all)
  const parent = new Map<string, string>()
  const find = (k: string): string => {
    let root = k
    while (parent.get(root) !== root) root = parent.get(root) ?? (parent.set(root, root), root)
    parent.set(k, root)
    return root
  }
  for (const op of history) {
    const keys = keysOf(op.input)
    const first = keys[0]
    if (first === undefined) continue
    for (const k of keys) parent.set(find(k), find(first))
  }
  const groups = new Map<string, KvOperation[]>()
  const keyless: KvOperation[] = []
  for (const op of history) {
    const first = keysOf(op.input)[0]
    if (first === undefined) {
      keyless.push(op)
      continue
    }
    const root = find(first)
    const group = groups.get(root)
    if (group === undefined) groups.set(root, [op])
    else group.push(op)
  }
  // An empty transaction touches nothing and trivially linearizes; check it on its own.
  return keyless.length > 0 ? [...groups.values(), keyless] : [...groups.values()]
}

function describeExpect(e: Expect): string {
  return 'value' in e ? `value=${show(e.value)}` : `modRevision=${e.modRevision}`
}

function show(v: string | null): string {
  return v === null ? '(absent)' : JSON.stringify(v)
}

export function describeKvOperation(input: KvInput, output: KvOutput | undefined): string {
  const rev = output?.revision === undefined ? '' : ` @${output.revision}`
  const outcome = output?.succeeded === undefined ? ' -> ?' : output.succeeded ? ` -> ok${rev}` : ' -> failed'
  switch (input.op) {
    case 'get':
      return output?.value === undefined
        ? `get(${input.key}) -> ?`
        : `get(${input.key}) -> ${show(output.value)}${output.modRevision === undefined ? '' : ` @${output.modRevision}`}`
    case 'put':
      return `put(${input.key}, ${show(input.value)})${output === undefined ? ' -> ?' : rev}`
    case 'delete':
      return `delete(${input.key})${output?.deleted === undefined ? '' : output.deleted ? ' -> deleted' : ' -> absent'}`
    case 'cas':
      return `cas(${input.key}, ${describeExpect(input.expect)} -> ${show(input.value)})${outcome}`
    case 'txn':
      return `txn(if ${input.compares.map((c) => `${c.key}.${describeExpect(c.expect)}`).join(' && ')} then ${input.writes
        .map((w) => `${w.key}=${show(w.value)}`)
        .join(', ')})${outcome}`
  }
}

function describeKvState(state: KvState): string {
  const parts = [...state.keys.entries()].map(([k, s]) => `${k}=${show(s.value)}@${s.rev ?? '?'}`)
  return `{${parts.join(', ')}}`
}

export const kvNondeterministicModel: NondeterministicModel<KvState, KvInput, KvOutput> = {
  init: () => [EMPTY],
  step,
  equal: (a, b) => a.id === b.id,
  hash: (s) => s.hash,
  partition: partitionByKey,
  describeOperation: describeKvOperation,
  describeState: describeKvState,
}

/** The model to check store histories with: partitioned by (groups of) keys. */
export const kvModel: Model<readonly KvState[], KvInput, KvOutput> = determinize(kvNondeterministicModel)

/** The same model without partitioning: one search over every key (small histories only). */
export const kvModelUnpartitioned: Model<readonly KvState[], KvInput, KvOutput> = {
  ...kvModel,
  partition: (history) => [withoutUnknownReads(history)],
}
