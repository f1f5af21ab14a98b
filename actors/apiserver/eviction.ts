/**
 * The eviction subresource's decision (POST pods/<name>/eviction, kube-apiserver's
 * pkg/registry/core/pod/storage/eviction.go), pure: given the pod, its namespace's
 * PodDisruptionBudgets and the Eviction's DeleteOptions, what to write.
 *
 * - A pod that is Pending, Succeeded, Failed or already being deleted has disrupted nothing more
 *   by going: it is deleted without looking at budgets (a Pending one with a resourceVersion
 *   precondition, so it cannot turn Ready behind our back).
 * - No budget selects it: deleted. More than one: 500, which Kubernetes does not support either.
 * - Not Ready: it does not count as healthy, so it goes without spending the budget when the
 *   budget's unhealthyPodEvictionPolicy is AlwaysAllow, or (IfHealthyBudget, the default) when
 *   the budget has its desired healthy pods; with a resourceVersion precondition again.
 * - Otherwise the budget is spent: status.disruptionsAllowed - 1 and the pod recorded in
 *   status.disruptedPods, written by compare-and-swap on the budget before the pod is deleted
 *   (the disruption controller forgets entries whose pod did not go within 2 minutes). No
 *   disruption left: 429 "Cannot evict pod as it would violate the pod's disruption budget."
 */
import type { Pod } from '../kube/objects.ts'
import { withDisruptionAllowed, type PodDisruptionBudget } from '../kube/policy.ts'
import { isPodReady } from '../controllers/_util.ts'
import type { DeleteOptions } from './deletion.ts'
import { labelSelectorFromObject } from './meta/label-selector.ts'
import { forbiddenBecause, type Status, type StatusError } from './meta/status.ts'
import { rfc3339Seconds } from './meta/object-meta.ts'

/** MaxDisruptedPodSize: evictions the controller has not confirmed yet, per budget. */
export const MAX_DISRUPTED_PODS = 2000

export const VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget."
export const MULTIPLE_BUDGETS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'
/** policyv1.DisruptionBudgetCause: the cause type of a 429 a budget gave. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget'

export interface EvictionInput {
  readonly pod: Pod
  /** The pod namespace's budgets (others are ignored). */
  readonly budgets: readonly PodDisruptionBudget[]
  /** The Eviction's deleteOptions, as the client sent them. */
  readonly options: DeleteOptions
  readonly now: number
}

/**
 * What a 409 from the pod's delete means: the pod changed under a precondition of ours, look
 * again (`retry`); our precondition lost to the pod turning Ready, the budget's 429
 * (`tooManyRequests`); the client's own precondition failed, the 409 stands (`fail`).
 */
export type OnConflict = 'retry' | 'tooManyRequests' | 'fail'

export type EvictionDecision =
  /** Delete the pod with `options`; `budget` names the budget a 429 speaks of. */
  | { readonly kind: 'delete'; readonly options: DeleteOptions; readonly onConflict: OnConflict; readonly budget?: string }
  /** Write `budget` (its status spent) at its read resourceVersion, then delete the pod with `options`. */
  | { readonly kind: 'spend'; readonly budget: PodDisruptionBudget; readonly options: DeleteOptions; readonly onConflict: 'fail' }
  /** Answer this and write nothing. */
  | { readonly kind: 'refuse'; readonly status: StatusError }

/** canIgnorePDB: terminal, Pending or already being deleted. */
export function canIgnoreBudgets(pod: Pod): boolean {
  const phase = pod.status?.phase
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp)
}

/**
 * The budgets whose selector matches the pod. policy/v1: an empty selector matches every pod of
 * the namespace, a nil one none; an invalid one matches nothing.
 */
export function budgetsOf(pod: Pod, budgets: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  return budgets.filter((b) => {
    if (b.metadata.namespace !== pod.metadata.namespace) return false
    const parsed = labelSelectorFromObject(b.spec?.selector ?? undefined)
    return parsed.ok && parsed.selector.matches(pod.metadata.labels)
  })
}

const hasResourceVersion = (options: DeleteOptions): boolean => options.preconditions?.resourceVersion !== undefined

/** The client's options, with the pod's resourceVersion as precondition unless the client set one. */
function pinned(options: DeleteOptions, pod: Pod): DeleteOptions {
  if (hasResourceVersion(options)) return options
  return { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata.resourceVersion ?? '' } }
}

