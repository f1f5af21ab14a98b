/**
 * Real kubectl (v1.32, written by nobody here) against `actorkube up`: 3 masters, each with a
 * store replica and an apiserver, reached through the kubeconfig `up` writes. The session
 * follows ../shared/KUBECTL.md: discovery, tables, create/apply/replace/label/scale/delete,
 * watch, validation errors, auth; plus hostile requests that must be refused without harm.
 */
import { execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { apiRequest } from '../helpers/api-https.ts'
import { haveKubectl, kubectlFor, spawnKubectl } from '../helpers/kubectl.ts'
import { collectLines, isAlive, pidsWithArgument } from '../helpers/processes.ts'
import { startUp } from '../helpers/up-process.ts'
import { delay, waitFor } from '../helpers/wait.ts'
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { NoRespondersError } from '../../runtime/transport/requester.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const { stateDir, output } = await startUp(t, ['--masters', '3', '--workers', '0', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-kubectl-' })
const cacheDir = join(stateDir, 'kube-cache')
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const kubeconfig = join(stateDir, 'kubeconfig')

const kubectl = kubectlFor(kubeconfig, cacheDir)

async function manifest(name: string, text: string): Promise<string> {
  const path = join(stateDir, name)
  await writeFile(path, text)
  return path
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: web
    image: nginx:1.27
`

t.test('kubectl - discovery and namespaces: the system namespaces exist and are Active', async (t) => {
  const r = await kubectl(['get', 'namespaces'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^NAME\s+STATUS\s+AGE\n/)
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) t.match(r.stdout, new RegExp(`\\n${ns}\\s+Active\\s+\\d+s`))
  const resources = await kubectl(['api-resources'])
  t.match(resources.stdout, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/)
})

t.test('kubectl - create, get (table, wide, yaml), label, describe, delete --wait', async (t) => {
  const path = await manifest('pod.yaml', POD)
  t.match((await kubectl(['create', '-f', path])).stdout, 'pod/web created')
  const again = await kubectl(['create', '-f', path])
  t.equal(again.code, 1)
  t.match(again.stderr, /AlreadyExists.*pods "web" already exists/)
  const table = await kubectl(['get', 'pods'])
  t.match(table.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+0\/1\s+Pending\s+0\s+\d+s\n$/)
  t.match((await kubectl(['get', 'pods', '-o', 'wide'])).stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/)
  const yaml = parse((await kubectl(['get', 'pod', 'web', '-o', 'yaml'])).stdout) as { metadata: Record<string, unknown>; spec: { restartPolicy: string } }
  t.match(yaml.metadata, { name: 'web', namespace: 'default', uid: /^[0-9a-f-]{36}$/, resourceVersion: /^\d+$/, creationTimestamp: /Z$/ })
  t.equal(yaml.spec.restartPolicy, 'Always', 'defaulted')
  t.match((await kubectl(['get', 'pods', '-A'])).stdout, /^NAMESPACE\s+NAME\s+READY/)
  t.match((await kubectl(['label', 'pod', 'web', 'tier=front'])).stdout, 'pod/web labeled')
  t.match((await kubectl(['get', 'pods', '-l', 'tier=front', '-o', 'name'])).stdout, 'pod/web')
  t.equal((await kubectl(['get', 'pods', '-l', 'tier=back', '-o', 'name'])).stdout, '')
  t.match((await kubectl(['describe', 'pod', 'web'])).stdout, /Name:\s+web\nNamespace:\s+default/)
  t.match((await kubectl(['delete', 'pod', 'web', '--wait'])).stdout, 'pod "web" deleted')
  const gone = await kubectl(['get', 'pod', 'web'])
  t.match(gone.stderr, /NotFound.*pods "web" not found/)
})

t.test('kubectl - an invalid manifest is refused with the field path; nothing is stored', async (t) => {
  const path = await manifest('bad.yaml', POD.replace('name: web\n    image: nginx:1.27', 'name: web'))
  const r = await kubectl(['create', '-f', path])
  t.equal(r.code, 1)
  t.match(r.stderr, 'The Pod "web" is invalid: spec.containers[0].image: Required value')
  t.match((await kubectl(['get', 'pods', '-o', 'name'])).stdout, '')
})

t.test('kubectl - apply (create, unchanged, configured), apply --server-side, replace with a stale resourceVersion', async (t) => {
  const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: "${value}"\n`
  t.match((await kubectl(['apply', '-f', await manifest('cm.yaml', cm('a'))])).stdout, 'configmap/settings created')
  t.match((await kubectl(['apply', '-f', await manifest('cm.yaml', cm('a'))])).stdout, 'configmap/settings unchanged')
  t.match((await kubectl(['apply', '-f', await manifest('cm.yaml', cm('b'))])).stdout, 'configmap/settings configured')
  t.equal((await kubectl(['get', 'cm', 'settings', '-o', 'jsonpath={.data.mode}'])).stdout, 'b')
  t.match((await kubectl(['apply', '--server-side', '-f', await manifest('cm.yaml', cm('c'))])).stdout, 'configmap/settings serverside-applied')
  const current = JSON.parse((await kubectl(['get', 'cm', 'settings', '-o', 'json'])).stdout) as { metadata: { resourceVersion: string }; data: Record<string, string> }
  t.equal(current.data.mode, 'c')
  const stale = { ...current, metadata: { ...current.metadata, resourceVersion: String(Number(current.metadata.resourceVersion) - 1) }, data: { mode: 'stale' } }
  const r = await kubectl(['replace', '-f', await manifest('stale.json', JSON.stringify(stale))])
  t.equal(r.code, 1)
  t.match(r.stderr, /Conflict.*Operation cannot be fulfilled on configmaps "settings": the object has been modified/)
  t.equal((await kubectl(['get', 'cm', 'settings', '-o', 'jsonpath={.data.mode}'])).stdout, 'c', 'the stale replace changed nothing')
})

