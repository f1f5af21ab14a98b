/**
 * The disruption controller's stale-condition pass (syncStalePodDisruption), pure: a pod the
 * eviction subresource marked DisruptionTarget=True but which was never deleted (the delete lost
 * a race, or a precondition failed) has the condition turned False once it has stood for 2
 * minutes, so Jobs' pod failure policies and humans do not take it for a disrupted pod.
 * Conditions the kubelet set (TerminationByKubelet), and pods being deleted or finished, are
 * never stale.
 */
import type { Pod } from '../kube/objects.ts'
import { type Action, pathOf, POD } from './actions.ts'
import { conditionOf, isDeleting, setCondition, timeOf, timestamp } from './_util.ts'

/** stalePodDisruptionTimeout. */
export const STALE_DISRUPTION_MS = 2 * 60_000

/** The pod carries a DisruptionTarget=True that may go stale: its run is worth marking. */
export function mayHaveStaleDisruption(pod: Pod): boolean {
  if (isDeleting(pod.metadata) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false
  const condition = conditionOf(pod.status?.conditions, 'DisruptionTarget')
  return condition?.status === 'True' && condition.reason !== 'TerminationByKubelet'
}

export function reconcileStaleDisruption(pod: Pod, now: number): { readonly actions: Action[]; readonly requeueAfterMs?: number } {
  if (!mayHaveStaleDisruption(pod)) return { actions: [] }
  const since = timeOf(conditionOf(pod.status?.conditions, 'DisruptionTarget')?.lastTransitionTime) ?? 0
  const waitMs = since + STALE_DISRUPTION_MS - now
  if (waitMs > 0) return { actions: [], requeueAfterMs: waitMs }
  const conditions = setCondition(pod.status?.conditions, { type: 'DisruptionTarget', status: 'False', lastTransitionTime: timestamp(now) })
  const object: Pod = { ...pod, apiVersion: 'v1', kind: 'Pod', status: { ...pod.status, conditions } }
  return { actions: [{ type: 'updateStatus', path: pathOf(POD, pod, 'status'), object }] }
}
