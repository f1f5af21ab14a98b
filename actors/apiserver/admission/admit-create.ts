/**
 * The admission chain of a create, in kube-apiserver's order: the mutating plugins (Priority,
 * ServiceAccount, LimitRanger's defaults), then the validating ones (LimitRanger's bounds, ResourceQuota last, as
 * it charges the quota and must only do so for an object every other plugin admitted).
 * LimitRanges and quotas are read from the apiserver's watch cache, as Kubernetes' listers;
 * the quota charge is a compare-and-swap, so a stale cache can delay but never double-admit.
 */
import { storePrefix } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'
import { admitDefaultStorageClass } from './default-storage-class.ts'
import { admitLimitRanges } from './limit-ranger.ts'
import { admitCreate } from './priority.ts'
import { admitResourceQuota, LIMIT_RANGES } from './resource-quota.ts'
import { admitPodServiceAccount } from './service-account.ts'
import { fillLegacyTokenSecret } from '../serviceaccount/legacy-token-secret.ts'
import type { ServiceAccountTokenIssuer } from '../serviceaccount/token-request.ts'

type Admitted = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly detail: string }

/** Resources LimitRanger looks at. */
const LIMITED = new Set(['pods', 'persistentvolumeclaims'])

/**
 * Every admission plugin's verdict on a new object of `resource` (API group `group`). `tokens`:
 * the apiserver's signer, for a service account token Secret's token (legacy-token-secret.ts).
 */
export async function admitNewObject(resource: { readonly name: string; readonly group: string }, object: KubeObject, objects: ObjectsPort, tokens?: ServiceAccountTokenIssuer): Promise<Admitted> {
  const prioritized = await admitCreate(resource.name, object, objects)
  if (!prioritized.ok) return prioritized
  const namespace = object.metadata?.namespace
  let admitted = prioritized.object
  if (resource.group === '' && resource.name === 'pods') {
    const accounted = await admitPodServiceAccount(admitted, objects)
    if (!accounted.ok) return accounted
    admitted = accounted.object
  }
  if (resource.group === '' && resource.name === 'secrets') admitted = await fillLegacyTokenSecret(admitted, objects, tokens)
  if (resource.group === '' && LIMITED.has(resource.name) && namespace !== undefined && namespace !== '') {
    const ranges = (await objects.list(storePrefix(LIMIT_RANGES, namespace), { anyVersion: true })).items
    const limited = admitLimitRanges(resource.name, admitted, ranges)
    if (!limited.ok) return limited
    admitted = limited.object
  }
  // DefaultStorageClass before ResourceQuota, which charges the claim to its class.
  if (resource.group === '' && resource.name === 'persistentvolumeclaims') admitted = await admitDefaultStorageClass(admitted, objects)
  return admitResourceQuota(resource.name, resource.group, namespace, admitted, objects)
}
