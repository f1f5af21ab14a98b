import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  authorize,
  defaultPolicy,
  forbiddenMessage,
  forbiddenStatus,
  parsePolicy,
  ruleAllows,
  type Policy,
  type PolicyRule,
} from '../../../actors/apiserver/authz/policy.ts'
import { loadPolicyFile, parsePolicyYaml } from '../../../runtime/apiserver/security/policy-file.ts'

const bob = { user: 'bob', groups: ['devs', 'system:authenticated'] }
const admin = { user: 'admin', groups: ['system:masters', 'system:authenticated'] }
const anyone = { user: 'eve', groups: ['system:authenticated'] }

const yaml = `
apiVersion: actorkube.io/v1alpha1
kind: AuthorizationPolicy
clusterRoles:
  - name: node-reader
    rules:
      - verbs: [get, list, watch]
        apiGroups: [""]
        resources: [nodes]
      - verbs: [get]
        nonResourceURLs: ["/metrics*"]
  - name: scaler
    rules:
      - verbs: [get, update, patch]
        apiGroups: ["apps"]
        resources: ["*/scale"]
roles:
  - name: pod-reader
    namespace: default
    rules:
      - verbs: [get, list, watch]
        apiGroups: [""]
        resources: [pods, pods/log]
  - name: one-config
    namespace: default
    rules:
      - verbs: [get, update]
        apiGroups: [""]
        resources: [configmaps]
        resourceNames: [settings]
roleBindings:
  - name: devs-read-pods
    namespace: default
    roleRef: {kind: Role, name: pod-reader}
    subjects: [{kind: Group, name: devs}]
  - name: bob-settings
    namespace: default
    roleRef: {kind: Role, name: one-config}
    subjects: [{kind: User, name: bob}]
  - name: bob-scales-in-team
    namespace: team
    roleRef: {kind: ClusterRole, name: scaler}
    subjects: [{kind: User, name: bob}]
clusterRoleBindings:
  - name: ops-nodes
    roleRef: {kind: ClusterRole, name: node-reader}
    subjects: [{kind: Group, name: ops}]
`
const policy: Policy = parsePolicyYaml(yaml, 'test')

t.test('system:masters may do everything, even with no policy at all', async (t) => {
  const empty: Policy = { clusterRoles: [], roles: [], roleBindings: [], clusterRoleBindings: [] }
  for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']) {
    t.match(authorize(empty, admin, { verb, apiGroup: 'apps', resource: 'deployments', namespace: 'x' }), { allowed: true, reason: /system:masters/ })
  }
  t.equal(authorize(empty, admin, { verb: 'get', path: '/anything' }).allowed, true)
})

