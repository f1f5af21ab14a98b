/**
 * Small pure helpers the controllers share (k8s.io/kubernetes/pkg/api/v1/pod, controller_utils.go
 * and the controller ref manager): pod readiness and availability, controller references,
 * conditions, time.
 */
import type { Condition, ObjectMeta, OwnerReference, Pod } from '../kube/objects.ts'
import { rfc3339Seconds } from '../apiserver/meta/object-meta.ts'
import type { LabelSelector } from '../apiserver/meta/label-selector.ts'
import { type Action, type ApiObject, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, type TypeMeta, pathOf } from './actions.ts'

/** Epoch ms of a metav1.Time, or undefined when absent or unparseable. */
export function timeOf(s: string | null | undefined): number | undefined {
  if (s === undefined || s === null || s === '') return undefined
  const ms = Date.parse(s)
  return Number.isFinite(ms) ? ms : undefined
}

export const timestamp = (now: number): string => rfc3339Seconds(now)

export const keyOf = (meta: ObjectMeta): string => (meta.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? ''))

export const isDeleting = (meta: ObjectMeta): boolean => meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null

/** metav1.GetControllerOf: the ownerReference with controller=true. */
export const controllerOf = (meta: ObjectMeta): OwnerReference | undefined => meta.ownerReferences?.find((r) => r.controller === true)

/** The controller reference a controller puts on what it creates (blockOwnerDeletion and controller set). */
export function controllerRef(type: TypeMeta, owner: ApiObject): OwnerReference {
  return { apiVersion: type.apiVersion, kind: type.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }
}

export const conditionOf = <C extends Condition>(conditions: readonly C[] | undefined, type: string): C | undefined =>
  conditions?.find((c) => c.type === type)

/** podutil.IsPodReady. */
export const isPodReady = (pod: Pod): boolean => conditionOf(pod.status?.conditions, 'Ready')?.status === 'True'

/** podutil.IsPodAvailable: ready for at least minReadySeconds (strictly before `now`). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = conditionOf(pod.status?.conditions, 'Ready')
  if (ready?.status !== 'True') return false
  if (minReadySeconds <= 0) return true
  const since = timeOf(ready.lastTransitionTime)
  return since !== undefined && since + minReadySeconds * 1000 < now
}

/** controller.IsPodActive: not terminal and not being deleted. */
export const isPodActive = (pod: Pod): boolean =>
  pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !isDeleting(pod.metadata)

/** The largest restartCount of a pod's containers. */
export function restartCount(pod: Pod): number {
  let max = 0
  for (const s of pod.status?.containerStatuses ?? []) {
    if (typeof s.restartCount === 'number' && s.restartCount > max) max = s.restartCount
  }
  return max
}

/** Sets a condition by type; keeps lastTransitionTime when the status does not change. Returns a new list. */
export function setCondition<C extends Condition>(conditions: readonly C[] | undefined, next: C): C[] {
  const list = [...(conditions ?? [])]
  const i = list.findIndex((c) => c.type === next.type)
  if (i < 0) return [...list, next]
  const old = list[i] as C
  list[i] = old.status === next.status && old.lastTransitionTime !== undefined ? { ...next, lastTransitionTime: old.lastTransitionTime } : next
  return list
}

export interface Claimed<T extends ApiObject> {
  /** The objects now controlled by the owner (adopted ones included). */
  readonly owned: T[]
  /** Adoption and release patches (strategic merge on metadata.ownerReferences, keyed by uid). */
  readonly actions: Action[]
}

/**
 * The controller ref manager's ClaimObjects: objects controlled by `owner` that still match
 * `selector` stay; those that no longer match are released; matching orphans (no controller,
 * not being deleted) are adopted unless the owner itself is being deleted.
 */
export function claim<T extends ApiObject>(ownerType: TypeMeta, owner: ApiObject, selector: LabelSelector, objectType: TypeMeta, objects: readonly T[]): Claimed<T> {
  const owned: T[] = []
  const actions: Action[] = []
  const uid = owner.metadata.uid
  const ownerDeleting = isDeleting(owner.metadata)
  for (const obj of objects) {
    if (obj.metadata.namespace !== owner.metadata.namespace) continue
    const ref = controllerOf(obj.metadata)
    const matches = selector.matches(obj.metadata.labels)
    if (ref !== undefined) {
      if (ref.uid !== uid) continue
      if (matches) owned.push(obj)
      else if (!ownerDeleting) {
        actions.push({
          type: 'patch',
          path: pathOf(objectType, obj),
          patchType: STRATEGIC_MERGE_PATCH_CONTENT_TYPE,
          body: { metadata: { ownerReferences: [{ $patch: 'delete', uid }], uid: obj.metadata.uid } },
        })
      }
      continue
    }
    if (!matches || ownerDeleting || isDeleting(obj.metadata)) continue
    const ref2 = controllerRef(ownerType, owner)
    actions.push({
      type: 'patch',
      path: pathOf(objectType, obj),
      patchType: STRATEGIC_MERGE_PATCH_CONTENT_TYPE,
      body: { metadata: { ownerReferences: [ref2], uid: obj.metadata.uid } },
    })
    owned.push({ ...obj, metadata: { ...obj.metadata, ownerReferences: [...(obj.metadata.ownerReferences ?? []), ref2] } })
  }
  return { owned, actions }
}

export const byCreation = (a: ApiObject, b: ApiObject): number => {
  const ta = timeOf(a.metadata.creationTimestamp) ?? 0
  const tb = timeOf(b.metadata.creationTimestamp) ?? 0
  if (ta !== tb) return ta - tb
  const na = a.metadata.name ?? ''
  const nb = b.metadata.name ?? ''
  return na < nb ? -1 : na > nb ? 1 : 0
}
