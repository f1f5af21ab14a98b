/**
 * Real kubectl's generators (`kubectl create deployment|configmap|service ...`) send protobuf
 * bodies and prefer protobuf answers; against `actorkube up` each creates its object, and what
 * kubectl decoded from our protobuf answer is the object `kubectl get -o json` reads back. A raw
 * protobuf GET shows the answers really are protobuf; a malformed body is a 400 with nothing
 * stored. Every generator's kind must be served (issue 15 names them all).
 */
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { decodeProtobufObject } from '../../actors/apiserver/protobuf/codec.ts'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { startUp } from '../helpers/up-process.ts'
import { ensurePki } from '../../runtime/apiserver/security/pki.ts'
import { envelope, meta, msg, str } from '../helpers/protobuf-bytes.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf'
const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '1', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-kubectl-pb-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const kubeconfig = join(stateDir, 'kubeconfig')
const kubectl = kubectlFor(kubeconfig, join(stateDir, 'kube-cache'))
// A certificate and key for `kubectl create secret tls`.
const tls = await ensurePki({ dir: join(stateDir, 'test-tls') })

interface Generator {
  /** `kubectl create ...` arguments. */
  readonly args: readonly string[]
  /** The resource it creates, as discovery names it (group '' is core). */
  readonly group: string
  readonly resource: string
  /** `kubectl get` arguments that read the object back. */
  readonly get: readonly string[]
  /** Fields the object must have (t.match). */
  readonly expect: Record<string, unknown>
  /** The path to GET it at. */
  readonly path: string
}

const ns = (resource: string, name: string, group = '') => `${group === '' ? '/api/v1' : `/apis/${group}/v1`}/namespaces/default/${resource}/${name}`
const cluster = (resource: string, name: string, group = '') => `${group === '' ? '/api/v1' : `/apis/${group}/v1`}/${resource}/${name}`

