/**
 * The authorization.k8s.io reviews (authz/reviews.ts) through handle(), JSON and protobuf, and
 * impersonation (authz/impersonation.ts): who may act as whom, the groups an impersonated user
 * gets, and Kubernetes' 403 for a requester without the right.
 */
import t from 'tap'
import { policyAuthorizer } from '../../../actors/apiserver/authz/authorizer.ts'
import { impersonation } from '../../../actors/apiserver/authz/impersonation.ts'
import { defaultPolicy, type UserInfo } from '../../../actors/apiserver/authz/policy.ts'
import { policyWithObjects } from '../../../actors/apiserver/authz/rbac.ts'
import { handle } from '../../../actors/apiserver/handle.ts'
import type { ApiRequest, User } from '../../../actors/apiserver/http/api-request.ts'
import type { ApiPorts } from '../../../actors/apiserver/ports.ts'
import { encodeProtobufObject, PROTOBUF_CONTENT_TYPE } from '../../../actors/apiserver/protobuf/codec.ts'
import { MemoryObjects } from './memory-objects.ts'

const RBAC = 'rbac.authorization.k8s.io'
const policy = policyWithObjects(defaultPolicy(), {
  roles: [{ metadata: { namespace: 'dev', name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }],
  clusterRoles: [
    { metadata: { name: 'impersonator' }, rules: [{ apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] }] },
    { metadata: { name: 'user-impersonator' }, rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }] },
  ],
  roleBindings: [{ metadata: { namespace: 'dev', name: 'alice-reads' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }] }],
  clusterRoleBindings: [
    { metadata: { name: 'bob' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'impersonator' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }] },
    { metadata: { name: 'carl' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'user-impersonator' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'carl' }] },
  ],
})
const authorizer = policyAuthorizer(() => policy)
const ports: ApiPorts = { objects: new MemoryObjects(), now: () => 0, random: () => 0.5, uid: () => 'uid', serverAddress: 'test', authorizer }

const alice: User = { name: 'alice', groups: ['system:authenticated'] }
const post = (path: string, body: unknown, user: User = alice, contentType = 'application/json'): ApiRequest => ({
  method: 'POST',
  path,
  query: {},
  accept: 'application/json',
  contentType,
  body: contentType === PROTOBUF_CONTENT_TYPE ? encodeProtobufObject(body)! : new TextEncoder().encode(JSON.stringify(body)),
  user,
})
const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
const ssar = (spec: unknown) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec })

t.test('reviews - SelfSubjectAccessReview answers for the requester, in JSON and protobuf', async (t) => {
  const yes = await handle(post(SSAR, ssar({ resourceAttributes: { namespace: 'dev', verb: 'list', resource: 'pods' } })), ports)
  t.match(yes, { status: 201, body: { kind: 'SelfSubjectAccessReview', status: { allowed: true, reason: /RoleBinding "alice-reads\/dev"/ } } })
  const no = await handle(post(SSAR, ssar({ resourceAttributes: { namespace: 'prod', verb: 'list', resource: 'pods' } })), ports)
  t.same((no as { body: { status: unknown } }).body.status, { allowed: false })
  const proto = await handle(post(SSAR, ssar({ resourceAttributes: { namespace: 'dev', verb: 'get', resource: 'pods', name: 'web' } }), alice, PROTOBUF_CONTENT_TYPE), ports)
  t.match(proto, { status: 201, body: { spec: { resourceAttributes: { verb: 'get', name: 'web' } }, status: { allowed: true } } })
  const path = await handle(post(SSAR, ssar({ nonResourceAttributes: { verb: 'get', path: '/version' } })), ports)
  t.match(path, { status: 201, body: { status: { allowed: true } } })
  const stored = await ports.objects.list('/registry/')
  t.same(stored.items, [], 'nothing stored')
})

t.test('reviews - bad reviews: 422 with field paths, 400, 405', async (t) => {
  t.match(await handle(post(SSAR, ssar({})), ports), {
    status: 422,
    body: { details: { causes: [{ field: 'spec.resourceAttributes', message: 'Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified' }] } },
  })
  t.match(await handle(post(SSAR, ssar({ resourceAttributes: {}, nonResourceAttributes: {} })), ports), { status: 422, body: { details: { causes: [{ field: 'spec.nonResourceAttributes' }] } } })
  t.match(await handle(post(SSAR, { kind: 'Pod' }), ports), { status: 400, body: { message: 'the body is a Pod, not a SelfSubjectAccessReview' } })
  t.match(await handle({ ...post(SSAR, {}), method: 'GET' }, ports), { status: 405 })
  const srr = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews'
  t.match(await handle(post(srr, { spec: {} }), ports), { status: 400, body: { message: 'no namespace on request' } })
  const sar = '/apis/authorization.k8s.io/v1/subjectaccessreviews'
  t.match(await handle(post(sar, { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }), ports), {
    status: 422,
    body: { details: { causes: [{ field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }] } },
  })
  t.match(await handle(post(SSAR, ssar({})), { ...ports, authorizer: undefined }), { status: 503 })
})

