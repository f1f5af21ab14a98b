/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount), for new pods:
 *
 * - a pod naming no account runs as `default` (spec.serviceAccountName; the deprecated
 *   spec.serviceAccount is read when it alone is set);
 * - the account must exist: 403 `error looking up service account NS/NAME: serviceaccount "NAME"
 *   not found`. The `default` account is the ServiceAccount controller's to create, shortly after
 *   its namespace; kube-apiserver retries that lookup for a second, we admit a pod whose `default`
 *   is not there (yet), so a cluster without a controller manager still runs pods;
 * - whether the kubelet gives the pod a token: Kubernetes adds a projected volume unless the pod
 *   or its account says `automountServiceAccountToken: false`. Here the pod carries the decision
 *   itself: an account's `false` is copied to a pod that states nothing, and the kubelet mounts
 *   unless the pod says false.
 *
 * Mirror pods (a static pod's copy, annotated kubernetes.io/config.mirror) are left alone.
 */
import { DEFAULT_SERVICE_ACCOUNT } from '../../kube/service-account.ts'
import { storeKey } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'

type Admitted = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly detail: string }
type Obj = Record<string, unknown>

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror'

/** The account a pod runs as: spec.serviceAccountName, else the deprecated spec.serviceAccount, else `default`. */
export function podServiceAccountName(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as Obj
  const named = spec.serviceAccountName
  if (typeof named === 'string' && named !== '') return named
  const deprecated = spec.serviceAccount
  return typeof deprecated === 'string' && deprecated !== '' ? deprecated : DEFAULT_SERVICE_ACCOUNT
}

/** The pure decision: `account` is the ServiceAccount the pod names, as found (undefined: none). */
export function admitServiceAccount(pod: KubeObject, account: KubeObject | undefined): Admitted {
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return { ok: true, object: pod }
  const name = podServiceAccountName(pod)
  const namespace = pod.metadata?.namespace ?? 'default'
  if (account === undefined && name !== DEFAULT_SERVICE_ACCOUNT) {
    return { ok: false, detail: `error looking up service account ${namespace}/${name}: serviceaccount ${JSON.stringify(name)} not found` }
  }
  const spec = (pod.spec ?? {}) as Obj
  const accountSays = (account as { automountServiceAccountToken?: unknown } | undefined)?.automountServiceAccountToken
  const optedOut = spec.automountServiceAccountToken === undefined && accountSays === false
  return { ok: true, object: { ...pod, spec: { ...spec, serviceAccountName: name, ...(optedOut ? { automountServiceAccountToken: false } : {}) } } }
}

/** Reads the account (the cache, then the store for one the cache does not have yet) and decides. */
export async function admitPodServiceAccount(pod: KubeObject, objects: ObjectsPort): Promise<Admitted> {
  const namespace = pod.metadata?.namespace
  if (namespace === undefined || namespace === '') return { ok: true, object: pod }
  let key: string
  try {
    key = storeKey({ resource: 'serviceaccounts' }, namespace, podServiceAccountName(pod))
  } catch {
    // A name with a slash names no account.
    return admitServiceAccount(pod, undefined)
  }
  const account = (await objects.get(key, { anyVersion: true })) ?? (await objects.get(key))
  return admitServiceAccount(pod, account)
}
