/**
 * One trace per pod: the apiserver records the span a pod was created in as a W3C traceparent in
 * this annotation, and every component that later acts on the pod (scheduler, kubelet, its
 * runtime) starts its spans as children of it, so a pod's creation reads as one trace. Kubernetes
 * has no upstream equivalent; the name is ours.
 */
export const TRACEPARENT_ANNOTATION = 'trace.actorkube.io/traceparent'

/** The traceparent recorded in an object's annotations, if any. */
export function traceparentOf(object: { readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> | null } | null }): string | undefined {
  const value = object.metadata?.annotations?.[TRACEPARENT_ANNOTATION]
  return typeof value === 'string' && value !== '' ? value : undefined
}
