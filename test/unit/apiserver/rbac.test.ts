/**
 * RBAC decisions over API objects (authz/rbac.ts joined with the bootstrap policy, decided by
 * policy.ts's authorize): a table of users, requests and the expected answer, as Kubernetes'
 * rbac_test.go tables them; the rules a user holds (SelfSubjectRulesReview); the index that
 * keeps the objects from a list and watch events.
 */
import t from 'tap'
import { DEFAULT_CLUSTER_ROLE_BINDINGS, DEFAULT_CLUSTER_ROLES } from '../../../actors/apiserver/authz/default-roles.ts'
import { authorize, defaultPolicy, type RequestAttributes, type UserInfo } from '../../../actors/apiserver/authz/policy.ts'
import { RbacIndex } from '../../../actors/apiserver/authz/rbac-index.ts'
import { policyWithObjects, rulesFor, type RbacObjects } from '../../../actors/apiserver/authz/rbac.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'

const RBAC = 'rbac.authorization.k8s.io'
const role = (namespace: string, name: string, rules: unknown[]): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { namespace, name }, rules })
const clusterRole = (name: string, rules: unknown[]): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules })
const binding = (namespace: string, name: string, roleRef: { kind: string; name: string }, subjects: unknown[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { namespace, name },
  roleRef: { apiGroup: RBAC, ...roleRef },
  subjects,
})
const clusterBinding = (name: string, roleName: string, subjects: unknown[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
  subjects,
})
const user = (name: string) => ({ kind: 'User', apiGroup: RBAC, name })
const group = (name: string) => ({ kind: 'Group', apiGroup: RBAC, name })
const sa = (name: string, namespace?: string) => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) })

const objects: RbacObjects = {
  roles: [
    role('dev', 'pod-reader', [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }]),
    role('dev', 'one-config', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get', 'update'] }]),
    role('prod', 'pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
  ],
  clusterRoles: [
    ...DEFAULT_CLUSTER_ROLES,
    clusterRole('node-reader', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }]),
    clusterRole('impersonator', [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }]),
    clusterRole('scaler', [{ apiGroups: ['*'], resources: ['*/scale'], verbs: ['update', 'patch'] }]),
    // An object may not redefine the bootstrap's built-ins: this one would open everything to anyone.
    clusterRole('system:discovery', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
  ],
  roleBindings: [
    binding('dev', 'alice-reads', { kind: 'Role', name: 'pod-reader' }, [user('alice')]),
    binding('dev', 'alice-settings', { kind: 'Role', name: 'one-config' }, [user('alice')]),
    binding('dev', 'devs-edit', { kind: 'ClusterRole', name: 'edit' }, [group('devs')]),
    binding('dev', 'robot-view', { kind: 'ClusterRole', name: 'view' }, [sa('robot')]),
    binding('prod', 'ci-reads', { kind: 'Role', name: 'pod-reader' }, [sa('ci', 'tools')]),
    binding('dev', 'dangling', { kind: 'Role', name: 'gone' }, [user('carol')]),
  ],
  clusterRoleBindings: [
    ...DEFAULT_CLUSTER_ROLE_BINDINGS,
    clusterBinding('ops-nodes', 'node-reader', [group('ops')]),
    clusterBinding('bob-impersonates', 'impersonator', [user('bob')]),
    clusterBinding('scalers', 'scaler', [group('scalers')]),
    clusterBinding('sysdisc', 'system:discovery', [user('mallory')]),
  ],
}

const policy = policyWithObjects(defaultPolicy(), objects)
const u = (name: string, ...groups: string[]): UserInfo => ({ user: name, groups: [...groups, 'system:authenticated'] })
const res = (verb: string, resource: string, namespace?: string, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  verb,
  apiGroup: '',
  resource,
  ...(namespace ? { namespace } : {}),
  ...extra,
} as RequestAttributes)

