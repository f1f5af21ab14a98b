/**
 * What one informer change marks for reconcile (the event handlers of kube's controllers): a
 * pod marks its replica set and that one's deployment (an orphan: every replica set of its
 * namespace, which may adopt it) and the services of its namespace; a replica set marks itself
 * and its deployment; and so on. It also says whether node lifecycle and the garbage collector
 * should look again, and which replica set expectations the change settles. Pure: reads the
 * caches (already holding the change), returns marks.
 */
import type { ObjectMeta, Pod } from '../kube/objects.ts'
import { controllerOf, keyOf } from './_util.ts'
import type { ControllerCaches, ChangeType, ObservedChange } from './caches.ts'
import { ownerKeyOf } from './replicaset.ts'
import { workloadObjectMarks } from './workload-marks.ts'
import { cronJobKeyOf } from './cronjob.ts'
import { aggregationItems } from './clusterrole-aggregation.ts'
import { jobExpectationsKey, jobKeyOf } from './job.ts'
import { objectItem } from './work-item.ts'
import { budgetItemsFor } from './disruption.ts'
import { mayHaveStaleDisruption } from './stale-disruption.ts'

export interface ChangeMarks {
  /** Work items to reconcile (work-item.ts). */
  readonly items: readonly string[]
  /** Node lifecycle should look again: its input, or the pods it may evict, changed. */
  readonly wholeCluster: boolean
  /** Something appeared, went, changed owners or started being deleted: the garbage collector should look again. */
  readonly graph: boolean
  /** A pod of this replica set appeared: one expected create was seen. */
  readonly createObservedFor?: string
  /** This replica set is gone: its expectations go too. */
  readonly forgetExpectationsOf?: string
}

export function changeMarks(change: ObservedChange, caches: ControllerCaches): ChangeMarks {
  const graph = ownershipChanged(change.type, change.object.metadata, change.previous?.metadata)
  switch (change.cache) {
    case 'pods': {
      const job = jobKeyOf(change.object) ?? (change.previous ? jobKeyOf(change.previous) : undefined)
      // The budgets selecting the pod (before or after the change) count it again.
      const disruptionItems = budgetItemsFor(change.object, change.previous, caches.podDisruptionBudgets.inNamespace(change.object.metadata.namespace ?? 'default'))
      // A pod an eviction marked DisruptionTarget: its mark goes stale if the pod stays.
      if (change.type !== 'DELETED' && mayHaveStaleDisruption(change.object)) disruptionItems.push(objectItem('stale-disruption', keyOf(change.object.metadata)))
      const pod = change.object
      const ns = pod.metadata.namespace ?? 'default'
      const owner = ownerKeyOf(pod) ?? (change.previous ? ownerKeyOf(change.previous) : undefined)
      // A Job's pod, or a new orphan that a Job of its namespace may adopt; a replica set's pod
      // stays on the path below whatever Jobs its namespace has (it settles an expected create).
      if (job !== undefined || (owner === undefined && change.type === 'ADDED' && caches.jobs.inNamespace(ns).length > 0)) {
        const marks = jobPodMarks(change.type, pod, job, caches, graph)
        return { ...marks, items: [...marks.items, ...disruptionItems] }
      }
      const items: string[] = [...disruptionItems]
      if (owner !== undefined) {
        items.push(objectItem('replicaset', owner))
        const rs = caches.replicaSets.get(owner)
        const deployment = rs && deploymentOf(rs.metadata)
        if (deployment !== undefined) items.push(objectItem('deployment', deployment))
      } else if (change.type === 'ADDED') {
        for (const rs of caches.replicaSets.inNamespace(ns)) items.push(objectItem('replicaset', keyOf(rs.metadata)))
      }
      for (const svc of caches.services.inNamespace(ns)) items.push(objectItem('endpoints', keyOf(svc.metadata)))
      return { items, wholeCluster: true, graph, ...(owner !== undefined && change.type === 'ADDED' ? { createObservedFor: owner } : {}) }
    }
    case 'replicaSets': {
      const key = keyOf(change.object.metadata)
      const deployment = deploymentOf(change.object.metadata)
      const items = [objectItem('replicaset', key), ...(deployment !== undefined ? [objectItem('deployment', deployment)] : [])]
      return { items, wholeCluster: true, graph, ...(change.type === 'DELETED' ? { forgetExpectationsOf: key } : {}) }
    }
    case 'deployments':
      return { items: [objectItem('deployment', keyOf(change.object.metadata))], wholeCluster: true, graph }
    case 'daemonSets':
    case 'statefulSets':
    case 'persistentVolumeClaims':
    case 'controllerRevisions':
      return workloadObjectMarks(change, graph)
    case 'nodes':
    case 'leases':
      return { items: [], wholeCluster: true, graph: false }
    case 'services':
      return { items: [objectItem('endpoints', keyOf(change.object.metadata))], wholeCluster: true, graph }
    case 'endpoints': {
      // Endpoints of a Service not seen yet are left alone: they may be a selector-less
      // Service's, written right after it, and its watch event can come first. Leftovers are
      // still found: before the endpoints cache synced, and when a Service's deletion is seen.
      const key = keyOf(change.object.metadata)
      const look = change.type === 'DELETED' || !caches.endpoints.synced || caches.services.get(key) !== undefined
      return { items: look ? [objectItem('endpoints', key)] : [], wholeCluster: false, graph }
    }
    case 'jobs': {
      // A Job's change marks it and the CronJob that made it (its status.active, history).
      const key = keyOf(change.object.metadata)
      const cronJob = cronJobKeyOf(change.object)
      const items = [objectItem('job', key), ...(cronJob !== undefined ? [objectItem('cronjob', cronJob)] : [])]
      return { items, wholeCluster: false, graph, ...(change.type === 'DELETED' ? { forgetExpectationsOf: jobExpectationsKey(key) } : {}) }
    }
    case 'clusterRoles':
      // Any ClusterRole's labels or rules may change what an aggregated one holds (and view feeds edit feeds admin).
      return { items: aggregationItems(change.object, caches.clusterRoles), wholeCluster: false, graph: false }
    case 'podDisruptionBudgets':
      return { items: [objectItem('disruption', keyOf(change.object.metadata))], wholeCluster: false, graph: false }
    case 'cronJobs':
      return { items: [objectItem('cronjob', keyOf(change.object.metadata))], wholeCluster: false, graph }
    case 'namespaces': {
      // A namespace being deleted is the namespace controller's; a live one must have its default ServiceAccount and kube-root-ca.crt.
      const key = keyOf(change.object.metadata)
      const items = change.object.metadata.deletionTimestamp ? [objectItem('namespace', key)] : [objectItem('serviceaccount', key), objectItem('rootcacertpublisher', key)]
      return { items, wholeCluster: false, graph: false }
    }
    case 'rootCaConfigMaps':
      // A kube-root-ca.crt deleted or changed is published again in its namespace.
      return { items: [objectItem('rootcacertpublisher', change.object.metadata.namespace ?? 'default')], wholeCluster: false, graph: false }
    case 'serviceAccounts':
      // A deleted default account is made again.
      return { items: change.type === 'DELETED' ? [objectItem('serviceaccount', change.object.metadata.namespace ?? 'default')] : [], wholeCluster: false, graph: false }
    case 'resourceQuotas':
      // The quota controller's marks are quotaMarks' (resource-quota.ts).
      return { items: [], wholeCluster: false, graph }
    case 'persistentVolumes':
    case 'storageClasses':
      // The volume binder's marks are volumeMarks' (volume-marks.ts).
      return { items: [], wholeCluster: false, graph: false }
  }
}

