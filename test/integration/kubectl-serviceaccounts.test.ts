/**
 * ServiceAccounts end to end against one `actorkube up` (1 master, 1 process-runtime worker) with
 * real kubectl: `kubectl create token` issues a signed, expiring token; kubectl with it
 * (`--token`) is the account (`auth whoami`), gets 403 until a RoleBinding grants it, then reads;
 * a tampered token and a deleted account's token get 401; pods run as `default` unless they name
 * an account, and naming a missing one is refused (403); a pod's process reads the token the
 * kubelet gave it and calls the API with it. Pods read ConfigMaps and Secrets through env and
 * envFrom; a missing one holds the container in CreateContainerConfigError until it is created.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlJson } from '../helpers/kubectl.ts'
import { startReadyUp } from '../helpers/up-process.ts'
import { localAddressOf } from '../../actors/proxy/addresses.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const { stateDir, kubectl } = await startReadyUp(t, ['--masters', '1', '--workers', '1', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-sa-' })
const NS = 'sa-test'
const as = (token: string, args: readonly string[]) => kubectl([...args, '--token', token])

async function apply(file: string, manifest: unknown): Promise<{ code: number; stderr: string }> {
  const path = join(stateDir, file)
  await writeFile(path, JSON.stringify(manifest))
  return kubectl(['apply', '-f', path])
}

const claimsOf = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())

t.before(async () => {
  t.equal((await kubectl(['create', 'namespace', NS])).code, 0)
  // The ServiceAccount controller gives every namespace its `default` account.
  await waitFor(async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', NS, '-o', 'json'])).code === 0, { timeoutMs: 20_000, what: `${NS}/default ServiceAccount` })
  t.equal((await kubectl(['create', 'serviceaccount', 'robot', '-n', NS])).code, 0)
})

let token = ''

t.test('serviceaccounts - kubectl create token issues a signed token with Kubernetes’ claims', async (t) => {
  const created = await kubectl(['create', 'token', 'robot', '-n', NS, '--duration', '15m'])
  t.equal(created.code, 0, created.stderr)
  token = created.stdout.trim()
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/)
  const claims = claimsOf(token)
  const robot = await kubectlJson<{ metadata: { uid: string } }>(kubectl, ['get', 'serviceaccount', 'robot', '-n', NS])
  t.match(claims, { iss: 'https://kubernetes.default.svc.cluster.local', sub: `system:serviceaccount:${NS}:robot`, aud: ['https://kubernetes.default.svc.cluster.local'], 'kubernetes.io': { namespace: NS, serviceaccount: { name: 'robot', uid: robot.metadata.uid } } })
  t.equal(claims.exp - claims.iat, 900, '--duration 15m')
  const missing = await kubectl(['create', 'token', 'ghost', '-n', NS])
  t.match(missing.stderr, /serviceaccounts "ghost" not found/)
})

t.test('serviceaccounts - the token authenticates; RBAC decides what it may do', async (t) => {
  const whoami = await as(token, ['auth', 'whoami', '-o', 'json'])
  t.equal(whoami.code, 0, whoami.stderr)
  t.same(JSON.parse(whoami.stdout).status.userInfo, { username: `system:serviceaccount:${NS}:robot`, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'] })
  const refused = await as(token, ['get', 'pods', '-n', NS, '-o', 'json'])
  t.not(refused.code, 0)
  t.match(refused.stderr, `pods is forbidden: User "system:serviceaccount:${NS}:robot" cannot list resource "pods" in API group "" in the namespace "${NS}"`)
  t.equal((await kubectl(['create', 'rolebinding', 'robot-edit', '--clusterrole', 'edit', '--serviceaccount', `${NS}:robot`, '-n', NS])).code, 0)
  const listed = await waitFor(async () => {
    const r = await as(token, ['get', 'pods', '-n', NS, '-o', 'json'])
    return r.code === 0 ? (JSON.parse(r.stdout) as { kind: string }) : undefined
  }, { timeoutMs: 10_000, what: 'the RoleBinding to apply' })
  t.equal(listed.kind, 'List')
  const elsewhere = await as(token, ['get', 'pods', '-n', 'default', '-o', 'json'])
  t.match(elsewhere.stderr, /Forbidden|forbidden/, 'only in its namespace')
  const [head, payload = '', sig] = token.split('.')
  const forged = `${head}.${Buffer.from(JSON.stringify({ ...claimsOf(token), sub: 'system:serviceaccount:kube-system:default' })).toString('base64url')}.${sig}`
  t.not(payload, forged.split('.')[1])
  const tampered = await as(forged, ['get', 'pods', '-n', NS, '-o', 'json'])
  t.match(tampered.stderr, /You must be logged in to the server|Unauthorized/)
})

t.test('serviceaccounts - pods run as default unless they name an account; a missing one is refused', async (t) => {
  t.equal((await kubectl(['run', 'plain', '--image', 'actorkube/sleep', '-n', NS])).code, 0)
  const plain = await kubectlJson<{ spec: { serviceAccountName: string } }>(kubectl, ['get', 'pod', 'plain', '-n', NS])
  t.equal(plain.spec.serviceAccountName, 'default')
  const ghost = await apply('ghost.json', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost', namespace: NS }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'actorkube/sleep' }] } })
  t.not(ghost.code, 0)
  t.match(ghost.stderr, `pods "ghost" is forbidden: error looking up service account ${NS}/ghost: serviceaccount "ghost" not found`)
})

t.test('serviceaccounts - a pod’s process calls the API with the token the kubelet gave it', async (t) => {
  // The container reads its token, CA and namespace files and asks who it is, then writes the answer into a ConfigMap.
  const script = `
const fs = require('fs'), https = require('https')
const dir = 'var/run/secrets/kubernetes.io/serviceaccount'
const token = fs.readFileSync(dir + '/token', 'utf8'), ca = fs.readFileSync(process.env.ACTORKUBE_SERVICEACCOUNT_DIR + '/ca.crt'), ns = fs.readFileSync(dir + '/namespace', 'utf8')
const call = (method, path, body) => new Promise((resolve, reject) => {
  const req = https.request({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path, method, ca, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' } }, (res) => {
    let text = ''
    res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }))
  })
  req.on('error', reject)
  req.end(JSON.stringify(body))
})
call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })
  .then((who) => call('POST', '/api/v1/namespaces/' + ns + '/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-pod' }, data: { user: who.body.status.userInfo.username } }))
  .then((r) => process.exit(r.status === 201 ? 0 : 1), (e) => { console.error(e); process.exit(2) })
`
  const applied = await apply('caller.json', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'caller', namespace: NS },
    spec: { serviceAccountName: 'robot', restartPolicy: 'OnFailure', containers: [{ name: 'call', image: 'node', command: [process.execPath, '-e', script] }] },
  })
  t.equal(applied.code, 0, applied.stderr)
  const fromPod = await waitFor(async () => {
    const r = await kubectl(['get', 'configmap', 'from-pod', '-n', NS, '-o', 'json'])
    return r.code === 0 ? (JSON.parse(r.stdout) as { data: { user: string } }) : undefined
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'the pod’s ConfigMap' })
  t.equal(fromPod.data.user, `system:serviceaccount:${NS}:robot`)
  const optedOut = await apply('opted-out.json', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'opted-out', namespace: NS },
    spec: { automountServiceAccountToken: false, restartPolicy: 'Never', containers: [{ name: 'c', image: 'node', command: [process.execPath, '-e', "process.exit(require('fs').existsSync('var/run/secrets/kubernetes.io/serviceaccount/token') ? 1 : 0)"] }] },
  })
  t.equal(optedOut.code, 0, optedOut.stderr)
  const phase = await waitFor(async () => {
    const p = await kubectlJson<{ status?: { phase?: string } }>(kubectl, ['get', 'pod', 'opted-out', '-n', NS])
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'opted-out to finish' })
  t.equal(phase, 'Succeeded', 'automountServiceAccountToken: false leaves no token file')
})

let legacyToken = ''

t.test('serviceaccounts - a kubernetes.io/service-account-token Secret gets a long-lived token', async (t) => {
  const applied = await apply('robot-token.json', { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'robot-token', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'robot' } } })
  t.equal(applied.code, 0, applied.stderr)
  const secret = await kubectlJson<{ data: Record<string, string> }>(kubectl, ['get', 'secret', 'robot-token', '-n', NS])
  t.same(Object.keys(secret.data).sort(), ['ca.crt', 'namespace', 'token'])
  legacyToken = Buffer.from(secret.data.token ?? '', 'base64').toString()
  const whoami = await as(legacyToken, ['auth', 'whoami', '-o', 'json'])
  t.equal(JSON.parse(whoami.stdout).status.userInfo.username, `system:serviceaccount:${NS}:robot`)
})

t.test('config - a pod reads ConfigMaps and Secrets through its env; a missing one holds the container in CreateContainerConfigError until it exists', async (t) => {
  t.equal((await kubectl(['create', 'configmap', 'game', '-n', NS, '--from-literal=lives=3', '--from-literal=mode=easy'])).code, 0)
  t.equal((await kubectl(['create', 'secret', 'generic', 'pw', '-n', NS, '--from-literal=password=hunter2'])).code, 0)
  const pod = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { restartPolicy: 'Never', ...spec } })
  const applied = await apply('cfg-pod.json', pod('cfg-pod', {
    containers: [{
      name: 'c',
      image: 'busybox',
      command: ['sh', '-c', 'echo LIVES=$LIVES PW=$PASSWORD MODE=$mode'],
      env: [{ name: 'LIVES', valueFrom: { configMapKeyRef: { name: 'game', key: 'lives' } } }, { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'pw', key: 'password' } } }],
      envFrom: [{ configMapRef: { name: 'game' } }],
    }],
  }))
  t.equal(applied.code, 0, applied.stderr)
  const finished = (name: string) => async () => {
    const p = await kubectlJson<{ status?: { phase?: string } }>(kubectl, ['get', 'pod', name, '-n', NS])
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined
  }
  t.equal(await waitFor(finished('cfg-pod'), { timeoutMs: 30_000, intervalMs: 500, what: 'cfg-pod to finish' }), 'Succeeded')
  t.equal((await kubectl(['logs', 'cfg-pod', '-n', NS])).stdout.trim(), 'LIVES=3 PW=hunter2 MODE=easy')

  const waiting = await apply('needs-cm.json', pod('needs-cm', {
    containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo GREETING=$GREETING'], env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'later', key: 'greeting' } } }] }],
  }))
  t.equal(waiting.code, 0, waiting.stderr)
  const state = (field: string) => kubectl(['get', 'pod', 'needs-cm', '-n', NS, '-o', `jsonpath={.status.containerStatuses[0].state.waiting.${field}}`])
  const reason = await waitFor(async () => {
    const r = (await state('reason')).stdout
    return r === 'CreateContainerConfigError' ? r : undefined
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'needs-cm to show CreateContainerConfigError' })
  t.equal(reason, 'CreateContainerConfigError')
  t.equal((await state('message')).stdout, 'configmap "later" not found')
  t.equal((await kubectl(['get', 'pod', 'needs-cm', '-n', NS, '-o', 'jsonpath={.status.phase}'])).stdout, 'Pending')
  const events = await kubectlJson<{ items: { type: string; reason: string; message: string }[] }>(kubectl, ['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=needs-cm'])
  t.ok(events.items.some((e) => e.type === 'Warning' && e.reason === 'Failed' && e.message === 'Error: configmap "later" not found'), 'a Warning Failed event')
  t.equal((await kubectl(['create', 'configmap', 'later', '-n', NS, '--from-literal=greeting=hello'])).code, 0)
  // The kubelet tries again at its next sync of the pod (10 s).
  t.equal(await waitFor(finished('needs-cm'), { timeoutMs: 40_000, intervalMs: 500, what: 'needs-cm to start and finish' }), 'Succeeded')
  t.equal((await kubectl(['logs', 'needs-cm', '-n', NS])).stdout.trim(), 'GREETING=hello')
})

t.test('services - a pod reaches a Service of its namespace through <NAME>_SERVICE_HOST and _PORT', async (t) => {
  // The Deployment and Service first: a pod's Service variables are read when its sandbox is made.
  t.equal((await kubectl(['create', 'deployment', 'greeter', '-n', NS, '--image=actorkube/echo', '--port=8080'])).code, 0)
  t.equal((await kubectl(['expose', 'deployment', 'greeter', '-n', NS, '--port=80', '--target-port=8080'])).code, 0)
  const rolled = await kubectl(['rollout', 'status', 'deployment/greeter', '-n', NS, '--timeout=60s'], { timeoutMs: 70_000 })
  t.equal(rolled.code, 0, rolled.stderr)
  const clusterIP = (await kubectl(['get', 'service', 'greeter', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).stdout
  const call = "require('http').get({host: process.env.GREETER_SERVICE_HOST, port: process.env.GREETER_SERVICE_PORT, path: '/?format=text'}, (r) => r.pipe(process.stdout)).on('error', (e) => { console.log('error', e.message); process.exitCode = 1 })"
  const pod = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { restartPolicy: 'Never', ...spec } })
  const script = `echo HOST=$GREETER_SERVICE_HOST PORT=$GREETER_SERVICE_PORT LINK=$GREETER_PORT; node -e "${call}"; echo KUBERNETES=$KUBERNETES_SERVICE_HOST`
  t.equal((await apply('greeter-caller.json', pod('greeter-caller', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script] }] }))).code, 0)
  const unlinked = `echo HOST=$GREETER_SERVICE_HOST KUBERNETES=$KUBERNETES_PORT_443_TCP_PROTO`
  t.equal((await apply('unlinked.json', pod('unlinked', { enableServiceLinks: false, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', unlinked] }] }))).code, 0)
  const finished = (name: string) => async () => {
    const p = await kubectlJson<{ status?: { phase?: string } }>(kubectl, ['get', 'pod', name, '-n', NS])
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined
  }
  t.equal(await waitFor(finished('greeter-caller'), { timeoutMs: 40_000, intervalMs: 500, what: 'greeter-caller to finish' }), 'Succeeded')
  const lines = (await kubectl(['logs', 'greeter-caller', '-n', NS])).stdout.trim().split('\n').filter((l) => l !== '')
  const host = localAddressOf(clusterIP)
  t.equal(lines[0], `HOST=${host} PORT=80 LINK=tcp://${host}:80`, 'the Service at the address kube-proxy serves its cluster IP at')
  t.match(lines[1], /^echo from greeter-/, 'the call reached a greeter pod through kube-proxy')
  t.match(lines[2], /^KUBERNETES=127\./, 'KUBERNETES_SERVICE_HOST stays the apiserver the service account volume names')
  t.equal(await waitFor(finished('unlinked'), { timeoutMs: 40_000, intervalMs: 500, what: 'unlinked to finish' }), 'Succeeded')
  t.equal((await kubectl(['logs', 'unlinked', '-n', NS])).stdout.trim(), 'HOST= KUBERNETES=tcp', 'enableServiceLinks false: only the kubernetes Service')
})

t.test('serviceaccounts - deleting the account revokes its tokens', async (t) => {
  t.equal((await kubectl(['delete', 'serviceaccount', 'robot', '-n', NS])).code, 0)
  for (const [what, bearer] of [['requested', token], ['legacy', legacyToken]] as const) {
    const refused = await waitFor(async () => {
      const r = await as(bearer, ['get', 'pods', '-n', NS, '-o', 'json'])
      return r.code !== 0 ? r.stderr : undefined
    }, { timeoutMs: 10_000, what: `the ${what} token to stop working` })
    t.match(refused, /You must be logged in to the server|Unauthorized/, what)
  }
})
