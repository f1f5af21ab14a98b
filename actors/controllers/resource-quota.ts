/**
 * The resource quota controller's recalculation (pkg/controller/resourcequota, syncResourceQuota):
 * a quota's status.hard is its spec.hard, and status.used every hard name's usage summed over
 * the objects of its namespace that its scopes select (kube/resource-usage.ts, the same
 * evaluators quota admission charges with). Admission raises `used` as objects are created;
 * this gives back what deleted objects, ended pods and failed creates held, and fills the status
 * of a new quota (admission enforces nothing until it has one).
 *
 * Two steps: `quotaListPaths` says which collections of the namespace to list for a quota, and
 * `reconcileResourceQuota` turns those lists into an `updateStatus` when the status differs.
 * In the manager: `quotaMarks` (what a change marks) and `runResourceQuota` (pods, Services and
 * claims from the informers' caches, other collections listed for the run).
 */
import { apiPathOf, RESOURCES } from '../apiserver/discovery/resources.ts'
import { quotaSelects } from '../kube/quota-scopes.ts'
import { addUsage, maskUsage, objectUsage, usageOf, usageToList, type Usage } from '../kube/resource-usage.ts'
import { ZERO_QUANTITY } from '../kube/quantity.ts'
import type { Action, ApiObject } from './actions.ts'
import { keyOf } from './_util.ts'
import type { ControllerCaches, ObservedChange } from './caches.ts'
import type { ChangeMarks } from './change-marks.ts'
import { objectItem } from './work-item.ts'

type ResourceList = Readonly<Record<string, string | number>>

export interface ResourceQuota extends ApiObject {
  readonly spec?: { readonly hard?: ResourceList; readonly scopes?: readonly string[]; readonly scopeSelector?: { readonly matchExpressions?: readonly { readonly scopeName?: string; readonly operator?: string; readonly values?: readonly string[] }[] } }
  readonly status?: { readonly hard?: ResourceList; readonly used?: ResourceList }
}

/** A listed collection: its path (as quotaListPaths gave it) and the objects in it. */
export interface ListedCollection {
  readonly path: string
  readonly items: readonly object[]
}

interface Counted {
  readonly group: string
  readonly resource: string
}

const POD_NAMES = /^(pods|count\/pods|cpu|memory|ephemeral-storage|(requests|limits)\.(cpu|memory|ephemeral-storage)|hugepages-.*|requests\.hugepages-.*|requests\..+\/.+)$/
const LEGACY: Readonly<Record<string, string>> = { services: 'services', 'services.nodeports': 'services', 'services.loadbalancers': 'services', configmaps: 'configmaps', secrets: 'secrets', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas', persistentvolumeclaims: 'persistentvolumeclaims', 'requests.storage': 'persistentvolumeclaims' }

/** The resource whose objects a hard name counts, or undefined for a name no evaluator knows. */
export function countedResource(name: string): Counted | undefined {
  if (POD_NAMES.test(name)) return { group: '', resource: 'pods' }
  if (LEGACY[name] !== undefined) return { group: '', resource: LEGACY[name] }
  if (name.includes('.storageclass.storage.k8s.io/')) return { group: '', resource: 'persistentvolumeclaims' }
  if (!name.startsWith('count/')) return undefined
  const [resource = '', ...group] = name.slice('count/'.length).split('.')
  return { resource, group: group.join('.') }
}

const servedVersion = (c: Counted): string | undefined => RESOURCES.find((r) => r.group === c.group && r.name === c.resource && r.namespaced)?.version

const pathOf = (c: Counted, namespace: string): string | undefined => {
  const version = servedVersion(c)
  return version === undefined ? undefined : `${apiPathOf(c.group, version)}/namespaces/${namespace}/${c.resource}`
}

const countedOf = (quota: ResourceQuota): Counted[] => {
  const seen = new Map<string, Counted>()
  for (const name of Object.keys(quota.spec?.hard ?? {})) {
    const c = countedResource(name)
    if (c !== undefined) seen.set(`${c.resource}.${c.group}`, c)
  }
  return [...seen.values()]
}

/** The collections of the quota's namespace to list before `reconcileResourceQuota` (resources the apiserver does not serve are left out). */
export function quotaListPaths(quota: ResourceQuota): string[] {
  const namespace = quota.metadata.namespace ?? 'default'
  return countedOf(quota).flatMap((c) => pathOf(c, namespace) ?? [])
}

/** Zero for every hard name, then each selected object's usage added (quota.CalculateUsage). */
export function quotaUsage(quota: ResourceQuota, listed: readonly ListedCollection[]): Usage {
  const hard = usageOf(quota.spec?.hard)
  const namespace = quota.metadata.namespace ?? 'default'
  let used: Usage = Object.fromEntries(Object.keys(hard).map((k) => [k, ZERO_QUANTITY]))
  for (const c of countedOf(quota)) {
    const items = listed.find((l) => l.path === pathOf(c, namespace))?.items ?? []
    for (const item of items) if (quotaSelects(quota, c.resource, c.group, item)) used = addUsage(used, maskUsage(objectUsage(c.resource, c.group, item), Object.keys(hard)))
  }
  return used
}

const sameList = (a: ResourceList | undefined, b: ResourceList): boolean => {
  const ka = Object.keys(a ?? {}).sort()
  const kb = Object.keys(b).sort()
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a![k]) === String(b[k]))
}

