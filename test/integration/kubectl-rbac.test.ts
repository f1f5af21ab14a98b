/**
 * RBAC with real kubectl (v1.32) against `actorkube up`: the default ClusterRoles, `kubectl create
 * role|rolebinding|clusterrole|clusterrolebinding` (protobuf bodies), `kubectl auth can-i` (yes/no
 * as the bindings say, `--list`), enforcement with Kubernetes' 403 messages, impersonation
 * (`--as`) for those allowed and refused for others, and revocation when a binding goes.
 * Users: the admin of the kubeconfig (system:masters), alice and bob with tokens of their own
 * (written into the token file before `up` starts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlFor, kubectlJson, type KubectlRun } from '../helpers/kubectl.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const ALICE = 'alice-token-0123456789'
const BOB = 'bob-token-0123456789'

const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '0', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], {
  prefix: 'ak-rbac-',
  prepare: async (dir) => {
    const security = join(dir, 'security')
    await mkdir(security, { recursive: true, mode: 0o700 })
    const tokens = [`admin-token-0123456789,admin,admin,"system:masters"`, `${ALICE},alice,alice,"devs"`, `${BOB},bob,bob`]
    await writeFile(join(security, 'tokens.csv'), `${tokens.join('\n')}\n`, { mode: 0o600 })
  },
})
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))
const as = (token: string) => (args: readonly string[]) => kubectl([...args, '--token', token])
const alice = as(ALICE)
const bob = as(BOB)

/** `kubectl auth can-i` answers by exit code: 0 yes, 1 no. */
const canI = async (run: (args: readonly string[]) => Promise<KubectlRun>, args: readonly string[]): Promise<boolean> => {
  const r = await run(['auth', 'can-i', ...args])
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl auth can-i ${args.join(' ')}: exit ${r.code}: ${r.stderr}`)
  return r.code === 0
}

interface Named {
  readonly metadata: { readonly name: string }
}

t.test('kubectl rbac - the default ClusterRoles and the cluster-admin binding exist', async (t) => {
  const roles = await kubectlJson<{ items: Named[] }>(kubectl, ['get', 'clusterroles'])
  const names = roles.items.map((r) => r.metadata.name)
  for (const name of ['cluster-admin', 'admin', 'edit', 'view']) t.ok(names.includes(name), name)
  const binding = await kubectlJson<{ roleRef: { name: string }; subjects: { kind: string; name: string }[] }>(kubectl, ['get', 'clusterrolebinding', 'cluster-admin'])
  t.same([binding.roleRef.name, binding.subjects], ['cluster-admin', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]])
  t.equal(await canI(kubectl, ['delete', 'nodes']), true, 'the admin may do anything')
})

t.test('kubectl rbac - create role|rolebinding|clusterrole|clusterrolebinding, then can-i answers as they say', async (t) => {
  t.equal(await canI(alice, ['list', 'pods']), false, 'nothing granted yet')
  for (const args of [
    ['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods,pods/log'],
    ['create', 'rolebinding', 'alice-reads', '--role=pod-reader', '--user=alice'],
    ['create', 'clusterrole', 'node-reader', '--verb=get,list', '--resource=nodes'],
    ['create', 'clusterrolebinding', 'devs-read-nodes', '--clusterrole=node-reader', '--group=devs', '--serviceaccount=default:robot'],
  ]) {
    const r = await kubectl(args)
    t.equal(r.code, 0, `kubectl ${args.slice(0, 3).join(' ')}: ${r.stderr}`)
  }
  const role = await kubectlJson<{ rules: unknown[] }>(kubectl, ['get', 'role', 'pod-reader'])
  t.same(role.rules, [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }])
  const crb = await kubectlJson<{ subjects: unknown[] }>(kubectl, ['get', 'clusterrolebinding', 'devs-read-nodes'])
  t.same(crb.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'robot', namespace: 'default' }])

  // The authorizer reads the bindings from its watch cache: they apply once the cache has them.
  await waitFor(() => canI(alice, ['list', 'pods']), { timeoutMs: 10_000, what: 'alice may list pods' })
  t.equal(await canI(alice, ['get', 'pods/log']), true, 'a subresource granted by name')
  t.equal(await canI(alice, ['delete', 'pods']), false, 'a verb not granted')
  t.equal(await canI(alice, ['list', 'pods', '-n', 'kube-system']), false, 'another namespace')
  t.equal(await canI(alice, ['list', 'nodes']), true, 'through her group devs')
  t.equal(await canI(bob, ['list', 'pods']), false, 'bob holds nothing')
  t.equal(await canI(bob, ['list', 'nodes']), false)
})

t.test('kubectl rbac - requests are enforced, denials are Kubernetes\' 403 messages', async (t) => {
  const ok = await alice(['get', 'pods', '-o', 'json'])
  t.equal(ok.code, 0, ok.stderr)
  const denied = await alice(['get', 'pods', '-n', 'kube-system', '-o', 'json'])
  t.equal(denied.code, 1)
  t.match(denied.stderr, 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"')
  const create = await alice(['create', 'configmap', 'c', '--from-literal=a=b'])
  t.match(create.stderr, 'configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default"')
})

t.test('kubectl rbac - auth can-i --list and a SelfSubjectRulesReview show the rules held', async (t) => {
  const list = await alice(['auth', 'can-i', '--list'])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m)
  t.match(list.stdout, /^nodes\s+\[\]\s+\[\]\s+\[get list\]$/m)
  const path = join(stateDir, 'ssrr.yaml')
  await writeFile(path, 'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectRulesReview\nspec:\n  namespace: default\n')
  // --validate=false: kubectl validates a create-only kind against /openapi/v2 (not served), kube-apiserver validates it anyway.
  const review = await kubectlJson<{ status: { resourceRules: { resources?: string[]; verbs: string[] }[]; incomplete: boolean } }>(alice, ['create', '-f', path, '--validate=false'])
  t.equal(review.status.incomplete, false)
  t.same(review.status.resourceRules.filter((r) => r.resources?.includes('pods')), [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] }])
})

t.test('kubectl rbac - impersonation: --as for those allowed, 403 for others', async (t) => {
  const whoami = await kubectlJson<{ status: { userInfo: { username: string; groups: string[] } } }>(kubectl, ['auth', 'whoami', '--as', 'carol', '--as-group', 'devs'])
  t.same(whoami.status.userInfo, { username: 'carol', groups: ['devs', 'system:authenticated'] }, 'auth whoami as the impersonated user')
  t.equal(await canI(kubectl, ['list', 'pods', '--as', 'alice']), true, 'the admin may act as alice; alice may list pods')
  t.equal(await canI(kubectl, ['list', 'pods', '-n', 'kube-system', '--as', 'alice']), false, '... and as alice not in kube-system')
  t.equal(await canI(kubectl, ['list', 'nodes', '--as', 'carol', '--as-group', 'devs']), true, 'a group impersonated counts')
  const asAlice = await kubectl(['get', 'pods', '-n', 'kube-system', '--as', 'alice', '-o', 'json'])
  t.match(asAlice.stderr, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"')
  const refused = await bob(['get', 'pods', '--as', 'alice', '-o', 'json'])
  t.equal(refused.code, 1)
  t.match(refused.stderr, 'Error from server (Forbidden): users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope')
  const groupRefused = await alice(['get', 'pods', '--as', 'alice', '--as-group', 'system:masters', '-o', 'json'])
  t.match(groupRefused.stderr, 'users "alice" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope')

  // A ClusterRole granting impersonation of users (not groups), bound to bob.
  const path = join(stateDir, 'impersonator.yaml')
  await writeFile(
    path,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: user-impersonator}
rules:
- {apiGroups: [""], resources: [users], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-impersonates}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: user-impersonator}
subjects: [{kind: User, name: bob}]
`,
  )
  t.equal((await kubectl(['apply', '-f', path])).code, 0)
  await waitFor(async () => (await bob(['get', 'pods', '--as', 'alice', '-o', 'json'])).code === 0, { timeoutMs: 10_000, what: 'bob may act as alice' })
  const groupDenied = await bob(['get', 'pods', '--as', 'alice', '--as-group', 'system:masters', '-o', 'json'])
  t.match(groupDenied.stderr, 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope')
})

