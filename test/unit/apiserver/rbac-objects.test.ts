/**
 * The RBAC kinds as the resource handlers serve them: Kubernetes' validation with field paths
 * (422), defaulted API groups, names that are path segments (`system:` names), and kubectl's
 * table columns for roles and bindings.
 */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import type { ApiRequest } from '../../../actors/apiserver/http/api-request.ts'
import type { ApiPorts } from '../../../actors/apiserver/ports.ts'
import { RBAC_PRINTERS } from '../../../actors/apiserver/tables/rbac-printers.ts'
import { MemoryObjects } from './memory-objects.ts'

const RBAC = 'rbac.authorization.k8s.io'
const BASE = `/apis/${RBAC}/v1`
const post = (path: string, body: unknown): ApiRequest => ({
  method: 'POST',
  path,
  query: {},
  accept: 'application/json',
  contentType: 'application/json',
  body: new TextEncoder().encode(JSON.stringify(body)),
  user: { name: 'admin', groups: ['system:masters'] },
})
/** Ports over an empty store holding the namespaces default and dev. */
async function ports(): Promise<ApiPorts> {
  const p: ApiPorts = { objects: new MemoryObjects(), now: () => Date.parse('2026-12-06T12:00:00Z'), random: () => 0.5, uid: () => 'uid-1', serverAddress: 'test' }
  for (const name of ['default', 'dev']) await handle(post('/api/v1/namespaces', { metadata: { name } }), p)
  return p
}
const causes = (r: unknown): string[] => ((r as { body: { details?: { causes?: { field: string; message: string }[] } } }).body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`)

t.test('rbac objects - roles: rules validated as Kubernetes does, any verb allowed', async (t) => {
  const p = await ports()
  const ok = await handle(post(`${BASE}/namespaces/default/roles`, { kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'impersonate'] }] }), p)
  t.equal(ok.status, 201)
  const bad = await handle(
    post(`${BASE}/namespaces/default/roles`, {
      metadata: { name: 'bad' },
      rules: [{ resources: ['pods'], verbs: ['get'] }, { apiGroups: [''], verbs: [] }, { nonResourceURLs: ['/healthz'], verbs: ['get'] }],
    }),
    p,
  )
  t.equal(bad.status, 422)
  t.same(causes(bad), [
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[1].verbs: Required value: verbs must contain at least one value',
    'rules[1].resources: Required value: resource rules must supply at least one resource (or use nonResourceURLs)',
    'rules[2].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
  ])
  const clusterRole = await handle(post(`${BASE}/clusterroles`, { metadata: { name: 'system:metrics-reader' }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] }), p)
  t.equal(clusterRole.status, 201, 'a ClusterRole may name URLs, and its name may hold colons')
  t.same(causes(await handle(post(`${BASE}/clusterroles`, { metadata: { name: 'a%b/c' }, rules: [] }), p)), ["metadata.name: Invalid value: \"a%b/c\": may not contain '/'", "metadata.name: Invalid value: \"a%b/c\": may not contain '%'"])
})

t.test('rbac objects - bindings: roleRef and subjects with field paths, API groups defaulted', async (t) => {
  const p = await ports()
  const created = await handle(
    post(`${BASE}/namespaces/dev/rolebindings`, {
      metadata: { name: 'b' },
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'robot' }],
    }),
    p,
  )
  t.match(created, {
    status: 201,
    body: {
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }, { kind: 'Group', apiGroup: RBAC, name: 'devs' }, { kind: 'ServiceAccount', name: 'robot' }],
    },
  })
  t.notOk('apiGroup' in (created as { body: { subjects: object[] } }).body.subjects[2]!, 'a ServiceAccount has no API group')
  const bad = await handle(
    post(`${BASE}/clusterrolebindings`, {
      metadata: { name: 'bad' },
      roleRef: { apiGroup: 'rbac.example.com', kind: 'Role', name: '' },
      subjects: [{ kind: 'ServiceAccount', name: 'Robot_1' }, { kind: 'Robot', name: 'r2' }, { kind: 'User', apiGroup: 'x', name: '' }],
    }),
    p,
  )
  t.equal(bad.status, 422)
  t.same(causes(bad), [
    'roleRef.apiGroup: Unsupported value: "rbac.example.com": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'roleRef.name: Required value',
    'subjects[0].name: Invalid value: "Robot_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    'subjects[0].namespace: Required value',
    'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    'subjects[2].name: Required value',
    'subjects[2].apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
  ])
  t.same(causes(await handle(post(`${BASE}/namespaces/dev/rolebindings`, { metadata: { name: 'c' }, subjects: [] }), p)), ['roleRef: Required value'])
  const changed = await handle({ ...post(`${BASE}/namespaces/dev/rolebindings/b`, { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'edit' } }), method: 'PUT' }, p)
  t.same(causes(changed), ['roleRef: Invalid value: {"kind":"ClusterRole","name":"edit","apiGroup":"rbac.authorization.k8s.io"}: cannot change roleRef'])
  const sameRef = await handle({ ...post(`${BASE}/namespaces/dev/rolebindings/b`, { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [] }), method: 'PUT' }, p)
  t.equal(sameRef.status, 200, 'subjects may change')
})

t.test('rbac objects - kubectl columns: roles show creation time, bindings their role and (wide) subjects', async (t) => {
  const now = Date.parse('2026-12-06T12:00:30Z')
  const role = { metadata: { name: 'r', creationTimestamp: '2026-12-06T12:00:00Z' } }
  const rolePrinter = RBAC_PRINTERS[`${RBAC}/roles`]!
  t.same(rolePrinter.columns.map((c) => c.name), ['Name', 'Created At'])
  t.same(rolePrinter.row(role, now).cells, ['r', '2026-12-06T12:00:00Z'])
  const binding = {
    metadata: { name: 'b', creationTimestamp: '2026-12-06T12:00:00Z' },
    roleRef: { kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'User', name: 'bob' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'robot', namespace: 'dev' }],
  }
  const bindingPrinter = RBAC_PRINTERS[`${RBAC}/clusterrolebindings`]!
  t.same(bindingPrinter.columns.map((c) => [c.name, c.priority]), [['Name', 0], ['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]])
  t.same(bindingPrinter.row(binding, now).cells, ['b', 'ClusterRole/view', '30s', 'alice, bob', 'devs', 'dev/robot'])
})
