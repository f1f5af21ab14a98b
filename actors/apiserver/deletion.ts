/**
 * What a DELETE does to an object, as Kubernetes' registry decides it (rest.BeforeDelete and the
 * finalizer handling of the generic store):
 *
 * - A pod on a node that is still running is deleted gracefully: it gets a deletionTimestamp
 *   `gracePeriodSeconds` ahead (default: its terminationGracePeriodSeconds, 30) and stays until
 *   its kubelet has stopped it and deletes it with grace 0. Unscheduled or finished pods go at once.
 * - propagationPolicy Orphan or Foreground adds the `orphan` / `foregroundDeletion` finalizer
 *   for the garbage collector; Background (the default) leaves dependents to it afterwards.
 * - An object with finalizers is only marked (deletionTimestamp); it is removed once an update
 *   takes the last finalizer off ({@link finishedDeleting}).
 * - A namespace is marked Terminating; the namespace controller empties it and finalizes it.
 */
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, rfc3339Seconds } from './meta/object-meta.ts'
import type { KubeObject } from './ports.ts'

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground'

/** metav1.DeleteOptions, from the body and the query. */
export interface DeleteOptions {
  readonly gracePeriodSeconds?: number
  readonly propagationPolicy?: PropagationPolicy
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
}

export type DeletionPlan =
  /** Remove it from the store now. */
  | { readonly kind: 'remove' }
  /** Store this (deletionTimestamp set, maybe finalizers added); it is removed later. */
  | { readonly kind: 'mark'; readonly object: KubeObject }

const DEFAULT_POD_GRACE_SECONDS = 30

/** DeleteOptions from a DELETE's query and JSON body; an error message for a bad one. */
export function parseDeleteOptions(query: Readonly<Record<string, string>>, body: unknown): { ok: true; options: DeleteOptions } | { ok: false; message: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const graceText = query.gracePeriodSeconds ?? b.gracePeriodSeconds
  let gracePeriodSeconds: number | undefined
  if (graceText !== undefined && graceText !== null) {
    gracePeriodSeconds = Number(graceText)
    if (!Number.isInteger(gracePeriodSeconds)) return { ok: false, message: `gracePeriodSeconds must be an integer, got ${JSON.stringify(graceText)}` }
  }
  let policy = query.propagationPolicy ?? b.propagationPolicy
  const orphan = query.orphanDependents ?? b.orphanDependents
  if (policy === undefined && orphan !== undefined) policy = orphan === true || orphan === 'true' ? 'Orphan' : 'Background'
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    return { ok: false, message: `propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"` }
  }
  const pre = (typeof b.preconditions === 'object' && b.preconditions !== null ? b.preconditions : {}) as Record<string, unknown>
  const preconditions = {
    ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
    ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
  }
  return {
    ok: true,
    options: {
      ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds: Math.max(0, gracePeriodSeconds) } : {}),
      ...(policy !== undefined ? { propagationPolicy: policy as PropagationPolicy } : {}),
      ...(Object.keys(preconditions).length > 0 ? { preconditions } : {}),
    },
  }
}

/** Why the object fails the delete's preconditions (Kubernetes' message), if it does. */
export function failedPrecondition(object: KubeObject, options: DeleteOptions): string | undefined {
  const uid = options.preconditions?.uid
  if (uid !== undefined && uid !== object.metadata?.uid) return `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${object.metadata?.uid ?? ''}`
  const rv = options.preconditions?.resourceVersion
  if (rv !== undefined && rv !== object.metadata?.resourceVersion) return `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${object.metadata?.resourceVersion ?? ''}`
  return undefined
}

interface PodView {
  readonly spec?: { readonly nodeName?: string; readonly terminationGracePeriodSeconds?: number }
  readonly status?: { readonly phase?: string }
}

/** The grace period this delete gives `object`: only pods running on a node get one. */
function gracePeriod(resource: string, object: KubeObject, options: DeleteOptions): number {
  if (resource !== 'pods') return 0
  const pod = object as PodView
  const phase = pod.status?.phase
  if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0
  return options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS
}

export function planDeletion(resource: string, object: KubeObject, options: DeleteOptions, now: number): DeletionPlan {
  const metadata = object.metadata ?? {}
  const finalizers = new Set((metadata.finalizers as readonly string[] | undefined) ?? [])
  if (options.propagationPolicy === 'Orphan') {
    finalizers.add(FINALIZER_ORPHAN_DEPENDENTS)
    finalizers.delete(FINALIZER_DELETE_DEPENDENTS)
  } else if (options.propagationPolicy === 'Foreground') {
    finalizers.add(FINALIZER_DELETE_DEPENDENTS)
    finalizers.delete(FINALIZER_ORPHAN_DEPENDENTS)
  }
  const namespaceFinalizers = resource === 'namespaces' ? (((object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0) : false
  const grace = gracePeriod(resource, object, options)
  const alreadyDeleting = Boolean(metadata.deletionTimestamp)

  if (alreadyDeleting) {
    // A second delete may only shorten the grace period; grace 0 with nothing left to finalize removes it.
    const remaining = Number(metadata.deletionGracePeriodSeconds ?? 0)
    if (grace === 0 && finalizers.size === 0 && !namespaceFinalizers) return { kind: 'remove' }
    if (grace >= remaining && sameSet(finalizers, metadata.finalizers as readonly string[] | undefined)) return { kind: 'mark', object }
    const next = Math.min(grace, remaining)
    return { kind: 'mark', object: marked(object, [...finalizers], next, now) }
  }
  if (finalizers.size === 0 && grace === 0 && !namespaceFinalizers) return { kind: 'remove' }
  const next = marked(object, [...finalizers], grace, now)
  if (resource === 'namespaces') return { kind: 'mark', object: { ...next, status: { ...(object.status as object | undefined), phase: 'Terminating' } } }
  return { kind: 'mark', object: next }
}

/**
 * After an update: an object being deleted whose last finalizer is gone and whose grace period
 * is zero is removed (the generic store's deleteForEmptyFinalizers).
 */
export function finishedDeleting(resource: string, object: KubeObject): boolean {
  const metadata = object.metadata ?? {}
  if (!metadata.deletionTimestamp) return false
  if (((metadata.finalizers as readonly string[] | undefined) ?? []).length > 0) return false
  if (resource === 'namespaces' && ((object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0) return false
  // A pod in its grace period is removed by its kubelet's delete, not by an update.
  return Number(metadata.deletionGracePeriodSeconds ?? 0) === 0
}

function marked(object: KubeObject, finalizers: string[], graceSeconds: number, now: number): KubeObject {
  const { finalizers: _, ...metadata } = object.metadata ?? {}
  return {
    ...object,
    metadata: {
      ...metadata,
      deletionTimestamp: rfc3339Seconds(now + graceSeconds * 1000),
      deletionGracePeriodSeconds: graceSeconds,
      ...(finalizers.length > 0 ? { finalizers } : {}),
    },
  }
}

function sameSet(a: ReadonlySet<string>, b: readonly string[] | undefined): boolean {
  const other = new Set(b ?? [])
  return a.size === other.size && [...a].every((x) => other.has(x))
}
