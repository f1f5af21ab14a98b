/**
 * The DefaultStorageClass admission plugin (plugin/pkg/admission/storage/storageclass/setdefault):
 * a new PersistentVolumeClaim that names no class (spec.storageClassName unset and no beta
 * annotation; an explicit "" means "no class" and stays) gets the default StorageClass, the one
 * annotated storageclass.kubernetes.io/is-default-class: "true" (of several, the newest, then the
 * first by name, as Kubernetes since 1.26). No default class: the claim is left as it is.
 * Classes are read from the apiserver's watch cache, as Kubernetes' lister.
 */
import { storePrefix } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'
import { BETA_STORAGE_CLASS_ANNOTATION, isDefaultClass } from '../../kube/storage.ts'

export const STORAGE_CLASSES = { group: 'storage.k8s.io', resource: 'storageclasses' } as const

/** The default class's name of `classes`, if any is marked default. */
export function defaultClassName(classes: readonly KubeObject[]): string | undefined {
  const defaults = classes.filter(isDefaultClass)
  const newestFirst = (a: KubeObject, b: KubeObject): number =>
    (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
  return defaults.sort(newestFirst)[0]?.metadata?.name
}

/** The claim with the default class filled in, when it names none. */
export async function admitDefaultStorageClass(claim: KubeObject, objects: ObjectsPort): Promise<KubeObject> {
  const spec = (claim.spec ?? {}) as { storageClassName?: unknown }
  if (spec.storageClassName !== undefined && spec.storageClassName !== null) return claim
  if (claim.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return claim
  const name = defaultClassName((await objects.list(storePrefix(STORAGE_CLASSES), { anyVersion: true })).items)
  return name === undefined ? claim : { ...claim, spec: { ...spec, storageClassName: name } }
}
