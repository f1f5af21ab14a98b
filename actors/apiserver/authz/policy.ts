/**
 * Authorization (pure): may this user do this verb on this resource in this namespace?
 * The model is Kubernetes RBAC, read from a policy file instead of API objects.
 *
 * ## Policy file (YAML)
 *
 * ```yaml
 * apiVersion: actorkube.io/v1alpha1   # optional; if given, exactly this
 * kind: AuthorizationPolicy           # optional; if given, exactly this
 * clusterRoles:                       # rule sets, usable cluster-wide or inside a namespace
 *   - name: node-reader
 *     rules:
 *       - verbs: [get, list, watch]
 *         apiGroups: [""]             # "" is the core group; "*" any group
 *         resources: [nodes]          # "*" any; "pods/log" a subresource; "*" + "/scale"
 *                                     # (one string) the scale subresource of any resource
 *       - verbs: [get]
 *         nonResourceURLs: [/healthz, "/metrics*"]   # ClusterRoles only; trailing * = prefix
 * roles:                              # rule sets that exist in one namespace
 *   - name: pod-reader
 *     namespace: default
 *     rules:
 *       - verbs: [get, list, watch]
 *         apiGroups: [""]
 *         resources: [pods, pods/log]
 *         resourceNames: [web-0]      # optional: only these object names
 * roleBindings:                       # grant a Role or ClusterRole inside one namespace
 *   - name: bob-reads-pods
 *     namespace: default
 *     roleRef: {kind: Role, name: pod-reader}   # kind: Role | ClusterRole
 *     subjects: [{kind: User, name: bob}, {kind: Group, name: devs}]
 *     # also {kind: ServiceAccount, name: robot, namespace: ci} (namespace: the binding's if left out)
 * clusterRoleBindings:                # grant a ClusterRole everywhere (all namespaces and
 *   - name: ops-read-nodes            # cluster-scoped resources)
 *     roleRef: {kind: ClusterRole, name: node-reader}
 *     subjects: [{kind: Group, name: ops}]
 * ```
 *
 * Verbs: get, list, watch, create, update, patch, delete, deletecollection, or "*"
 * (non-resource rules: get, post, put, patch, delete, head, options, "*").
 * Every list is optional except `rules[].verbs`, `roleRef` and `subjects`. Unknown fields are
 * errors. Built in (and not redefinable): ClusterRole `cluster-admin` (everything),
 * ClusterRole `system:discovery` (get on /version, /api, /apis, /openapi and health paths) and
 * ClusterRole `system:basic-user` (create selfsubjectaccessreviews, selfsubjectrulesreviews and
 * selfsubjectreviews),
 * the last two bound to group `system:authenticated`. The file is the bootstrap: RBAC API
 * objects add to it (rbac.ts), never take from it. Members of `system:masters` may do everything,
 * whatever the policy says.
 *
 * Matching follows Kubernetes RBAC (plugin/pkg/auth/authorizer/rbac): rules only allow, a
 * request is allowed if any rule of any binding that names the user or one of its groups
 * matches. Denials carry the exact kube-apiserver message, e.g.
 * `pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"`.
 */
import {
  FieldPath,
  duplicate,
  forbidden,
  invalid,
  notSupported,
  required,
  typeInvalid,
  type FieldError,
} from '../field-errors.ts'
import { policyIndex } from './policy-index.ts'

export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const
export type Verb = (typeof VERBS)[number]
export const NON_RESOURCE_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const

export const MASTERS_GROUP = 'system:masters'
export const AUTHENTICATED_GROUP = 'system:authenticated'
export const POLICY_API_VERSION = 'actorkube.io/v1alpha1'
export const POLICY_KIND = 'AuthorizationPolicy'

export interface PolicyRule {
  readonly verbs: readonly string[]
  readonly apiGroups: readonly string[]
  readonly resources: readonly string[]
  readonly resourceNames: readonly string[]
  readonly nonResourceURLs: readonly string[]
}

export interface ClusterRole {
  readonly name: string
  readonly rules: readonly PolicyRule[]
}