/** The status write that makes the quota's status true to the listed objects, if one is needed. */
export function reconcileResourceQuota(quota: ResourceQuota, listed: readonly ListedCollection[]): { readonly actions: readonly Action[] } {
  const hard = usageToList(usageOf(quota.spec?.hard))
  const used = usageToList(quotaUsage(quota, listed))
  if (sameList(quota.status?.hard, hard) && sameList(quota.status?.used, used)) return { actions: [] }
  const namespace = quota.metadata.namespace ?? 'default'
  const object = { ...quota, apiVersion: 'v1', kind: 'ResourceQuota', status: { hard, used } }
  return { actions: [{ type: 'updateStatus', path: `/api/v1/namespaces/${namespace}/resourcequotas/${quota.metadata.name}/status`, object }] }
}

// ------------------------------------------------------------------ in the controller manager

/** Collections the manager's informers hold (the rest are listed for the run). */
const CACHED: Readonly<Record<string, (caches: ControllerCaches, namespace: string) => readonly object[]>> = {
  pods: (c, ns) => c.pods.inNamespace(ns),
  services: (c, ns) => c.services.inNamespace(ns),
  persistentvolumeclaims: (c, ns) => c.persistentVolumeClaims.inNamespace(ns),
}

const cachedCollection = (path: string): string | undefined => {
  const resource = path.slice(path.lastIndexOf('/') + 1)
  return path.startsWith('/api/v1/') && CACHED[resource] !== undefined ? resource : undefined
}

/**
 * One run for the quota: its actions when every collection it counts is in the caches or in
 * `listed`; otherwise the paths to list first (then call again with them).
 */
export function runResourceQuota(quota: ResourceQuota, caches: ControllerCaches, listed: readonly ListedCollection[] = []): { readonly actions: readonly Action[] } | { readonly list: readonly string[] } {
  const namespace = quota.metadata.namespace ?? 'default'
  const paths = quotaListPaths(quota)
  const missing = paths.filter((p) => cachedCollection(p) === undefined && !listed.some((l) => l.path === p))
  if (missing.length > 0) return { list: missing }
  const fromCaches = paths.flatMap((path) => {
    const resource = cachedCollection(path)
    return resource === undefined ? [] : [{ path, items: CACHED[resource]!(caches, namespace) }]
  })
  return reconcileResourceQuota(quota, [...fromCaches, ...listed])
}

const hardOf = (q: ResourceQuota | undefined): string => JSON.stringify(usageToList(usageOf(q?.spec?.hard)))

/** Whether a pod's change can change what it counts: it came or went, ended, or started being deleted. */
function podCountChanged(change: ObservedChange & { readonly cache: 'pods' }): boolean {
  if (change.type !== 'MODIFIED' || change.previous === undefined) return true
  return change.previous.status?.phase !== change.object.status?.phase || change.previous.metadata.deletionTimestamp !== change.object.metadata.deletionTimestamp
}

/**
 * The quotas a change marks (the quota controller's event handlers): a quota that is new or
 * whose spec.hard changed (not its status: admission charges it before the object is stored), and
 * the quotas of the namespace of a pod, Service or claim that came, went or changed what it counts.
 */
export function quotaMarks(change: ObservedChange, caches: ControllerCaches): ChangeMarks | undefined {
  const none = { wholeCluster: false, graph: false }
  if (change.cache === 'resourceQuotas') {
    if (change.type === 'DELETED' || (change.type === 'MODIFIED' && hardOf(change.previous) === hardOf(change.object))) return undefined
    return { items: [objectItem('resourcequota', keyOf(change.object.metadata))], ...none }
  }
  if (change.cache !== 'pods' && change.cache !== 'services' && change.cache !== 'persistentVolumeClaims') return undefined
  if (change.cache === 'pods' && !podCountChanged(change)) return undefined
  const quotas = caches.resourceQuotas.inNamespace(change.object.metadata.namespace ?? 'default')
  return quotas.length === 0 ? undefined : { items: quotas.map((q) => objectItem('resourcequota', keyOf(q.metadata))), ...none }
}
