/**
 * The root CA certificate publisher's reconcile step (k8s.io/kubernetes/pkg/controller/certificates/
 * rootcacertpublisher, Publisher.syncNamespace): every live namespace holds the ConfigMap
 * `kube-root-ca.crt` whose data is exactly `{ ca.crt: <the cluster's root CA bundle> }` and which
 * carries the `kubernetes.io/description` annotation. A missing one is created; one whose data
 * differs, or whose annotation is empty or gone, is updated (other keys dropped, other labels and
 * annotations kept). A namespace being deleted gets none. The bundle is the controller manager's
 * `--root-ca-file` (its `rootCaFile` option), read by its runtime.
 */
import type { Namespace, ObjectMeta } from '../kube/objects.ts'
import { type Action, collectionPath, objectPath } from './actions.ts'
import { isDeleting } from './_util.ts'

export const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt'
export const ROOT_CA_KEY = 'ca.crt'
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description'
/** Kubernetes' text, word for word. */
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.'

/** What the step reads of a ConfigMap. */
export interface ConfigMap {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ObjectMeta
  readonly data?: Readonly<Record<string, string>>
  readonly binaryData?: Readonly<Record<string, string>>
}

export interface RootCaInput {
  readonly namespace: Namespace
  /** The namespace's `kube-root-ca.crt` as the informer holds it, if it has one. */
  readonly configMap: ConfigMap | undefined
  /** The cluster's root CA bundle (PEM). */
  readonly rootCa: string
}

export function reconcileRootCaConfigMap(input: RootCaInput): { readonly actions: Action[] } {
  const { namespace, configMap, rootCa } = input
  const ns = namespace.metadata.name ?? ''
  if (isDeleting(namespace.metadata) || namespace.status?.phase === 'Terminating') return { actions: [] }
  const data = { [ROOT_CA_KEY]: rootCa }
  if (configMap === undefined) {
    const object: ConfigMap = { ...CONFIG_MAP, metadata: { name: ROOT_CA_CONFIG_MAP, namespace: ns, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } }, data }
    return { actions: [{ type: 'create', path: collectionPath(CONFIG_MAP, ns), object }] }
  }
  if (sameData(configMap.data, data) && (configMap.metadata.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return { actions: [] }
  // The object as read (its resourceVersion the precondition), data replaced, the annotation set.
  const object: ConfigMap = {
    ...configMap,
    ...CONFIG_MAP,
    metadata: { ...configMap.metadata, annotations: { ...configMap.metadata.annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
    data,
  }
  return { actions: [{ type: 'update', path: objectPath(CONFIG_MAP, ns, ROOT_CA_CONFIG_MAP), object }] }
}

/** reflect.DeepEqual of the data maps: the same keys with the same values. */
function sameData(have: Readonly<Record<string, string>> | undefined, want: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(have ?? {})
  return keys.length === Object.keys(want).length && keys.every((k) => have?.[k] === want[k])
}