export interface Role extends ClusterRole {
  readonly namespace: string
}

export interface Subject {
  readonly kind: 'User' | 'Group' | 'ServiceAccount'
  readonly name: string
  /** ServiceAccount only: its namespace; empty in a RoleBinding means the binding's own. */
  readonly namespace?: string
}

/** The user name a service account authenticates as: `system:serviceaccount:<namespace>:<name>`. */
export const serviceAccountUser = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`

export interface RoleRef {
  readonly kind: 'Role' | 'ClusterRole'
  readonly name: string
}

export interface ClusterRoleBinding {
  readonly name: string
  readonly roleRef: RoleRef & { readonly kind: 'ClusterRole' }
  readonly subjects: readonly Subject[]
}

export interface RoleBinding {
  readonly name: string
  readonly namespace: string
  readonly roleRef: RoleRef
  readonly subjects: readonly Subject[]
}

export interface Policy {
  readonly clusterRoles: readonly ClusterRole[]
  readonly roles: readonly Role[]
  readonly roleBindings: readonly RoleBinding[]
  readonly clusterRoleBindings: readonly ClusterRoleBinding[]
}

export interface UserInfo {
  readonly user: string
  readonly groups: readonly string[]
}

/** A request on an API resource: `GET /api/v1/namespaces/default/pods` is list pods in default. */
export interface ResourceRequest {
  readonly verb: string
  /** "" for the core group. */
  readonly apiGroup: string
  readonly apiVersion?: string
  /** Plural: "pods". */
  readonly resource: string
  readonly subresource?: string
  /** Absent or "" for cluster-scoped requests (and lists across all namespaces). */
  readonly namespace?: string
  readonly name?: string
}

/** A request outside the API resources: `GET /version`. */
export interface NonResourceRequest {
  readonly verb: string
  readonly path: string
}

export type RequestAttributes = ResourceRequest | NonResourceRequest

export type Decision =
  | { readonly allowed: true; readonly reason: string }
  | { readonly allowed: false; readonly reason: string; readonly message: string }

const isNonResource = (attrs: RequestAttributes): attrs is NonResourceRequest => 'path' in attrs

const rule = (r: Partial<PolicyRule> & { verbs: readonly string[] }): PolicyRule => ({
  apiGroups: [],
  resources: [],
  resourceNames: [],
  nonResourceURLs: [],
  ...r,
})

/** Built-in ClusterRoles, as in kube-apiserver's bootstrap policy (trimmed). */
export const BUILTIN_CLUSTER_ROLES: readonly ClusterRole[] = [
  {
    name: 'cluster-admin',
    rules: [
      rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }),
      rule({ verbs: ['*'], nonResourceURLs: ['*'] }),
    ],
  },
  {
    name: 'system:discovery',
    rules: [
      rule({
        verbs: ['get'],
        nonResourceURLs: [
          '/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz',
          '/openapi', '/openapi/*', '/version', '/version/',
        ],
      }),
    ],
  },
  {
    // Everyone may ask what they may do (`kubectl auth can-i`).
    name: 'system:basic-user',
    rules: [
      rule({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }),
      rule({ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }),
    ],
  },
]

export const BUILTIN_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  {
    name: 'system:discovery',
    roleRef: { kind: 'ClusterRole', name: 'system:discovery' },
    subjects: [{ kind: 'Group', name: AUTHENTICATED_GROUP }],
  },
  {
    name: 'system:basic-user',
    roleRef: { kind: 'ClusterRole', name: 'system:basic-user' },
    subjects: [{ kind: 'Group', name: AUTHENTICATED_GROUP }],
  },
]

/** The built-ins only: discovery for every authenticated user, everything for system:masters. */
export const defaultPolicy = (): Policy => ({
  clusterRoles: BUILTIN_CLUSTER_ROLES,
  roles: [],
  roleBindings: [],
  clusterRoleBindings: BUILTIN_CLUSTER_ROLE_BINDINGS,
})

// ---------------------------------------------------------------------------------------------
// Messages

/** kube-apiserver's forbiddenMessage (endpoints/handlers/responsewriters/errors.go). */
const userCannot = (user: UserInfo, attrs: RequestAttributes): string => {
  if (isNonResource(attrs)) return `User ${JSON.stringify(user.user)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource
  const base = `User ${JSON.stringify(user.user)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)}`
  return attrs.namespace ? `${base} in the namespace ${JSON.stringify(attrs.namespace)}` : `${base} at the cluster scope`
}

