/**
 * The ResourceQuota admission plugin (plugin/pkg/admission/resourcequota), on creates and, for
 * the kinds whose usage can change (admit-update.ts), updates: the new object's usage
 * (kube/resource-usage.ts; on an update, what it adds to the old object's) is checked against every quota of its namespace that
 * matches it, and charged to them BEFORE the object is stored, by a compare-and-swap of each
 * quota's status.used (as Kubernetes: two creates racing for the last unit both read the same
 * quota version, and only one status write succeeds; the other re-reads and is refused). If the
 * create then fails, the quota controller's next recalculation gives the unit back.
 *
 * Refusals are 403 with Kubernetes' messages:
 * - `exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2`;
 * - `failed quota: q: must specify limits.cpu for: app` (a quota on cpu or memory needs every
 *   container to state it);
 * - `status unknown for quota: q, resource: pods` (the controller has not filled status yet).
 *
 * Scopes: kube/quota-scopes.ts.
 */
import { storeKey, storePrefix } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'
import { quotaSelects } from '../../kube/quota-scopes.ts'
import { addUsage, computeUsage, exceededNames, maskUsage, objectUsage, prettyUsage, usageOf, usageToList, type Usage } from '../../kube/resource-usage.ts'

export const RESOURCE_QUOTAS = { group: '', resource: 'resourcequotas' } as const
export const LIMIT_RANGES = { group: '', resource: 'limitranges' } as const

/** How often a charge whose quota changed meanwhile is re-read and tried again (Kubernetes: 3). */
const CHARGE_ATTEMPTS = 5

type ResourceList = Readonly<Record<string, string | number>>

interface QuotaView {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string }
  readonly spec?: { readonly hard?: ResourceList; readonly scopes?: readonly string[] }
  readonly status?: { readonly hard?: ResourceList; readonly used?: ResourceList }
}

interface PodSpecView {
  readonly containers?: readonly { readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList } }[]
  readonly initContainers?: readonly { readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList } }[]
}

/** The quota names a pod's containers must each state when a quota limits them (validationSet). */
const MUST_STATE = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'])

const nameOf = (q: QuotaView): string => q.metadata?.name ?? ''

// ------------------------------------------------------------------ the check

/** evaluator.Constraints for pods: containers lacking a quota-limited cpu/memory figure, by name. */
function missingFigures(limited: readonly string[], pod: PodSpecView, containerNames: readonly string[]): string | undefined {
  const required = limited.filter((n) => MUST_STATE.has(n))
  if (required.length === 0) return undefined
  const missing = new Map<string, string[]>()
  const containers = [...(pod.containers ?? []), ...(pod.initContainers ?? [])]
  containers.forEach((c, i) => {
    const stated = computeUsage(usageOf(c.resources?.requests), usageOf(c.resources?.limits))
    for (const name of required) if (stated[name] === undefined) missing.set(name, [...(missing.get(name) ?? []), containerNames[i] ?? ''])
  })
  if (missing.size === 0) return undefined
  return `must specify ${[...missing.keys()].sort().map((n) => `${n} for: ${[...new Set(missing.get(n))].sort().join(',')}`).join('; ')}`
}

export type QuotaCheck =
  | { readonly ok: true; readonly charged: readonly KubeObject[] }
  | { readonly ok: false; readonly detail: string }

/**
 * checkRequest + checkQuotas: the quotas (each with status.used raised by the object's usage)
 * that must be written for the object to be admitted, or why it is refused. Quotas the object
 * does not touch are not in `charged`.
 */
