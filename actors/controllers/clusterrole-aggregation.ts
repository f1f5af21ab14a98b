/**
 * The ClusterRole aggregation controller's step (k8s.io/kubernetes/pkg/controller/clusterroleaggregation):
 * a ClusterRole with `aggregationRule.clusterRoleSelectors` has as its rules the union of the
 * rules of every other ClusterRole one of its selectors matches, selector by selector, roles by
 * name, a rule already present not repeated. Its own `rules` are replaced (an aggregated role's
 * rules are the controller's). Pure: (role, all ClusterRoles) -> the update, if any.
 */
import { labelSelectorFromObject, type LabelSelectorObject } from '../apiserver/meta/label-selector.ts'
import { type Action, type ApiObject, type TypeMeta, pathOf } from './actions.ts'
import type { ObjectCache } from './caches.ts'
import { objectItem } from './work-item.ts'

export const CLUSTER_ROLE: TypeMeta = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' }

/** A ClusterRole as the controller reads it (rules kept as they are written). */
export interface ClusterRole extends ApiObject {
  readonly rules?: readonly unknown[] | null
  readonly aggregationRule?: { readonly clusterRoleSelectors?: readonly LabelSelectorObject[] | null } | null
}

export const isAggregated = (role: ClusterRole): boolean => (role.aggregationRule?.clusterRoleSelectors?.length ?? 0) > 0

/** The rules `role` aggregates from `roles`; undefined when it has no aggregation rule. */
export function aggregatedRules(role: ClusterRole, roles: readonly ClusterRole[]): unknown[] | undefined {
  if (!isAggregated(role)) return undefined
  const byName = [...roles].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
  const rules: unknown[] = []
  const seen = new Set<string>()
  for (const selectorObject of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const parsed = labelSelectorFromObject(selectorObject)
    if (!parsed.ok) continue
    for (const other of byName) {
      if (other.metadata.name === role.metadata.name || !parsed.selector.matches(other.metadata.labels ?? {})) continue
      for (const rule of other.rules ?? []) {
        const key = JSON.stringify(rule)
        if (seen.has(key)) continue
        seen.add(key)
        rules.push(rule)
      }
    }
  }
  return rules
}

/** The update bringing an aggregated ClusterRole's rules to its selectors' union, if they differ. */
export function reconcileClusterRoleAggregation(role: ClusterRole, roles: readonly ClusterRole[]): { readonly actions: Action[] } {
  const rules = aggregatedRules(role, roles)
  if (rules === undefined || JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return { actions: [] }
  return { actions: [{ type: 'update', path: pathOf(CLUSTER_ROLE, role), object: { ...role, ...CLUSTER_ROLE, rules } as ClusterRole }] }
}

/**
 * The work a ClusterRole's change makes: every aggregated ClusterRole (as Kubernetes' controller
 * enqueues them all), since its labels or rules may be in any of their unions.
 */
export function aggregationItems(changed: ClusterRole, roles: ObjectCache<ClusterRole>): string[] {
  const names = new Set(roles.list().filter(isAggregated).map((r) => r.metadata.name ?? ''))
  if (isAggregated(changed)) names.add(changed.metadata.name ?? '')
  return [...names].map((name) => objectItem('clusterroleaggregation', name))
}