/** `group.Resource` as schema.GroupResource.String() prints it: `pods`, `deployments.apps`. */
const groupResource = (attrs: ResourceRequest): string => (attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource)

/**
 * The message of kube-apiserver's 403 (apierrors.NewForbidden):
 * `pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"`,
 * `pods "web" is forbidden: ...`, `forbidden: User "bob" cannot get path "/metrics"`.
 * A non-empty `reason` is appended after `: `, as kube-apiserver does.
 */
export function forbiddenMessage(user: UserInfo, attrs: RequestAttributes, reason = ''): string {
  const err = reason ? `${userCannot(user, attrs)}: ${reason}` : userCannot(user, attrs)
  if (isNonResource(attrs) || attrs.resource === '') return `forbidden: ${err}`
  const gr = groupResource(attrs)
  return attrs.name ? `${gr} ${JSON.stringify(attrs.name)} is forbidden: ${err}` : `${gr} is forbidden: ${err}`
}

export interface ForbiddenStatus {
  readonly kind: 'Status'
  readonly apiVersion: 'v1'
  readonly metadata: Record<string, never>
  readonly status: 'Failure'
  readonly message: string
  readonly reason: 'Forbidden'
  readonly details: { readonly name?: string; readonly group?: string; readonly kind?: string }
  readonly code: 403
}

/** The metav1.Status body of a 403, as kube-apiserver sends it. */
export function forbiddenStatus(user: UserInfo, attrs: RequestAttributes, reason = ''): ForbiddenStatus {
  const details: { name?: string; group?: string; kind?: string } = {}
  if (!isNonResource(attrs)) {
    if (attrs.name) details.name = attrs.name
    if (attrs.apiGroup) details.group = attrs.apiGroup
    if (attrs.resource) details.kind = attrs.resource
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: forbiddenMessage(user, attrs, reason),
    reason: 'Forbidden',
    details,
    code: 403,
  }
}

// ---------------------------------------------------------------------------------------------
// Matching (plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/apis/rbac/v1/evaluation_helpers.go)

const has = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value)

const resourceMatches = (r: PolicyRule, attrs: ResourceRequest): boolean => {
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource
  return r.resources.some(
    (res) =>
      res === '*' ||
      res === combined ||
      (attrs.subresource !== undefined && attrs.subresource !== '' && res === `*/${attrs.subresource}`),
  )
}

const nonResourceURLMatches = (r: PolicyRule, path: string): boolean =>
  r.nonResourceURLs.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))))

/** Whether one rule allows the request. */
export function ruleAllows(r: PolicyRule, attrs: RequestAttributes): boolean {
  if (!has(r.verbs, attrs.verb)) return false
  if (isNonResource(attrs)) return nonResourceURLMatches(r, attrs.path)
  if (r.resources.length === 0) return false
  if (!has(r.apiGroups, attrs.apiGroup)) return false
  if (!resourceMatches(r, attrs)) return false
  if (r.resourceNames.length === 0) return true
  return attrs.name !== undefined && attrs.name !== '' && r.resourceNames.includes(attrs.name)
}

/** rbac.go appliesToUser: a User by name, a Group by membership, a ServiceAccount by its user name. */
export const subjectApplies = (s: Subject, user: UserInfo, bindingNamespace: string): boolean => {
  if (s.kind === 'User') return s.name === user.user
  if (s.kind === 'Group') return user.groups.includes(s.name)
  const namespace = s.namespace || bindingNamespace
  return namespace !== '' && user.user === serviceAccountUser(namespace, s.name)
}

const subjectMatch = (subjects: readonly Subject[], user: UserInfo, bindingNamespace = ''): Subject | undefined =>
  subjects.find((s) => subjectApplies(s, user, bindingNamespace))

