/**
 * `backoffLimitPerIndex` for Indexed Jobs (k8s.io/kubernetes/pkg/controller/job,
 * indexed_job_utils.go): each index retries on its own. A pod carries its index's failures before
 * it (`batch.kubernetes.io/job-index-failure-count`, and the ignored ones in
 * `job-index-ignored-failure-count`); a failed pod whose count already reached the limit, or that
 * a FailIndex rule matched, fails its index for good (`status.failedIndexes`). Pure.
 */
import type { Job } from '../kube/batch.ts'
import type { Pod } from '../kube/objects.ts'
import { finishedAt, indexFailureCount, indexIgnoredFailureCount } from './job-backoff.ts'
import { matchPodFailurePolicy } from './job-failure-policy.ts'
import { parseIndexes } from './job-indexes.ts'

type IndexOf = (pod: Pod) => number | undefined

export const hasBackoffLimitPerIndex = (job: Job): boolean =>
  job.spec.completionMode === 'Indexed' && job.spec.backoffLimitPerIndex !== undefined && job.spec.backoffLimitPerIndex !== null

/** isIndexFailed: the failed pod ends its index (FailIndex, or a counted failure at the limit). */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  if (pod.status?.phase !== 'Failed') return false
  const match = matchPodFailurePolicy(job.spec.podFailurePolicy, pod)
  if (match.action === 'FailIndex') return true
  return match.counts && indexFailureCount(pod) >= (job.spec.backoffLimitPerIndex ?? 0)
}

/** calculateFailedIndexes: those in the status plus those a failed pod ends now. */
export function failedIndexes(job: Job, pods: readonly Pod[], indexOf: IndexOf): Set<number> {
  const completions = job.spec.completions ?? 0
  const out = new Set(parseIndexes(job.status?.failedIndexes ?? '', completions))
  for (const p of pods) {
    const i = indexOf(p)
    if (i !== undefined && i < completions && isIndexFailed(job, p)) out.add(i)
  }
  return out
}

/**
 * getPodsWithDelayedDeletionPerIndex: for each index still to run (not succeeded, failed or
 * running), its last failed pod (most failures, then latest), the one its next pod replaces.
 */
export function lastFailedPods(job: Job, pods: readonly Pod[], skip: ReadonlySet<number>, indexOf: IndexOf): Map<number, Pod> {
  const completions = job.spec.completions ?? 0
  const out = new Map<number, Pod>()
  const absolute = (p: Pod): number => indexFailureCount(p) + indexIgnoredFailureCount(p)
  for (const p of pods) {
    const i = indexOf(p)
    if (p.status?.phase !== 'Failed' || i === undefined || i >= completions || skip.has(i)) continue
    const last = out.get(i)
    if (last === undefined || (absolute(last) <= absolute(p) && finishedAt(p) >= finishedAt(last))) out.set(i, p)
  }
  return out
}

/** getNewIndexFailureCounts: the counts a new pod of the index carries, from the pod it replaces. */
export function newIndexFailureCounts(job: Job, replaced: Pod | undefined): { readonly failures: number; readonly ignored: number } {
  if (replaced === undefined) return { failures: 0, ignored: 0 }
  const counts = matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).counts
  return { failures: indexFailureCount(replaced) + (counts ? 1 : 0), ignored: indexIgnoredFailureCount(replaced) + (counts ? 0 : 1) }
}
