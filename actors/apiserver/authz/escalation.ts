/**
 * RBAC's escalation prevention (pkg/registry/rbac): writing a Role or ClusterRole, or a binding,
 * must not grant more than the writer holds. A role's rules must be covered by the writer's own
 * rules in that namespace (unless the writer may `escalate` roles); a binding's role likewise
 * (unless the writer may `bind` it). Members of system:masters are exempt. Refused: 403
 * `roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
 * {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`.
 */
import { notFound, type StatusError } from '../meta/status.ts'
import type { ObjectsPort, KubeObject } from '../ports.ts'
import type { Authorizer } from './authorizer.ts'
import { MASTERS_GROUP, type PolicyRule, type RoleRef, type UserInfo } from './policy.ts'
import { RBAC_GROUP, ruleOf } from './rbac.ts'

/** A write the escalation check refused; the handlers stop and answer its status. */
export class EscalationRefused extends Error {
  override readonly name = 'EscalationRefused'
  readonly status: StatusError

  constructor(status: StatusError) {
    super(String((status.status as { message?: unknown }).message))
    this.status = status
  }
}

const RULE = { verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [] }

/** BreakdownRule: one rule per group x resource x verb (x name), and per URL x verb. */
export function breakdown(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = []
  for (const group of r.apiGroups)
    for (const resource of r.resources)
      for (const verb of r.verbs) {
        if (r.resourceNames.length === 0) out.push({ ...RULE, apiGroups: [group], resources: [resource], verbs: [verb] })
        else for (const name of r.resourceNames) out.push({ ...RULE, apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] })
      }
  for (const url of r.nonResourceURLs) for (const verb of r.verbs) out.push({ ...RULE, nonResourceURLs: [url], verbs: [verb] })
  return out
}

const has = (set: readonly string[], v: string): boolean => set.includes(v)
const hasAll = (set: readonly string[], values: readonly string[]): boolean => values.every((v) => set.includes(v))

/** resourceCoversAll: a star, the same names, or the star form of a subresource (`*` + `/scale`). */
const resourcesCovered = (owner: readonly string[], wanted: readonly string[]): boolean =>
  has(owner, '*') || wanted.every((path) => has(owner, path) || (path.includes('/') && has(owner, `*/${path.slice(path.indexOf('/') + 1)}`)))

const urlsCovered = (owner: readonly string[], wanted: readonly string[]): boolean =>
  wanted.every((path) => owner.some((o) => o === path || (o.endsWith('*') && path.startsWith(o.replace(/\*+$/, '')))))

/** ruleCovers: an owner rule holds everything a broken-down rule grants. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const names = sub.resourceNames.length === 0 ? owner.resourceNames.length === 0 : owner.resourceNames.length === 0 || hasAll(owner.resourceNames, sub.resourceNames)
  return (
    (has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs)) &&
    (has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups)) &&
    resourcesCovered(owner.resources, sub.resources) &&
    urlsCovered(owner.nonResourceURLs, sub.nonResourceURLs) &&
    names
  )
}

/** Covers: the parts of `wanted` no rule of `owner` holds (none: covered). */
export function uncovered(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((sub) => !owner.some((o) => ruleCovers(o, sub)))
}

/** CompactRules + CompactString: rules differing only in verbs merged, printed as Go's %q does. */
export function describeRules(rules: readonly PolicyRule[]): string[] {
  const merged = new Map<string, PolicyRule>()
  for (const r of rules) {
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs])
    const seen = merged.get(key)
    merged.set(key, seen ? { ...seen, verbs: [...seen.verbs, ...r.verbs.filter((v) => !seen.verbs.includes(v))] } : r)
  }
  const q = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`
  const text = (r: PolicyRule): string => {
    const parts: string[] = []
    if (r.apiGroups.length > 0) parts.push(`APIGroups:${q(r.apiGroups)}`)
    if (r.resources.length > 0) parts.push(`Resources:${q(r.resources)}`)
    if (r.nonResourceURLs.length > 0) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`)
    if (r.resourceNames.length > 0) parts.push(`ResourceNames:${q(r.resourceNames)}`)
    if (r.verbs.length > 0) parts.push(`Verbs:${q(r.verbs)}`)
    return `{${parts.join(', ')}}`
  }
  return [...merged.values()].map(text).sort()
}

const forbiddenEscalation = (resource: string, name: string, user: UserInfo, missing: readonly PolicyRule[]): StatusError => {
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`
  const detail = `user ${JSON.stringify(user.user)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${describeRules(missing).join('\n')}`
  const message = `${resource}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${detail}`
  return { code: 403, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details: { name, group: RBAC_GROUP, kind: resource }, code: 403 } }
}

const RBAC_KINDS: Readonly<Record<string, string>> = { Role: 'roles', ClusterRole: 'clusterroles', RoleBinding: 'rolebindings', ClusterRoleBinding: 'clusterrolebindings' }

/** Why `user` may not write `object` (an RBAC kind), or undefined when it may. */
export function escalationRefusal(object: KubeObject, user: UserInfo, authorizer: Authorizer): StatusError | undefined {
  const resource = RBAC_KINDS[String(object.kind)]
  if (resource === undefined || user.groups.includes(MASTERS_GROUP)) return undefined
  const name = object.metadata?.name ?? ''
  const namespace = object.metadata?.namespace ?? ''
  const allowed = (verb: string, on: string, onName: string) =>
    authorizer.authorize(user, { verb, apiGroup: RBAC_GROUP, resource: on, name: onName, ...(namespace ? { namespace } : {}) }).allowed
  let granted: readonly PolicyRule[]
  if (resource === 'roles' || resource === 'clusterroles') {
    if (allowed('escalate', resource, name)) return undefined
    granted = Array.isArray(object.rules) ? object.rules.flatMap((r) => ruleOf(r) ?? []) : []
  } else {
    const ref = object.roleRef as RoleRef
    const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles'
    if (allowed('bind', refResource, ref.name)) return undefined
    const rules = authorizer.roleRules(ref, namespace)
    if (rules === undefined) return notFound(refResource, ref.name, RBAC_GROUP)
    granted = rules
  }
  const owned = authorizer.rulesFor(user, namespace)
  const missing = uncovered([...owned.resourceRules, ...owned.nonResourceRules], granted)
  return missing.length === 0 ? undefined : forbiddenEscalation(resource, name, user, missing)
}

/** `objects` whose creates and updates of RBAC objects first pass the escalation check for `user`. */
export function escalationGuarded(objects: ObjectsPort, user: UserInfo, authorizer: Authorizer): ObjectsPort {
  const check = (object: KubeObject) => {
    const refusal = escalationRefusal(object, user, authorizer)
    if (refusal !== undefined) throw new EscalationRefused(refusal)
  }
  return {
    create: async (key, object, options) => {
      check(object)
      return objects.create(key, object, options)
    },
    update: async (key, object, resourceVersion, options) => {
      check(object)
      return objects.update(key, object, resourceVersion, options)
    },
    delete: (key, resourceVersion, options) => objects.delete(key, resourceVersion, options),
    confirm: (key, resourceVersion, options) => objects.confirm(key, resourceVersion, options),
    get: (key, options) => objects.get(key, options),
    list: (prefix, options) => objects.list(prefix, options),
    watch: (prefix, resourceVersion, onEvents, onError) => objects.watch(prefix, resourceVersion, onEvents, onError),
  }
}
