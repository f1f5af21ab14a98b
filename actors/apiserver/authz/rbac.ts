/**
 * RBAC from API objects (rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding,
 * ClusterRoleBinding) joined with the policy file's bootstrap rules (policy.ts), and the rules a
 * user holds in a namespace (what SelfSubjectRulesReview and `kubectl auth can-i --list` show).
 * Pure: objects in, a {@link Policy} out; decisions are policy.ts's `authorize` over it.
 *
 * The bootstrap comes first: its built-in roles (cluster-admin, system:discovery,
 * system:basic-user) cannot be redefined by objects of the same name, so no API write can take
 * the admin's or discovery's access away.
 */
import type { KubeObject } from '../ports.ts'
import { policyIndex } from './policy-index.ts'
import {
  MASTERS_GROUP,
  subjectApplies,
  type ClusterRole,
  type ClusterRoleBinding,
  type Policy,
  type PolicyRule,
  type Role,
  type RoleBinding,
  type RoleRef,
  type Subject,
  type UserInfo,
} from './policy.ts'

export const RBAC_GROUP = 'rbac.authorization.k8s.io'

/** The four kinds' objects, as the apiserver's cache holds them. */
export interface RbacObjects {
  readonly roles: readonly KubeObject[]
  readonly clusterRoles: readonly KubeObject[]
  readonly roleBindings: readonly KubeObject[]
  readonly clusterRoleBindings: readonly KubeObject[]
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [])
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** A stored rule; validation refused malformed ones, so this only fills in absent lists. */
export const ruleOf = (v: unknown): PolicyRule | undefined =>
  isObj(v)
    ? {
        verbs: strings(v.verbs),
        apiGroups: strings(v.apiGroups),
        resources: strings(v.resources),
        resourceNames: strings(v.resourceNames),
        nonResourceURLs: strings(v.nonResourceURLs),
      }
    : undefined

const rulesOf = (o: KubeObject): PolicyRule[] => (Array.isArray(o.rules) ? o.rules.flatMap((r) => ruleOf(r) ?? []) : [])

const subjectOf = (v: unknown): Subject | undefined => {
  if (!isObj(v)) return undefined
  const kind = v.kind
  if (kind !== 'User' && kind !== 'Group' && kind !== 'ServiceAccount') return undefined
  const namespace = str(v.namespace)
  return kind === 'ServiceAccount' ? { kind, name: str(v.name), namespace } : { kind, name: str(v.name) }
}

const subjectsOf = (o: KubeObject): Subject[] => (Array.isArray(o.subjects) ? o.subjects.flatMap((s) => subjectOf(s) ?? []) : [])

const roleRefOf = (o: KubeObject): RoleRef | undefined => {
  const ref = o.roleRef
  if (!isObj(ref) || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole')) return undefined
  return { kind: ref.kind, name: str(ref.name) }
}

const nameOf = (o: KubeObject): string => o.metadata?.name ?? ''
const namespaceOf = (o: KubeObject): string => o.metadata?.namespace ?? ''

/** The policy the objects define, the bootstrap's roles and bindings first. */
export function policyWithObjects(bootstrap: Policy, objects: RbacObjects): Policy {
  const clusterRoles: ClusterRole[] = objects.clusterRoles.map((o) => ({ name: nameOf(o), rules: rulesOf(o) }))
  const roles: Role[] = objects.roles.map((o) => ({ name: nameOf(o), namespace: namespaceOf(o), rules: rulesOf(o) }))
  const roleBindings: RoleBinding[] = objects.roleBindings.flatMap((o) => {
    const roleRef = roleRefOf(o)
    return roleRef ? [{ name: nameOf(o), namespace: namespaceOf(o), roleRef, subjects: subjectsOf(o) }] : []
  })
  const clusterRoleBindings: ClusterRoleBinding[] = objects.clusterRoleBindings.flatMap((o) => {
    const roleRef = roleRefOf(o)
    return roleRef?.kind === 'ClusterRole' ? [{ name: nameOf(o), roleRef: { kind: 'ClusterRole' as const, name: roleRef.name }, subjects: subjectsOf(o) }] : []
  })
  return {
    clusterRoles: [...bootstrap.clusterRoles, ...clusterRoles],
    roles: [...bootstrap.roles, ...roles],
    roleBindings: [...bootstrap.roleBindings, ...roleBindings],
    clusterRoleBindings: [...bootstrap.clusterRoleBindings, ...clusterRoleBindings],
  }
}

/** What a user may do in a namespace: the rules of every binding that names them (SelfSubjectRulesReview). */
export interface UserRules {
  readonly resourceRules: readonly PolicyRule[]
  readonly nonResourceRules: readonly PolicyRule[]
}

/**
 * The rules of the ClusterRoleBindings and (namespace given) the namespace's RoleBindings that
 * apply to `user`, as kube's RBAC RulesFor lists them: cluster bindings first, each role's rules
 * in order, resource and non-resource rules apart. Members of system:masters hold cluster-admin's.
 */
export function rulesFor(policy: Policy, user: UserInfo, namespace: string): UserRules {
  const index = policyIndex(policy)
  const rules: PolicyRule[] = []
  if (user.groups.includes(MASTERS_GROUP)) rules.push(...(index.clusterRole('cluster-admin')?.rules ?? []))
  for (const b of policy.clusterRoleBindings) {
    if (!applies(b.subjects, user, '')) continue
    rules.push(...(index.clusterRole(b.roleRef.name)?.rules ?? []))
  }
  if (namespace !== '') {
    for (const b of index.roleBindingsIn(namespace)) {
      if (!applies(b.subjects, user, namespace)) continue
      rules.push(...(roleRules(policy, b.roleRef, namespace) ?? []))
    }
  }
  // A rule granted twice (system:masters and the cluster-admin binding) is listed once.
  const distinct = [...new Map(rules.map((r) => [JSON.stringify(r), r])).values()]
  return {
    resourceRules: distinct.filter((r) => r.nonResourceURLs.length === 0),
    nonResourceRules: distinct.filter((r) => r.nonResourceURLs.length > 0),
  }
}

/** The rules of the role a binding in `namespace` refers to (a ClusterRole, or a Role of that namespace); undefined if none. */
export function roleRules(policy: Policy, ref: RoleRef, namespace: string): readonly PolicyRule[] | undefined {
  const index = policyIndex(policy)
  return (ref.kind === 'ClusterRole' ? index.clusterRole(ref.name) : index.role(namespace, ref.name))?.rules
}

const applies = (subjects: readonly Subject[], user: UserInfo, bindingNamespace: string): boolean => subjects.some((s) => subjectApplies(s, user, bindingNamespace))
