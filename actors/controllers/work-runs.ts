/**
 * One run of each controller as the manager starts it: its input gathered from the caches,
 * the state it threads from pass to pass (replica set expectations, eviction buckets, PodGC's
 * missing nodes) passed in and handed back, its requeue request, and what to do next. Pure.
 */
import type { Action } from './actions.ts'
import { isDeleting } from './_util.ts'
import type { ControllerCaches } from './caches.ts'
import type { ControllerManagerOptions } from './controller-manager.kind.ts'
import { reconcileDeployment } from './deployment.ts'
import { reconcileEndpoints } from './endpoints.ts'
import type { LimiterState } from './eviction-limiter.ts'
import type { Expectations } from './expectations.ts'
import { reconcileGarbageCollector, type GraphObject } from './garbage-collector.ts'
import { namespacedPaths, reconcileNamespace, type NamespaceContents } from './namespace.ts'
import { reconcileNodeLifecycle } from './node-lifecycle.ts'
import { reconcilePodGc } from './pod-gc.ts'
import { reconcileReplicaSet } from './replicaset.ts'
import { reconcileDaemonSet } from './daemonset.ts'
import { reconcileStatefulSet } from './statefulset.ts'
import { reconcileJob } from './job.ts'
import { reconcileCronJob } from './cronjob.ts'
import { reconcileClusterRoleAggregation } from './clusterrole-aggregation.ts'
import { reconcileDisruptionBudget } from './disruption.ts'
import { reconcileStaleDisruption } from './stale-disruption.ts'
import { reconcileServiceAccounts } from './serviceaccount.ts'
import { reconcileRootCaConfigMap, ROOT_CA_CONFIG_MAP } from './root-ca-publisher.ts'
import type { ParsedItem } from './work-item.ts'
import { runResourceQuota } from './resource-quota.ts'
import { reconcileClaim } from './local-provisioner.ts'
import { reconcileVolume } from './volume-reclaim.ts'

/** The options the controllers read (the leader election's are the adapter's), and the root CA bundle its runtime read from `rootCaFile` (none: no publishing). */
export type ManagerOptions = { readonly rootCa?: string } & Pick<
  ControllerManagerOptions,
  | 'nodeGracePeriodMs'
  | 'defaultTolerationSeconds'
  | 'nodeEvictionRate'
  | 'secondaryNodeEvictionRate'
  | 'unhealthyZoneThreshold'
  | 'largeClusterSizeThreshold'
  | 'podGcQuarantineMs'
  | 'terminatedPodGcThreshold'
>

/** What controllers carry from one pass to the next. */
export interface Threaded {
  readonly expectations: Expectations
  readonly evictionLimiter?: LimiterState
  readonly missingNodes?: ReadonlyMap<string, number>
}

/** What a run does next: carry out actions, or list (a namespace's contents) and continue. */
export type Plan = { readonly type: 'act'; readonly actions: readonly Action[] } | { readonly type: 'list'; readonly paths: readonly string[] }

export interface WorkResult {
  /** Absent: nothing to do (the object is gone). */
  readonly plan?: Plan
  readonly requeueAfterMs?: number
  readonly threaded?: Partial<Threaded>
}

/** A quota's recalculation: from the caches, or after listing what they do not hold. */
export function runQuota(key: string, caches: ControllerCaches, listed: readonly NamespaceContents[] = []): WorkResult {
  const quota = caches.resourceQuotas.get(key)
  if (quota === undefined) return {}
  const run = runResourceQuota(quota, caches, listed)
  return { plan: 'list' in run ? { type: 'list', paths: run.list } : act(run.actions) }
}

/** A namespace waiting for its contents to go is listed again this much later. */
export const NAMESPACE_RECHECK_MS = 500

const LISTED_KINDS = ['Pod', 'ReplicaSet.apps', 'Deployment.apps', 'Service', 'Endpoints', 'Job.batch', 'CronJob.batch', 'DaemonSet.apps', 'StatefulSet.apps', 'PersistentVolumeClaim']

const act = (actions: readonly Action[]): Plan => ({ type: 'act', actions })
const requeue = (ms: number | undefined) => (ms !== undefined ? { requeueAfterMs: ms } : {})