/**
 * A pod of a Job (or an orphan where Jobs may adopt it): its Job (every Job of the namespace for
 * an orphan), the services of its namespace, node lifecycle; a new one settles an expected create.
 */
function jobPodMarks(type: ChangeType, pod: Pod, job: string | undefined, caches: ControllerCaches, graph: boolean): ChangeMarks {
  const ns = pod.metadata.namespace ?? 'default'
  const jobs = job !== undefined ? [job] : caches.jobs.inNamespace(ns).map((j) => keyOf(j.metadata))
  const items = [...jobs.map((k) => objectItem('job', k)), ...caches.services.inNamespace(ns).map((svc) => objectItem('endpoints', keyOf(svc.metadata)))]
  const orphanRs = job === undefined ? caches.replicaSets.inNamespace(ns).map((rs) => objectItem('replicaset', keyOf(rs.metadata))) : []
  return { items: [...items, ...orphanRs], wholeCluster: true, graph, ...(job !== undefined && type === 'ADDED' ? { createObservedFor: jobExpectationsKey(job) } : {}) }
}

/** The `namespace/name` of the Deployment controlling an object, if one does. */
function deploymentOf(meta: ObjectMeta): string | undefined {
  const ref = controllerOf(meta)
  return ref?.kind === 'Deployment' ? `${meta.namespace ?? 'default'}/${ref.name}` : undefined
}

const graphKey = (meta: ObjectMeta | undefined): string => JSON.stringify([meta?.ownerReferences, meta?.deletionTimestamp, meta?.finalizers])

function ownershipChanged(type: ChangeType, meta: ObjectMeta, previous: ObjectMeta | undefined): boolean {
  return type !== 'MODIFIED' || graphKey(meta) !== graphKey(previous)
}
