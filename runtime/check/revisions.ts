/**
 * Cross-key revision checks. Partitioning by key makes the linearizability search cheap but
 * blind to anything relating different keys; the store's revision counter is global, though,
 * so acknowledged writes must get distinct revisions, increasing in real-time order across all
 * keys. A deposed leader that keeps acknowledging writes on one key while the new leader
 * commits on another passes every per-key check but fails this one. Linear time after a sort.
 */
import type { KvOperation } from './kv-model.ts'

export interface RevisionViolation {
  kind: 'duplicate-revision' | 'revision-order'
  /** For 'revision-order', the write that completed first; for duplicates, the first holder. */
  first: KvOperation
  second: KvOperation
  message: string
}

export interface RevisionReport {
  ok: boolean
  violations: RevisionViolation[]
}

interface Write {
  op: KvOperation
  revision: number
  call: number
  return: number
}

function acknowledgedWrites(history: readonly KvOperation[]): Write[] {
  const writes: Write[] = []
  for (const op of history) {
    const revision = op.output?.revision
    if (revision === undefined || op.return === undefined || op.return === Infinity) continue
    // Only a put is sure to create a revision: like etcd, the store does not bump it for a
    // transaction that writes nothing or only deletes absent keys, and every response carries
    // the (then current) header revision anyway.
    const input = op.input
    const puts =
      input.op === 'put' ||
      (input.op === 'cas' && op.output?.succeeded === true && input.value !== null) ||
      (input.op === 'txn' && op.output?.succeeded === true && input.writes.some((w) => w.value !== null))
    if (puts) writes.push({ op, revision, call: op.call, return: op.return })
  }
  return writes
}

export function checkRevisions(history: readonly KvOperation[]): RevisionReport {
  const writes = acknowledgedWrites(history)
  const violations: RevisionViolation[] = []
  const show = (w: Write): string => `client ${w.op.clientId} [${w.call}, ${w.return}] ${w.op.input.op} @${w.revision}`

  const byRevision = new Map<number, Write>()
  for (const w of writes) {
    const holder = byRevision.get(w.revision)
    if (holder === undefined) byRevision.set(w.revision, w)
    else violations.push({ kind: 'duplicate-revision', first: holder.op, second: w.op, message: `two writes committed at revision ${w.revision}: ${show(holder)} and ${show(w)}` })
  }

  // Sweep calls in time order, folding in every write that returned strictly before: the
  // highest revision among those must be below the new write's (touching intervals are
  // concurrent, as in the linearizability search).
  const byCall = [...writes].sort((a, b) => a.call - b.call)
  const byReturn = [...writes].sort((a, b) => a.return - b.return)
  let next = 0
  let highest: Write | undefined
  for (const w of byCall) {
    while (next < byReturn.length && byReturn[next]!.return < w.call) {
      const done = byReturn[next++]!
      if (highest === undefined || done.revision > highest.revision) highest = done
    }
    if (highest !== undefined && highest.revision > w.revision) {
      violations.push({
        kind: 'revision-order', first: highest.op, second: w.op,
        message: `revision went backwards: ${show(highest)} completed before ${show(w)} was called`,
      })
    }
  }
  return { ok: violations.length === 0, violations }
}