export function runWork(threaded: Threaded, item: ParsedItem, caches: ControllerCaches, now: number, options: ManagerOptions): WorkResult {
  switch (item.work) {
    case 'replicaset': {
      const rs = caches.replicaSets.get(item.key)
      if (rs === undefined) return {}
      const result = reconcileReplicaSet({ replicaSet: rs, pods: caches.pods.inNamespace(rs.metadata.namespace ?? 'default'), expectations: threaded.expectations }, now)
      return { plan: act(result.actions), threaded: { expectations: result.expectations }, ...requeue(result.requeueAfterMs) }
    }
    case 'deployment': {
      const d = caches.deployments.get(item.key)
      if (d === undefined) return {}
      const ns = d.metadata.namespace ?? 'default'
      const result = reconcileDeployment({ deployment: d, replicaSets: caches.replicaSets.inNamespace(ns), pods: caches.pods.inNamespace(ns) }, now)
      return { plan: act(result.actions), ...requeue(result.requeueAfterMs) }
    }
    case 'endpoints': {
      // Runs when the Service is gone too: its Endpoints go with it.
      const ns = item.key.split('/')[0]!
      const svc = caches.services.get(item.key)
      const existing = caches.endpoints.get(item.key)
      const result = reconcileEndpoints({ services: svc ? [svc] : [], pods: caches.pods.inNamespace(ns), endpoints: existing ? [existing] : [] })
      return { plan: act(result.actions) }
    }
    case 'namespace': {
      const ns = caches.namespaces.get(item.key)
      if (ns === undefined || !isDeleting(ns.metadata)) return {}
      return { plan: { type: 'list', paths: namespacedPaths(item.key) } }
    }
    case 'serviceaccount': {
      const ns = caches.namespaces.get(item.key)
      if (ns === undefined) return {}
      return { plan: act(reconcileServiceAccounts({ namespace: ns, serviceAccounts: caches.serviceAccounts.inNamespace(item.key) }).actions) }
    }
    case 'rootcacertpublisher': {
      const namespace = caches.namespaces.get(item.key)
      if (namespace === undefined || options.rootCa === undefined) return {}
      const configMap = caches.rootCaConfigMaps.get(`${item.key}/${ROOT_CA_CONFIG_MAP}`)
      return { plan: act(reconcileRootCaConfigMap({ namespace, configMap, rootCa: options.rootCa }).actions) }
    }
    case 'job': {
      const job = caches.jobs.get(item.key)
      if (job === undefined) return {}
      const result = reconcileJob({ job, pods: caches.pods.inNamespace(job.metadata.namespace ?? 'default'), expectations: threaded.expectations }, now)
      return { plan: act(result.actions), threaded: { expectations: result.expectations }, ...requeue(result.requeueAfterMs) }
    }
    case 'daemonset': {
      const daemonSet = caches.daemonSets.get(item.key)
      if (daemonSet === undefined) return {}
      const result = reconcileDaemonSet({ daemonSet, nodes: caches.nodes.list(), pods: caches.pods.inNamespace(daemonSet.metadata.namespace ?? 'default'), expectations: threaded.expectations, revisions: caches.controllerRevisions.inNamespace(daemonSet.metadata.namespace ?? 'default') }, now)
      return { plan: act(result.actions), threaded: { expectations: result.expectations }, ...requeue(result.requeueAfterMs) }
    }
    case 'statefulset': {
      const statefulSet = caches.statefulSets.get(item.key)
      if (statefulSet === undefined) return {}
      const ns = statefulSet.metadata.namespace ?? 'default'
      const result = reconcileStatefulSet({ statefulSet, pods: caches.pods.inNamespace(ns), claims: caches.persistentVolumeClaims.inNamespace(ns), revisions: caches.controllerRevisions.inNamespace(ns) }, now)
      return { plan: act(result.actions), ...requeue(result.requeueAfterMs) }
    }
    case 'clusterroleaggregation': {
      const role = caches.clusterRoles.get(item.key)
      return role === undefined ? {} : { plan: act(reconcileClusterRoleAggregation(role, caches.clusterRoles.list()).actions) }
    }
    case 'cronjob': {
      const cronJob = caches.cronJobs.get(item.key)
      if (cronJob === undefined) return {}
      const result = reconcileCronJob({ cronJob, jobs: caches.jobs.inNamespace(cronJob.metadata.namespace ?? 'default') }, now)
      return { plan: act(result.actions), ...requeue(result.requeueAfterMs) }
    }
    case 'disruption': {
      const budget = caches.podDisruptionBudgets.get(item.key)
      if (budget === undefined) return {}
      const ns = budget.metadata.namespace ?? 'default'
      const result = reconcileDisruptionBudget({ budget, pods: caches.pods.inNamespace(ns), replicaSets: caches.replicaSets.inNamespace(ns), deployments: caches.deployments.inNamespace(ns), statefulSets: caches.statefulSets.inNamespace(ns) }, now)
      return { plan: act(result.actions), ...requeue(result.requeueAfterMs) }
    }
    case 'resourcequota':
      return runQuota(item.key, caches)
    case 'volumeclaim': {
      const claim = caches.persistentVolumeClaims.get(item.key)
      if (claim === undefined) return {}
      const { persistentVolumes: volumes, storageClasses: classes, nodes } = caches
      return { plan: act(reconcileClaim({ claim, volumes, classes, nodes }, now).actions) }
    }
    case 'volume': {
      const volume = caches.persistentVolumes.get(item.key)
      // A claim not in the cache yet would look gone: the volume waits for the sync.
      if (volume === undefined || !caches.persistentVolumeClaims.synced) return {}
      const ref = volume.spec.claimRef
      const claim = ref?.name === undefined ? undefined : caches.persistentVolumeClaims.get(`${ref.namespace ?? 'default'}/${ref.name}`)
      return { plan: act(reconcileVolume({ volume, claim }, now).actions) }
    }
    case 'stale-disruption': {
      const pod = caches.pods.get(item.key)
      if (pod === undefined) return {}
      const result = reconcileStaleDisruption(pod, now)
      return { plan: act(result.actions), ...requeue(result.requeueAfterMs) }
    }
    case 'nodelifecycle': {
      const pods = caches.pods.list().filter((p) => p.spec.nodeName)
      const result = reconcileNodeLifecycle({ nodes: caches.nodes.list(), leases: caches.leases.list(), pods, limiter: threaded.evictionLimiter }, now, {
        gracePeriodMs: options.nodeGracePeriodMs,
        defaultTolerationSeconds: options.defaultTolerationSeconds,
        nodeEvictionRate: options.nodeEvictionRate,
        secondaryNodeEvictionRate: options.secondaryNodeEvictionRate,
        unhealthyZoneThreshold: options.unhealthyZoneThreshold,
        largeClusterSizeThreshold: options.largeClusterSizeThreshold,
      })
      return { plan: act(result.actions), threaded: { evictionLimiter: result.limiter }, ...requeue(result.requeueAfterMs) }
    }
    case 'podgc': {
      const result = reconcilePodGc({ pods: caches.pods.list(), nodes: caches.nodes.list(), missingSince: threaded.missingNodes }, now, {
        quarantineMs: options.podGcQuarantineMs,
        terminatedPodThreshold: options.terminatedPodGcThreshold,
      })
      return { plan: act(result.actions), threaded: { missingNodes: result.missingSince }, ...requeue(result.requeueAfterMs) }
    }
    case 'gc':
      // The graph must be complete (the caches synced) or live owners look gone: the manager starts nothing before.
      return { plan: act(reconcileGarbageCollector({ objects: ownershipGraph(caches), listedKinds: LISTED_KINDS }).actions) }
  }
}

