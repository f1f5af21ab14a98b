/**
 * Which objects a ResourceQuota's scopes select (spec.scopes and spec.scopeSelector):
 * Terminating, NotTerminating, BestEffort, NotBestEffort and PriorityClass. Scopes only select
 * pods; a scoped quota matches no other kind, as Kubernetes' generic evaluator.
 */
type ResourceList = Readonly<Record<string, string | number>>

interface ScopeRequirement {
  readonly scopeName?: string
  readonly operator?: string
  readonly values?: readonly string[]
}

interface QuotaScopes {
  readonly spec?: { readonly scopes?: readonly string[]; readonly scopeSelector?: { readonly matchExpressions?: readonly ScopeRequirement[] } }
}

interface PodSpecView {
  readonly activeDeadlineSeconds?: number
  readonly priorityClassName?: string
  readonly containers?: readonly { readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList } }[]
  readonly initContainers?: readonly { readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList } }[]
}

const isBestEffort = (spec: PodSpecView): boolean =>
  [...(spec.containers ?? []), ...(spec.initContainers ?? [])].every((c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0)

function scopeMatches(scope: string, operator: string, values: readonly string[], pod: PodSpecView): boolean {
  switch (scope) {
    case 'Terminating':
      return pod.activeDeadlineSeconds !== undefined && pod.activeDeadlineSeconds >= 0
    case 'NotTerminating':
      return pod.activeDeadlineSeconds === undefined || pod.activeDeadlineSeconds < 0
    case 'BestEffort':
      return isBestEffort(pod)
    case 'NotBestEffort':
      return !isBestEffort(pod)
    case 'PriorityClass': {
      const cls = pod.priorityClassName
      if (operator === 'Exists') return cls !== undefined && cls !== ''
      if (operator === 'DoesNotExist') return cls === undefined || cls === ''
      if (operator === 'NotIn') return !values.includes(cls ?? '')
      return values.includes(cls ?? '')
    }
    default:
      return false
  }
}

/** Whether every scope of the quota selects the object (no scopes: everything). */
export function quotaSelects(quota: QuotaScopes, resource: string, group: string, object: object): boolean {
  const requirements: ScopeRequirement[] = [...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])]
  if (requirements.length === 0) return true
  if (resource !== 'pods' || group !== '') return false
  const pod = ((object as { spec?: unknown }).spec ?? {}) as PodSpecView
  return requirements.every((r) => scopeMatches(r.scopeName ?? '', r.operator ?? 'In', r.values ?? [], pod))
}
