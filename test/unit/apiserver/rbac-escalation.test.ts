/**
 * RBAC escalation prevention (authz/escalation.ts): the Covers table of Kubernetes'
 * policy_comparator_test.go (wildcards, subresources, names, URLs), and through handle(): a
 * namespace admin may write roles and bindings within its own rights and gets Kubernetes' 403
 * past them; `escalate` and `bind` lift the check, system:masters is exempt.
 */
import t from 'tap'
import { policyAuthorizer } from '../../../actors/apiserver/authz/authorizer.ts'
import { DEFAULT_CLUSTER_ROLES } from '../../../actors/apiserver/authz/default-roles.ts'
import { describeRules, uncovered } from '../../../actors/apiserver/authz/escalation.ts'
import { defaultPolicy, type PolicyRule } from '../../../actors/apiserver/authz/policy.ts'
import { policyWithObjects } from '../../../actors/apiserver/authz/rbac.ts'
import { handle } from '../../../actors/apiserver/handle.ts'
import type { ApiRequest, User } from '../../../actors/apiserver/http/api-request.ts'
import type { ApiPorts } from '../../../actors/apiserver/ports.ts'
import { MemoryObjects } from './memory-objects.ts'

const r = (x: Partial<PolicyRule>): PolicyRule => ({ verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...x })

const coverCases: [string, PolicyRule[], PolicyRule[], boolean][] = [
  ['exact', [r({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })], [r({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })], true],
  ['split across owner rules', [r({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }), r({ verbs: ['list'], apiGroups: [''], resources: ['pods'] })], [r({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] })], true],
  ['a verb missing', [r({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })], [r({ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] })], false],
  ['star verbs, groups and resources', [r({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] })], [r({ verbs: ['escalate'], apiGroups: ['x'], resources: ['y/z'] })], true],
  ['a star is not covered by names', [r({ verbs: ['get'], apiGroups: [''], resources: ['pods', 'services'] })], [r({ verbs: ['get'], apiGroups: [''], resources: ['*'] })], false],
  ['*/scale covers any scale', [r({ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] })], [r({ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] })], true],
  ['a resource does not cover its subresources', [r({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })], [r({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] })], false],
  ['no names covers any names', [r({ verbs: ['get'], apiGroups: [''], resources: ['secrets'] })], [r({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] })], true],
  ['names do not cover all', [r({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] })], [r({ verbs: ['get'], apiGroups: [''], resources: ['secrets'] })], false],
  ['a URL prefix', [r({ verbs: ['get'], nonResourceURLs: ['/metrics*'] })], [r({ verbs: ['get'], nonResourceURLs: ['/metrics/x'] })], true],
  ['a URL not held', [r({ verbs: ['get'], nonResourceURLs: ['/healthz'] })], [r({ verbs: ['get'], nonResourceURLs: ['/metrics'] })], false],
  ['nothing wanted', [], [], true],
]

t.test('escalation - which rules cover which', async (t) => {
  for (const [name, owner, wanted, covered] of coverCases) t.equal(uncovered(owner, wanted).length === 0, covered, name)
  t.same(describeRules(uncovered([], [r({ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }), r({ verbs: ['get'], nonResourceURLs: ['/metrics'] })])), [
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
  ])
})

const RBAC = 'rbac.authorization.k8s.io'
const BASE = `/apis/${RBAC}/v1`
const policy = policyWithObjects(defaultPolicy(), {
  roles: [{ metadata: { namespace: 'team', name: 'big' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }],
  clusterRoles: [
    ...DEFAULT_CLUSTER_ROLES,
    { metadata: { name: 'role-escalator' }, rules: [{ apiGroups: [RBAC], resources: ['roles'], verbs: ['escalate'] }] },
    { metadata: { name: 'binder' }, rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'], verbs: ['bind'] }] },
  ],
  roleBindings: [
    { metadata: { namespace: 'team', name: 'ann-admin' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'ann' }] },
    { metadata: { namespace: 'team', name: 'eli-admin' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'eli' }] },
    { metadata: { namespace: 'team', name: 'eli-escalates' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'role-escalator' }, subjects: [{ kind: 'User', name: 'eli' }] },
    { metadata: { namespace: 'team', name: 'bea-admin' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'bea' }] },
    { metadata: { namespace: 'team', name: 'bea-binds' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'binder' }, subjects: [{ kind: 'User', name: 'bea' }] },
  ],
  clusterRoleBindings: [],
})

