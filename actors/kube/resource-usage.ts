/**
 * What an object counts against a ResourceQuota (Kubernetes' quota evaluators,
 * pkg/quota/v1/evaluator/core), as exact quantities by quota resource name:
 *
 * - every object: `count/<resource>` (core) or `count/<resource>.<group>`;
 * - the legacy names of the core kinds: `pods`, `services`, `configmaps`, `secrets`,
 *   `persistentvolumeclaims`, `replicationcontrollers`, `resourcequotas`;
 * - a pod that has not ended: `pods` and its compute usage (`cpu` / `requests.cpu`, `limits.cpu`,
 *   the same for memory and ephemeral-storage, `requests.<extended>`), the sum of its containers
 *   or its largest init container where that is more (resourcehelper.PodRequests / PodLimits);
 * - a Service: `services.nodeports` (its ports, NodePort and LoadBalancer) and `services.loadbalancers`;
 * - a claim: `requests.storage` and `<class>.storageclass.storage.k8s.io/requests.storage` and `/persistentvolumeclaims`.
 *
 * Plus the ResourceList arithmetic quota admission and the quota controller share.
 */
import { addQuantities, formatQuantity, parseExact, ZERO_QUANTITY, type Quantity } from './quantity.ts'

/** Quantities by resource name (Kubernetes' ResourceList). */
export type Usage = Readonly<Record<string, Quantity>>

type ResourceList = Readonly<Record<string, string | number>>

interface Resources {
  readonly requests?: ResourceList
  readonly limits?: ResourceList
}

interface ContainerView {
  readonly resources?: Resources
}

interface ObjectView {
  readonly spec?: unknown
  readonly status?: unknown
}

const LEGACY_COUNTED = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas'])
const ONE: Quantity = { nanos: 1_000_000_000n, format: 'DecimalSI' }
const count = (n: number): Quantity => ({ nanos: BigInt(n) * 1_000_000_000n, format: 'DecimalSI' })

/** A ResourceList's quantities (unparsable ones left out: validation refused them). */
export function usageOf(list: ResourceList | undefined): Usage {
  const out: Record<string, Quantity> = {}
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseExact(v)
    if (q !== undefined) out[k] = q
  }
  return out
}

/** a + b, name by name. */
export function addUsage(a: Usage, b: Usage): Usage {
  const out: Record<string, Quantity> = { ...a }
  for (const [k, q] of Object.entries(b)) out[k] = addQuantities(out[k] ?? ZERO_QUANTITY, q)
  return out
}

/** Only the names in `names` (quota.Mask). */
export function maskUsage(usage: Usage, names: Iterable<string>): Usage {
  const out: Record<string, Quantity> = {}
  for (const k of names) if (usage[k] !== undefined) out[k] = usage[k]
  return out
}

/** quota.LessThanOrEqual: the names over `limit` (a name `limit` lacks is not limited). */
export function exceededNames(usage: Usage, limit: Usage): string[] {
  return Object.keys(usage).filter((k) => limit[k] !== undefined && usage[k]!.nanos > limit[k]!.nanos).sort()
}

/** A ResourceList as the API shows it. */
export function usageToList(usage: Usage): Record<string, string> {
  return Object.fromEntries(Object.keys(usage).sort().map((k) => [k, formatQuantity(usage[k]!)]))
}

/** prettyPrint: `cpu=1,pods=2`, sorted by name. */
export function prettyUsage(usage: Usage): string {
  return Object.keys(usage).sort().map((k) => `${k}=${formatQuantity(usage[k]!)}`).join(',')
}

/** The containers' sum, or the largest init container where that is more (no overhead, no sidecars). */
export function podRequestsAndLimits(spec: { readonly containers?: readonly ContainerView[]; readonly initContainers?: readonly ContainerView[] }): { requests: Usage; limits: Usage } {
  const total = (pick: (r: Resources | undefined) => ResourceList | undefined): Usage => {
    let sum: Usage = {}
    for (const c of spec.containers ?? []) sum = addUsage(sum, usageOf(pick(c.resources)))
    const out: Record<string, Quantity> = { ...sum }
    for (const c of spec.initContainers ?? []) for (const [k, q] of Object.entries(usageOf(pick(c.resources)))) if (q.nanos > (out[k]?.nanos ?? 0n)) out[k] = q
    return out
  }
  return { requests: total((r) => r?.requests), limits: total((r) => r?.limits) }
}

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage'])
const isExtended = (name: string): boolean => name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.')

/** podComputeUsageHelper: a pod's (or container's) requests and limits as quota names. */
export function computeUsage(requests: Usage, limits: Usage): Usage {
  const out: Record<string, Quantity> = {}
  for (const name of STANDARD) {
    if (requests[name] !== undefined) {
      out[name] = requests[name]
      out[`requests.${name}`] = requests[name]
    }
    if (limits[name] !== undefined) out[`limits.${name}`] = limits[name]
  }
  for (const [name, q] of Object.entries(requests)) {
    if (name.startsWith('hugepages-')) {
      out[name] = q
      out[`requests.${name}`] = q
    } else if (isExtended(name)) out[`requests.${name}`] = q
  }
  return out
}

/** QuotaV1Pod: a pod that ended (Succeeded, Failed) no longer holds compute quota. */
function podHoldsCompute(pod: ObjectView): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase
  return phase !== 'Succeeded' && phase !== 'Failed'
}

function podUsage(pod: ObjectView): Usage {
  if (!podHoldsCompute(pod)) return {}
  const { requests, limits } = podRequestsAndLimits((pod.spec ?? {}) as { containers?: ContainerView[] })
  return { pods: ONE, ...computeUsage(requests, limits) }
}

function serviceUsage(service: ObjectView): Usage {
  const spec = (service.spec ?? {}) as { type?: string; ports?: unknown[]; allocateLoadBalancerNodePorts?: boolean }
  const ports = spec.ports?.length ?? 0
  if (spec.type === 'NodePort') return { 'services.nodeports': count(ports) }
  if (spec.type === 'LoadBalancer') return { 'services.loadbalancers': ONE, ...(spec.allocateLoadBalancerNodePorts === false ? {} : { 'services.nodeports': count(ports) }) }
  return {}
}

function claimUsage(claim: ObjectView): Usage {
  const spec = (claim.spec ?? {}) as { storageClassName?: string; resources?: Resources }
  const storage = usageOf(spec.resources?.requests)['storage']
  const cls = spec.storageClassName
  return {
    ...(storage !== undefined ? { 'requests.storage': storage } : {}),
    ...(cls !== undefined && cls !== '' ? { [`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`]: ONE, ...(storage !== undefined ? { [`${cls}.storageclass.storage.k8s.io/requests.storage`]: storage } : {}) } : {}),
  }
}

/** The quota name of an object count: `count/pods`, `count/deployments.apps`. */
export const countName = (resource: string, group: string): string => (group === '' ? `count/${resource}` : `count/${resource}.${group}`)

/** What one object of `resource` (in API group `group`, '' for core) counts against a quota. */
export function objectUsage(resource: string, group: string, input: object): Usage {
  const object = input as ObjectView
  const counted: Record<string, Quantity> = { [countName(resource, group)]: ONE }
  if (group === '' && LEGACY_COUNTED.has(resource) && resource !== 'pods') counted[resource] = ONE
  if (group !== '') return counted
  if (resource === 'pods') return { ...counted, ...podUsage(object) }
  if (resource === 'services') return { ...counted, ...serviceUsage(object) }
  if (resource === 'persistentvolumeclaims') return { ...counted, ...claimUsage(object) }
  return counted
}