t.test('kubectl - deployments: table columns and scale', async (t) => {
  const deploy = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n`
  t.match((await kubectl(['apply', '-f', await manifest('deploy.yaml', deploy)])).stdout, 'deployment.apps/web created')
  // The controller manager may already have made the ReplicaSet (UP-TO-DATE 0-2); with no nodes nothing is ready.
  t.match((await kubectl(['get', 'deployments'])).stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+[0-2]\s+0\s+\d+s\n$/)
  t.match((await kubectl(['scale', 'deployment', 'web', '--replicas=5'])).stdout, 'deployment.apps/web scaled')
  t.equal((await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout, '5')
})

t.test('kubectl - get -w shows changes as they happen', async (t) => {
  const watcher = spawnKubectl(kubeconfig, cacheDir, ['get', 'configmaps', '-w', '--output-watch-events'])
  const lines = collectLines(watcher)
  t.teardown(() => void watcher.kill())
  await lines.waitForLine((l) => /^EVENT\s+NAME/.test(l), { timeoutMs: 15_000, what: 'the watch header' })
  await kubectl(['create', 'configmap', 'live', '--from-literal=x=1', '--dry-run=client', '-o', 'yaml']).then(async (r) => kubectl(['apply', '-f', await manifest('live.yaml', r.stdout)]))
  const added = await lines.waitForLine((l) => /^ADDED\s+live\s/.test(l), { timeoutMs: 15_000, what: 'ADDED live' })
  t.match(lines.lines[added], /^ADDED\s+live\s+1\s+\d+s$/, 'the ADDED row renders the ConfigMap with its one data key')
  await kubectl(['delete', 'configmap', 'live'])
  const deleted = await lines.waitForLine((l) => /^DELETED\s+live\s/.test(l), { timeoutMs: 15_000, what: 'DELETED live' })
  t.same(lines.lines.slice(added + 1, deleted).filter((l) => /\slive\s/.test(l)), [], 'nothing else about live in between')
})

t.test('kubectl - a wrong token is refused', async (t) => {
  const text = readFileSync(kubeconfig, 'utf8').replace(/token: .*/, 'token: not-the-token')
  const r = await kubectl(['get', 'pods'], { kubeconfig: await manifest('bad-kubeconfig', text) })
  t.equal(r.code, 1)
  t.match(r.stderr, 'You must be logged in to the server')
})

/** A raw HTTPS request with the admin token from the kubeconfig. */
const raw = (method: string, path: string, body: Buffer | string, contentType = 'application/json') => apiRequest(kubeconfig, method, path, { body, contentType })

t.test('hostile input: a clear error each, nothing stored, the server keeps serving', async (t) => {
  const malformed = await raw('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ')
  t.equal(malformed.status, 400)
  t.match(JSON.parse(malformed.body), { kind: 'Status', reason: 'BadRequest' })
  const deep = await raw('POST', '/api/v1/namespaces/default/configmaps', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'['.repeat(5000)}${']'.repeat(5000)}}`)
  t.equal(deep.status, 400, 'a deeply nested body is refused')
  t.match(JSON.parse(deep.body), { reason: 'BadRequest', message: /nested deeper than/ })
  const huge = await raw('POST', '/api/v1/namespaces/default/configmaps', Buffer.alloc(3 * 1024 * 1024 + 10, 0x20))
  t.equal(huge.status, 413, 'a body over 3 MiB is refused')
  await delay(100)
  const names = (await kubectl(['get', 'configmaps', '-o', 'name'])).stdout
  t.notMatch(names, /deep/, 'nothing was stored')
  t.equal((await kubectl(['get', 'namespaces', '-o', 'name'])).code, 0, 'still serving')
})

