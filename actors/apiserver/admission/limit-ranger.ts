/**
 * The LimitRanger admission plugin (plugin/pkg/admission/limitranger), on creates only (as
 * Kubernetes: a pod's containers cannot change afterwards):
 *
 * - mutating: each container of a new Pod gets the `default` limits and `defaultRequest` requests
 *   of its namespace's LimitRanges of type Container where it names none, and the pod the
 *   `kubernetes.io/limit-ranger` annotation saying what was set;
 * - validating: min / max / maxLimitRequestRatio of type Container (per container), Pod (the pod's
 *   summed requests and limits) and PersistentVolumeClaim (its storage request) are enforced,
 *   with Kubernetes' messages ("maximum cpu usage per Container is 1, but limit is 2"); several
 *   broken bounds are one message "[a, b]" (utilerrors.NewAggregate).
 *
 * Quantities compare at milli precision, rounded up (requestLimitEnforcedValues).
 */
import { formatQuantity, milliValue, parseExact } from '../../kube/quantity.ts'
import { podRequestsAndLimits, usageOf, type Usage } from '../../kube/resource-usage.ts'
import type { KubeObject } from '../ports.ts'

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger'

type ResourceList = Readonly<Record<string, string | number>>

interface LimitRangeItem {
  readonly type?: string
  readonly min?: ResourceList
  readonly max?: ResourceList
  readonly default?: ResourceList
  readonly defaultRequest?: ResourceList
  readonly maxLimitRequestRatio?: ResourceList
}

interface Resources {
  readonly requests?: ResourceList
  readonly limits?: ResourceList
}

interface ContainerView {
  readonly name?: string
  readonly resources?: Resources
}

