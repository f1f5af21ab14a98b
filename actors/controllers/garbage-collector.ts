/**
 * The garbage collector's reconcile step (k8s.io/kubernetes/pkg/controller/garbagecollector) over
 * a complete graph of objects and their ownerReferences:
 * - a dependent whose owners are all gone (no object with that uid; or, for a namespaced owner,
 *   not in the dependent's namespace) or are being deleted in the foreground is deleted
 *   (Background, or as its own finalizers ask); one with a live owner loses only its
 *   references to the gone ones;
 * - foreground deletion: an owner with a deletionTimestamp and the `foregroundDeletion`
 *   finalizer has its dependents deleted, and loses the finalizer once no dependent with
 *   blockOwnerDeletion remains;
 * - orphaning: an owner with the `orphan` finalizer has its references removed from its
 *   dependents, then loses the finalizer.
 *
 * The graph must be complete (every watched resource listed), or a live owner that is missing
 * from it would make its dependents look orphaned.
 */
import type { ObjectMeta, OwnerReference } from '../kube/objects.ts'
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS } from '../apiserver/meta/object-meta.ts'
import { type Action, MERGE_PATCH_CONTENT_TYPE, type PropagationPolicy, pathOf } from './actions.ts'
import { isDeleting } from './_util.ts'

/** An object of the graph; apiVersion and kind are required (list items may lack them: fill them in). */
export interface GraphObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: ObjectMeta
}

export interface GarbageCollectorInput {
  readonly objects: readonly GraphObject[]
  /**
   * The kinds `objects` lists completely, as group kinds (`Pod`, `ReplicaSet.apps`). A reference
   * to an owner of any other kind is never judged dangling (the owner may simply not be
   * listed). Absent: every kind counts as listed.
   */
  readonly listedKinds?: readonly string[]
}

/** `ReplicaSet.apps` for apps/v1 ReplicaSet, `Pod` for v1 Pod. */
export function groupKindOf(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? kind : `${kind}.${apiVersion.slice(0, slash)}`
}

export interface GarbageCollectorResult {
  readonly actions: Action[]
}

const has = (o: GraphObject, finalizer: string): boolean => o.metadata.finalizers?.includes(finalizer) ?? false

/** A merge patch replacing ownerReferences, with the read resourceVersion as precondition. */
function setOwnerRefs(o: GraphObject, refs: readonly OwnerReference[]): Action {
  return { type: 'patch', path: pathOf(o, o), patchType: MERGE_PATCH_CONTENT_TYPE, body: { metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: o.metadata.resourceVersion } } }
}

function removeFinalizer(o: GraphObject, finalizer: string): Action {
  const rest = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer)
  return { type: 'patch', path: pathOf(o, o), patchType: MERGE_PATCH_CONTENT_TYPE, body: { metadata: { finalizers: rest.length > 0 ? rest : null, resourceVersion: o.metadata.resourceVersion } } }
}

function deleteObject(o: GraphObject, propagationPolicy: PropagationPolicy): Action {
  return { type: 'delete', path: pathOf(o, o), preconditions: { uid: o.metadata.uid }, propagationPolicy }
}

/** The propagation the object's own finalizers ask for. */
const policyOf = (o: GraphObject): PropagationPolicy =>
  has(o, FINALIZER_ORPHAN_DEPENDENTS) ? 'Orphan' : has(o, FINALIZER_DELETE_DEPENDENTS) ? 'Foreground' : 'Background'

/** One pass over the whole graph. */
export function reconcileGarbageCollector(input: GarbageCollectorInput): GarbageCollectorResult {
  const byUid = new Map<string, GraphObject>()
  const dependents = new Map<string, GraphObject[]>()
  for (const o of input.objects) {
    if (o.metadata.uid) byUid.set(o.metadata.uid, o)
    for (const ref of o.metadata.ownerReferences ?? []) dependents.set(ref.uid, [...(dependents.get(ref.uid) ?? []), o])
  }
  const listed = input.listedKinds === undefined ? undefined : new Set(input.listedKinds)
  /** The owner, undefined when it is gone, or 'unknown' when its kind is not listed. */
  const ownerOf = (o: GraphObject, ref: OwnerReference): GraphObject | 'unknown' | undefined => {
    const owner = byUid.get(ref.uid)
    if (owner === undefined) return listed === undefined || listed.has(groupKindOf(ref.apiVersion, ref.kind)) ? undefined : 'unknown'
    // A namespaced owner must live in the dependent's namespace.
    if (owner.metadata.namespace && owner.metadata.namespace !== o.metadata.namespace) return undefined
    return owner
  }
  const waitingForDependents = (owner: GraphObject): boolean => isDeleting(owner.metadata) && has(owner, FINALIZER_DELETE_DEPENDENTS)

  const actions: Action[] = []
  const deleted = new Set<string>()
  const remove = (o: GraphObject, policy: PropagationPolicy): void => {
    const uid = o.metadata.uid ?? ''
    if (deleted.has(uid)) return
    deleted.add(uid)
    actions.push(deleteObject(o, policy))
  }

  for (const o of input.objects) {
    const uid = o.metadata.uid ?? ''
    const deps = dependents.get(uid) ?? []
    if (isDeleting(o.metadata)) {
      if (has(o, FINALIZER_DELETE_DEPENDENTS)) {
        // processDeletingDependents: the dependents themselves are deleted below (this owner no longer counts for them).
        const blocking = deps.some((d) => d.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true))
        if (!blocking) actions.push(removeFinalizer(o, FINALIZER_DELETE_DEPENDENTS))
      } else if (has(o, FINALIZER_ORPHAN_DEPENDENTS)) {
        // orphanDependents, then removeFinalizer
        for (const d of deps) setRefsWithout(d, new Set([uid]))
        actions.push(removeFinalizer(o, FINALIZER_ORPHAN_DEPENDENTS))
      }
      continue
    }
    const refs = o.metadata.ownerReferences ?? []
    if (refs.length === 0) continue
    const solid: OwnerReference[] = []
    const gone = new Set<string>()
    let waiting = 0
    for (const ref of refs) {
      const owner = ownerOf(o, ref)
      if (owner === undefined) gone.add(ref.uid)
      else if (owner === 'unknown') solid.push(ref)
      else if (waitingForDependents(owner)) {
        gone.add(ref.uid)
        waiting++
      } else solid.push(ref)
    }
    if (solid.length > 0) {
      if (gone.size > 0) setRefsWithout(o, gone)
      continue
    }
    remove(o, waiting > 0 && deps.length > 0 ? 'Foreground' : policyOf(o))
  }
  return { actions }

  function setRefsWithout(o: GraphObject, uids: ReadonlySet<string>): void {
    actions.push(setOwnerRefs(o, (o.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid))))
  }
}