export function checkQuotas(quotas: readonly KubeObject[], resource: string, group: string, object: KubeObject, previous?: KubeObject): QuotaCheck {
  const usage = previous === undefined ? objectUsage(resource, group, object) : usageIncrease(objectUsage(resource, group, object), objectUsage(resource, group, previous))
  // An update that adds nothing (a label, a smaller claim) charges nothing and is never refused.
  if (Object.keys(usage).length === 0) return { ok: true, charged: [] }
  const charged: KubeObject[] = []
  const sorted = [...quotas].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0))
  for (const quota of sorted as QuotaView[]) {
    if (!quotaSelects(quota, resource, group, object)) continue
    const hard = usageOf(quota.status?.hard)
    const limited = Object.keys(hard).filter((n) => usage[n] !== undefined || (resource === 'pods' && group === '' && MUST_STATE.has(n)))
    if (limited.length === 0) continue
    if (resource === 'pods' && group === '') {
      const spec = (object.spec ?? {}) as PodSpecView & { containers?: { name?: string }[]; initContainers?: { name?: string }[] }
      const names = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name ?? '')
      const missing = missingFigures(limited, spec, names)
      if (missing !== undefined) return { ok: false, detail: `failed quota: ${nameOf(quota)}: ${missing}` }
    }
    const used = usageOf(quota.status?.used)
    const unknown = limited.filter((n) => used[n] === undefined)
    if (unknown.length > 0) return { ok: false, detail: `status unknown for quota: ${nameOf(quota)}, resource: ${unknown.sort().join(',')}` }
    const requested = maskUsage(usage, limited)
    if (Object.keys(requested).length === 0) continue
    const next = addUsage(used, requested)
    const exceeded = exceededNames(maskUsage(next, Object.keys(requested)), hard)
    if (exceeded.length > 0) {
      return {
        ok: false,
        detail: `exceeded quota: ${nameOf(quota)}, requested: ${prettyUsage(maskUsage(requested, exceeded))}, used: ${prettyUsage(maskUsage(used, exceeded))}, limited: ${prettyUsage(maskUsage(hard, exceeded))}`,
      }
    }
    const q = quota as KubeObject
    charged.push({ ...q, status: { ...(q.status as object), used: usageToList(next) } })
  }
  return { ok: true, charged }
}

/** quota.SubtractWithNonNegativeResult then RemoveZeros: what `next` adds to `before`, name by name. */
function usageIncrease(next: Usage, before: Usage): Usage {
  const out: Record<string, Usage[string]> = {}
  for (const [name, q] of Object.entries(next)) {
    const nanos = q.nanos - (before[name]?.nanos ?? 0n)
    if (nanos > 0n) out[name] = { ...q, nanos }
  }
  return out
}

// ------------------------------------------------------------------ admission with the store

type Admitted = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly detail: string }

/**
 * The ResourceQuota admission of a new object in `namespace` (or of an update from `previous`): the quotas from the apiserver's
 * cache (Kubernetes' lister), each charge a compare-and-swap on the quota's version; a quota that
 * changed meanwhile is read from the store and checked again (the charges already made stand).
 */
export async function admitResourceQuota(resource: string, group: string, namespace: string | undefined, object: KubeObject, objects: ObjectsPort, previous?: KubeObject): Promise<Admitted> {
  if (namespace === undefined || namespace === '') return { ok: true, object }
  let quotas = (await objects.list(storePrefix(RESOURCE_QUOTAS, namespace), { anyVersion: true })).items
  for (let attempt = 0; attempt < CHARGE_ATTEMPTS && quotas.length > 0; attempt++) {
    const checked = checkQuotas(quotas, resource, group, object, previous)
    if (!checked.ok) return checked
    const stale: KubeObject[] = []
    for (const quota of checked.charged) {
      const key = storeKey(RESOURCE_QUOTAS, namespace, nameOf(quota as QuotaView))
      const written = await objects.update(key, quota, quota.metadata?.resourceVersion)
      if (written.ok) continue
      if (written.reason !== 'Conflict') continue
      const current = await objects.get(key)
      if (current !== undefined) stale.push(current)
    }
    if (stale.length === 0) return { ok: true, object }
    quotas = stale
  }
  return quotas.length === 0 ? { ok: true, object } : { ok: false, detail: `status update conflict for resource quota ${quotas.map((q) => nameOf(q as QuotaView)).join(',')}: too many concurrent creates, try again` }
}
