/**
 * Typed views of policy/v1 PodDisruptionBudgets and Evictions as they travel as JSON. As in
 * objects.ts, every field a client may omit is optional: policy/v1 defaults nothing, and the
 * status is the disruption controller's (actors/controllers/disruption.ts) and the eviction
 * subresource's (actors/apiserver/eviction.ts).
 */
import type { LabelSelector, ObjectMeta } from './objects.ts'

/** A whole number or a percent (`"50%"`), as intstr.IntOrString. */
export type IntOrPercent = number | string

export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow'

export interface PodDisruptionBudgetSpec {
  readonly minAvailable?: IntOrPercent | null
  readonly maxUnavailable?: IntOrPercent | null
  readonly selector?: LabelSelector | null
  readonly unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy
}

export interface PodDisruptionBudgetStatus {
  readonly observedGeneration?: number
  /** Pod name -> when the eviction subresource let it go (RFC 3339); the controller prunes it. */
  readonly disruptedPods?: Readonly<Record<string, string>>
  readonly disruptionsAllowed?: number
  readonly currentHealthy?: number
  readonly desiredHealthy?: number
  readonly expectedPods?: number
  readonly conditions?: readonly BudgetCondition[]
}

export interface PodDisruptionBudget {
  readonly apiVersion?: 'policy/v1'
  readonly kind?: 'PodDisruptionBudget'
  readonly metadata: ObjectMeta
  readonly spec: PodDisruptionBudgetSpec
  readonly status?: PodDisruptionBudgetStatus
}

/** The condition both writers keep (policy/v1 DisruptionAllowedCondition). */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed'
/** Its reasons: SufficientPodsReason, InsufficientPodsReason, SyncFailedReason. */
export const SUFFICIENT_PODS = 'SufficientPods'
export const INSUFFICIENT_PODS = 'InsufficientPods'
export const SYNC_FAILED = 'SyncFailed'

/** metav1.Condition: a PodDisruptionBudget's conditions also carry the generation they saw. */
export interface BudgetCondition {
  readonly type: string
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason: string
  readonly message: string
  readonly lastTransitionTime: string
  readonly observedGeneration?: number
}

/**
 * pdbhelper.UpdateDisruptionAllowedCondition: DisruptionAllowed True (SufficientPods) while
 * disruptions are allowed, False (InsufficientPods) otherwise; as apimeta.SetStatusCondition the
 * transition time moves only when the status does. `at` is the RFC 3339 time of this write.
 */
export function withDisruptionAllowed(status: PodDisruptionBudgetStatus, at: string): PodDisruptionBudgetStatus {
  const allowed = (status.disruptionsAllowed ?? 0) > 0
  const next = { type: DISRUPTION_ALLOWED, status: allowed ? 'True' : 'False', reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS, message: '', observedGeneration: status.observedGeneration } as const
  return { ...status, conditions: setBudgetCondition(status.conditions, next, at) }
}

/** apimeta.SetStatusCondition over a budget's conditions (kept in order, replaced by type). */
export function setBudgetCondition(conditions: readonly BudgetCondition[] | undefined, next: Omit<BudgetCondition, 'lastTransitionTime'>, at: string): BudgetCondition[] {
  const list = conditions ?? []
  const old = list.find((c) => c.type === next.type)
  const lastTransitionTime = old !== undefined && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : at
  const condition: BudgetCondition = { ...next, lastTransitionTime }
  return old === undefined ? [...list, condition] : list.map((c) => (c.type === next.type ? condition : c))
}