t.test('RoleBinding of a Role: only in its namespace, only its verbs and resources', async (t) => {
  const d = authorize(policy, bob, { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'default' })
  t.same(d, { allowed: true, reason: 'RBAC: allowed by RoleBinding "devs-read-pods/default" of Role "pod-reader" to Group "devs"' })
  t.equal(authorize(policy, bob, { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: 'default', name: 'web' }).allowed, true)
  t.equal(authorize(policy, bob, { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' }).allowed, false)
  t.equal(authorize(policy, bob, { verb: 'delete', apiGroup: '', resource: 'pods', namespace: 'default', name: 'web' }).allowed, false)
  t.equal(authorize(policy, bob, { verb: 'list', apiGroup: 'apps', resource: 'pods', namespace: 'default' }).allowed, false, 'wrong group')
  t.equal(authorize(policy, bob, { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'other' }).allowed, false, 'other namespace')
  t.equal(authorize(policy, bob, { verb: 'list', apiGroup: '', resource: 'pods' }).allowed, false, 'all namespaces')
  t.equal(authorize(policy, anyone, { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'default' }).allowed, false, 'not in devs')
})

t.test('resourceNames restrict to named objects (a list has no name)', async (t) => {
  t.equal(authorize(policy, bob, { verb: 'get', apiGroup: '', resource: 'configmaps', namespace: 'default', name: 'settings' }).allowed, true)
  t.equal(authorize(policy, bob, { verb: 'get', apiGroup: '', resource: 'configmaps', namespace: 'default', name: 'other' }).allowed, false)
  t.equal(authorize(policy, bob, { verb: 'list', apiGroup: '', resource: 'configmaps', namespace: 'default' }).allowed, false)
})

t.test('RoleBinding of a ClusterRole grants it in one namespace; "*/scale" matches any scale', async (t) => {
  const scale = { verb: 'patch', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'team', name: 'web' }
  t.match(authorize(policy, bob, scale), { allowed: true, reason: /RoleBinding "bob-scales-in-team\/team" of ClusterRole "scaler"/ })
  t.equal(authorize(policy, bob, { ...scale, namespace: 'default' }).allowed, false)
  t.equal(authorize(policy, bob, { ...scale, subresource: undefined }).allowed, false, 'not the deployment itself')
})

t.test('ClusterRoleBinding: cluster-scoped resources, every namespace, non-resource URLs', async (t) => {
  const ops = { user: 'olga', groups: ['ops'] }
  t.match(authorize(policy, ops, { verb: 'list', apiGroup: '', resource: 'nodes' }), { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "ops-nodes" of ClusterRole "node-reader" to Group "ops"' })
  t.equal(authorize(policy, ops, { verb: 'delete', apiGroup: '', resource: 'nodes', name: 'n1' }).allowed, false)
  t.equal(authorize(policy, ops, { verb: 'get', path: '/metrics' }).allowed, true)
  t.equal(authorize(policy, ops, { verb: 'get', path: '/metrics/cadvisor' }).allowed, true, 'trailing * is a prefix')
  t.equal(authorize(policy, ops, { verb: 'post', path: '/metrics' }).allowed, false)
})

t.test('built-in discovery for every authenticated user', async (t) => {
  for (const path of ['/version', '/api', '/api/v1', '/apis', '/apis/apps/v1', '/openapi/v3', '/healthz']) {
    t.match(authorize(defaultPolicy(), anyone, { verb: 'get', path }), { allowed: true, reason: /system:discovery/ }, path)
  }
  t.equal(authorize(defaultPolicy(), { user: 'x', groups: [] }, { verb: 'get', path: '/version' }).allowed, false, 'not authenticated')
  t.equal(authorize(defaultPolicy(), anyone, { verb: 'get', path: '/metrics' }).allowed, false)
  t.equal(authorize(defaultPolicy(), anyone, { verb: 'get', apiGroup: '', resource: 'api' }).allowed, false, 'non-resource rules never match resources')
})

t.test('cluster-admin bound by a ClusterRoleBinding allows everything', async (t) => {
  const p = parsePolicyYaml('clusterRoleBindings: [{name: root, roleRef: {kind: ClusterRole, name: cluster-admin}, subjects: [{kind: User, name: root}]}]')
  const root = { user: 'root', groups: [] }
  t.equal(authorize(p, root, { verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments', namespace: 'x' }).allowed, true)
  t.equal(authorize(p, root, { verb: 'get', path: '/debug/pprof' }).allowed, true)
})

t.test('denials carry the exact kube-apiserver forbidden messages', async (t) => {
  const d = authorize(policy, { user: 'bob', groups: [] }, { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'default' })
  t.same(d, {
    allowed: false,
    reason: '',
    message: 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"',
  })
  t.equal(
    forbiddenMessage(bob, { verb: 'list', apiGroup: '', resource: 'nodes' }),
    'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope',
  )
  t.equal(
    forbiddenMessage(bob, { verb: 'get', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'team', name: 'web' }),
    'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments/scale" in API group "apps" in the namespace "team"',
  )
  t.equal(forbiddenMessage(bob, { verb: 'get', path: '/metrics' }), 'forbidden: User "bob" cannot get path "/metrics"')
  t.equal(
    forbiddenMessage(bob, { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'x' }, 'RBAC: role "r" not found'),
    'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "x": RBAC: role "r" not found',
  )
  t.same(forbiddenStatus(bob, { verb: 'delete', apiGroup: 'apps', resource: 'deployments', namespace: 'team', name: 'web' }), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "web" is forbidden: User "bob" cannot delete resource "deployments" in API group "apps" in the namespace "team"',
    reason: 'Forbidden',
    details: { name: 'web', group: 'apps', kind: 'deployments' },
    code: 403,
  })
  t.same(forbiddenStatus(bob, { verb: 'get', path: '/x' }).details, {})
})

t.test('a dangling reference (hand-built policy) is a denial with an RBAC reason', async (t) => {
  const p: Policy = {
    clusterRoles: [],
    roles: [],
    roleBindings: [{ name: 'b', namespace: 'default', roleRef: { kind: 'Role', name: 'gone' }, subjects: [{ kind: 'User', name: 'bob' }] }],
    clusterRoleBindings: [{ name: 'c', roleRef: { kind: 'ClusterRole', name: 'gone2' }, subjects: [{ kind: 'User', name: 'bob' }] }],
  }
  t.match(authorize(p, bob, { verb: 'get', apiGroup: '', resource: 'pods', namespace: 'default', name: 'x' }), {
    allowed: false,
    reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone2" not found, role.rbac.authorization.k8s.io "gone" not found',
  })
})

t.test('ruleAllows: wildcards', async (t) => {
  const r = (x: Partial<PolicyRule>): PolicyRule => ({ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [], nonResourceURLs: [], ...x })
  t.equal(ruleAllows(r({}), { verb: 'watch', apiGroup: 'x', resource: 'y', subresource: 'z' }), true)
  t.equal(ruleAllows(r({ resources: ['pods'] }), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' }), false)
  t.equal(ruleAllows(r({ resources: [] }), { verb: 'get', apiGroup: '', resource: 'pods' }), false)
  t.equal(ruleAllows(r({ nonResourceURLs: ['*'] }), { verb: 'get', path: '/any' }), true)
})

const errorsOf = (doc: unknown): string[] => {
  const r = parsePolicy(doc)
  return r.ok ? [] : r.errors.map((e) => `${e.field}: ${e.message}`)
}

t.test('validation errors name the field', async (t) => {
  t.same(errorsOf({ rolez: [] }), ['rolez: Forbidden: unknown field'])
  t.same(errorsOf({ apiVersion: 'v1' }), ['apiVersion: Unsupported value: "v1": supported values: "actorkube.io/v1alpha1"'])
  t.same(errorsOf({ kind: 'Policy' }), ['kind: Unsupported value: "Policy": supported values: "AuthorizationPolicy"'])
  t.same(errorsOf('text'), ['<root>: Invalid value: "text": the policy must be a mapping'])
  t.same(errorsOf({ roles: {} }), ['roles: Invalid value: {}: must be a list'])
  t.same(errorsOf({ roles: [{ namespace: 'd', rules: [] }] }), ['roles[0].name: Required value'])
  t.same(errorsOf({ roles: [{ name: 'r', rules: [] }] }), ['roles[0].namespace: Required value'])
  t.same(errorsOf({ roles: [{ name: 'a b', namespace: 'd' }] }), ['roles[0].name: Invalid value: "a b": must not contain whitespace'])
  t.same(errorsOf({ roles: [{ name: 7, namespace: 'd' }] }), ['roles[0].name: Invalid value: 7: must be a string'])
  t.same(errorsOf({ roles: [{ name: 'r', namespace: 'd', rules: [{ verbs: ['get', 'escalate'], apiGroups: [''], resources: ['pods'], extra: 1 }] }] }), [
    'roles[0].rules[0].extra: Forbidden: unknown field',
    'roles[0].rules[0].verbs[1]: Unsupported value: "escalate": supported values: "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"',
  ])
  t.same(errorsOf({ roles: [{ name: 'r', namespace: 'd', rules: [{ apiGroups: [''], resources: ['pods'] }] }] }), [
    'roles[0].rules[0].verbs: Required value: verbs must contain at least one value',
  ])
  t.same(errorsOf({ clusterRoles: [{ name: 'c', rules: [{ verbs: ['get'], resources: ['pods'] }] }] }), [
    'clusterRoles[0].rules[0].apiGroups: Required value: resource rules must supply at least one api group',
  ])
  t.same(errorsOf({ clusterRoles: [{ name: 'c', rules: [{ verbs: ['get'], apiGroups: [''] }] }] }), [
    'clusterRoles[0].rules[0].resources: Required value: resource rules must supply at least one resource (or use nonResourceURLs)',
  ])
  t.same(errorsOf({ clusterRoles: [{ name: 'c', rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods/*', 'a/b/c', '*/scale', 'x*'] }] }] }), [
    'clusterRoles[0].rules[0].resources[0]: Invalid value: "pods/*": must be "*", "resource", "resource/subresource" or "*/subresource"',
    'clusterRoles[0].rules[0].resources[1]: Invalid value: "a/b/c": must be "*", "resource", "resource/subresource" or "*/subresource"',
    'clusterRoles[0].rules[0].resources[3]: Invalid value: "x*": must be "*", "resource", "resource/subresource" or "*/subresource"',
  ])
  t.same(errorsOf({ clusterRoles: [{ name: 'c', rules: [{ verbs: ['get'], apiGroups: [''], resources: [3] }] }] }), [
    'clusterRoles[0].rules[0].resources[0]: Invalid value: 3: must be a string',
    'clusterRoles[0].rules[0].resources: Required value: resource rules must supply at least one resource (or use nonResourceURLs)',
  ])
  t.same(errorsOf({ roles: [{ name: 'r', namespace: 'd', rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }] }), [
    'roles[0].rules[0].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs',
  ])
  t.same(errorsOf({ clusterRoles: [{ name: 'c', rules: [{ verbs: ['post'], nonResourceURLs: ['x', '/a*b'], resources: ['pods'] }] }] }), [
    'clusterRoles[0].rules[0].nonResourceURLs: Invalid value: ["x","/a*b"]: rules cannot apply to both regular resources and non-resource URLs',
    'clusterRoles[0].rules[0].nonResourceURLs[0]: Invalid value: "x": must start with "/" or be "*"',
    'clusterRoles[0].rules[0].nonResourceURLs[1]: Invalid value: "/a*b": "*" is only allowed at the end',
  ])
  t.same(errorsOf({ clusterRoles: [{ name: 'cluster-admin', rules: [] }] }), ['clusterRoles[0].name: Duplicate value: "cluster-admin"'])
  t.same(errorsOf({ roles: [{ name: 'r', namespace: 'd' }, { name: 'r', namespace: 'd' }, { name: 'r', namespace: 'e' }] }), ['roles[1].name: Duplicate value: "r"'])
})

t.test('binding validation: roleRef, subjects, references', async (t) => {
  const sub = [{ kind: 'User', name: 'bob' }]
  t.same(errorsOf({ roleBindings: [{ name: 'b', namespace: 'd', roleRef: { kind: 'Rol', name: 'r' }, subjects: sub }] }), [
    'roleBindings[0].roleRef.kind: Unsupported value: "Rol": supported values: "Role", "ClusterRole"',
  ])
  t.same(errorsOf({ roleBindings: [{ name: 'b', namespace: 'd', roleRef: { kind: 'Role', name: 'r' }, subjects: sub }] }), [
    'roleBindings[0].roleRef.name: Invalid value: "r": no such Role in namespace "d"',
  ])
  t.same(errorsOf({ roleBindings: [{ name: 'b', namespace: 'd', roleRef: { kind: 'ClusterRole', name: 'nope' }, subjects: sub }] }), [
    'roleBindings[0].roleRef.name: Invalid value: "nope": no such ClusterRole',
  ])
  t.same(errorsOf({ roleBindings: [{ name: 'b', namespace: 'd', subjects: sub }] }), ['roleBindings[0].roleRef: Required value'])
  t.same(errorsOf({ roleBindings: [{ name: 'b', namespace: 'd', roleRef: { name: 'view' }, subjects: sub }] }), ['roleBindings[0].roleRef.kind: Required value'])
  t.same(errorsOf({ clusterRoleBindings: [{ name: 'b', roleRef: { kind: 'Role', name: 'r' }, subjects: sub }] }), [
    'clusterRoleBindings[0].roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
  ])
  t.same(errorsOf({ clusterRoleBindings: [{ name: 'b', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } }] }), [
    'clusterRoleBindings[0].subjects: Required value: at least one subject',
  ])
  t.same(errorsOf({ clusterRoleBindings: [{ name: 'b', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'x' }, { name: 'y' }, 'z', { kind: 'Robot', name: 'r' }] }] }), [
    'clusterRoleBindings[0].subjects[0].namespace: Required value',
    'clusterRoleBindings[0].subjects[1].kind: Required value',
    'clusterRoleBindings[0].subjects[2]: Invalid value: "z": must be an object',
    'clusterRoleBindings[0].subjects[3].kind: Unsupported value: "Robot": supported values: "User", "Group", "ServiceAccount"',
  ])
  // A ServiceAccount subject: its namespace required cluster-wide, the binding's inside a RoleBinding.
  const fromFile = parsePolicy({
    clusterRoleBindings: [{ name: 'ci', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }] }],
    roleBindings: [{ name: 'robot', namespace: 'dev', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] }],
  })
  t.ok(fromFile.ok)
  if (fromFile.ok) {
    const sa = (ns: string, name: string) => ({ user: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', 'system:authenticated'] })
    t.equal(authorize(fromFile.policy, sa('ci', 'deployer'), { verb: 'delete', apiGroup: '', resource: 'nodes', name: 'n' }).allowed, true)
    t.equal(authorize(fromFile.policy, sa('dev', 'robot'), { verb: 'delete', apiGroup: '', resource: 'pods', namespace: 'dev', name: 'p' }).allowed, true)
    t.equal(authorize(fromFile.policy, sa('prod', 'robot'), { verb: 'delete', apiGroup: '', resource: 'pods', namespace: 'dev', name: 'p' }).allowed, false)
  }
  t.same(errorsOf({ clusterRoleBindings: [{ name: 'system:discovery', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: sub }] }), [
    'clusterRoleBindings[0].name: Duplicate value: "system:discovery"',
  ])
  t.same(errorsOf({ roleBindings: [{ name: 'b', namespace: 'd', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: sub }, { name: 'b', namespace: 'd', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: sub }] }), [
    'roleBindings[1].name: Duplicate value: "b"',
  ])
})

t.test('an empty document is the default policy; the YAML loader names the file', async (t) => {
  t.same(parsePolicy(null), { ok: true, policy: defaultPolicy() })
  t.same(parsePolicyYaml(''), defaultPolicy())
  t.throws(() => parsePolicyYaml('roles: [', 'p.yaml'), { name: 'PolicyFileError', message: /^p\.yaml: invalid YAML: / })
  t.throws(() => parsePolicyYaml('roles: [{name: r}]\nkind: X', 'p.yaml'), {
    message: 'p.yaml: kind: Unsupported value: "X": supported values: "AuthorizationPolicy"\np.yaml: roles[0].namespace: Required value',
  })
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-policy-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'policy.yaml'), yaml)
  t.same(await loadPolicyFile(join(dir, 'policy.yaml')), policy)
  t.same(await loadPolicyFile(join(dir, 'missing.yaml'), { optional: true }), defaultPolicy())
  await t.rejects(loadPolicyFile(join(dir, 'missing.yaml')), { code: 'ENOENT' })
})
