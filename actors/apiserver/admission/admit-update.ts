/**
 * The admission chain of an update, where Kubernetes runs it (a main resource, not a
 * subresource): of the plugins here only LimitRanger and ResourceQuota look at updates.
 *
 * - PersistentVolumeClaims: LimitRanger checks the claim's storage request against the
 *   namespace's PersistentVolumeClaim min/max again (a resize beyond max is refused), and
 *   ResourceQuota charges what the resize adds (`requests.storage`, the class's figures).
 * - Services: ResourceQuota charges what the new spec adds (a ClusterIP Service turned NodePort
 *   or LoadBalancer takes a `services.nodeports` / `services.loadbalancers`).
 * - Pods: neither plugin (Kubernetes' LimitRanger skips pod updates and the quota's pod evaluator
 *   handles creates only: a pod's containers and their resources cannot change after creation;
 *   in-place resize and ephemeral containers are not served here).
 * Refusals read as on a create (403, Kubernetes' messages).
 */
import { storePrefix } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'
import { claimLimitViolations } from './limit-ranger.ts'
import { admitResourceQuota, LIMIT_RANGES } from './resource-quota.ts'

type Admitted = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly detail: string }

/** The core resources whose updates are admitted (the quota evaluators that handle Update). */
const ADMITTED_ON_UPDATE = new Set(['persistentvolumeclaims', 'services'])

/** Every admission plugin's verdict on `object` replacing `previous` (the stored one). */
export async function admitObjectUpdate(resource: { readonly name: string; readonly group: string }, previous: KubeObject, object: KubeObject, objects: ObjectsPort): Promise<Admitted> {
  const namespace = object.metadata?.namespace
  if (resource.group !== '' || !ADMITTED_ON_UPDATE.has(resource.name) || namespace === undefined || namespace === '') return { ok: true, object }
  if (resource.name === 'persistentvolumeclaims') {
    const ranges = (await objects.list(storePrefix(LIMIT_RANGES, namespace), { anyVersion: true })).items
    const broken = claimLimitViolations(object, ranges)
    if (broken !== undefined) return { ok: false, detail: broken }
  }
  return admitResourceQuota(resource.name, resource.group, namespace, object, objects, previous)
}
