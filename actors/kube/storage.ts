/**
 * Typed views of PersistentVolumes and StorageClasses (and what a bound claim's status holds) as
 * they travel as JSON, with the annotation names Kubernetes' volume binding and provisioning use
 * and actorkube's local provisioner. The claim itself is typed in apps.ts (a StatefulSet makes them).
 */
import type { PersistentVolumeClaim, PodVolume } from './apps.ts'
import type { NodeSelectorTerm, ObjectMeta, Pod, ResourceList } from './objects.ts'

/** The provisioner of the default class: one directory per claim on the node its first pod runs on. */
export const LOCAL_PROVISIONER = 'actorkube.io/local'
/** The StorageClass created at bootstrap, marked default. */
export const DEFAULT_STORAGE_CLASS_NAME = 'local'
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class'
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class'
/** Still wins over spec.storageClassName (helper.GetPersistentVolumeClaimClass). */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class'
/** Set on a claim by the scheduler: the node its first consumer goes to (WaitForFirstConsumer). */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node'
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by'
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed'
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller'
/** On a Node: the directory under which its kubelet keeps local volumes (process runtime only). */
export const NODE_VOLUME_DIR_ANNOTATION = 'volumes.actorkube.io/dir'

export interface ObjectReference {
  readonly apiVersion?: string
  readonly kind?: string
  readonly namespace?: string
  readonly name?: string
  readonly uid?: string
  readonly resourceVersion?: string
}

export interface PersistentVolumeSpec {
  readonly capacity?: ResourceList
  readonly accessModes?: readonly string[]
  readonly persistentVolumeReclaimPolicy?: 'Retain' | 'Delete' | 'Recycle'
  readonly storageClassName?: string
  readonly volumeMode?: string
  readonly claimRef?: ObjectReference
  readonly local?: { readonly path: string }
  readonly hostPath?: { readonly path: string; readonly type?: string }
  readonly nodeAffinity?: { readonly required?: { readonly nodeSelectorTerms: readonly NodeSelectorTerm[] } }
}

export interface PersistentVolume {
  readonly apiVersion?: 'v1'
  readonly kind?: 'PersistentVolume'
  readonly metadata: ObjectMeta
  readonly spec: PersistentVolumeSpec
  readonly status?: { readonly phase?: string; readonly message?: string; readonly reason?: string }
}

export interface StorageClass {
  readonly apiVersion?: 'storage.k8s.io/v1'
  readonly kind?: 'StorageClass'
  readonly metadata: ObjectMeta
  readonly provisioner: string
  readonly reclaimPolicy?: 'Retain' | 'Delete'
  readonly volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer'
  readonly parameters?: Readonly<Record<string, string>>
}

/** A bound claim's status as the binder writes it. */
export interface ClaimStatus {
  readonly phase: string
  readonly accessModes?: readonly string[]
  readonly capacity?: ResourceList
}

/** The class a claim asks for: the beta annotation, then spec.storageClassName ('' = no class). */
export const claimClassOf = (claim: PersistentVolumeClaim): string => claim.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? claim.spec.storageClassName ?? ''

/** Whether a class is marked default (either annotation, value "true"). */
export const isDefaultClass = (c: { readonly metadata?: ObjectMeta }): boolean =>
  c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' || c.metadata?.annotations?.[BETA_DEFAULT_CLASS_ANNOTATION] === 'true'

/** The names of the claims a pod's volumes use, in order. */
export function podClaimNames(pod: Pod): string[] {
  const volumes = (pod.spec as { readonly volumes?: readonly PodVolume[] }).volumes ?? []
  return volumes.flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []))
}

/** The bootstrap's default class: local directories, bound where the first consumer runs. */
export const DEFAULT_STORAGE_CLASS: StorageClass & { readonly apiVersion: 'storage.k8s.io/v1'; readonly kind: 'StorageClass' } = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: DEFAULT_STORAGE_CLASS_NAME, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
}
