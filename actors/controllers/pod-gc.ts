/**
 * The pod garbage collector's reconcile step (k8s.io/kubernetes/pkg/controller/podgc), three of
 * its passes, each deleting with grace period 0 (the pod is gone at once, no kubelet is asked):
 *
 * - terminated pods (Succeeded/Failed) beyond `terminatedPodThreshold`: evicted ones first, then
 *   the oldest;
 * - orphaned pods: bound to a node that does not exist, once the node has been missing for
 *   `quarantineMs` (a node just created may not be in the informer yet); first marked Failed
 *   with a DisruptionTarget condition (DeletionByPodGC), as Kubernetes does;
 * - unscheduled terminating pods: being deleted and never bound, so no kubelet will finish them.
 *
 * Not done: terminating pods on NotReady nodes with the out-of-service taint.
 * Pure: `missingSince` (when each missing node was first noticed) is threaded through.
 */
import type { Node, Pod } from '../kube/objects.ts'
import { type Action, POD, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, pathOf } from './actions.ts'
import { byCreation, isDeleting, timestamp } from './_util.ts'

export interface PodGcConfig {
  /** How long a node must be missing before its pods go (Kubernetes: 40 s; fast default 5 s). */
  readonly quarantineMs?: number
  /** Terminated pods kept before the oldest go; 0 disables that pass (Kubernetes: 12500). */
  readonly terminatedPodThreshold?: number
}

export const POD_GC_DEFAULTS = { quarantineMs: 5000, terminatedPodThreshold: 12_500 } as const

export interface PodGcInput {
  readonly pods: readonly Pod[]
  readonly nodes: readonly Node[]
  /** From the previous pass's result: node name -> when it was first seen missing (ms). */
  readonly missingSince?: ReadonlyMap<string, number>
}

export interface PodGcResult {
  readonly actions: Action[]
  readonly missingSince: ReadonlyMap<string, number>
  /** Look again then: a quarantine ends. */
  readonly requeueAfterMs?: number
}

const isTerminated = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

/** byEvictionAndCreationTimestamp: evicted pods first, then by creation. */
const byEvictionAndCreation = (a: Pod, b: Pod): number => {
  const ea = a.status?.reason === 'Evicted' ? 0 : 1
  const eb = b.status?.reason === 'Evicted' ? 0 : 1
  return ea - eb || byCreation(a, b)
}

const forceDelete = (pod: Pod): Action => ({ type: 'delete', path: pathOf(POD, pod), preconditions: { uid: pod.metadata.uid }, gracePeriodSeconds: 0 })

export function reconcilePodGc(input: PodGcInput, now: number, config: PodGcConfig = {}): PodGcResult {
  const quarantine = config.quarantineMs ?? POD_GC_DEFAULTS.quarantineMs
  const threshold = config.terminatedPodThreshold ?? POD_GC_DEFAULTS.terminatedPodThreshold
  const actions: Action[] = []
  const done = new Set<string>()
  const take = (pod: Pod, ...a: Action[]) => {
    const uid = pod.metadata.uid ?? pathOf(POD, pod)
    if (done.has(uid)) return
    done.add(uid)
    actions.push(...a)
  }

  // gcTerminated
  if (threshold > 0) {
    const terminated = input.pods.filter(isTerminated)
    const excess = terminated.length - threshold
    if (excess > 0) for (const pod of terminated.sort(byEvictionAndCreation).slice(0, excess)) take(pod, forceDelete(pod))
  }

  // gcOrphaned
  const nodes = new Set(input.nodes.map((n) => n.metadata.name ?? ''))
  const missingSince = new Map<string, number>()
  let requeue: number | undefined
  for (const pod of input.pods) {
    const node = pod.spec.nodeName
    if (!node || nodes.has(node)) continue
    const since = missingSince.get(node) ?? input.missingSince?.get(node) ?? now
    missingSince.set(node, since)
    const due = since + quarantine
    if (due > now) {
      requeue = requeue === undefined ? due - now : Math.min(requeue, due - now)
      continue
    }
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: timestamp(now) }
    const status = isTerminated(pod) ? { conditions: [condition] } : { phase: 'Failed', conditions: [condition] }
    take(pod, { type: 'patch', path: pathOf(POD, pod, 'status'), patchType: STRATEGIC_MERGE_PATCH_CONTENT_TYPE, body: { status } }, forceDelete(pod))
  }

  // gcUnscheduledTerminating
  for (const pod of input.pods) if (!pod.spec.nodeName && isDeleting(pod.metadata)) take(pod, forceDelete(pod))

  return requeue === undefined ? { actions, missingSince } : { actions, missingSince, requeueAfterMs: requeue }
}
