/**
 * Invariant 3: no acknowledged write is lost. In the store: every acknowledged put (or successful
 * compare-and-swap put) of the store probe is what a final read of its key shows, unless something
 * later could have replaced it (a higher mod revision, or a delete that may have come after it).
 * Through the API: every acknowledged create of the API write probe that was never deleted (nor
 * asked to be) still exists with the uid it was created with. Pure: histories in, one result out.
 */
import type { KvOperation } from '../../check/kv-model.ts'
import type { ApiWrite } from './api-write-probe.ts'
import { resultOf, type InvariantResult } from './types.ts'

export const ACKNOWLEDGED_WRITES = 'acknowledged-writes'
/** The client id of the final reads in the store probe's history. */
export const FINAL_READER = 'final'

interface Violation {
  readonly at?: number
  readonly message: string
}

export function checkAcknowledgedWrites(storeHistory: readonly KvOperation[], apiWrites: readonly ApiWrite[], finalUids: ReadonlyMap<string, string>): InvariantResult {
  const violations = [...storeWritesLost(storeHistory), ...apiCreatesLost(apiWrites, finalUids)]
  const acknowledged = storeHistory.filter((op) => writtenRevision(op) !== undefined).length + apiWrites.filter((w) => w.op === 'create' && w.status === 201).length
  return resultOf(ACKNOWLEDGED_WRITES, violations, `${acknowledged} acknowledged writes, none lost`)
}

/** The revision an acknowledged write put a value at (undefined: not an acknowledged put). */
function writtenRevision(op: KvOperation): number | undefined {
  if (op.return === undefined || op.output?.revision === undefined) return undefined
  if (op.input.op === 'put') return op.output.revision
  return op.input.op === 'cas' && op.input.value !== null && op.output.succeeded === true ? op.output.revision : undefined
}

const mayDelete = (op: KvOperation, key: string): boolean =>
  (op.input.op === 'delete' && op.input.key === key && op.output?.deleted !== false) ||
  (op.input.op === 'cas' && op.input.key === key && op.input.value === null && op.output?.succeeded !== false)

/** The store probe's acknowledged writes a final read does not show (the chaos store probe counts them too). */
export function storeWritesLost(history: readonly KvOperation[]): Violation[] {
  const finals = new Map<string, KvOperation>()
  for (const op of history) if (op.clientId === FINAL_READER && op.input.op === 'get' && op.return !== undefined) finals.set(op.input.key, op)
  const violations: Violation[] = []
  for (const write of history) {
    const revision = writtenRevision(write)
    if (revision === undefined || (write.input.op !== 'put' && write.input.op !== 'cas')) continue
    const { key, value } = write.input
    const final = finals.get(key)
    if (final === undefined) {
      violations.push({ message: `store ${key}: no final read to check the write of ${value} at ${revision} against` })
      continue
    }
    const seen = final.output?.modRevision ?? 0
    if (seen > revision) continue
    if (seen === revision && final.output?.value === value) continue
    // Absent is fine if a delete may have been linearized after the write (it returned after the write was called).
    if (seen === 0 && history.some((op) => mayDelete(op, key) && (op.return === undefined || op.return > write.call))) continue
    const shown = seen === 0 ? 'absent' : `${final.output?.value} at ${seen}`
    violations.push({ at: write.return!, message: `store ${key}: the acknowledged write of ${value} at revision ${revision} is lost (final read: ${shown})` })
  }
  return violations
}

function apiCreatesLost(writes: readonly ApiWrite[], finalUids: ReadonlyMap<string, string>): Violation[] {
  const deleted = new Set(writes.filter((w) => w.op === 'delete').map((w) => w.name))
  return writes
    .filter((w) => w.op === 'create' && w.status === 201 && !deleted.has(w.name))
    .filter((w) => finalUids.get(w.name) !== w.uid)
    .map((w) => {
      const now = finalUids.get(w.name)
      return { at: w.return!, message: `api ${w.name}: the acknowledged create (uid ${w.uid}) is ${now === undefined ? 'gone' : `replaced by uid ${now}`}` }
    })
}