t.test('reviews - SelfSubjectRulesReview lists the rules; SubjectAccessReview asks about another user', async (t) => {
  const rules = await handle(post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' } }, alice, PROTOBUF_CONTENT_TYPE), ports)
  t.match(rules, { status: 201, body: { status: { incomplete: false, resourceRules: [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'] }, { verbs: ['create'], apiGroups: ['authentication.k8s.io'] }, { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] } } })
  const body = (rules as { body: { status: { resourceRules: object[]; nonResourceRules: { nonResourceURLs: string[] }[] } } }).body
  t.notOk('resourceNames' in body.status.resourceRules[2]!, 'empty lists left out')
  t.ok(body.status.nonResourceRules.some((r) => r.nonResourceURLs.includes('/api')))
  const sar = await handle(post('/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { user: 'alice', resourceAttributes: { namespace: 'dev', verb: 'list', resource: 'pods' } } }), ports)
  t.match(sar, { status: 201, body: { kind: 'SubjectAccessReview', status: { allowed: true } } })
  const local = '/apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews'
  t.match(await handle(post(local, { spec: { user: 'alice', resourceAttributes: { namespace: 'prod', verb: 'list', resource: 'pods' } } }), ports), {
    status: 422,
    body: { details: { causes: [{ field: 'spec.resourceAttributes.namespace' }] } },
  })
})

t.test('reviews - SelfSubjectReview (kubectl auth whoami) tells the requester who it is', async (t) => {
  const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} }
  const whoami = await handle(post('/apis/authentication.k8s.io/v1/selfsubjectreviews', body, alice, PROTOBUF_CONTENT_TYPE), ports)
  t.same(whoami, {
    kind: 'json',
    status: 201,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {}, status: { userInfo: { username: 'alice', groups: ['system:authenticated'] } } },
  })
})

const me = (name: string): UserInfo => ({ user: name, groups: ['system:authenticated'] })

t.test('impersonation - who may act as whom', async (t) => {
  t.same(impersonation(me('alice'), {}, authorizer), { kind: 'none' })
  t.same(impersonation(me('bob'), { 'impersonate-user': ['alice'], 'impersonate-group': ['devs', 'qa'] }, authorizer), {
    kind: 'allowed',
    user: { user: 'alice', groups: ['devs', 'qa', 'system:authenticated'] },
  })
  t.same(impersonation(me('bob'), { 'impersonate-user': ['system:serviceaccount:dev:robot'] }, authorizer), {
    kind: 'allowed',
    user: { user: 'system:serviceaccount:dev:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'] },
  })
  t.same(impersonation(me('bob'), { 'impersonate-user': ['system:anonymous'] }, authorizer), { kind: 'allowed', user: { user: 'system:anonymous', groups: [] } })
  t.same(impersonation({ user: 'root', groups: ['system:masters'] }, { 'impersonate-user': ['x'], 'impersonate-extra-scopes': ['a'] }, authorizer), {
    kind: 'allowed',
    user: { user: 'x', groups: ['system:authenticated'] },
  })
})

t.test('impersonation - refused: 403 with the refused attributes, 400 without a user', async (t) => {
  t.same(impersonation(me('alice'), { 'impersonate-user': ['bob'] }, authorizer), {
    kind: 'refused',
    status: {
      code: 403,
      status: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
        reason: 'Forbidden',
        details: { name: 'bob', kind: 'users' },
        code: 403,
      },
    },
  })
  t.match(impersonation(me('carl'), { 'impersonate-user': ['alice'], 'impersonate-group': ['admins'] }, authorizer), {
    kind: 'refused',
    status: { code: 403, status: { message: 'groups "admins" is forbidden: User "carl" cannot impersonate resource "groups" in API group "" at the cluster scope' } },
  })
  t.match(impersonation(me('carl'), { 'impersonate-user': ['system:serviceaccount:dev:robot'] }, authorizer), {
    kind: 'refused',
    status: { status: { message: 'serviceaccounts "robot" is forbidden: User "carl" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "dev"' } },
  })
  t.match(impersonation(me('bob'), { 'impersonate-user': ['alice'], 'impersonate-uid': ['42'] }, authorizer), {
    kind: 'refused',
    status: { status: { message: 'uids.authentication.k8s.io "42" is forbidden: User "bob" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope' } },
  })
  t.match(impersonation(me('bob'), { 'impersonate-group': ['devs'] }, authorizer), {
    kind: 'refused',
    status: { code: 400, status: { message: 'requested impersonation of group "devs" without impersonating a user' } },
  })
})
