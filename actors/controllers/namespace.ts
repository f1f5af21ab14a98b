/**
 * The Namespace controller's reconcile step (k8s.io/kubernetes/pkg/controller/namespace): a
 * namespace with a deletionTimestamp is Terminating; everything in it is deleted (background
 * propagation), and once nothing remains the `kubernetes` finalizer is removed from
 * spec.finalizers through the `/finalize` subresource (PUT), after which the API server removes
 * the namespace.
 */
import type { Namespace } from '../kube/objects.ts'
import type { ObjectMeta as ListedMeta } from '../apiserver/tables/types.ts'
import { type Action, NAMESPACE, pathOf } from './actions.ts'
import { isDeleting } from './_util.ts'
import { RESOURCES, apiPathOf } from '../apiserver/discovery/resources.ts'

export const FINALIZER_KUBERNETES = 'kubernetes'

export interface NamespaceContents {
  /** A namespaced collection path, e.g. `/api/v1/namespaces/ns/pods`. */
  readonly path: string
  /** What a list of that path returned (only metadata.name/uid/deletionTimestamp are read). */
  readonly items: readonly { readonly metadata?: ListedMeta }[]
}

export interface NamespaceInput {
  readonly namespace: Namespace
  /** One entry per namespaced resource to empty (e.g. from discovery), listed just before. */
  readonly contents: readonly NamespaceContents[]
}

export interface NamespaceResult {
  readonly actions: Action[]
  /** True while the namespace still waits for its contents to go (reconcile again after the deletes). */
  readonly waiting: boolean
  /** How many objects remain (being deleted or about to be). */
  readonly remaining: number
}

/**
 * The namespaced collection paths the API server serves (its resource table), for `contents`:
 * those that can be listed and deleted, as Kubernetes' namespace deleter picks them (a review
 * such as LocalSubjectAccessReview is create-only and never stored).
 */
export function namespacedPaths(namespace: string): string[] {
  return RESOURCES.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete')).map((r) => `${apiPathOf(r.group, r.version)}/namespaces/${namespace}/${r.name}`)
}

/** One syncNamespace. */
export function reconcileNamespace(input: NamespaceInput): NamespaceResult {
  const ns = input.namespace
  if (!isDeleting(ns.metadata)) return { actions: [], waiting: false, remaining: 0 }
  const actions: Action[] = []
  if (ns.status?.phase !== 'Terminating') {
    actions.push({ type: 'updateStatus', path: pathOf(NAMESPACE, ns, 'status'), object: { ...ns, ...NAMESPACE, status: { ...ns.status, phase: 'Terminating' } } as Namespace })
  }
  let remaining = 0
  for (const { path, items } of input.contents) {
    for (const item of items) {
      remaining++
      const meta = item.metadata ?? {}
      if (isDeleting(meta)) continue
      actions.push({
        type: 'delete',
        path: `${path}/${meta.name ?? ''}`,
        ...(meta.uid ? { preconditions: { uid: meta.uid } } : {}),
        propagationPolicy: 'Background',
      })
    }
  }
  const finalizers = ns.spec?.finalizers ?? []
  if (remaining > 0 || !finalizers.includes(FINALIZER_KUBERNETES)) return { actions, waiting: remaining > 0, remaining }
  // After a status write the resourceVersion read is stale: finalize on the next pass.
  if (actions.length > 0) return { actions, waiting: true, remaining }
  const object = { ...ns, ...NAMESPACE, spec: { ...ns.spec, finalizers: finalizers.filter((f) => f !== FINALIZER_KUBERNETES) } } as Namespace
  return { actions: [{ type: 'update', path: pathOf(NAMESPACE, ns, 'finalize'), object }], waiting: false, remaining }
}