t.test('kubectl rbac - deleting a binding revokes what it granted', async (t) => {
  t.equal((await kubectl(['delete', 'rolebinding', 'alice-reads'])).code, 0)
  await waitFor(async () => !(await canI(alice, ['list', 'pods'])), { timeoutMs: 10_000, what: 'alice may no longer list pods' })
  t.equal(await canI(alice, ['list', 'nodes']), true, 'the group binding stays')
})

t.test('kubectl rbac - a namespace admin grants within its rights only (escalation prevention)', async (t) => {
  t.equal((await kubectl(['create', 'namespace', 'team'])).code, 0)
  t.equal((await kubectl(['create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=bob', '-n', 'team'])).code, 0)
  await waitFor(() => canI(bob, ['create', 'rolebindings', '-n', 'team']), { timeoutMs: 10_000, what: 'bob may create rolebindings in team' })
  const within = await bob(['create', 'rolebinding', 'viewers', '--clusterrole=view', '--group=devs', '-n', 'team'])
  t.equal(within.code, 0, within.stderr)
  const beyond = await bob(['create', 'rolebinding', 'bob-root', '--clusterrole=cluster-admin', '--user=bob', '-n', 'team'])
  t.equal(beyond.code, 1)
  t.match(beyond.stderr, 'rolebindings.rbac.authorization.k8s.io "bob-root" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:')
  const role = await bob(['create', 'role', 'node-lister', '--verb=list', '--resource=nodes', '-n', 'team'])
  t.match(role.stderr, '{APIGroups:[""], Resources:["nodes"], Verbs:["list"]}')
})

t.test('kubectl rbac - a malformed role is refused with field paths', async (t) => {
  const path = join(stateDir, 'bad-role.yaml')
  await writeFile(path, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad}\nrules:\n- {resources: [pods], verbs: [get]}\n')
  const r = await kubectl(['apply', '-f', path])
  t.equal(r.code, 1)
  t.match(r.stderr, 'The Role "bad" is invalid: rules[0].apiGroups: Required value: resource rules must supply at least one api group')
})
