/**
 * Cross-key revision checks. Partitioning by key makes the linearizability search cheap but
 * blind to anything relating different keys; the store's revision counter is global, though,
 * so writes must get distinct revisions, increasing in real-time order across all keys, and
 * what one client saw bounds what a later one can see. A deposed leader that keeps
 * acknowledging writes on one key while the new leader commits on another passes every
 * per-key check but fails this one. Linear time after a sort.
 *
 * A write's revision is the one it was acknowledged with or, when its reply was lost, the one
 * a read revealed: a read that saw a value only one operation ever wrote, at mod revision R,
 * says that operation committed at R. Every completed operation also tells a lower bound on the
 * store's revision after it (its write's revision, the mod revision it read, its header): an
 * operation called later commits its write above that bound and reports a header at or above it.
 */
import type { KvInput, KvOperation } from './kv-model.ts'

export interface RevisionViolation {
  kind: 'duplicate-revision' | 'revision-order' | 'header-order'
  /** For orders, the operation that completed first; for duplicates, the first holder. */
  first: KvOperation
  second: KvOperation
  message: string
}

export interface RevisionReport {
  ok: boolean
  violations: RevisionViolation[]
}

interface Observed {
  op: KvOperation
  call: number
  /** Infinity when the outcome is unknown: it never completed before anything. */
  return: number
  /** The revision its write committed at, if it put something and the revision is known. */
  write: number | undefined
  /** True when `write` was revealed by a read rather than acknowledged. */
  revealed: boolean
  header: number | undefined
  /** The highest revision it saw: the store was at least here when it returned. */
  seen: number | undefined
}

const completed = (op: KvOperation): boolean => op.return !== undefined && op.return !== Infinity

/**
 * Only a put is sure to create a revision: like etcd, the store does not bump it for a
 * transaction that writes nothing or only deletes absent keys, and every response carries
 * the (then current) header revision anyway.
 */
function putsOf(input: KvInput): { key: string; value: string }[] {
  const writes = input.op === 'put' ? [input] : input.op === 'cas' ? [input] : input.op === 'txn' ? input.writes : []
  return writes.flatMap((w) => (w.value === null ? [] : [{ key: w.key, value: w.value }]))
}

function acknowledgedRevision(op: KvOperation): number | undefined {
  const revision = op.output?.revision
  if (revision === undefined || !completed(op)) return undefined
  return op.input.op === 'put' || op.output?.succeeded === true ? revision : undefined
}

/** Mod revisions that reads saw for (key, value) pairs written by exactly one operation. */
function revealedRevisions(history: readonly KvOperation[]): Map<string, number> {
  const writers = new Map<string, number>()
  for (const op of history) for (const w of putsOf(op.input)) writers.set(pairId(w.key, w.value), (writers.get(pairId(w.key, w.value)) ?? 0) + 1)
  const revealed = new Map<string, number>()
  for (const op of history) {
    const { output, input } = op
    if (input.op !== 'get' || !completed(op) || typeof output?.value !== 'string' || output.modRevision === undefined) continue
    const id = pairId(input.key, output.value)
    if (writers.get(id) === 1 && !revealed.has(id)) revealed.set(id, output.modRevision)
  }
  return revealed
}

function pairId(key: string, value: string): string {
  return `${key}\u0000${value}`
}

function observe(history: readonly KvOperation[]): Observed[] {
  const revealed = revealedRevisions(history)
  return history.map((op) => {
    const puts = putsOf(op.input)
    const acknowledged = puts.length > 0 ? acknowledgedRevision(op) : undefined
    const fromRead = acknowledged === undefined ? puts.map((w) => revealed.get(pairId(w.key, w.value))).find((r) => r !== undefined) : undefined
    const write = acknowledged ?? fromRead
    const done = completed(op)
    const header = done ? op.output?.header : undefined
    const read = done && op.input.op === 'get' ? op.output?.modRevision : undefined
    const seenValues = done ? [write, read, header].filter((r): r is number => r !== undefined) : []
    const seen = seenValues.length > 0 ? Math.max(...seenValues) : undefined
    return { op, call: op.call, return: done ? op.return! : Infinity, write, revealed: fromRead !== undefined, header, seen }
  })
}

function show(o: Observed, revision: number | undefined): string {
  const when = `[${o.call}, ${o.return === Infinity ? '?' : o.return}]`
  const how = o.write !== undefined && revision === o.write && o.revealed ? ' (revealed by a read)' : ''
  return `client ${o.op.clientId} ${when} ${o.op.input.op} @${revision}${how}`
}

function duplicates(observed: readonly Observed[]): RevisionViolation[] {
  const violations: RevisionViolation[] = []
  const byRevision = new Map<number, Observed>()
  for (const o of observed) {
    if (o.write === undefined) continue
    const holder = byRevision.get(o.write)
    if (holder === undefined) byRevision.set(o.write, o)
    else violations.push({ kind: 'duplicate-revision', first: holder.op, second: o.op, message: `two writes committed at revision ${o.write}: ${show(holder, holder.write)} and ${show(o, o.write)}` })
  }
  return violations
}

/**
 * Sweeps calls in time order, folding in every operation that returned strictly before: the
 * highest revision seen among those bounds the new operation's write (strictly) and header
 * (touching intervals are concurrent, as in the linearizability search).
 */
function realTimeOrder(observed: readonly Observed[]): RevisionViolation[] {
  const violations: RevisionViolation[] = []
  const byCall = observed.filter((o) => o.write !== undefined || o.header !== undefined).sort((a, b) => a.call - b.call)
  const byReturn = observed.filter((o) => o.seen !== undefined).sort((a, b) => a.return - b.return)
  let next = 0
  let highest: Observed | undefined
  for (const o of byCall) {
    while (next < byReturn.length && byReturn[next]!.return < o.call) {
      const done = byReturn[next++]!
      if (highest === undefined || done.seen! > highest.seen!) highest = done
    }
    if (highest === undefined) continue
    const before = `${show(highest, highest.seen)} completed before`
    if (o.write !== undefined && o.write <= highest.seen!) {
      violations.push({ kind: 'revision-order', first: highest.op, second: o.op, message: `revision went backwards: ${before} ${show(o, o.write)} was called` })
    } else if (o.header !== undefined && o.header < highest.seen!) {
      violations.push({ kind: 'header-order', first: highest.op, second: o.op, message: `header revision went backwards: ${before} ${show(o, o.header)} was called` })
    }
  }
  return violations
}

export function checkRevisions(history: readonly KvOperation[]): RevisionReport {
  const observed = observe(history)
  const violations = [...duplicates(observed), ...realTimeOrder(observed)]
  return { ok: violations.length === 0, violations }
}