const itemsOf = (ranges: readonly KubeObject[]): LimitRangeItem[] =>
  ranges.flatMap((lr) => ((lr.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? []).filter((item) => typeof item === 'object' && item !== null))

const sortedEntries = (list: ResourceList | undefined): [string, string | number][] => Object.entries(list ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

// ------------------------------------------------------------------ defaults

/** defaultContainerResourceRequirements: the Container items' defaults, later ranges winning. */
function containerDefaults(ranges: readonly KubeObject[]): { requests: Record<string, string | number>; limits: Record<string, string | number> } {
  const requests: Record<string, string | number> = {}
  const limits: Record<string, string | number> = {}
  for (const item of itemsOf(ranges)) {
    if (item.type !== 'Container') continue
    Object.assign(requests, item.defaultRequest ?? {})
    Object.assign(limits, item.default ?? {})
  }
  return { requests, limits }
}

/** mergeContainerResources: what a container lacks, and the annotation's phrases for it. */
function mergeContainer(container: ContainerView, defaults: ReturnType<typeof containerDefaults>, label: string): { container: ContainerView; said: string[] } {
  const limits = { ...container.resources?.limits }
  const requests = { ...container.resources?.requests }
  const setLimits = Object.keys(defaults.limits).filter((k) => !(k in limits)).sort()
  const setRequests = Object.keys(defaults.requests).filter((k) => !(k in requests)).sort()
  if (setLimits.length === 0 && setRequests.length === 0) return { container, said: [] }
  for (const k of setLimits) limits[k] = defaults.limits[k]!
  for (const k of setRequests) requests[k] = defaults.requests[k]!
  const said = [
    ...(setRequests.length > 0 ? [`${setRequests.join(', ')} request for ${label} ${container.name ?? ''}`] : []),
    ...(setLimits.length > 0 ? [`${setLimits.join(', ')} limit for ${label} ${container.name ?? ''}`] : []),
  ]
  const resources = { ...container.resources, ...(Object.keys(limits).length > 0 ? { limits } : {}), ...(Object.keys(requests).length > 0 ? { requests } : {}) }
  return { container: { ...container, resources }, said }
}

/** A new Pod with its namespace's Container defaults applied (mergePodResourceRequirements). */
export function applyLimitRangeDefaults(pod: KubeObject, ranges: readonly KubeObject[]): KubeObject {
  const defaults = containerDefaults(ranges)
  if (Object.keys(defaults.limits).length === 0 && Object.keys(defaults.requests).length === 0) return pod
  const spec = (pod.spec ?? {}) as { containers?: ContainerView[]; initContainers?: ContainerView[] }
  const said: string[] = []
  const merge = (list: ContainerView[] | undefined, label: string) =>
    list?.map((c) => {
      const merged = mergeContainer(c, defaults, label)
      said.push(...merged.said)
      return merged.container
    })
  const containers = merge(spec.containers, 'container')
  const initContainers = merge(spec.initContainers, 'init container')
  if (said.length === 0) return pod
  const annotations = { ...pod.metadata?.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${said.join('; ')}` }
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations },
    spec: { ...spec, ...(containers ? { containers } : {}), ...(initContainers ? { initContainers } : {}) },
  }
}

// ------------------------------------------------------------------ constraints

interface Observed {
  readonly requests: Usage
  readonly limits: Usage
}

const shown = (value: string | number): string => {
  const q = parseExact(value)
  return q === undefined ? String(value) : formatQuantity(q)
}

function minConstraint(type: string, resource: string, enforced: string | number, observed: Observed): string | undefined {
  const bound = parseExact(enforced)
  if (bound === undefined) return undefined
  const req = observed.requests[resource]
  const lim = observed.limits[resource]
  if (req === undefined) return `minimum ${resource} usage per ${type} is ${shown(enforced)}.  No request is specified`
  if (milliValue(req) < milliValue(bound)) return `minimum ${resource} usage per ${type} is ${shown(enforced)}, but request is ${formatQuantity(req)}`
  if (lim !== undefined && milliValue(lim) < milliValue(bound)) return `minimum ${resource} usage per ${type} is ${shown(enforced)}, but limit is ${formatQuantity(lim)}`
  return undefined
}

function maxConstraint(type: string, resource: string, enforced: string | number, observed: Observed): string | undefined {
  const bound = parseExact(enforced)
  if (bound === undefined) return undefined
  const req = observed.requests[resource]
  const lim = observed.limits[resource]
  if (lim === undefined) return `maximum ${resource} usage per ${type} is ${shown(enforced)}.  No limit is specified`
  if (milliValue(lim) > milliValue(bound)) return `maximum ${resource} usage per ${type} is ${shown(enforced)}, but limit is ${formatQuantity(lim)}`
  if (req !== undefined && milliValue(req) > milliValue(bound)) return `maximum ${resource} usage per ${type} is ${shown(enforced)}, but request is ${formatQuantity(req)}`
  return undefined
}

/** A claim's max is checked against its request (maxRequestConstraint): a claim has no limit. */
function maxRequestConstraint(type: string, resource: string, enforced: string | number, observed: Observed): string | undefined {
  const bound = parseExact(enforced)
  if (bound === undefined) return undefined
  const req = observed.requests[resource]
  if (req === undefined) return `maximum ${resource} usage per ${type} is ${shown(enforced)}.  No request is specified`
  if (milliValue(req) > milliValue(bound)) return `maximum ${resource} usage per ${type} is ${shown(enforced)}, but request is ${formatQuantity(req)}`
  return undefined
}

function ratioConstraint(type: string, resource: string, enforced: string | number, observed: Observed): string | undefined {
  const bound = parseExact(enforced)
  if (bound === undefined) return undefined
  const req = observed.requests[resource]
  const lim = observed.limits[resource]
  if (req === undefined || milliValue(req) === 0n) return `${resource} max limit to request ratio per ${type} is ${shown(enforced)}, but no request is specified or request is 0`
  if (lim === undefined || milliValue(lim) === 0n) return `${resource} max limit to request ratio per ${type} is ${shown(enforced)}, but no limit is specified or limit is 0`
  const ratio = Number(milliValue(lim)) / Number(milliValue(req))
  if (ratio * 1000 > Number(milliValue(bound))) return `${resource} max limit to request ratio per ${type} is ${shown(enforced)}, but provided ratio is ${ratio.toFixed(6)}`
  return undefined
}

function checkItem(item: LimitRangeItem, type: string, observed: Observed, claim = false): string[] {
  const max = claim ? maxRequestConstraint : maxConstraint
  return [
    ...sortedEntries(item.min).map(([k, v]) => minConstraint(type, k, v, observed)),
    ...sortedEntries(item.max).map(([k, v]) => max(type, k, v, observed)),
    ...(claim ? [] : sortedEntries(item.maxLimitRequestRatio).map(([k, v]) => ratioConstraint(type, k, v, observed))),
  ].filter((e): e is string => e !== undefined)
}

const observedOf = (c: ContainerView): Observed => ({ requests: usageOf(c.resources?.requests), limits: usageOf(c.resources?.limits) })

/** Go's utilerrors.NewAggregate(...).Error(): one message, or "[a, b]" without repeats. */
function aggregate(errors: readonly string[]): string | undefined {
  const unique = [...new Set(errors)]
  if (unique.length === 0) return undefined
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`
}

/** PodValidateLimitFunc: why the pod breaks its namespace's limits, or undefined. */
export function podLimitViolations(pod: KubeObject, ranges: readonly KubeObject[]): string | undefined {
  const spec = (pod.spec ?? {}) as { containers?: ContainerView[]; initContainers?: ContainerView[] }
  const containers = spec.containers ?? []
  const initContainers = spec.initContainers ?? []
  const errors: string[] = []
  for (const item of itemsOf(ranges)) {
    if (item.type === 'Container') for (const c of [...containers, ...initContainers]) errors.push(...checkItem(item, 'Container', observedOf(c)))
    if (item.type === 'Pod') errors.push(...checkItem(item, 'Pod', podRequestsAndLimits(spec)))
  }
  return aggregate(errors)
}

/** PersistentVolumeClaimValidateLimitFunc: min and max of its storage request. */
export function claimLimitViolations(claim: KubeObject, ranges: readonly KubeObject[]): string | undefined {
  const requests = usageOf((claim.spec as { resources?: Resources } | undefined)?.resources?.requests)
  const errors = itemsOf(ranges)
    .filter((item) => item.type === 'PersistentVolumeClaim')
    .flatMap((item) => checkItem(item, 'PersistentVolumeClaim', { requests, limits: {} }, true))
  return aggregate(errors)
}

type Admitted = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly detail: string }

/** LimitRanger on a create: `ranges` are the LimitRanges of the object's namespace. */
export function admitLimitRanges(resource: string, object: KubeObject, ranges: readonly KubeObject[]): Admitted {
  if (ranges.length === 0) return { ok: true, object }
  if (resource === 'pods') {
    const defaulted = applyLimitRangeDefaults(object, ranges)
    const broken = podLimitViolations(defaulted, ranges)
    return broken === undefined ? { ok: true, object: defaulted } : { ok: false, detail: broken }
  }
  if (resource === 'persistentvolumeclaims') {
    const broken = claimLimitViolations(object, ranges)
    return broken === undefined ? { ok: true, object } : { ok: false, detail: broken }
  }
  return { ok: true, object }
}
