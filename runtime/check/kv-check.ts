/**
 * The one call a store test needs: linearizability per key group plus the cross-key revision
 * checks, folded into a verdict and a message fit for an assertion.
 */
import { checkOperations } from './linearizable.ts'
import { keysOf, kvModel, kvModelUnpartitioned, type KvInput, type KvOperation, type KvOutput } from './kv-model.ts'
import type { CheckOptions, CheckResult, Verdict } from './model.ts'
import { checkRevisions, type RevisionReport } from './revisions.ts'

export interface KvCheckOptions extends CheckOptions {
  /** One search over all keys instead of per key group (small histories only). */
  unpartitioned?: boolean
}

export interface KvCheckReport {
  /** 'illegal' if either check found a violation; 'unknown' if the search timed out and nothing was found. */
  verdict: Verdict
  linearizability: CheckResult<KvInput, KvOutput>
  revisions: RevisionReport
  message: string
}

export function checkKvHistory(history: readonly KvOperation[], options: KvCheckOptions = {}): KvCheckReport {
  const linearizability = checkOperations(options.unpartitioned ? kvModelUnpartitioned : kvModel, history, options)
  const revisions = checkRevisions(history)
  const verdict: Verdict =
    linearizability.result === 'illegal' || !revisions.ok ? 'illegal' : linearizability.result === 'unknown' ? 'unknown' : 'ok'
  const lines: string[] = []
  if (linearizability.result === 'illegal') {
    const keys = new Set(linearizability.counterexample.operations.flatMap((op) => keysOf(op.input)))
    lines.push(`keys ${[...keys].join(', ')}: ${linearizability.counterexample.message}`)
  } else if (linearizability.result === 'unknown') {
    lines.push(`linearizability unknown: timed out with ${linearizability.checkedPartitions}/${linearizability.partitions} key groups checked`)
  }
  lines.push(...revisions.violations.map((v) => v.message))
  const message = verdict === 'ok' ? `${history.length} operations, ${linearizability.partitions} key groups: linearizable` : lines.join('\n')
  return { verdict, linearizability, revisions, message }
}
