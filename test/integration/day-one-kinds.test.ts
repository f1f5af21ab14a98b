/**
 * The kinds a Kubernetes user meets in the first hour, with real kubectl 1.32 against
 * `actorkube up` (one master, its store, apiserver and controller manager): documentation-style
 * manifests of every kind applied and read back with their defaults, kubectl's table columns,
 * discovery (`api-resources`, `explain`), the status and scale subresources, the
 * `create secret` generators, bad manifests refused 422 with field paths, and the default
 * ServiceAccount of a new namespace. The documentation's workloads (a Deployment, Job, CronJob,
 * DaemonSet, StatefulSet and Pod, with their ConfigMap, Services, PriorityClass and RBAC
 * objects) are applied too, and each one's pods are scheduled onto the hollow nodes and run.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { apiRequest, TABLE_ACCEPT } from '../helpers/api-https.ts'
import { haveKubectl, kubectlFor, kubectlJson, spawnKubectl } from '../helpers/kubectl.ts'
import { collectLines } from '../helpers/processes.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const FIXTURE = fileURLToPath(new URL('../fixtures/day-one-kinds.yaml', import.meta.url))
const WORKLOADS = fileURLToPath(new URL('../fixtures/day-one-workloads.yaml', import.meta.url))
const NODES = 2

const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '0', '--hollow-nodes', String(NODES), '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-day-one-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const kubeconfig = join(stateDir, 'kubeconfig')
const cacheDir = join(stateDir, 'kube-cache')
const kubectl = kubectlFor(kubeconfig, cacheDir)

type Obj = { metadata: { name: string; namespace?: string; uid?: string }; [field: string]: unknown }
const get = (resource: string, name: string, namespace = 'default') => kubectlJson<Obj>(kubectl, ['get', resource, name, '-n', namespace])

async function manifest(name: string, text: string): Promise<string> {
  const path = join(stateDir, name)
  await writeFile(path, text)
  return path
}

/** The Table `kubectl get` receives: column names, and each row's cells by column name. */
async function table(path: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const answer = await apiRequest(kubeconfig, 'GET', path, { accept: TABLE_ACCEPT })
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body}`)
  const t = JSON.parse(answer.body) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }
  const columns = t.columnDefinitions.map((c) => c.name)
  return { columns, rows: t.rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r.cells[i]]))) }
}

const decode = (b64: unknown): string => Buffer.from(String(b64), 'base64').toString('utf8')

t.test('day one - every documentation manifest is accepted and reads back with its defaults', async (t) => {
  const applied = await kubectl(['apply', '-f', FIXTURE])
  t.equal(applied.code, 0, applied.stderr)
  t.equal(applied.stdout.trim().split('\n').length, 19, applied.stdout)
  t.match(applied.stdout, /secret\/db-user-pass created/)
  t.match(applied.stdout, /statefulset.apps\/web created/)

  const secret = await get('secret', 'db-user-pass')
  t.same(Object.keys(secret.data as object).sort(), ['password', 'username'])
  t.equal(decode((secret.data as Record<string, string>).password), 't0p-Secret', 'stringData folded into data')
  t.equal(secret.stringData, undefined, 'and not kept')
  t.equal(secret.type, 'Opaque')
  t.equal((await get('secret', 'secret-dockercfg')).type, 'kubernetes.io/dockerconfigjson')
  t.equal(decode(((await get('secret', 'secret-basic-auth')).data as Record<string, string>).username), 'admin')
  t.equal((await get('serviceaccount', 'build-robot')).automountServiceAccountToken, false)

  // A volume no claim names is Available (the volume binder's, as in Kubernetes).
  const available = async () => ((await get('pv', 'task-pv-volume')).status as { phase?: string } | undefined)?.phase === 'Available'
  await waitFor(available, { timeoutMs: 15_000, intervalMs: 250, what: 'pv task-pv-volume Available' })
  t.match(await get('pv', 'task-pv-volume'), { spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Available' } })
  t.match(await get('pvc', 'task-pv-claim'), { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } })
  t.match(await get('storageclass', 'local-storage'), { reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' })
  t.match(await get('limitrange', 'cpu-resource-constraint'), { spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, max: { cpu: '1' } }] } })
  t.match(await get('quota', 'compute-resources'), { spec: { hard: { 'requests.cpu': '1' } } })
  t.match(await get('ds', 'fluentd-elasticsearch'), { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, revisionHistoryLimit: 10, template: { spec: { restartPolicy: 'Always' } } } })
  t.match(await get('sts', 'web'), {
    spec: { podManagementPolicy: 'OrderedReady', updateStrategy: { rollingUpdate: { partition: 0 } }, volumeClaimTemplates: [{ kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' } }] },
  })
  t.match(await get('pdb', 'zk-pdb'), { spec: { minAvailable: 2 } })
  t.match(await get('pdb', 'web-pdb'), { spec: { maxUnavailable: '25%' } })
  t.match(await get('ingressclass', 'external-lb'), { spec: { controller: 'example.com/ingress-controller' } })
  t.match(await get('ingress', 'minimal-ingress'), { spec: { ingressClassName: 'nginx-example' } })
  t.match(await get('netpol', 'default-deny-ingress'), { spec: { podSelector: {}, policyTypes: ['Ingress'] } })
  t.same(((await get('netpol', 'test-network-policy')).spec as { policyTypes: string[] }).policyTypes, ['Ingress', 'Egress'])

  // Applied again: unchanged, but for what real Kubernetes also reports configured every time
  // (stringData is never stored; a StatefulSet's atomic claim templates read back defaulted; a
  // PodDisruptionBudget's selector has patch strategy replace in the OpenAPI schema, so kubectl's
  // patch always carries it).
  const again = await kubectl(['apply', '-f', FIXTURE])
  t.equal(again.code, 0, again.stderr)
  t.equal(again.stderr, '', 'kubectl patches every kind from the OpenAPI schema without a warning')
  const configured = again.stdout.split('\n').filter((l) => l.endsWith(' configured'))
  t.same(configured.sort(), [
    'poddisruptionbudget.policy/web-pdb configured',
    'poddisruptionbudget.policy/zk-pdb configured',
    'secret/db-user-pass configured',
    'secret/secret-basic-auth configured',
    'statefulset.apps/web configured',
  ])
  t.equal(again.stdout.match(/ unchanged/g)?.length, 14)
  t.match(await get('sts', 'web'), { spec: { volumeClaimTemplates: [{ kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' } }] } }, 'still defaulted')
})

t.test('day one - kubectl get: the columns and cells kubectl prints', async (t) => {
  const cases: [string, string[], string, Record<string, unknown>][] = [
    ['/api/v1/namespaces/default/secrets', ['Name', 'Type', 'Data', 'Age'], 'mysecret', { Type: 'Opaque', Data: 2 }],
    ['/api/v1/namespaces/default/serviceaccounts', ['Name', 'Secrets', 'Age'], 'build-robot', { Secrets: 0 }],
    ['/api/v1/namespaces/default/persistentvolumeclaims', ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode'], 'task-pv-claim', { Status: 'Pending', StorageClass: 'manual' }],
    ['/api/v1/persistentvolumes', ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode'], 'task-pv-volume', { Capacity: '10Gi', 'Access Modes': 'RWO', 'Reclaim Policy': 'Retain' }],
    ['/api/v1/namespaces/default/limitranges', ['Name', 'Created At'], 'cpu-resource-constraint', {}],
    ['/api/v1/namespaces/default/resourcequotas', ['Name', 'Age', 'Request', 'Limit'], 'compute-resources', {}],
    ['/apis/apps/v1/namespaces/default/daemonsets', ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector'], 'fluentd-elasticsearch', { 'Node Selector': '<none>', Selector: 'name=fluentd-elasticsearch' }],
    ['/apis/apps/v1/namespaces/default/statefulsets', ['Name', 'Ready', 'Age', 'Containers', 'Images'], 'web', { Ready: '0/3', Images: 'registry.k8s.io/nginx-slim:0.24' }],
    ['/apis/policy/v1/namespaces/default/poddisruptionbudgets', ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'], 'zk-pdb', { 'Min Available': '2', 'Max Unavailable': 'N/A' }],
    ['/apis/networking.k8s.io/v1/namespaces/default/ingresses', ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'], 'tls-example-ingress', { Class: '<none>', Hosts: 'https-example.foo.com', Ports: '80, 443' }],
    ['/apis/networking.k8s.io/v1/ingressclasses', ['Name', 'Controller', 'Parameters', 'Age'], 'external-lb', { Parameters: 'IngressParameters.k8s.example.com/external-lb' }],
    ['/apis/networking.k8s.io/v1/namespaces/default/networkpolicies', ['Name', 'Pod-Selector', 'Age'], 'test-network-policy', { 'Pod-Selector': 'role=db' }],
    ['/apis/storage.k8s.io/v1/storageclasses', ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'], 'local-storage (default)', { ReclaimPolicy: 'Delete', AllowVolumeExpansion: false }],
  ]
  for (const [path, columns, name, cells] of cases) {
    const got = await table(path)
    t.same(got.columns, columns, path)
    const row = got.rows.find((r) => r.Name === name)
    t.match(row, cells, `${path}: ${name}`)
  }
  const registries = await kubectl(['get', 'secrets', '--field-selector', 'type=kubernetes.io/dockerconfigjson', '-o', 'name'])
  t.equal(registries.stdout, 'secret/secret-dockercfg\n', `secrets selected by type: ${registries.stderr}`)
  const names = await kubectl(['get', 'secrets,sa,pvc,limits,quota,ds,sts,pdb,ing,netpol', '-o', 'name'])
  t.equal(names.code, 0, names.stderr)
  for (const want of ['secret/mysecret', 'serviceaccount/build-robot', 'persistentvolumeclaim/task-pv-claim', 'limitrange/cpu-resource-constraint', 'resourcequota/compute-resources', 'daemonset.apps/fluentd-elasticsearch', 'statefulset.apps/web', 'poddisruptionbudget.policy/zk-pdb', 'ingress.networking.k8s.io/minimal-ingress', 'networkpolicy.networking.k8s.io/default-deny-ingress']) {
    t.match(names.stdout, want, `short names reach ${want}`)
  }
})

t.test('day one - discovery: api-resources lists every kind, explain finds each', async (t) => {
  const resources = await kubectl(['api-resources', '-o', 'name'])
  t.equal(resources.code, 0, resources.stderr)
  const listed = resources.stdout.trim().split('\n')
  for (const name of ['secrets', 'serviceaccounts', 'persistentvolumeclaims', 'persistentvolumes', 'limitranges', 'resourcequotas', 'daemonsets.apps', 'statefulsets.apps', 'poddisruptionbudgets.policy', 'ingresses.networking.k8s.io', 'ingressclasses.networking.k8s.io', 'networkpolicies.networking.k8s.io', 'storageclasses.storage.k8s.io', 'jobs.batch', 'cronjobs.batch', 'controllerrevisions.apps', 'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io', 'clusterroles.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io', 'selfsubjectaccessreviews.authorization.k8s.io', 'selfsubjectrulesreviews.authorization.k8s.io', 'priorityclasses.scheduling.k8s.io']) {
    t.ok(listed.includes(name), `api-resources lists ${name}`)
  }
  for (const kind of ['secret', 'serviceaccount', 'storageclass', 'statefulset.spec', 'daemonset.status', 'poddisruptionbudget.spec', 'ingress.spec', 'networkpolicy.spec', 'persistentvolumeclaim.spec', 'persistentvolume.spec', 'limitrange.spec', 'resourcequota.status', 'ingressclass.spec']) {
    const explained = await kubectl(['explain', kind])
    t.equal(explained.code, 0, `explain ${kind}: ${explained.stderr}`)
  }
})

t.test('day one - status and scale subresources', async (t) => {
  // Ingress status (an ingress controller's to write; none runs here) through the subresource.
  const patched = await kubectl(['patch', 'ingress', 'tls-example-ingress', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"},{"hostname":"lb.example.com"}]}}}'])
  t.equal(patched.code, 0, patched.stderr)
  t.match(await get('ingress', 'tls-example-ingress'), { spec: { rules: [{ host: 'https-example.foo.com' }] }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { hostname: 'lb.example.com' }] } } })
  const row = (await table('/apis/networking.k8s.io/v1/namespaces/default/ingresses')).rows.find((r) => r.Name === 'tls-example-ingress')
  t.equal(row?.Address, '192.0.2.10,lb.example.com')
  const mainWrite = await kubectl(['patch', 'ingress', 'tls-example-ingress', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.1"}]}}}'])
  t.equal(mainWrite.code, 0, mainWrite.stderr)
  t.match(await get('ingress', 'tls-example-ingress'), { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } }, 'the main resource does not write status')

  const scaled = await kubectl(['scale', 'statefulset', 'web', '--replicas=5'])
  t.equal(scaled.code, 0, scaled.stderr)
  t.match(await get('sts', 'web'), { spec: { replicas: 5 } })
  const claimStatus = await kubectl(['patch', 'pvc', 'task-pv-claim', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Bound","capacity":{"storage":"10Gi"},"accessModes":["ReadWriteOnce"]}}'])
  t.equal(claimStatus.code, 0, claimStatus.stderr)
  t.match(await get('pvc', 'task-pv-claim'), { status: { phase: 'Bound' } })
})

t.test('day one - bad manifests: 422 with the field paths kubectl prints, nothing stored', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: bad-tls}\ntype: kubernetes.io/tls\ndata: {tls.crt: YQ==}\n', /The Secret "bad-tls" is invalid: data\[tls.key\]: Required value/],
    ['secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: bad-registry}\ntype: kubernetes.io/dockerconfigjson\nstringData: {other: x}\n', /data\[.dockerconfigjson\]: Required value/],
    ['pvc', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad-claim}\nspec: {accessModes: [ReadWriteSometimes]}\n', /spec.accessModes: Unsupported value: "ReadWriteSometimes".*spec.resources\[storage\]: Required value/s],
    ['pv', 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: bad-volume}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce]}\n', /spec: Required value: must specify a volume type/],
    ['limits', 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: bad-limits}\nspec: {limits: [{type: Container, min: {cpu: "2"}, max: {cpu: "1"}}]}\n', /spec.limits\[0\].min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1/],
    ['quota', 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: bad-quota}\nspec: {hard: {pods: "-1"}}\n', /spec.hard\[pods\]: Invalid value: "-1": must be greater than or equal to 0/],
    ['ds', 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: bad-ds}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}\n', /spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"/],
    ['sts', 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: bad-sts}\nspec:\n  podManagementPolicy: AllAtOnce\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: c}}\n    spec: {containers: [{name: c, image: busybox}]}\n', /spec.template.metadata.labels: Invalid value.*`selector` does not match template `labels`.*spec.podManagementPolicy: Unsupported value: "AllAtOnce"/s],
    ['pdb', 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad-pdb}\nspec: {minAvailable: 1, maxUnavailable: 1}\n', /The PodDisruptionBudget "bad-pdb" is invalid: spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set/],
    ['ing', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad-ingress}\nspec:\n  rules: [{http: {paths: [{path: /, backend: {service: {name: s, port: {number: 80}}}}]}}]\n', /spec.rules\[0\].http.paths\[0\].pathType: Required value: pathType must be specified/],
    ['ingressclass', 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: bad-class}\nspec: {controller: nginx}\n', /spec.controller: Invalid value: "nginx": must be a domain-prefixed path/],
    ['netpol', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad-policy}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]\n', /spec.ingress\[0\].from\[0\].ipBlock.cidr: Invalid value: "10.0.0.0\/33"/],
    ['sc', 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: bad-sc}\nreclaimPolicy: Recycle\n', /provisioner: Required value.*reclaimPolicy: Unsupported value: "Recycle"/s],
  ]
  for (const [resource, text, message] of cases) {
    const name = /name: ([a-z-]+)/.exec(text)![1]!
    const created = await kubectl(['create', '-f', await manifest(`${name}.yaml`, text)])
    t.equal(created.code, 1, `${name} refused`)
    t.match(created.stderr, message, name)
    const stored = await kubectl(['get', resource, name])
    t.match(stored.stderr, /NotFound/, `${name} not stored`)
  }
  const answer = await apiRequest(kubeconfig, 'POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', { body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'raw' }, spec: { minAvailable: '150%' } }) })
  t.equal(answer.status, 422)
  t.match(JSON.parse(answer.body), { kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'raw', group: 'policy', kind: 'PodDisruptionBudget', causes: [{ field: 'spec.minAvailable', reason: 'FieldValueInvalid' }] } })

  const sealed = await manifest('sealed.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: sealed}\nimmutable: true\nstringData: {k: one}\n')
  t.equal((await kubectl(['create', '-f', sealed])).code, 0)
  const changed = await kubectl(['patch', 'secret', 'sealed', '--type=merge', '-p', '{"stringData":{"k":"two"}}'])
  t.equal(changed.code, 1)
  t.match(changed.stderr, /The Secret "sealed" is invalid: data: Forbidden: field is immutable when `immutable` is set/)
  t.equal(decode(((await get('secret', 'sealed')).data as Record<string, string>).k), 'one')
})

t.test('day one - kubectl create secret generic, tls, docker-registry, serviceaccount, poddisruptionbudget, ingress, quota', async (t) => {
  const generators = [
    ['create', 'serviceaccount', 'robot'],
    ['create', 'poddisruptionbudget', 'gen-pdb', '--selector=app=x', '--min-available=1'],
    ['create', 'ingress', 'gen-ingress', '--rule=foo.com/bar=svc1:8080'],
    ['create', 'quota', 'gen-quota', '--hard=pods=3'],
  ]
  for (const args of generators) {
    const made = await kubectl(args)
    t.equal(made.code, 0, `kubectl ${args.join(' ')}: ${made.stderr}`)
  }
  t.match(await get('pdb', 'gen-pdb'), { spec: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } } })
  t.match(await get('ingress', 'gen-ingress'), { spec: { rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } }] } })

  const generic = await kubectl(['create', 'secret', 'generic', 'from-literal', '--from-literal=user=admin', '--from-literal=pass=s3cr3t'])
  t.equal(generic.code, 0, generic.stderr)
  const made = await get('secret', 'from-literal')
  t.equal(made.type, 'Opaque')
  t.equal(decode((made.data as Record<string, string>).pass), 's3cr3t')

  const registry = await kubectl(['create', 'secret', 'docker-registry', 'regcred', '--docker-server=registry.example.com', '--docker-username=u', '--docker-password=p'])
  t.equal(registry.code, 0, registry.stderr)
  const reg = await get('secret', 'regcred')
  t.equal(reg.type, 'kubernetes.io/dockerconfigjson')
  t.match(JSON.parse(decode((reg.data as Record<string, string>)['.dockerconfigjson'])), { auths: { 'registry.example.com': { username: 'u', password: 'p' } } })

  const cert = join(stateDir, 'tls.crt')
  const key = join(stateDir, 'tls.key')
  const openssl = await new Promise<number>((resolve) =>
    execFile('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=day-one.example.com', '-days', '1', '-keyout', key, '-out', cert], (error) => resolve(error ? 1 : 0)),
  )
  if (openssl !== 0) return void t.comment('openssl is not available to make a key pair: create secret tls not run')
  const tls = await kubectl(['create', 'secret', 'tls', 'day-one-tls', `--cert=${cert}`, `--key=${key}`])
  t.equal(tls.code, 0, tls.stderr)
  const tlsSecret = await get('secret', 'day-one-tls')
  t.equal(tlsSecret.type, 'kubernetes.io/tls')
  t.match(decode((tlsSecret.data as Record<string, string>)['tls.crt']), /BEGIN CERTIFICATE/)
})

t.test('day one - every namespace gets a default ServiceAccount and the kube-root-ca.crt ConfigMap', async (t) => {
  t.equal((await get('sa', 'default')).metadata.name, 'default', 'the default namespace has one')
  const created = await kubectl(['create', 'namespace', 'team-a'])
  t.equal(created.code, 0, created.stderr)
  const account = await waitFor(() => get('sa', 'default', 'team-a'), { timeoutMs: 20_000, what: 'the default ServiceAccount of team-a' })
  t.equal(account.metadata.namespace, 'team-a')
  const removed = await kubectl(['delete', 'sa', 'default', '-n', 'team-a'])
  t.equal(removed.code, 0, removed.stderr)
  const again = await waitFor(async () => {
    const sa = await get('sa', 'default', 'team-a')
    return sa.metadata.uid !== account.metadata.uid ? sa : undefined
  }, { timeoutMs: 20_000, what: 'a new default ServiceAccount after the deletion' })
  t.not(again.metadata.uid, account.metadata.uid)

  // The root CA publisher: kube-root-ca.crt with kube-system's CA bundle, made again when deleted, restored when edited.
  type RootCa = Obj & { data?: Record<string, string>; metadata: Obj['metadata'] & { annotations?: Record<string, string> } }
  const rootCa = (namespace: string) => kubectlJson<RootCa>(kubectl, ['get', 'configmap', 'kube-root-ca.crt', '-n', namespace])
  const systemCa = (await rootCa('kube-system')).data?.['ca.crt']
  t.match(systemCa, /^-----BEGIN CERTIFICATE-----/, 'kube-system holds the cluster CA')
  const published = await waitFor(() => rootCa('team-a'), { timeoutMs: 20_000, what: 'kube-root-ca.crt in team-a' })
  t.same(published.data, { 'ca.crt': systemCa }, 'the same bundle as kube-system\'s')
  t.match(published.metadata.annotations?.['kubernetes.io/description'], /^Contains a CA bundle that can be used to verify the kube-apiserver/)
  const described = (cm: RootCa) => (cm.metadata.annotations?.['kubernetes.io/description'] ?? '') !== ''
  await waitFor(async () => described(await rootCa('kube-system')), { timeoutMs: 20_000, what: "kube-system's kube-root-ca.crt (made by the apiserver at bootstrap) described too" })
  t.equal((await kubectl(['delete', 'configmap', 'kube-root-ca.crt', '-n', 'team-a'])).code, 0)
  const remade = await waitFor(async () => {
    const cm = await rootCa('team-a')
    return cm.metadata.uid !== published.metadata.uid ? cm : undefined
  }, { timeoutMs: 20_000, what: 'kube-root-ca.crt made again after its deletion' })
  t.same(remade.data, { 'ca.crt': systemCa }, 'made again with the bundle')
  const edited = await kubectl(['patch', 'configmap', 'kube-root-ca.crt', '-n', 'team-a', '--type', 'merge', '-p', '{"data":{"ca.crt":"not a CA","extra":"x"}}'])
  t.equal(edited.code, 0, edited.stderr)
  const restored = await waitFor(async () => {
    const cm = await rootCa('team-a')
    return cm.data?.['ca.crt'] === systemCa ? cm : undefined
  }, { timeoutMs: 20_000, what: 'kube-root-ca.crt restored after an edit' })
  t.same(restored.data, { 'ca.crt': systemCa }, 'restored, the added key gone')

  // Deleting the namespace takes its account with it, and the controller does not put one back.
  const deleted = await kubectl(['delete', 'namespace', 'team-a', '--wait', '--timeout=60s'], { timeoutMs: 70_000 })
  t.equal(deleted.code, 0, deleted.stderr)
  t.match((await kubectl(['get', 'namespace', 'team-a'])).stderr, /NotFound/)
})

t.test('day one - watched: kubectl get -w sees a new namespace\'s default ServiceAccount and a Secret change', async (t) => {
  // kubectl watches one resource type per command.
  const watch = (resource: string) => {
    const child = spawnKubectl(kubeconfig, cacheDir, ['get', resource, '-n', 'team-b', '-w', '--output-watch-events', '-o', 'jsonpath={.type} {.object.kind}/{.object.metadata.name}{"\\n"}'])
    t.teardown(() => void child.kill())
    return collectLines(child)
  }
  const accounts = watch('serviceaccounts')
  const secrets = watch('secrets')
  t.equal((await kubectl(['create', 'namespace', 'team-b'])).code, 0)
  await accounts.waitForLine((l) => l === 'ADDED ServiceAccount/default', { timeoutMs: 20_000, what: 'ADDED ServiceAccount/default' })
  t.equal((await kubectl(['create', 'secret', 'generic', 'watched', '-n', 'team-b', '--from-literal=a=1'])).code, 0)
  const added = await secrets.waitForLine((l) => l === 'ADDED Secret/watched', { timeoutMs: 15_000, what: 'ADDED Secret/watched' })
  t.equal((await kubectl(['label', 'secret', 'watched', '-n', 'team-b', 'tier=x'])).code, 0)
  const modified = await secrets.waitForLine((l) => l === 'MODIFIED Secret/watched', { timeoutMs: 15_000, what: 'MODIFIED Secret/watched' })
  t.ok(modified > added, 'the change is seen after the creation')
  t.same(accounts.lines.filter((l) => l.startsWith('stderr:')), [], 'the watches ran without errors')
})

type PodList = { items: { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] }; spec: { nodeName?: string }; status?: { phase?: string } }[] }

t.test('day one - the documentation\'s workloads are accepted, and each one\'s pods scheduled and running', async (t) => {
  const applied = await kubectl(['apply', '-f', WORKLOADS])
  t.equal(applied.code, 0, applied.stderr)
  t.equal(applied.stdout.trim().split('\n').length, 15, applied.stdout)
  // The CronJob's template run now, as a user would rather than wait for the minute.
  const manual = await kubectl(['create', 'job', 'hello-now', '--from=cronjob/hello', '-n', 'docs'])
  t.equal(manual.code, 0, manual.stderr)

  // Pods of each workload, by the kind and name of their controller (a Deployment's through its ReplicaSet).
  const expected: Record<string, number> = { Deployment: 3, 'Job/pi': 1, 'Job/hello-now': 1, DaemonSet: NODES, StatefulSet: 2, Pod: 1 }
  const counted = (pods: PodList): Record<string, number> => {
    const counts: Record<string, number> = {}
    for (const pod of pods.items) {
      const owner = pod.metadata.ownerReferences?.[0]
      const key = owner === undefined ? 'Pod' : owner.kind === 'ReplicaSet' ? 'Deployment' : owner.kind === 'Job' ? `Job/${owner.name}` : owner.kind
      const running = pod.spec.nodeName !== undefined && (pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded')
      if (running) counts[key] = (counts[key] ?? 0) + 1
    }
    return counts
  }
  let last: Record<string, number> = {}
  try {
    await waitFor(async () => {
      last = counted(await kubectlJson<PodList>(kubectl, ['get', 'pods', '-n', 'docs']))
      return Object.entries(expected).every(([key, n]) => (last[key] ?? 0) >= n)
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'every workload\'s pods scheduled and running' })
  } finally {
    t.same(last, expected, 'scheduled and running (or finished) pods per workload')
  }
  const job = await kubectlJson<{ status: { succeeded?: number } }>(kubectl, ['get', 'job', 'pi', '-n', 'docs'])
  await waitFor(async () => ((await kubectlJson<{ status: { succeeded?: number } }>(kubectl, ['get', 'job', 'pi', '-n', 'docs'])).status.succeeded ?? 0) >= 1, { timeoutMs: 30_000, what: 'job pi succeeded' })
  t.ok(job, 'job pi read')
  const nodes = new Set((await kubectlJson<PodList>(kubectl, ['get', 'pods', '-n', 'docs', '-l', 'name=node-agent'])).items.map((p) => p.spec.nodeName))
  t.equal(nodes.size, NODES, 'one node-agent pod per node')
  const sts = await kubectlJson<PodList>(kubectl, ['get', 'pods', '-n', 'docs', '-l', 'app=nginx-sts'])
  t.same(sts.items.map((p) => p.metadata.name).sort(), ['web-0', 'web-1'], 'ordinal names')
  const priority = await kubectlJson<{ spec: { priority?: number } }>(kubectl, ['get', 'pod', 'nginx', '-n', 'docs'])
  t.equal(priority.spec.priority, 1000000, 'the PriorityClass\'s value resolved into the pod')
  const endpoints = await kubectlJson<{ subsets?: { addresses?: unknown[] }[] }>(kubectl, ['get', 'endpoints', 'my-service', '-n', 'docs'])
  t.equal(endpoints.subsets?.[0]?.addresses?.length, 3, 'the Service selects the Deployment\'s three pods')

  const canI = async (...args: string[]) => (await kubectl(['auth', 'can-i', ...args])).stdout.trim()
  t.equal(await canI('list', 'pods', '-n', 'docs', '--as=jane'), 'yes', 'the Role and RoleBinding grant jane pods in docs')
  t.equal(await canI('list', 'pods', '-n', 'default', '--as=jane'), 'no', 'and only there')
  t.equal(await canI('get', 'secrets', '-A', '--as=dave', '--as-group=manager'), 'yes', 'the ClusterRoleBinding grants group manager secrets everywhere')
})
