/**
 * What the controller manager's pure steps read of the cluster: one cache per watched kind, as
 * the runtime's informers keep them (runtime/controllers/informer.ts fits this shape). Reads
 * only; a step never changes a cache.
 */
import type { Deployment, Endpoints, Lease, Namespace, Node, Pod, ReplicaSet, Service } from '../kube/objects.ts'
import type { ServiceAccount } from '../kube/service-account.ts'
import type { CronJob, Job } from '../kube/batch.ts'
import type { DaemonSet, PersistentVolumeClaim, StatefulSet } from '../kube/apps.ts'
import type { PodDisruptionBudget } from '../kube/policy.ts'
import type { PersistentVolume, StorageClass } from '../kube/storage.ts'
import type { ControllerRevision } from '../kube/controller-revision.ts'

import type { ResourceQuota } from './resource-quota.ts'
import type { ClusterRole } from './clusterrole-aggregation.ts'
import type { ConfigMap } from './root-ca-publisher.ts'

export interface ObjectCache<T> {
  /** By `namespace/name` (`name` for cluster-scoped objects). */
  get(key: string): T | undefined
  list(): readonly T[]
  inNamespace(namespace: string): readonly T[]
  /** True once the initial list is in. */
  readonly synced: boolean
}

export interface ControllerCaches {
  readonly pods: ObjectCache<Pod>
  readonly replicaSets: ObjectCache<ReplicaSet>
  readonly deployments: ObjectCache<Deployment>
  readonly daemonSets: ObjectCache<DaemonSet>
  readonly statefulSets: ObjectCache<StatefulSet>
  /** The two sets' template history (controller-history.ts). */
  readonly controllerRevisions: ObjectCache<ControllerRevision>
  /** PersistentVolumeClaims: a StatefulSet makes the ones it lacks. */
  readonly persistentVolumeClaims: ObjectCache<PersistentVolumeClaim>
  /** PersistentVolumes and StorageClasses: the volume binder and local provisioner's. */
  readonly persistentVolumes: ObjectCache<PersistentVolume>
  readonly storageClasses: ObjectCache<StorageClass>
  readonly resourceQuotas: ObjectCache<ResourceQuota>
  readonly nodes: ObjectCache<Node>
  /** Leases of `kube-node-lease`. */
  readonly leases: ObjectCache<Lease>
  readonly services: ObjectCache<Service>
  readonly endpoints: ObjectCache<Endpoints>
  readonly namespaces: ObjectCache<Namespace>
  readonly serviceAccounts: ObjectCache<ServiceAccount>
  readonly jobs: ObjectCache<Job>
  readonly cronJobs: ObjectCache<CronJob>
  readonly podDisruptionBudgets: ObjectCache<PodDisruptionBudget>
  /** ClusterRoles: the aggregation controller fills the aggregated ones. */
  readonly clusterRoles: ObjectCache<ClusterRole>
  /** ConfigMaps named `kube-root-ca.crt` (one a namespace): the root CA publisher's. */
  readonly rootCaConfigMaps: ObjectCache<ConfigMap>
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED'

type ChangeOf<R extends keyof ControllerCaches, T> = { readonly cache: R; readonly type: ChangeType; readonly object: T; readonly previous: T | undefined }

/** One informer event: the object as it is now (as it was, for DELETED) and before. */
export type ObservedChange =
  | ChangeOf<'pods', Pod>
  | ChangeOf<'replicaSets', ReplicaSet>
  | ChangeOf<'deployments', Deployment>
  | ChangeOf<'daemonSets', DaemonSet>
  | ChangeOf<'statefulSets', StatefulSet>
  | ChangeOf<'controllerRevisions', ControllerRevision>
  | ChangeOf<'persistentVolumeClaims', PersistentVolumeClaim>
  | ChangeOf<'persistentVolumes', PersistentVolume>
  | ChangeOf<'storageClasses', StorageClass>
  | ChangeOf<'resourceQuotas', ResourceQuota>
  | ChangeOf<'nodes', Node>
  | ChangeOf<'leases', Lease>
  | ChangeOf<'services', Service>
  | ChangeOf<'endpoints', Endpoints>
  | ChangeOf<'namespaces', Namespace>
  | ChangeOf<'serviceAccounts', ServiceAccount>
  | ChangeOf<'jobs', Job>
  | ChangeOf<'cronJobs', CronJob>
  | ChangeOf<'podDisruptionBudgets', PodDisruptionBudget>
  | ChangeOf<'clusterRoles', ClusterRole>
  | ChangeOf<'rootCaConfigMaps', ConfigMap>
