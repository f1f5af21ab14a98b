/**
 * An Indexed Job's `successPolicy` (k8s.io/kubernetes/pkg/controller/job, success_policy.go): the
 * Job has succeeded once one rule holds, rules in order. A rule with `succeededIndexes` holds when
 * all those indexes succeeded, or (with `succeededCount`) at least that many of them; a rule with
 * only `succeededCount` holds when that many indexes succeeded. Pure.
 */
import type { SuccessPolicy } from '../kube/batch.ts'
import { parseIndexes } from './job-indexes.ts'

/** matchSuccessPolicy: the SuccessCriteriaMet message (`Matched rules at index N`), if a rule holds. */
export function matchSuccessPolicy(policy: SuccessPolicy | undefined, completions: number, succeeded: ReadonlySet<number>): string | undefined {
  if (policy === undefined || policy === null || succeeded.size === 0) return undefined
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    const count = rule.succeededCount ?? undefined
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = new Set(parseIndexes(rule.succeededIndexes, completions))
      // A rule whose indexes do not parse (or lie past completions) never holds.
      if (required.size === 0) continue
      const contained = [...required].filter((i) => succeeded.has(i)).length
      if (contained === required.size || (count !== undefined && contained >= count)) return `Matched rules at index ${index}`
    } else if (count !== undefined && succeeded.size >= count) {
      return `Matched rules at index ${index}`
    }
  }
  return undefined
}
