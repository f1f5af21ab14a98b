/**
 * Names of the controller manager's work-queue items. An object's item is `<work>:<key>`
 * (`replicaset:default/web`); a controller whose input is the whole cluster is one item named
 * after it. Namespace and object names never hold a colon, so the first one splits.
 */

/** Controllers that reconcile one object at a time. */
export type ObjectWork = 'replicaset' | 'deployment' | 'endpoints' | 'namespace' | 'serviceaccount' | 'job' | 'cronjob' | 'daemonset' | 'statefulset' | 'disruption' | 'stale-disruption' | 'resourcequota' | 'volumeclaim' | 'volume' | 'clusterroleaggregation' | 'rootcacertpublisher'

/** Controllers that read the whole cluster in one pass. */
export type WholeClusterWork = 'nodelifecycle' | 'podgc' | 'gc'

const OBJECT_WORK: readonly ObjectWork[] = ['replicaset', 'deployment', 'endpoints', 'namespace', 'serviceaccount', 'job', 'cronjob', 'daemonset', 'statefulset', 'disruption', 'stale-disruption', 'resourcequota', 'volumeclaim', 'volume', 'clusterroleaggregation', 'rootcacertpublisher']

export const WHOLE_CLUSTER_WORK: readonly WholeClusterWork[] = ['nodelifecycle', 'podgc', 'gc']

export type ParsedItem = { readonly work: ObjectWork; readonly key: string } | { readonly work: WholeClusterWork }

export const objectItem = (work: ObjectWork, key: string): string => `${work}:${key}`

export function parseItem(item: string): ParsedItem {
  const colon = item.indexOf(':')
  if (colon < 0) {
    if (!(WHOLE_CLUSTER_WORK as readonly string[]).includes(item)) throw new TypeError(`not a work item: ${JSON.stringify(item)}`)
    return { work: item as WholeClusterWork }
  }
  const work = item.slice(0, colon)
  if (!(OBJECT_WORK as readonly string[]).includes(work)) throw new TypeError(`not a work item: ${JSON.stringify(item)}`)
  return { work: work as ObjectWork, key: item.slice(colon + 1) }
}
