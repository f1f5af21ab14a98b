/**
 * The Job controller's pod-failure backoff (k8s.io/kubernetes/pkg/controller/job,
 * backoff_utils.go): new pods are held back 10 s after a failure, doubling with each failure in a
 * row, at most 6 min. Job-wide, the failures counted are those since the last success; with
 * backoffLimitPerIndex each index has its own, from its last failed pod's failure counts. Pure.
 */
import { JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT } from '../kube/batch.ts'
import type { Pod } from '../kube/objects.ts'
import { timeOf } from './_util.ts'

export interface BackoffConfig {
  /** The first pod-failure backoff (Kubernetes: 10 s); it doubles with each failure in a row. */
  readonly backoffBaseMs?: number
  /** The longest backoff (Kubernetes: 6 min). */
  readonly backoffMaxMs?: number
}

/** When a terminated pod ended: its containers' latest finishedAt, else when it stopped being ready, else its creation. */
export function finishedAt(pod: Pod): number {
  let latest: number | undefined
  for (const s of pod.status?.containerStatuses ?? []) {
    const t = timeOf(s.state?.terminated?.finishedAt)
    if (t !== undefined && (latest === undefined || t > latest)) latest = t
  }
  return latest ?? timeOf(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? timeOf(pod.metadata.creationTimestamp) ?? 0
}

/** The delay `failures` failures in a row earn. */
const delayFor = (failures: number, config: BackoffConfig): number => Math.min(config.backoffMaxMs ?? 360_000, (config.backoffBaseMs ?? 10_000) * 2 ** Math.min(failures - 1, 30))

/** The pod-failure backoff: failures since the last success, the latest of them, and the delay they earn. */
export function failureBackoff(succeeded: readonly Pod[], failed: readonly Pod[], config: BackoffConfig): { readonly until: number } | undefined {
  const lastSuccess = Math.max(-Infinity, ...succeeded.map(finishedAt))
  const failures = failed.map(finishedAt).filter((t) => t > lastSuccess)
  if (failures.length === 0) return undefined
  return { until: Math.max(...failures) + delayFor(failures.length, config) }
}

/** An annotation's count: 0 when missing, malformed, negative or past int32 (parseInt32). */
function countAnnotation(pod: Pod, key: string): number {
  const text = pod.metadata.annotations?.[key]
  if (text === undefined || !/^\d+$/.test(text)) return 0
  const n = Number(text)
  return n > 2_147_483_647 ? 0 : n
}

/** The counted failures of a pod's index before it (`job-index-failure-count`). */
export const indexFailureCount = (pod: Pod): number => countAnnotation(pod, JOB_INDEX_FAILURE_COUNT)
/** The failures of a pod's index before it that the pod failure policy ignored. */
export const indexIgnoredFailureCount = (pod: Pod): number => countAnnotation(pod, JOB_INDEX_IGNORED_FAILURE_COUNT)

/** getRemainingTimePerIndex: when an index whose last failed pod is `lastFailed` may have a new pod. */
export function indexBackoffUntil(lastFailed: Pod | undefined, config: BackoffConfig): number | undefined {
  if (lastFailed === undefined) return undefined
  return finishedAt(lastFailed) + delayFor(indexFailureCount(lastFailed) + indexIgnoredFailureCount(lastFailed) + 1, config)
}