/** A namespace's run, once its contents are listed: deletes them, then finalizes; looks again while they go. */
export function runNamespace(key: string, contents: readonly NamespaceContents[], caches: ControllerCaches): WorkResult {
  const ns = caches.namespaces.get(key)
  if (ns === undefined || !isDeleting(ns.metadata)) return {}
  const result = reconcileNamespace({ namespace: ns, contents })
  return { plan: act(result.actions), ...requeue(result.waiting ? NAMESPACE_RECHECK_MS : undefined) }
}

function ownershipGraph(caches: ControllerCaches): GraphObject[] {
  return [
    ...caches.pods.list().map((o) => withType(o, 'v1', 'Pod')),
    ...caches.replicaSets.list().map((o) => withType(o, 'apps/v1', 'ReplicaSet')),
    ...caches.deployments.list().map((o) => withType(o, 'apps/v1', 'Deployment')),
    ...caches.services.list().map((o) => withType(o, 'v1', 'Service')),
    ...caches.endpoints.list().map((o) => withType(o, 'v1', 'Endpoints')),
    ...caches.jobs.list().map((o) => withType(o, 'batch/v1', 'Job')),
    ...caches.cronJobs.list().map((o) => withType(o, 'batch/v1', 'CronJob')),
    ...caches.daemonSets.list().map((o) => withType(o, 'apps/v1', 'DaemonSet')),
    ...caches.statefulSets.list().map((o) => withType(o, 'apps/v1', 'StatefulSet')),
    ...caches.controllerRevisions.list().map((o) => withType(o, 'apps/v1', 'ControllerRevision')),
    ...caches.persistentVolumeClaims.list().map((o) => withType(o, 'v1', 'PersistentVolumeClaim')),
  ]
}

function withType(o: { readonly apiVersion?: string; readonly kind?: string; readonly metadata: GraphObject['metadata'] }, apiVersion: string, kind: string): GraphObject {
  return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind }
}