const cases: [string, UserInfo, RequestAttributes, boolean][] = [
  ['a Role grants in its namespace', u('alice'), res('list', 'pods', 'dev'), true],
  ['a Role grants its subresources named', u('alice'), res('get', 'pods', 'dev', { subresource: 'log', name: 'web' }), true],
  ['a Role grants only its subresources named', u('alice'), res('create', 'pods', 'dev', { subresource: 'exec', name: 'web' }), false],
  ['a Role grants only its verbs', u('alice'), res('delete', 'pods', 'dev', { name: 'web' }), false],
  ['a Role grants nothing in another namespace', u('alice'), res('list', 'pods', 'prod'), false],
  ['a RoleBinding grants nothing cluster-wide', u('alice'), res('list', 'pods'), false],
  ['resourceNames: the named object', u('alice'), res('update', 'configmaps', 'dev', { name: 'settings' }), true],
  ['resourceNames: another object', u('alice'), res('update', 'configmaps', 'dev', { name: 'other' }), false],
  ['resourceNames: never a list', u('alice'), res('list', 'configmaps', 'dev'), false],
  ['a RoleBinding to a ClusterRole grants it in the namespace (edit)', u('dan', 'devs'), res('create', 'deployments', 'dev', { apiGroup: 'apps' }), true],
  ['... only there', u('dan', 'devs'), res('create', 'deployments', 'prod', { apiGroup: 'apps' }), false],
  ['edit holds no RBAC writes', u('dan', 'devs'), res('create', 'roles', 'dev', { apiGroup: RBAC }), false],
  ['edit reads secrets, view does not', u('dan', 'devs'), res('get', 'secrets', 'dev', { name: 's' }), true],
  ['a ServiceAccount subject without namespace is of the binding\'s namespace', u('system:serviceaccount:dev:robot', 'system:serviceaccounts'), res('list', 'pods', 'dev'), true],
  ['view does not read secrets', u('system:serviceaccount:dev:robot'), res('get', 'secrets', 'dev', { name: 's' }), false],
  ['a service account of another namespace is another subject', u('system:serviceaccount:prod:robot'), res('list', 'pods', 'dev'), false],
  ['a ServiceAccount subject names its namespace', u('system:serviceaccount:tools:ci'), res('get', 'pods', 'prod', { name: 'x' }), true],
  ['a ClusterRoleBinding grants everywhere', u('olga', 'ops'), res('list', 'nodes'), true],
  ['... and its non-resource URLs', u('olga', 'ops'), { verb: 'get', path: '/metrics' }, true],
  ['... only those URLs', u('olga', 'ops'), { verb: 'get', path: '/debug/pprof' }, false],
  ['*/scale in any group', u('sam', 'scalers'), res('update', 'deployments', 'dev', { apiGroup: 'apps', subresource: 'scale', name: 'web' }), true],
  ['*/scale is not the resource itself', u('sam', 'scalers'), res('update', 'deployments', 'dev', { apiGroup: 'apps', name: 'web' }), false],
  ['impersonate is a verb like any other', u('bob'), res('impersonate', 'users', undefined, { name: 'alice' }), true],
  ['... on the resources granted', u('bob'), res('impersonate', 'serviceaccounts', 'dev', { name: 'robot' }), false],
  ['no binding: nothing', u('eve'), res('get', 'pods', 'dev', { name: 'x' }), false],
  ['the bootstrap\'s discovery for everyone', u('eve'), { verb: 'get', path: '/apis' }, true],
  ['everyone may ask what they may do', u('eve'), res('create', 'selfsubjectaccessreviews', undefined, { apiGroup: 'authorization.k8s.io' }), true],
  ['an object cannot redefine a built-in role', u('mallory'), res('delete', 'nodes', undefined, { name: 'n' }), false],
  ['system:masters may do anything', u('admin', 'system:masters'), res('delete', 'nodes', undefined, { name: 'n' }), true],
  ['a binding to a missing role grants nothing', u('carol'), res('get', 'pods', 'dev', { name: 'x' }), false],
]

t.test('rbac - decisions over API objects', async (t) => {
  for (const [name, who, attrs, allowed] of cases) t.equal(authorize(policy, who, attrs).allowed, allowed, name)
})

t.test('rbac - an allowed decision names the binding, a denial is Kubernetes\' 403 message', async (t) => {
  t.same(authorize(policy, u('alice'), res('list', 'pods', 'dev')), { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-reads/dev" of Role "pod-reader" to User "alice"' })
  t.same(authorize(policy, u('system:serviceaccount:tools:ci'), res('get', 'pods', 'prod', { name: 'x' })), {
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "ci-reads/prod" of Role "pod-reader" to ServiceAccount "tools/ci"',
  })
  t.same(authorize(policy, u('alice'), res('list', 'pods', 'prod')), {
    allowed: false,
    reason: '',
    message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod"',
  })
  t.match(authorize(policy, u('carol'), res('get', 'pods', 'dev', { name: 'x' })), { allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found' })
})

t.test('rbac - rulesFor lists what a user holds in a namespace, cluster bindings first', async (t) => {
  const alice = rulesFor(policy, u('alice'), 'dev')
  t.same(
    alice.resourceRules.map((r) => [r.resources.join(','), r.verbs.join(',')]),
    [
      ['selfsubjectaccessreviews,selfsubjectrulesreviews', 'create'],
      ['selfsubjectreviews', 'create'],
      ['pods,pods/log', 'get,list,watch'],
      ['configmaps', 'get,update'],
    ],
  )
  t.ok(alice.nonResourceRules.some((r) => r.nonResourceURLs.includes('/version')), 'discovery paths')
  t.same(rulesFor(policy, u('alice'), 'prod').resourceRules.length, 2, 'only the basic-user rules in prod')
  const admin = rulesFor(policy, u('admin', 'system:masters'), 'dev')
  t.equal(admin.resourceRules.filter((r) => r.resources.includes('*')).length, 1, 'cluster-admin listed once (system:masters and its binding)')
})

t.test('rbac - the index follows list and watch events, the policy rebuilt after a change only', async (t) => {
  const index = new RbacIndex(defaultPolicy())
  const first = index.policy()
  t.equal(index.policy(), first, 'unchanged: the same policy')
  t.equal(authorize(first, u('alice'), res('list', 'pods', 'dev')).allowed, false)
  index.reset('roles', objects.roles)
  index.apply('roleBindings', [{ type: 'ADDED', object: objects.roleBindings[0]! }])
  t.equal(authorize(index.policy(), u('alice'), res('list', 'pods', 'dev')).allowed, true, 'granted once the binding is in')
  index.apply('roleBindings', [{ type: 'DELETED', object: objects.roleBindings[0]! }])
  t.equal(authorize(index.policy(), u('alice'), res('list', 'pods', 'dev')).allowed, false, 'revoked once it is deleted')
  index.apply('roleBindings', [{ type: 'ADDED', object: objects.roleBindings[0]! }])
  index.reset('roles', [])
  t.equal(authorize(index.policy(), u('alice'), res('list', 'pods', 'dev')).allowed, false, 'a relist without the role drops it')
})