const describeSubject = (s: Subject): string =>
  s.kind === 'ServiceAccount' && s.namespace ? `${s.kind} ${JSON.stringify(`${s.namespace}/${s.name}`)}` : `${s.kind} ${JSON.stringify(s.name)}`

/** Decides a request. Pure: same policy, user and attributes give the same decision. */
export function authorize(policy: Policy, user: UserInfo, attrs: RequestAttributes): Decision {
  if (user.groups.includes(MASTERS_GROUP)) return { allowed: true, reason: `allowed: member of group "${MASTERS_GROUP}"` }

  const index = policyIndex(policy)
  const missing: string[] = []

  for (const b of policy.clusterRoleBindings) {
    const subject = subjectMatch(b.subjects, user)
    if (subject === undefined) continue
    const role = index.clusterRole(b.roleRef.name)
    if (role === undefined) {
      missing.push(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(b.roleRef.name)} not found`)
      continue
    }
    if (role.rules.some((r) => ruleAllows(r, attrs))) {
      return {
        allowed: true,
        reason: `RBAC: allowed by ClusterRoleBinding ${JSON.stringify(b.name)} of ClusterRole ${JSON.stringify(role.name)} to ${describeSubject(subject)}`,
      }
    }
  }

  const namespace = isNonResource(attrs) ? '' : attrs.namespace ?? ''
  if (namespace !== '') {
    for (const b of index.roleBindingsIn(namespace)) {
      const subject = subjectMatch(b.subjects, user, b.namespace)
      if (subject === undefined) continue
      const role = b.roleRef.kind === 'ClusterRole' ? index.clusterRole(b.roleRef.name) : index.role(b.namespace, b.roleRef.name)
      if (role === undefined) {
        missing.push(`${b.roleRef.kind.toLowerCase()}.rbac.authorization.k8s.io ${JSON.stringify(b.roleRef.name)} not found`)
        continue
      }
      if (role.rules.some((r) => ruleAllows(r, attrs))) {
        return {
          allowed: true,
          reason: `RBAC: allowed by RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(role.name)} to ${describeSubject(subject)}`,
        }
      }
    }
  }

  // As kube's RBAC authorizer: a plain denial has no reason (the 403 message ends at the request),
  // a binding to a missing role names it (`...: RBAC: role.rbac.authorization.k8s.io "r" not found`).
  const reason = missing.length > 0 ? `RBAC: ${missing.join(', ')}` : ''
  return { allowed: false, reason, message: forbiddenMessage(user, attrs) }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

export type ParseResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly errors: readonly FieldError[] }

/** `*`, `pods`, `pods/log`, or `*` + `/scale`; RBAC gives `*` no other meaning, so other uses are errors. */
const validResource = (r: string): boolean => {
  if (r === '*') return true
  const parts = r.split('/')
  const [res = '', sub] = parts
  if (parts.length > 2 || res === '' || sub === '' || sub?.includes('*')) return false
  return sub === undefined ? !res.includes('*') : res === '*' || !res.includes('*')
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

class Validator {
  readonly errors: FieldError[] = []

  /** `anyVerb`: any verb string is accepted (API objects: Kubernetes allows custom verbs such as impersonate, bind, escalate). */
  readonly anyVerb: boolean

  constructor(anyVerb = false) {
    this.anyVerb = anyVerb
  }

  unknownFields(obj: Record<string, unknown>, path: FieldPath | undefined, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.errors.push(forbidden(path ? path.child(key) : FieldPath.root(key), 'unknown field'))
    }
  }

  record(v: unknown, path: FieldPath): Record<string, unknown> | undefined {
    if (isRecord(v)) return v
    this.errors.push(typeInvalid(path, v, 'must be an object'))
    return undefined
  }

  name(v: unknown, path: FieldPath): string | undefined {
    if (v === undefined || v === null || v === '') {
      this.errors.push(required(path))
      return undefined
    }
    if (typeof v !== 'string') {
      this.errors.push(typeInvalid(path, v, 'must be a string'))
      return undefined
    }
    if (/\s/.test(v)) {
      this.errors.push(invalid(path, v, 'must not contain whitespace'))
      return undefined
    }
    return v
  }

  /** An optional list of strings (`""` allowed, e.g. the core API group). */
  strings(v: unknown, path: FieldPath): string[] {
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      this.errors.push(typeInvalid(path, v, 'must be a list of strings'))
      return []
    }
    const out: string[] = []
    v.forEach((item, i) => {
      if (typeof item !== 'string') this.errors.push(typeInvalid(path.index(i), item, 'must be a string'))
      else out.push(item)
    })
    return out
  }

  list(v: unknown, path: FieldPath): unknown[] {
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      this.errors.push(typeInvalid(path, v, 'must be a list'))
      return []
    }
    return v
  }

  rule(v: unknown, path: FieldPath, clusterScoped: boolean): PolicyRule | undefined {
    const obj = this.record(v, path)
    if (obj === undefined) return undefined
    this.unknownFields(obj, path, ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'])
    const verbs = this.strings(obj.verbs, path.child('verbs'))
    const apiGroups = this.strings(obj.apiGroups, path.child('apiGroups'))
    const resources = this.strings(obj.resources, path.child('resources'))
    const resourceNames = this.strings(obj.resourceNames, path.child('resourceNames'))
    const nonResourceURLs = this.strings(obj.nonResourceURLs, path.child('nonResourceURLs'))
    const before = this.errors.length

    if (verbs.length === 0) this.errors.push(required(path.child('verbs'), 'verbs must contain at least one value'))
    const allowedVerbs: readonly string[] = nonResourceURLs.length > 0 ? NON_RESOURCE_VERBS : VERBS
    verbs.forEach((verb, i) => {
      if (!this.anyVerb && verb !== '*' && !allowedVerbs.includes(verb)) {
        this.errors.push(notSupported(path.child('verbs').index(i), verb, [...allowedVerbs, '*']))
      }
    })
    if (nonResourceURLs.length > 0) {
      if (!clusterScoped) {
        this.errors.push(invalid(path.child('nonResourceURLs'), nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'))
      }
      if (resources.length > 0 || apiGroups.length > 0 || resourceNames.length > 0) {
        this.errors.push(invalid(path.child('nonResourceURLs'), nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'))
      }
      nonResourceURLs.forEach((u, i) => {
        if (u !== '*' && !u.startsWith('/')) this.errors.push(invalid(path.child('nonResourceURLs').index(i), u, 'must start with "/" or be "*"'))
        if (u.indexOf('*') !== -1 && u.indexOf('*') !== u.length - 1) {
          this.errors.push(invalid(path.child('nonResourceURLs').index(i), u, '"*" is only allowed at the end'))
        }
      })
    } else {
      if (resources.length === 0) {
        this.errors.push(required(path.child('resources'), 'resource rules must supply at least one resource (or use nonResourceURLs)'))
      }
      if (apiGroups.length === 0) {
        this.errors.push(required(path.child('apiGroups'), 'resource rules must supply at least one api group'))
      }
      resources.forEach((r, i) => {
        if (!validResource(r)) {
          this.errors.push(invalid(path.child('resources').index(i), r, 'must be "*", "resource", "resource/subresource" or "*/subresource"'))
        }
      })
    }
    if (this.errors.length > before) return undefined
    return { verbs, apiGroups, resources, resourceNames, nonResourceURLs }
  }

  rules(v: unknown, path: FieldPath, clusterScoped: boolean): PolicyRule[] {
    const out: PolicyRule[] = []
    this.list(v, path).forEach((item, i) => {
      const r = this.rule(item, path.index(i), clusterScoped)
      if (r) out.push(r)
    })
    return out
  }

  /** `namespaced`: a RoleBinding's, whose ServiceAccount subjects may leave out their namespace (the binding's). */
  subjects(v: unknown, path: FieldPath, namespaced: boolean): Subject[] {
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) {
      this.errors.push(required(path, 'at least one subject'))
      return []
    }
    const out: Subject[] = []
    this.list(v, path).forEach((item, i) => {
      const p = path.index(i)
      const obj = this.record(item, p)
      if (obj === undefined) return
      this.unknownFields(obj, p, obj.kind === 'ServiceAccount' ? ['kind', 'name', 'namespace'] : ['kind', 'name'])
      const name = this.name(obj.name, p.child('name'))
      if (obj.kind === 'ServiceAccount') {
        const namespace = obj.namespace === undefined && namespaced ? '' : this.name(obj.namespace, p.child('namespace'))
        if (name !== undefined && namespace !== undefined) out.push({ kind: 'ServiceAccount', name, namespace })
        return
      }
      if (obj.kind !== 'User' && obj.kind !== 'Group') {
        if (obj.kind === undefined) this.errors.push(required(p.child('kind')))
        else this.errors.push(notSupported(p.child('kind'), obj.kind, ['User', 'Group', 'ServiceAccount']))
        return
      }
      if (name !== undefined) out.push({ kind: obj.kind, name })
    })
    return out
  }

  roleRef(v: unknown, path: FieldPath, allowRole: boolean): RoleRef | undefined {
    if (v === undefined || v === null) {
      this.errors.push(required(path))
      return undefined
    }
    const obj = this.record(v, path)
    if (obj === undefined) return undefined
    this.unknownFields(obj, path, ['kind', 'name'])
    const name = this.name(obj.name, path.child('name'))
    const kinds = allowRole ? ['Role', 'ClusterRole'] : ['ClusterRole']
    if (typeof obj.kind !== 'string' || !kinds.includes(obj.kind)) {
      if (obj.kind === undefined) this.errors.push(required(path.child('kind')))
      else this.errors.push(notSupported(path.child('kind'), obj.kind, kinds))
      return undefined
    }
    return name === undefined ? undefined : { kind: obj.kind as RoleRef['kind'], name }
  }
}

/**
 * ValidatePolicyRule over a Role's or ClusterRole's `rules` (any verb allowed, as Kubernetes does):
 * `rules[0].apiGroups: Required value: resource rules must supply at least one api group`.
 */
export function ruleListErrors(rules: unknown, path: FieldPath, clusterScoped: boolean): FieldError[] {
  const v = new Validator(true)
  v.rules(rules, path, clusterScoped)
  return v.errors
}

/**
 * Validates a parsed policy document (the YAML already parsed to plain data). Errors name the
 * field: `roleBindings[0].roleRef.kind: Unsupported value: "Rol": supported values: "Role", "ClusterRole"`.
 * An empty document (null) is the default policy. Built-ins are always included.
 */
export function parsePolicy(doc: unknown): ParseResult {
  const v = new Validator()
  if (doc === null || doc === undefined) return { ok: true, policy: defaultPolicy() }
  if (!isRecord(doc)) {
    return { ok: false, errors: [typeInvalid(FieldPath.root('<root>'), doc, 'the policy must be a mapping')] }
  }
  v.unknownFields(doc, undefined, ['apiVersion', 'kind', 'clusterRoles', 'roles', 'roleBindings', 'clusterRoleBindings'])
  if (doc.apiVersion !== undefined && doc.apiVersion !== POLICY_API_VERSION) {
    v.errors.push(notSupported(FieldPath.root('apiVersion'), doc.apiVersion, [POLICY_API_VERSION]))
  }
  if (doc.kind !== undefined && doc.kind !== POLICY_KIND) {
    v.errors.push(notSupported(FieldPath.root('kind'), doc.kind, [POLICY_KIND]))
  }

  const clusterRoles: ClusterRole[] = [...BUILTIN_CLUSTER_ROLES]
  const crPath = FieldPath.root('clusterRoles')
  v.list(doc.clusterRoles, crPath).forEach((item, i) => {
    const p = crPath.index(i)
    const obj = v.record(item, p)
    if (obj === undefined) return
    v.unknownFields(obj, p, ['name', 'rules'])
    const name = v.name(obj.name, p.child('name'))
    const rules = v.rules(obj.rules, p.child('rules'), true)
    if (name === undefined) return
    if (clusterRoles.some((r) => r.name === name)) v.errors.push(duplicate(p.child('name'), name))
    else clusterRoles.push({ name, rules })
  })

  const roles: Role[] = []
  const rPath = FieldPath.root('roles')
  v.list(doc.roles, rPath).forEach((item, i) => {
    const p = rPath.index(i)
    const obj = v.record(item, p)
    if (obj === undefined) return
    v.unknownFields(obj, p, ['name', 'namespace', 'rules'])
    const name = v.name(obj.name, p.child('name'))
    const namespace = v.name(obj.namespace, p.child('namespace'))
    const rules = v.rules(obj.rules, p.child('rules'), false)
    if (name === undefined || namespace === undefined) return
    if (roles.some((r) => r.name === name && r.namespace === namespace)) v.errors.push(duplicate(p.child('name'), name))
    else roles.push({ name, namespace, rules })
  })

  const clusterRoleBindings: ClusterRoleBinding[] = [...BUILTIN_CLUSTER_ROLE_BINDINGS]
  const crbPath = FieldPath.root('clusterRoleBindings')
  v.list(doc.clusterRoleBindings, crbPath).forEach((item, i) => {
    const p = crbPath.index(i)
    const obj = v.record(item, p)
    if (obj === undefined) return
    v.unknownFields(obj, p, ['name', 'roleRef', 'subjects'])
    const name = v.name(obj.name, p.child('name'))
    const roleRef = v.roleRef(obj.roleRef, p.child('roleRef'), false)
    const subjects = v.subjects(obj.subjects, p.child('subjects'), false)
    if (roleRef !== undefined && !clusterRoles.some((r) => r.name === roleRef.name)) {
      v.errors.push(invalid(p.child('roleRef').child('name'), roleRef.name, 'no such ClusterRole'))
    }
    if (name === undefined || roleRef === undefined) return
    if (clusterRoleBindings.some((b) => b.name === name)) v.errors.push(duplicate(p.child('name'), name))
    else clusterRoleBindings.push({ name, roleRef: { kind: 'ClusterRole', name: roleRef.name }, subjects })
  })

  const roleBindings: RoleBinding[] = []
  const rbPath = FieldPath.root('roleBindings')
  v.list(doc.roleBindings, rbPath).forEach((item, i) => {
    const p = rbPath.index(i)
    const obj = v.record(item, p)
    if (obj === undefined) return
    v.unknownFields(obj, p, ['name', 'namespace', 'roleRef', 'subjects'])
    const name = v.name(obj.name, p.child('name'))
    const namespace = v.name(obj.namespace, p.child('namespace'))
    const roleRef = v.roleRef(obj.roleRef, p.child('roleRef'), true)
    const subjects = v.subjects(obj.subjects, p.child('subjects'), true)
    if (roleRef !== undefined && namespace !== undefined) {
      const exists =
        roleRef.kind === 'ClusterRole'
          ? clusterRoles.some((r) => r.name === roleRef.name)
          : roles.some((r) => r.name === roleRef.name && r.namespace === namespace)
      if (!exists) {
        const where = roleRef.kind === 'Role' ? ` in namespace ${JSON.stringify(namespace)}` : ''
        v.errors.push(invalid(p.child('roleRef').child('name'), roleRef.name, `no such ${roleRef.kind}${where}`))
      }
    }
    if (name === undefined || namespace === undefined || roleRef === undefined) return
    if (roleBindings.some((b) => b.name === name && b.namespace === namespace)) v.errors.push(duplicate(p.child('name'), name))
    else roleBindings.push({ name, namespace, roleRef, subjects })
  })

  if (v.errors.length > 0) return { ok: false, errors: v.errors }
  return { ok: true, policy: { clusterRoles, roles, roleBindings, clusterRoleBindings } }
}

/** One line per error: `field: message`. */
export const formatPolicyErrors = (errors: readonly FieldError[]): string =>
  errors.map((e) => `${e.field}: ${e.message}`).join('\n')
