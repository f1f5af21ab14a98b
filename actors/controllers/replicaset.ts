/**
 * The ReplicaSet controller's reconcile step (k8s.io/kubernetes/pkg/controller/replicaset):
 * claim pods (adopt matching orphans, release non-matching ones), create or delete pods to
 * reach spec.replicas, and write the status. Pure: (replica set, pods, expectations, now) -> actions.
 */
import type { Pod, ReplicaSet, ReplicaSetStatus } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { type Action, type ApiObject, POD, REPLICA_SET, type TypeMeta, collectionPath, eventAction, pathOf } from './actions.ts'
import { claim, controllerOf, controllerRef, isDeleting, isPodActive, isPodAvailable, isPodReady, keyOf, restartCount, timeOf } from './_util.ts'
import { DEFAULT_EXPECTATIONS_TIMEOUT_MS, type Expectations, NO_EXPECTATIONS, expect, observeCreate, observeDeletion, pruneDeletions, satisfied } from './expectations.ts'

export const REPLICASET_COMPONENT = 'replicaset-controller'

export interface ReplicaSetConfig {
  /** Most creates or deletes in one reconcile (Kubernetes' BurstReplicas, 500). */
  readonly burstReplicas?: number
  readonly expectationsTimeoutMs?: number
  /** The event source component. */
  readonly component?: string
}

export interface ReplicaSetInput {
  readonly replicaSet: ReplicaSet
  /** The pods of the replica set's namespace (the pod informer's view; other namespaces are ignored). */
  readonly pods: readonly Pod[]
  readonly expectations?: Expectations
}

/** The expectations key (`namespace/name`) of the replica set controlling `pod`, for `observeCreate`; undefined if none. */
export function ownerKeyOf(pod: Pod): string | undefined {
  const ref = controllerOf(pod.metadata)
  if (ref === undefined || ref.kind !== 'ReplicaSet') return undefined
  return `${pod.metadata.namespace ?? ''}/${ref.name}`
}

/**
 * Lowers `key`'s expectations by the pod creates and deletes of a batch that were not carried
 * out (the one that failed and those after it): they will never show up in the watch.
 */
export function abandonActions(exp: Expectations, key: string, notDone: readonly Action[]): Expectations {
  let out = exp
  for (const a of notDone) {
    if (a.type === 'create' && a.object.kind === 'Pod') out = observeCreate(out, key)
    else if (a.type === 'delete' && a.preconditions?.uid !== undefined && a.path.includes('/pods/')) out = observeDeletion(out, key, a.preconditions.uid)
  }
  return out
}

export interface ReplicaSetResult {
  readonly actions: Action[]
  readonly expectations: Expectations
  /** Reconcile again after this many ms (a pod becomes available when minReadySeconds pass). */
  readonly requeueAfterMs?: number
}

const phaseRank = (pod: Pod): number => (pod.status?.phase === 'Pending' ? 0 : pod.status?.phase === 'Unknown' ? 1 : pod.status?.phase === 'Running' ? 2 : 3)

/**
 * controller.ActivePods' Less: the pods to delete first come first -- unassigned before
 * assigned, Pending before Unknown before Running, not ready before ready, ready for a shorter
 * time first, more restarts first, newer first.
 */