const GENERATORS: readonly Generator[] = [
  { args: ['deployment', 'web', '--image=nginx:1.27', '--port=80', '--replicas=2'], group: 'apps', resource: 'deployments', get: ['deployment', 'web'], path: ns('deployments', 'web', 'apps'), expect: { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } } } },
  { args: ['configmap', 'settings', '--from-literal=mode=fast', '--from-literal=empty='], group: '', resource: 'configmaps', get: ['configmap', 'settings'], path: ns('configmaps', 'settings'), expect: { data: { mode: 'fast', empty: '' } } },
  { args: ['namespace', 'team-a'], group: '', resource: 'namespaces', get: ['namespace', 'team-a'], path: cluster('namespaces', 'team-a'), expect: { status: { phase: 'Active' } } },
  { args: ['priorityclass', 'high', '--value=1000', '--description=for tests', '--preemption-policy=Never'], group: 'scheduling.k8s.io', resource: 'priorityclasses', get: ['priorityclass', 'high'], path: cluster('priorityclasses', 'high', 'scheduling.k8s.io'), expect: { value: 1000, description: 'for tests', preemptionPolicy: 'Never' } },
  { args: ['service', 'clusterip', 'web', '--tcp=80:8080'], group: '', resource: 'services', get: ['service', 'web'], path: ns('services', 'web'), expect: { spec: { type: 'ClusterIP', clusterIP: /^\d+\.\d+\.\d+\.\d+$/, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], selector: { app: 'web' } } } },
  { args: ['service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'], group: '', resource: 'services', get: ['service', 'np'], path: ns('services', 'np'), expect: { spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } } },
  { args: ['secret', 'generic', 'creds', '--from-literal=password=s3cret'], group: '', resource: 'secrets', get: ['secret', 'creds'], path: ns('secrets', 'creds'), expect: { type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64') } } },
  { args: ['secret', 'tls', 'site-tls', `--cert=${tls.certPath}`, `--key=${tls.keyPath}`], group: '', resource: 'secrets', get: ['secret', 'site-tls'], path: ns('secrets', 'site-tls'), expect: { type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(tls.certPem).toString('base64') } } },
  { args: ['secret', 'docker-registry', 'reg', '--docker-username=u', '--docker-password=p', '--docker-server=r.example'], group: '', resource: 'secrets', get: ['secret', 'reg'], path: ns('secrets', 'reg'), expect: { type: 'kubernetes.io/dockerconfigjson' } },
  { args: ['serviceaccount', 'robot'], group: '', resource: 'serviceaccounts', get: ['serviceaccount', 'robot'], path: ns('serviceaccounts', 'robot'), expect: { metadata: { name: 'robot' } } },
  { args: ['quota', 'q', '--hard=cpu=1,memory=1G,pods=2'], group: '', resource: 'resourcequotas', get: ['resourcequota', 'q'], path: ns('resourcequotas', 'q'), expect: { spec: { hard: { cpu: '1', memory: '1G', pods: '2' } } } },
  { args: ['job', 'once', '--image=busybox', '--', 'echo', 'hi'], group: 'batch', resource: 'jobs', get: ['job', 'once'], path: ns('jobs', 'once', 'batch'), expect: { spec: { template: { spec: { containers: [{ name: 'once', image: 'busybox', command: ['echo', 'hi'] }], restartPolicy: 'Never' } } } } },
  { args: ['cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'], group: 'batch', resource: 'cronjobs', get: ['cronjob', 'tick'], path: ns('cronjobs', 'tick', 'batch'), expect: { spec: { schedule: '*/5 * * * *' } } },
  // After the cronjob: a Job from its template, owned by it (ownerReferences, annotations).
  { args: ['job', 'manual', '--from=cronjob/tick'], group: 'batch', resource: 'jobs', get: ['job', 'manual'], path: ns('jobs', 'manual', 'batch'), expect: { metadata: { annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ kind: 'CronJob', name: 'tick', controller: true }] } } },
  { args: ['role', 'reader', '--verb=get,list', '--resource=pods'], group: 'rbac.authorization.k8s.io', resource: 'roles', get: ['role', 'reader'], path: ns('roles', 'reader', 'rbac.authorization.k8s.io'), expect: { rules: [{ verbs: ['get', 'list'], resources: ['pods'], apiGroups: [''] }] } },
  { args: ['rolebinding', 'read', '--role=reader', '--user=alice'], group: 'rbac.authorization.k8s.io', resource: 'rolebindings', get: ['rolebinding', 'read'], path: ns('rolebindings', 'read', 'rbac.authorization.k8s.io'), expect: { roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice' }] } },
  { args: ['clusterrole', 'node-reader', '--verb=get', '--resource=nodes'], group: 'rbac.authorization.k8s.io', resource: 'clusterroles', get: ['clusterrole', 'node-reader'], path: cluster('clusterroles', 'node-reader', 'rbac.authorization.k8s.io'), expect: { rules: [{ verbs: ['get'], resources: ['nodes'] }] } },
  { args: ['clusterrolebinding', 'read-nodes', '--clusterrole=node-reader', '--group=devs'], group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', get: ['clusterrolebinding', 'read-nodes'], path: cluster('clusterrolebindings', 'read-nodes', 'rbac.authorization.k8s.io'), expect: { subjects: [{ kind: 'Group', name: 'devs' }] } },
  { args: ['poddisruptionbudget', 'web-pdb', '--selector=app=web', '--min-available=50%'], group: 'policy', resource: 'poddisruptionbudgets', get: ['poddisruptionbudget', 'web-pdb'], path: ns('poddisruptionbudgets', 'web-pdb', 'policy'), expect: { spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } } },
  { args: ['ingress', 'site', '--rule=foo.example/bar*=web:80'], group: 'networking.k8s.io', resource: 'ingresses', get: ['ingress', 'site'], path: ns('ingresses', 'site', 'networking.k8s.io'), expect: { spec: { rules: [{ host: 'foo.example', http: { paths: [{ path: '/bar', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } } },
]

/** The resources the cluster serves, per group ('' is core), from discovery. */
async function served(): Promise<Map<string, Set<string>>> {
  const discovery = async <T>(path: string): Promise<T | undefined> => {
    const r = await raw('GET', path, { accept: 'application/json' })
    return r.status === 200 ? (JSON.parse(r.body.toString('utf8')) as T) : undefined
  }
  const groups = (await discovery<{ groups: { name: string }[] }>('/apis'))?.groups ?? []
  const byGroup = new Map<string, Set<string>>()
  for (const group of ['', ...groups.map((g) => g.name)]) {
    const list = await discovery<{ resources: { name: string }[] }>(group === '' ? '/api/v1' : `/apis/${group}/v1`)
    byGroup.set(group, new Set((list?.resources ?? []).map((r) => r.name)))
  }
  return byGroup
}

interface Raw {
  readonly status: number
  readonly contentType: string
  readonly body: Buffer
}

/** A raw HTTPS request with the admin token from the kubeconfig. */
function raw(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Raw> {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] }
  const server = new URL(config.clusters[0]!.cluster.server)
  const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64')
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: server.hostname, port: server.port, method, path, ca, headers: { authorization: `Bearer ${config.users[0]!.user.token}`, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Without null, 0, false and '': in Kubernetes these equal an absent field (omitempty; Go's zero
 * Time is null), and a protobuf answer carries them as Go does, so both sides are compared
 * without them. That a Go pointer's zero (replicas: 0) survives is the golden unit tests' job.
 */
const withoutEmpty = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutEmpty)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== 0 && v !== false && v !== '').map(([k, v]) => [k, withoutEmpty(v)]))
      : value

type KubeObject = { metadata: { name: string; uid: string }; spec?: unknown; data?: unknown }

t.test('kubectl protobuf - every generator creates its object; kubectl reads our protobuf answer as the stored object', async (t) => {
  const resources = await served()
  for (const g of GENERATORS) {
    const what = `kubectl create ${g.args.join(' ')}`
    if (!resources.get(g.group)?.has(g.resource)) {
      t.fail(`${what}: ${g.group === '' ? '' : `${g.group}/`}${g.resource} is not served`)
      continue
    }
    // -o json (before the generators' `--`) prints the object kubectl decoded from the create
    // answer (protobuf, see the next test), re-marshalled by Go: a zero Time shows as null.
    const r = await kubectl(['create', '-o', 'json', ...g.args])
    if (r.code !== 0) {
      t.fail(`${what}: exited with ${r.code}: ${r.stderr.trim()}`)
      continue
    }
    const created = JSON.parse(r.stdout) as KubeObject
    const stored = await kubectlJson<KubeObject>(kubectl, ['get', ...g.get])
    t.match(stored, g.expect, what)
    t.equal(created.metadata.uid, stored.metadata.uid, `${what}: the answer is the stored object`)
    t.same(withoutEmpty([created.spec, created.data]), withoutEmpty([stored.spec, stored.data]), `${what}: kubectl decoded the answer's spec/data as stored`)
  }
})

t.test('kubectl protobuf - the created objects are answered in protobuf to a client that prefers it', async (t) => {
  for (const g of GENERATORS) {
    const pb = await raw('GET', g.path, { accept: `${PROTOBUF},application/json` })
    t.equal(pb.status, 200, g.path)
    t.equal(pb.contentType, PROTOBUF, `${g.path}: protobuf`)
    const asJson = await raw('GET', g.path, { accept: 'application/json' })
    const decoded = decodeProtobufObject(new Uint8Array(pb.body))
    t.equal(decoded.ok, true, `${g.path}: decodes`)
    if (decoded.ok) t.same(withoutEmpty(decoded.value), withoutEmpty(JSON.parse(asJson.body.toString('utf8'))), `${g.path}: the same object as the JSON answer`)
  }
  const missing = await raw('GET', ns('configmaps', 'nope'), { accept: `${PROTOBUF},application/json` })
  t.same([missing.status, missing.contentType], [404, PROTOBUF], 'errors are protobuf Status too')
  t.match(decodeProtobufObject(new Uint8Array(missing.body)), { ok: true, value: { kind: 'Status', reason: 'NotFound', code: 404 } })
  const list = await raw('GET', '/api/v1/namespaces/default/configmaps', { accept: `${PROTOBUF},application/json` })
  t.equal(list.contentType, 'application/json', 'lists stay JSON')
})

t.test('kubectl protobuf - a malformed protobuf body is a 400 and nothing is stored', async (t) => {
  const path = '/api/v1/namespaces/default/configmaps'
  const unknownField = await raw('POST', path, { 'content-type': PROTOBUF, accept: 'application/json' }, envelope('v1', 'ConfigMap', meta('bad-one'), str(99, 'x')))
  t.equal(unknownField.status, 400)
  t.match(JSON.parse(unknownField.body.toString('utf8')), { kind: 'Status', reason: 'BadRequest', message: 'the protobuf body is malformed: unknown field number 99 in ConfigMap' })
  const truncated = await raw('POST', path, { 'content-type': PROTOBUF, accept: 'application/json' }, envelope('v1', 'ConfigMap', meta('bad-two')).subarray(0, 14))
  t.equal(truncated.status, 400)
  const names = (await kubectlJson<{ items: KubeObject[] }>(kubectl, ['get', 'configmaps'])).items.map((i) => i.metadata.name)
  t.notOk(names.includes('bad-one') || names.includes('bad-two'), 'nothing stored')
})

t.test('kubectl protobuf - pods have a schema now: kubectl run and get pods work, and a pod is created and read in protobuf', async (t) => {
  // In team-a (created above): default has the quota q, which wants cpu and memory on every pod.
  const run = await kubectl(['run', '-n', 'team-a', 'pb-run', '--image=busybox', '--restart=Never', '-o', 'json', '--', 'sleep', '3600'])
  t.equal(run.code, 0, `kubectl run: ${run.stderr.trim()}`)
  const ran = JSON.parse(run.stdout) as KubeObject
  const pods = await kubectlJson<{ items: KubeObject[] }>(kubectl, ['get', 'pods', '-n', 'team-a'])
  t.ok(pods.items.some((p) => p.metadata.name === 'pb-run' && p.metadata.uid === ran.metadata.uid), 'kubectl get pods lists the pod kubectl run created')

  // A Pod in protobuf (Pod spec = 2 -> PodSpec containers = 2 -> Container name = 1, image = 2, args = 4), answered in protobuf.
  const podBody = envelope('v1', 'Pod', meta('pb-raw'), msg(2, msg(2, str(1, 'app'), str(2, 'busybox'), str(4, 'sleep'), str(4, '3600'))))
  const created = await raw('POST', '/api/v1/namespaces/team-a/pods', { 'content-type': PROTOBUF, accept: `${PROTOBUF},application/json` }, podBody)
  t.same([created.status, created.contentType], [201, PROTOBUF], `the create is answered in protobuf: ${created.status === 201 ? '' : created.body.toString('utf8')}`)
  const decoded = decodeProtobufObject(new Uint8Array(created.body))
  t.match(decoded, { ok: true, value: { kind: 'Pod', metadata: { name: 'pb-raw', namespace: 'team-a' }, spec: { containers: [{ name: 'app', image: 'busybox', args: ['sleep', '3600'] }] } } })
  const got = await bothReads('/api/v1/namespaces/team-a/pods/pb-raw')
  t.same([got.pb.status, got.pb.contentType], [200, PROTOBUF], 'the pod is read in protobuf')
  if (t.equal(got.decoded.ok, true, 'the pod decodes') && got.decoded.ok) t.same(withoutEmpty(got.decoded.value), withoutEmpty(got.json), 'the same pod as the JSON answer')

  // Every pod, node, event and lease the cluster holds (written by its own controllers, scheduler
  // and kubelets) has a protobuf form equal to its JSON: nothing our actors write is outside the schema.
  const objects = await kubectlJson<{ items: (KubeObject & { kind: string; metadata: { namespace?: string; selfLink?: string } })[] }>(kubectl, ['get', 'pods,nodes,events,leases', '-A'])
  t.ok(objects.items.some((o) => o.kind === 'Pod'), 'there are pods to read')
  for (const object of objects.items) {
    const { kind, metadata } = object
    const base = kind === 'Lease' ? '/apis/coordination.k8s.io/v1' : '/api/v1'
    const plural = `${kind.toLowerCase()}s`
    const path = metadata.namespace === undefined ? `${base}/${plural}/${metadata.name}` : `${base}/namespaces/${metadata.namespace}/${plural}/${metadata.name}`
    const read = await bothReads(path)
    if (read.pb.status === 404) continue // gone between the list and the read
    t.equal(read.pb.contentType, PROTOBUF, `${path}: protobuf${read.pb.contentType === PROTOBUF ? '' : `: ${JSON.stringify(read.json).slice(0, 2000)}`}`)
    if (read.decoded.ok) t.same(withoutEmpty(read.decoded.value), withoutEmpty(read.json), `${path}: the same object as the JSON answer`)
  }
})

/**
 * An object read in protobuf and in JSON at the same resourceVersion: a pod or lease can change
 * between two reads (the scheduler, a kubelet), so the pair is read again until both show one
 * version (a few tries; the last pair otherwise, whose difference the caller then reports).
 */
async function bothReads(path: string): Promise<{ pb: Raw; decoded: ReturnType<typeof decodeProtobufObject>; json: Record<string, unknown> }> {
  for (let attempt = 1; ; attempt++) {
    const pb = await raw('GET', path, { accept: `${PROTOBUF},application/json` })
    const json = JSON.parse((await raw('GET', path, { accept: 'application/json' })).body.toString('utf8')) as Record<string, unknown>
    const decoded = pb.contentType === PROTOBUF ? decodeProtobufObject(new Uint8Array(pb.body)) : ({ ok: false, reason: 'unsupported', message: 'not protobuf' } as const)
    const version = (o: unknown): unknown => (o as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion
    if (attempt >= 5 || !decoded.ok || version(decoded.value) === version(json)) return { pb, decoded, json }
  }
}
