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
 * Revisions: the store has one global revision counter, and the model carries it (kv-state.ts):
 * a lower bound on the store's revision and each key's mod revision, an interval until known.
 * Outputs may carry the revision a write committed at, the mod revision a read saw and the
 * header revision of a response; a step is legal only if they fit: a write commits above the
 * store's revision, a read sees the key's mod revision, guards are evaluated against the
 * model's mod revisions, headers never go backwards. A write whose outcome is unknown takes
 * the next revision up from the bound, pinned later if a read or a guard reveals it. A
 * revision-guarded transaction against an unknown revision with an unknown outcome may have
 * gone either way, which is why this model is nondeterministic (see nondeterministic.ts).
 *
 * Mapping from the store's API (actors/store/mvcc): range of one key → get (value decoded to a
 * string, modRevision = kvs[0]?.modRevision ?? 0); put → put (revision = result.revision);
 * deleteRange of one key → delete (deleted = result.deleted > 0); a txn whose compares are
 * `value =` / `modRevision =` on single keys and whose success branch puts/deletes single keys
 * → cas/txn (revision = result.revision when it succeeded); any response's revision → header.
 * Not modelled: failure branches with
 * writes, reads inside txns, other compare targets/operators, ranges, leases, compaction.
 */
import {
  commitWrites,
  describeKvState,
  draftOf,
  EMPTY_STATE,
  freeze,
  lookup,
  modRevisionIs,
  observeModRevision,
  observeStoreRevision,
  type Draft,
  type KvState,
} from './kv-state.ts'
import type { Model, Operation } from './model.ts'
import { determinize, type NondeterministicModel } from './nondeterministic.ts'

export type { KvState } from './kv-state.ts'

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
  /** Any operation: the store's revision in the response header, i.e. right after the operation. */
  header?: number
}

export type KvOperation = Operation<KvInput, KvOutput>

/** One step's outcome: the state after it, or undefined when its outputs rule it out. */
function stepOnce(state: KvState, change: (draft: Draft) => boolean): KvState | undefined {
  const draft = draftOf(state)
  return change(draft) ? freeze(draft) : undefined
}

/** A completed operation's header revision, if recorded, is the store's revision right after it. */
function observeHeader(draft: Draft, output: KvOutput | undefined): boolean {
  return output?.header === undefined || observeStoreRevision(draft, output.header)
}

function step(state: KvState, input: KvInput, output: KvOutput | undefined): KvState[] {
  const successors = (next: KvState | undefined): KvState[] => (next === undefined ? [] : [next])
  switch (input.op) {
    case 'get': {
      if (output === undefined || output.value === undefined) return [state]
      if (lookup(state, input.key).value !== output.value) return []
      const modRevision = output.modRevision
      return successors(stepOnce(state, (d) => (modRevision === undefined || observeModRevision(d, input.key, modRevision)) && observeHeader(d, output)))
    }
    case 'put':
      return successors(stepOnce(state, (d) => commitWrites(d, [input], output?.revision) && observeHeader(d, output)))
    case 'delete': {
      const existed = lookup(state, input.key).value !== null
      if (output?.deleted !== undefined && output.deleted !== existed) return []
      return successors(stepOnce(state, (d) => commitWrites(d, [{ key: input.key, value: null }], undefined) && observeHeader(d, output)))
    }
    case 'cas':
      return stepTxn(state, [{ key: input.key, expect: input.expect }], [{ key: input.key, value: input.value }], output)
    case 'txn':
      return stepTxn(state, input.compares, input.writes, output)
  }
}

/** Whether the guard holds: undefined when it is on a mod revision the state allows but does not know. */
function holds(state: KvState | Draft, key: string, expect: Expect): boolean | undefined {
  const current = lookup(state, key)
  return 'value' in expect ? current.value === expect.value : modRevisionIs(current, expect.modRevision)
}

/**
 * The guards are evaluated one after another against the model, so a success pins every
 * revision it compared against before the next guard is looked at: two guards on one key
 * cannot both hold for different revisions, and a write guarded on revision R commits above R.
 */
function guardsHold(draft: Draft, compares: readonly { key: string; expect: Expect }[]): boolean {
  for (const { key, expect } of compares) {
    const result = holds(draft, key, expect)
    if (result === false) return false
    if (result === undefined && 'modRevision' in expect && !observeModRevision(draft, key, expect.modRevision)) return false
  }
  return true
}

function stepTxn(
  state: KvState,
  compares: readonly { key: string; expect: Expect }[],
  writes: readonly { key: string; value: string | null }[],
  output: KvOutput | undefined,
): KvState[] {
  const next: KvState[] = []
  if (output?.succeeded !== false) {
    const revision = output?.succeeded === true ? output.revision : undefined
    const after = stepOnce(state, (d) => guardsHold(d, compares) && commitWrites(d, writes, revision) && observeHeader(d, output))
    if (after !== undefined) next.push(after)
  }
  // A failure is possible when some guard may not hold (what it says about an unknown revision, "not R", is not kept).
  if (output?.succeeded !== true && compares.some((c) => holds(state, c.key, c.expect) !== true)) {
    const after = stepOnce(state, (d) => observeHeader(d, output))
    if (after !== undefined) next.push(after)
  }
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
  const header = output?.header === undefined ? '' : ` (header ${output.header})`
  return describeCall(input, output) + header
}

function describeCall(input: KvInput, output: KvOutput | undefined): string {
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

export const kvNondeterministicModel: NondeterministicModel<KvState, KvInput, KvOutput> = {
  init: () => [EMPTY_STATE],
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
