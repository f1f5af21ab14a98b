/**
 * Typed views of apps/v1 DaemonSets and StatefulSets (and the PersistentVolumeClaims a
 * StatefulSet's claim templates make) as they travel as JSON. The apiserver's defaulting
 * (validation/apps-kinds.ts) fills in the update strategies, replicas, podManagementPolicy and
 * the claim retention policy on create; the controllers still read them with fallbacks.
 */
import type { Condition, LabelSelector, ObjectMeta, PodSpec, PodTemplateSpec, ResourceList } from './objects.ts'

/** An intOrString: a count or a percentage (`"25%"`). */
export type IntOrPercent = number | string

export interface DaemonSetSpec {
  readonly selector: LabelSelector
  readonly template: PodTemplateSpec
  readonly updateStrategy?: { readonly type?: 'RollingUpdate' | 'OnDelete'; readonly rollingUpdate?: { readonly maxUnavailable?: IntOrPercent; readonly maxSurge?: IntOrPercent } }
  readonly minReadySeconds?: number
  readonly revisionHistoryLimit?: number
}

export interface DaemonSetStatus {
  readonly currentNumberScheduled: number
  readonly numberMisscheduled: number
  readonly desiredNumberScheduled: number
  readonly numberReady: number
  readonly observedGeneration?: number
  readonly updatedNumberScheduled?: number
  readonly numberAvailable?: number
  readonly numberUnavailable?: number
  readonly collisionCount?: number
  readonly conditions?: readonly Condition[]
}

export interface DaemonSet {
  readonly apiVersion?: 'apps/v1'
  readonly kind?: 'DaemonSet'
  readonly metadata: ObjectMeta
  readonly spec: DaemonSetSpec
  readonly status?: DaemonSetStatus
}

export interface PersistentVolumeClaimSpec {
  readonly accessModes?: readonly string[]
  readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList }
  readonly storageClassName?: string
  readonly volumeMode?: string
  readonly volumeName?: string
  readonly selector?: LabelSelector
}

export interface PersistentVolumeClaim {
  readonly apiVersion?: 'v1'
  readonly kind?: 'PersistentVolumeClaim'
  readonly metadata: ObjectMeta
  readonly spec: PersistentVolumeClaimSpec
  readonly status?: { readonly phase?: string }
}

export interface StatefulSetSpec {
  readonly replicas?: number
  readonly selector: LabelSelector
  readonly template: PodTemplateSpec
  readonly serviceName?: string
  readonly volumeClaimTemplates?: readonly PersistentVolumeClaim[]
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel'
  readonly updateStrategy?: { readonly type?: 'RollingUpdate' | 'OnDelete'; readonly rollingUpdate?: { readonly partition?: number; readonly maxUnavailable?: IntOrPercent } }
  readonly minReadySeconds?: number
  readonly revisionHistoryLimit?: number
  readonly persistentVolumeClaimRetentionPolicy?: { readonly whenDeleted?: 'Retain' | 'Delete'; readonly whenScaled?: 'Retain' | 'Delete' }
  readonly ordinals?: { readonly start?: number }
}

export interface StatefulSetStatus {
  readonly observedGeneration?: number
  readonly replicas: number
  readonly readyReplicas?: number
  readonly currentReplicas?: number
  readonly updatedReplicas?: number
  readonly availableReplicas?: number
  readonly currentRevision?: string
  readonly updateRevision?: string
  readonly collisionCount?: number
  readonly conditions?: readonly Condition[]
}

export interface StatefulSet {
  readonly apiVersion?: 'apps/v1'
  readonly kind?: 'StatefulSet'
  readonly metadata: ObjectMeta
  readonly spec: StatefulSetSpec
  readonly status?: StatefulSetStatus
}

/** A pod volume: only the fields the StatefulSet controller writes are typed (others pass through). */
export interface PodVolume {
  readonly name: string
  readonly persistentVolumeClaim?: { readonly claimName: string; readonly readOnly?: boolean }
  readonly [source: string]: unknown
}

/** The PodSpec fields a StatefulSet sets on its pods, beyond objects.ts' PodSpec. */
export interface StatefulPodSpec extends PodSpec {
  readonly hostname?: string
  readonly subdomain?: string
  readonly volumes?: readonly PodVolume[]
}

/** The label a DaemonSet's and a StatefulSet's pods carry: the hash of the template they were made from. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash'
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index'
