/**
 * Invariant 1: the store's history, as the probe's clients saw it, is linearizable (per key group,
 * plus the global revision order of runtime/check/revisions.ts, header revisions included).
 * Pure: a recorded history in, a result out. The search runs without a wall-clock timeout (its
 * verdict must not depend on the machine's speed); the probe bounds the history instead.
 */
import { checkKvHistory } from '../../check/kv-check.ts'
import type { KvOperation } from '../../check/kv-model.ts'
import type { InvariantResult } from './types.ts'

export const STORE_LINEARIZABLE = 'store-linearizable'

export function checkStoreLinearizable(history: readonly KvOperation[]): InvariantResult {
  const acknowledged = history.filter((op) => op.return !== undefined).length
  const report = checkKvHistory(history)
  if (report.verdict === 'ok') return { name: STORE_LINEARIZABLE, held: true, detail: `${history.length} operations (${acknowledged} acknowledged): ${report.message}` }
  const stuck = report.linearizability.result === 'illegal' ? report.linearizability.counterexample.stuck : undefined
  const at = stuck?.return ?? stuck?.call ?? report.revisions.violations[0]?.second.call
  return { name: STORE_LINEARIZABLE, held: false, detail: report.message, ...(at !== undefined ? { at } : {}) }
}