export function deletionOrder(a: Pod, b: Pod): number {
  const aUnassigned = !a.spec.nodeName
  const bUnassigned = !b.spec.nodeName
  if (aUnassigned !== bUnassigned) return aUnassigned ? -1 : 1
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b)
  const aReady = isPodReady(a)
  const bReady = isPodReady(b)
  if (aReady !== bReady) return aReady ? 1 : -1
  if (aReady && bReady) {
    const at = timeOf(a.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? 0
    const bt = timeOf(b.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? 0
    if (at !== bt) return bt - at
  }
  const ar = restartCount(a)
  const br = restartCount(b)
  if (ar !== br) return br - ar
  const ac = timeOf(a.metadata.creationTimestamp) ?? 0
  const bc = timeOf(b.metadata.creationTimestamp) ?? 0
  return bc - ac
}

/** controller.GetPodFromTemplate: a pod for `owner` from its template (generateName `<owner>-`). */
export function podFromTemplate(ownerType: TypeMeta, owner: ApiObject, template: ReplicaSet['spec']['template']): Pod {
  const meta = template.metadata ?? {}
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata.name ?? ''}-`,
      namespace: owner.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef(ownerType, owner)],
    },
    spec: template.spec,
  }
}

/** calculateStatus over the replica set's active, owned pods. */
export function replicaSetStatus(rs: ReplicaSet, pods: readonly Pod[], now: number): ReplicaSetStatus {
  const templateLabels = rs.spec.template.metadata?.labels ?? {}
  const minReadySeconds = rs.spec.minReadySeconds ?? 0
  let fullyLabeled = 0
  let ready = 0
  let available = 0
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {}
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++
    if (isPodReady(pod)) ready++
    if (isPodAvailable(pod, minReadySeconds, now)) available++
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(rs.metadata.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
  }
}

const sameStatus = (a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean =>
  a !== undefined &&
  (a.replicas ?? 0) === b.replicas &&
  (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
  (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
  (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
  a.observedGeneration === b.observedGeneration

/**
 * One syncReplicaSet: adopt/release pods, then (expectations satisfied, replica set not being
 * deleted) create `spec.replicas - active` pods or delete the surplus in {@link deletionOrder},
 * then write the status when it changed.
 */
export function reconcileReplicaSet(input: ReplicaSetInput, now: number, config: ReplicaSetConfig = {}): ReplicaSetResult {
  const rs = input.replicaSet
  const component = config.component ?? REPLICASET_COMPONENT
  const burst = config.burstReplicas ?? 500
  let expectations = input.expectations ?? NO_EXPECTATIONS
  const key = keyOf(rs.metadata)
  const parsed = labelSelectorFromObject(rs.spec.selector)
  if (!parsed.ok) return { actions: [], expectations }

  const active = input.pods.filter(isPodActive)
  expectations = pruneDeletions(expectations, key, new Set(active.map((p) => p.metadata.uid ?? '')))
  const needsSync = satisfied(expectations, key, now, config.expectationsTimeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS)
  const claimed = claim(REPLICA_SET, rs, parsed.selector, POD, active)
  const actions: Action[] = [...claimed.actions]
  const pods = claimed.owned
  let seq = 0
  const event = (reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal') =>
    eventAction({ type: REPLICA_SET, object: rs, eventType, reason, message, component, now, seq: seq++ })

  if (needsSync && !isDeleting(rs.metadata)) {
    const diff = pods.length - (rs.spec.replicas ?? 1)
    if (diff < 0) {
      const n = Math.min(-diff, burst)
      expectations = expect(expectations, key, n, [], now)
      const pod = podFromTemplate(REPLICA_SET, rs, rs.spec.template)
      for (let i = 0; i < n; i++) {
        actions.push({
          type: 'create',
          path: collectionPath(POD, rs.metadata.namespace),
          object: pod,
          onSuccess: event('SuccessfulCreate', 'Created pod: {name}'),
          onFailure: event('FailedCreate', 'Error creating: {error}', 'Warning'),
        })
      }
    } else if (diff > 0) {
      const n = Math.min(diff, burst)
      const victims = [...pods].sort(deletionOrder).slice(0, n)
      expectations = expect(expectations, key, 0, victims.map((p) => p.metadata.uid ?? ''), now)
      for (const pod of victims) {
        actions.push({
          type: 'delete',
          path: pathOf(POD, pod),
          preconditions: { uid: pod.metadata.uid },
          onSuccess: event('SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`),
          onFailure: event('FailedDelete', `Error deleting: {error}`, 'Warning'),
        })
      }
    }
  }

  const status = replicaSetStatus(rs, pods, now)
  if (!sameStatus(rs.status, status)) {
    actions.push({ type: 'updateStatus', path: pathOf(REPLICA_SET, rs, 'status'), object: { ...rs, ...REPLICA_SET, status } as ReplicaSet })
  }

  // A ready pod becomes available minReadySeconds after it became ready: look again then.
  let requeueAfterMs: number | undefined
  const minReady = rs.spec.minReadySeconds ?? 0
  if (minReady > 0) {
    for (const pod of pods) {
      if (!isPodReady(pod) || isPodAvailable(pod, minReady, now)) continue
      const since = timeOf(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? now
      const wait = Math.max(1, since + minReady * 1000 - now + 1)
      requeueAfterMs = requeueAfterMs === undefined ? wait : Math.min(requeueAfterMs, wait)
    }
  }
  return requeueAfterMs === undefined ? { actions, expectations } : { actions, expectations, requeueAfterMs }
}