async function portsWithTeam(): Promise<ApiPorts> {
  const p: ApiPorts = { objects: new MemoryObjects(), now: () => 0, random: () => 0.5, uid: () => 'uid', serverAddress: 'test', authorizer: policyAuthorizer(() => policy) }
  await handle(post('/api/v1/namespaces', { metadata: { name: 'team' } }, { name: 'root', groups: ['system:masters'] }), p)
  return p
}
const post = (path: string, body: unknown, user: User): ApiRequest => ({
  method: 'POST',
  path,
  query: {},
  accept: 'application/json',
  contentType: 'application/json',
  body: new TextEncoder().encode(JSON.stringify(body)),
  user,
})
const user = (name: string): User => ({ name, groups: ['system:authenticated'] })
const secretsRole = { metadata: { name: 'secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }
const nodesRole = { metadata: { name: 'nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }] }
const bindTo = (kind: string, name: string) => ({ metadata: { name: `to-${name}` }, roleRef: { kind, name }, subjects: [{ kind: 'User', name: 'zed' }] })

t.test('escalation - a namespace admin writes roles and bindings within its rights only', async (t) => {
  const p = await portsWithTeam()
  t.equal((await handle(post(`${BASE}/namespaces/team/roles`, secretsRole, user('ann')), p)).status, 201, 'admin holds get secrets')
  t.equal((await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('ClusterRole', 'view'), user('ann')), p)).status, 201, 'view is within admin')
  const role = await handle(post(`${BASE}/namespaces/team/roles`, nodesRole, user('ann')), p)
  t.match(role, {
    status: 403,
    body: {
      reason: 'Forbidden',
      message: 'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "ann" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
      details: { name: 'nodes', group: RBAC, kind: 'roles' },
    },
  })
  const binding = await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('ClusterRole', 'cluster-admin'), user('ann')), p)
  t.match(binding, { status: 403, body: { message: /^rolebindings\.rbac\.authorization\.k8s\.io "to-cluster-admin" is forbidden: user "ann" .* not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}\n\{NonResourceURLs:\["\*"\], Verbs:\["\*"\]\}$/ } })
  t.equal((await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('Role', 'big'), user('ann')), p)).status, 403, 'a Role of the namespace, beyond admin')
  t.match(await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('Role', 'nope'), user('ann')), p), { status: 404, body: { message: 'roles.rbac.authorization.k8s.io "nope" not found' } })
  const stored = await p.objects.list(`/registry/${RBAC}/`)
  t.same(stored.items.map((o) => o.metadata?.name).sort(), ['secrets', 'to-view'], 'nothing refused was stored')
})

t.test('escalation - escalate and bind lift the check; system:masters is exempt', async (t) => {
  const p = await portsWithTeam()
  t.equal((await handle(post(`${BASE}/namespaces/team/roles`, nodesRole, user('eli')), p)).status, 201, 'eli may escalate roles')
  t.equal((await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('ClusterRole', 'cluster-admin'), user('eli')), p)).status, 403, '... not bind beyond his rights')
  t.equal((await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('ClusterRole', 'cluster-admin'), user('bea')), p)).status, 201, 'bea may bind cluster-admin')
  t.equal((await handle(post(`${BASE}/namespaces/team/rolebindings`, bindTo('Role', 'big'), user('bea')), p)).status, 403, '... only that role')
  t.equal((await handle(post(`${BASE}/clusterroles`, nodesRole, { name: 'root', groups: ['system:masters'] }), p)).status, 201, 'masters')
  const noAuthorizer = { ...p, authorizer: undefined }
  t.equal((await handle(post(`${BASE}/clusterroles`, { metadata: { name: 'x' }, rules: [] }, user('zed')), noAuthorizer)).status, 201, 'no authorizer (the NATS side): no check')
})