t.test('the same API over NATS for the cluster\'s actors, served by every apiserver; one killed, the others serve', async (t) => {
  const info = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as { nats: string; cluster: string; store: string[] }
  const transport = await NatsTransport.connect({ servers: [info.nats], name: 'kubectl-test' })
  t.teardown(() => transport.close())
  const api = new ApiClient({ transport, cluster: info.cluster, apiservers: info.store, timeoutMs: 2000 })
  t.teardown(() => api.close())
  const created = await api.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-nats', labels: { via: 'nats' } }, data: { k: 'v' } })
  t.match(created.metadata, { name: 'from-nats', uid: /^[0-9a-f-]{36}$/, resourceVersion: /^\d+$/ })
  t.match((await kubectl(['get', 'configmap', 'from-nats', '-o', 'jsonpath={.data.k}'])).stdout, 'v', 'kubectl sees what an actor wrote')
  const listed = await api.list('/api/v1/namespaces/default/configmaps', { labelSelector: 'via=nats' })
  t.same(listed.items.map((i) => i.metadata?.name), ['from-nats'])
  const stale = await api.update('/api/v1/namespaces/default/configmaps/from-nats', { ...created, metadata: { ...created.metadata, resourceVersion: '1' }, data: { k: 'stale' } }).catch((e: unknown) => e)
  t.match(stale, { name: 'ApiError', status: 409, reason: 'Conflict' })
  t.match(await api.get('/api/v1/namespaces/default/configmaps/nope').catch((e: unknown) => e), { name: 'ApiError', status: 404, reason: 'NotFound' })
  // Every apiserver answers (round robin), and with master-1's host killed the others go on.
  const answered = await Promise.all(info.store.map(() => api.get('/api/v1/namespaces/default/configmaps/from-nats')))
  t.equal(answered.length, info.store.length)
  // A write sent while the host is still dying is lost with it and times out, as it would for
  // client-go (a write is not sent again elsewhere: it may have been done). So the writes start
  // once the process is gone and NATS has seen it go: master-1's subject answers "no responders"
  // (its interest can outlive the process for a moment across the nats-servers' routes), or the
  // host `up` started again answers.
  const killed = pidsWithArgument(join(stateDir, 'hosts', 'master-1.yaml'))
  for (const pid of killed) process.kill(pid, 'SIGKILL')
  await waitFor(() => killed.every((pid) => !isAlive(pid)) || undefined, { timeoutMs: 10_000, what: 'master-1\'s host to be gone' })
  const onlyMaster1 = new ApiClient({ transport, cluster: info.cluster, apiservers: ['master-1'], timeoutMs: 500 })
  t.teardown(() => onlyMaster1.close())
  await waitFor(() => onlyMaster1.get('/api/v1/namespaces/default/configmaps/from-nats').then(() => true, (e: unknown) => e instanceof NoRespondersError || undefined), { timeoutMs: 30_000, what: 'NATS to see master-1 gone (or back)' })
  for (let i = 0; i < 6; i++) {
    const patched = await api.patch('/api/v1/namespaces/default/configmaps/from-nats', { data: { k: `after-kill-${i}` } })
    t.equal((patched.data as { k: string }).k, `after-kill-${i}`)
  }
  // The kubeconfig names every apiserver: with master-1 gone, kubectl switches context.
  const other = await kubectl(['--context', 'actorkube-master-2', 'get', 'configmap', 'from-nats', '-o', 'jsonpath={.data.k}'])
  t.equal(other.stdout, 'after-kill-5', 'kubectl --context actorkube-master-2 reaches a surviving apiserver')
})
