/**
 * The disruption controller (kube-controller-manager's pkg/controller/disruption) as a pure step:
 * one PodDisruptionBudget's status from the pods it selects and the scale of their controllers.
 *
 * - expectedPods: with an integer minAvailable, the number of selected pods; with maxUnavailable
 *   or a percent minAvailable, the sum of the scales of the pods' controllers (a Deployment's
 *   spec.replicas for pods of its ReplicaSets, a bare ReplicaSet's or StatefulSet's own). Pods
 *   without a controller are left out (Kubernetes warns about them); a pod whose controller has no
 *   scale we know fails the sync: disruptionsAllowed 0, DisruptionAllowed False / SyncFailed.
 * - desiredHealthy: minAvailable (scaled, rounded up), or expectedPods - maxUnavailable (>= 0).
 * - currentHealthy: selected pods that are Ready, not being deleted and not in disruptedPods.
 * - disruptionsAllowed: currentHealthy - desiredHealthy, never below 0, and 0 while expectedPods is
 *   0 (a budget whose pods have not appeared yet is safe when they do).
 * - disruptedPods: the eviction subresource's entries, kept for 2 minutes while their pod exists
 *   and is not yet being deleted (the pass is requeued for the earliest expiry), dropped otherwise.
 * - observedGeneration, and the DisruptionAllowed condition (SufficientPods / InsufficientPods).
 * The status is written (updateStatus at the read resourceVersion) only when it changes.
 */
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.ts'
import { DISRUPTION_ALLOWED, SYNC_FAILED, setBudgetCondition, withDisruptionAllowed, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../kube/policy.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { semanticEqual } from '../apiserver/meta/object-meta.ts'
import { type Action, pathOf, type TypeMeta } from './actions.ts'
import { controllerOf, isPodReady, timeOf, timestamp } from './_util.ts'
import { scaledValue } from './deployment.ts'
import { objectItem } from './work-item.ts'

export const PDB: TypeMeta = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' }
/** DeletionTimeout: how long an eviction's entry waits for its pod to start going. */
export const DELETION_TIMEOUT_MS = 2 * 60_000

/** Anything with a scale: a StatefulSet (or any workload whose spec.replicas is its scale). */
export interface Scalable {
  readonly metadata: ReplicaSet['metadata']
  readonly spec?: { readonly replicas?: number }
}

export interface DisruptionInput {
  readonly budget: PodDisruptionBudget
  /** The budget namespace's pods. */
  readonly pods: readonly Pod[]
  readonly replicaSets: readonly ReplicaSet[]
  readonly deployments: readonly Deployment[]
  readonly statefulSets?: readonly Scalable[]
}

export interface DisruptionResult {
  readonly actions: Action[]
  /** The earliest time an entry of disruptedPods expires, from now. */
  readonly requeueAfterMs?: number
}

type Counted = { readonly ok: true; readonly expectedPods: number; readonly desiredHealthy: number } | { readonly ok: false; readonly error: string }

export function reconcileDisruptionBudget(input: DisruptionInput, now: number): DisruptionResult {
  const { budget } = input
  const selected = selectedPods(budget, input.pods)
  const counted = selected.ok ? countExpected(budget, selected.pods, input) : selected
  if (!counted.ok) return { actions: writeIfChanged(budget, failSafe(budget, counted.error, now)) }
  const { kept, recheckAt } = liveDisruptions(budget, selected.ok ? selected.pods : [], now)
  const currentHealthy = countHealthy(selected.ok ? selected.pods : [], kept, now)
  const allowed = currentHealthy - counted.desiredHealthy
  // Go's `omitempty`: Kubernetes' JSON (and our protobuf answers) carry no empty disruptedPods map.
  const { disruptedPods: _before, ...earlier } = budget.status ?? {}
  const status: PodDisruptionBudgetStatus = {
    ...earlier,
    observedGeneration: budget.metadata.generation ?? 0,
    ...(Object.keys(kept).length > 0 ? { disruptedPods: kept } : {}),
    disruptionsAllowed: counted.expectedPods <= 0 || allowed <= 0 ? 0 : allowed,
    currentHealthy,
    desiredHealthy: counted.desiredHealthy,
    expectedPods: counted.expectedPods,
  }
  return { actions: writeIfChanged(budget, withDisruptionAllowed(status, timestamp(now))), ...(recheckAt !== undefined ? { requeueAfterMs: Math.max(0, recheckAt - now) } : {}) }
}

/** The namespace's pods the selector matches (policy/v1: an empty selector matches all, a nil one none). */
function selectedPods(budget: PodDisruptionBudget, pods: readonly Pod[]): { ok: true; pods: Pod[] } | { ok: false; error: string } {
  const parsed = labelSelectorFromObject(budget.spec?.selector ?? undefined)
  if (!parsed.ok) return { ok: false, error: parsed.error }
  return { ok: true, pods: pods.filter((p) => p.metadata.namespace === budget.metadata.namespace && parsed.selector.matches(p.metadata.labels)) }
}

const selects = (budget: PodDisruptionBudget, pod: Pod): boolean => {
  const selected = selectedPods(budget, [pod])
  return selected.ok && selected.pods.length === 1
}

/** getExpectedPodCount: expectedPods and desiredHealthy, or why they cannot be known. */
function countExpected(budget: PodDisruptionBudget, pods: readonly Pod[], input: DisruptionInput): Counted {
  const { minAvailable, maxUnavailable } = budget.spec ?? {}
  try {
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const scale = expectedScale(pods, input)
      if (!scale.ok) return scale
      return { ok: true, expectedPods: scale.expectedPods, desiredHealthy: Math.max(0, scale.expectedPods - scaledValue(maxUnavailable, '0', scale.expectedPods, true)) }
    }
    if (typeof minAvailable === 'number') return { ok: true, expectedPods: pods.length, desiredHealthy: minAvailable }
    if (typeof minAvailable === 'string') {
      const scale = expectedScale(pods, input)
      if (!scale.ok) return scale
      return { ok: true, expectedPods: scale.expectedPods, desiredHealthy: scaledValue(minAvailable, '0', scale.expectedPods, true) }
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
  return { ok: true, expectedPods: 0, desiredHealthy: 0 }
}

/** getExpectedScale: the sum of the scales of the controllers of the pods, each counted once. */
function expectedScale(pods: readonly Pod[], input: DisruptionInput): { ok: true; expectedPods: number } | { ok: false; error: string } {
  const scales = new Map<string, number>()
  for (const pod of pods) {
    const ref = controllerOf(pod.metadata)
    if (ref === undefined) continue // unmanaged: not counted
    const found = scaleOf(ref, pod.metadata.namespace, input)
    if (found === undefined) return { ok: false, error: `found no controllers for pod ${JSON.stringify(pod.metadata.name ?? '')}` }
    scales.set(found.uid, found.scale)
  }
  return { ok: true, expectedPods: [...scales.values()].reduce((a, b) => a + b, 0) }
}

type Ref = NonNullable<ReturnType<typeof controllerOf>>

/** The finders: a ReplicaSet's Deployment (or the ReplicaSet itself), a StatefulSet; matched by uid. */
function scaleOf(ref: Ref, namespace: string | undefined, input: DisruptionInput): { uid: string; scale: number } | undefined {
  const same = (o: { metadata: { namespace?: string; name?: string; uid?: string } }, r: Ref) => o.metadata.namespace === namespace && o.metadata.name === r.name && o.metadata.uid === r.uid
  if (ref.kind === 'ReplicaSet') {
    const rs = input.replicaSets.find((r) => same(r, ref))
    if (rs === undefined) return undefined
    const owner = controllerOf(rs.metadata)
    if (owner?.kind === 'Deployment') {
      const d = input.deployments.find((x) => same(x, owner))
      return d === undefined ? undefined : { uid: d.metadata.uid ?? '', scale: d.spec.replicas ?? 1 }
    }
    return { uid: rs.metadata.uid ?? '', scale: rs.spec.replicas ?? 1 }
  }
  if (ref.kind === 'StatefulSet') {
    const s = (input.statefulSets ?? []).find((x) => same(x, ref))
    return s === undefined ? undefined : { uid: s.metadata.uid ?? '', scale: s.spec?.replicas ?? 1 }
  }
  return undefined
}

/** buildDisruptedPodMap: entries of pods that still exist, are not yet being deleted, and have not timed out. */
function liveDisruptions(budget: PodDisruptionBudget, pods: readonly Pod[], now: number): { kept: Record<string, string>; recheckAt?: number } {
  const kept: Record<string, string> = {}
  let recheckAt: number | undefined
  const entries = budget.status?.disruptedPods ?? {}
  for (const pod of pods) {
    const name = pod.metadata.name ?? ''
    const at = Object.hasOwn(entries, name) ? entries[name] : undefined
    if (at === undefined || pod.metadata.deletionTimestamp) continue
    const expires = (timeOf(at) ?? 0) + DELETION_TIMEOUT_MS
    if (expires < now) continue // the eviction did not go through: count the pod again
    kept[name] = at
    if (recheckAt === undefined || expires < recheckAt) recheckAt = expires
  }
  return recheckAt === undefined ? { kept } : { kept, recheckAt }
}

/** countHealthyPods: Ready, not being deleted, not about to be (a live disruptedPods entry). */
function countHealthy(pods: readonly Pod[], disrupted: Readonly<Record<string, string>>, now: number): number {
  return pods.filter((p) => {
    if (p.metadata.deletionTimestamp) return false
    const at = disrupted[p.metadata.name ?? '']
    if (at !== undefined && (timeOf(at) ?? 0) + DELETION_TIMEOUT_MS > now) return false
    return isPodReady(p)
  }).length
}

/** failSafe: nothing may be disrupted while the budget cannot be computed; the condition says why. */
function failSafe(budget: PodDisruptionBudget, error: string, now: number): PodDisruptionBudgetStatus {
  const status = budget.status ?? {}
  const condition = { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: error, observedGeneration: status.observedGeneration } as const
  return { ...status, disruptionsAllowed: 0, conditions: setBudgetCondition(status.conditions, condition, timestamp(now)) }
}

/** updateStatus at the read resourceVersion when anything changed. */
function writeIfChanged(budget: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Action[] {
  if (sameStatus(budget.status ?? {}, status)) return []
  const object: PodDisruptionBudget = { ...budget, apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', status }
  return [{ type: 'updateStatus', path: pathOf(PDB, budget, 'status'), object }]
}

/** apiequality.Semantic.DeepEqual over the status (absent and empty alike, key order aside). */
const sameStatus = (a: PodDisruptionBudgetStatus, b: PodDisruptionBudgetStatus): boolean => semanticEqual(a, b)

/** The `disruption:` work items of the budgets that select the pod now or did before (its labels changed). */
export function budgetItemsFor(pod: Pod, previous: Pod | undefined, budgets: readonly PodDisruptionBudget[]): string[] {
  return budgets
    .filter((b) => [pod, previous].some((p) => p !== undefined && selects(b, p)))
    .map((b) => objectItem('disruption', `${b.metadata.namespace ?? 'default'}/${b.metadata.name ?? ''}`))
}
