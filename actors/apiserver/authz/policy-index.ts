/**
 * Lookups into a {@link Policy} by name and namespace, built once per policy object (a policy is
 * immutable: the RBAC index builds a new one after each change). Without it a decision scans
 * every role and binding: with 2,000 namespaces' bindings, 630 µs per allowed request; indexed,
 * 13-19 µs (measured on the shared 2-core machine, loaded).
 * The first of equal names wins, as in the arrays (the bootstrap's built-ins come first).
 */
import type { ClusterRole, Policy, Role, RoleBinding } from './policy.ts'

export interface PolicyIndex {
  clusterRole(name: string): ClusterRole | undefined
  role(namespace: string, name: string): Role | undefined
  roleBindingsIn(namespace: string): readonly RoleBinding[]
}

const built = new WeakMap<Policy, PolicyIndex>()

const firstByKey = <T>(items: readonly T[], key: (item: T) => string): Map<string, T> => {
  const map = new Map<string, T>()
  for (const item of items) if (!map.has(key(item))) map.set(key(item), item)
  return map
}

export function policyIndex(policy: Policy): PolicyIndex {
  const known = built.get(policy)
  if (known !== undefined) return known
  const clusterRoles = firstByKey(policy.clusterRoles, (r) => r.name)
  const roles = firstByKey(policy.roles, (r) => `${r.namespace}/${r.name}`)
  const bindings = new Map<string, RoleBinding[]>()
  for (const b of policy.roleBindings) {
    const list = bindings.get(b.namespace)
    if (list === undefined) bindings.set(b.namespace, [b])
    else list.push(b)
  }
  const index: PolicyIndex = {
    clusterRole: (name) => clusterRoles.get(name),
    role: (namespace, name) => roles.get(`${namespace}/${name}`),
    roleBindingsIn: (namespace) => bindings.get(namespace) ?? [],
  }
  built.set(policy, index)
  return index
}