export function decideEviction(input: EvictionInput): EvictionDecision {
  const { pod, options } = input
  // A client's resourceVersion precondition is final; a conflict on one of ours is not.
  const clientPinned = hasResourceVersion(options)
  if (canIgnoreBudgets(pod)) {
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || Boolean(pod.metadata.deletionTimestamp)
    return { kind: 'delete', options: terminal ? options : pinned(options, pod), onConflict: clientPinned ? 'fail' : 'retry' }
  }
  const matching = budgetsOf(pod, input.budgets)
  if (matching.length > 1) return { kind: 'refuse', status: { code: 500, status: failureStatus(500, MULTIPLE_BUDGETS) } }
  const budget = matching[0]
  if (budget === undefined) return { kind: 'delete', options, onConflict: 'fail' }
  const status = budget.status ?? {}
  if (!isPodReady(pod)) {
    const alwaysAllow = budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow'
    const desired = status.desiredHealthy ?? 0
    if (alwaysAllow || ((status.currentHealthy ?? 0) >= desired && desired > 0)) {
      return { kind: 'delete', options: pinned(options, pod), onConflict: clientPinned ? 'fail' : 'tooManyRequests', budget: budget.metadata.name ?? '' }
    }
  }
  const refused = budgetRefusal(budget)
  if (refused !== undefined) return { kind: 'refuse', status: refused }
  return { kind: 'spend', budget: spent(budget, pod.metadata.name ?? '', input.now), options, onConflict: 'fail' }
}

/** checkAndDecrement's refusals, in Kubernetes' order. */
function budgetRefusal(budget: PodDisruptionBudget): StatusError | undefined {
  const name = budget.metadata.name ?? ''
  const status = budget.status ?? {}
  if ((status.observedGeneration ?? 0) < (budget.metadata.generation ?? 0)) return stillProcessing(name)
  const allowed = status.disruptionsAllowed ?? 0
  if (allowed < 0) return forbiddenBecause('poddisruptionbudget', name, 'pdb disruptions allowed is negative', 'policy')
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    return forbiddenBecause('poddisruptionbudget', name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller', 'policy')
  }
  if (allowed === 0) return violates(0, `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`)
  return undefined
}

/** The budget with one disruption spent on `podName` at `now`. */
function spent(budget: PodDisruptionBudget, podName: string, now: number): PodDisruptionBudget {
  const before = budget.status ?? {}
  const disruptionsAllowed = (before.disruptionsAllowed ?? 0) - 1
  const counted = { ...before, disruptionsAllowed, disruptedPods: { ...before.disruptedPods, [podName]: rfc3339Seconds(now) } }
  // As Kubernetes: the condition turns only when the last disruption is spent.
  const status = disruptionsAllowed === 0 ? withDisruptionAllowed(counted, rfc3339Seconds(now)) : counted
  return { ...budget, status }
}

/** createTooManyRequestsError: the budget has not caught up yet (or our precondition lost a race); try in 10 s. */
export const stillProcessing = (budget: string): StatusError => violates(10, `The disruption budget ${budget} is still being processed by the server.`)

function violates(retryAfterSeconds: number, cause: string): StatusError {
  const details = { ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}), causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }] }
  return { code: 429, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: VIOLATES_BUDGET, reason: 'TooManyRequests', details, code: 429 } }
}

/** A Status returned as the result (not an error): no reason, as Kubernetes' eviction REST writes it. */
function failureStatus(code: number, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code }
}

/** What a granted eviction answers (201, the create handler's code for a Status result). */
export const EVICTED: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }

/** The pod marked as about to go (DisruptionTarget, EvictionByEvictionAPI), or undefined if it already is. */
export function withDisruptionTarget(pod: Pod, now: number): Pod | undefined {
  const conditions = pod.status?.conditions ?? []
  const old = conditions.find((c) => c.type === 'DisruptionTarget')
  if (old?.status === 'True' && old.reason === 'EvictionByEvictionAPI') return undefined
  const condition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: rfc3339Seconds(now) } as const
  return { ...pod, status: { ...pod.status, conditions: [...conditions.filter((c) => c.type !== 'DisruptionTarget'), condition] } }
}
