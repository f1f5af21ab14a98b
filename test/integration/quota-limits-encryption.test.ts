/**
 * LimitRange and ResourceQuota admission and Secret encryption at rest, with real kubectl 1.32
 * against `actorkube up --encrypt-secrets` (one master): a LimitRange defaults a pod's resources
 * and refuses one over its max (403 with Kubernetes' message); a quota of pods=2 refuses the
 * third pod (403), shows what is used and, once a pod is deleted, the quota controller gives its
 * unit back; `kubectl create secret generic` is stored as
 * k8s:enc:aesgcm:v1:key1: ciphertext (`actorkube store get`) while kubectl reads the data back.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { BIN, REPO, startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '0', '--api-port', '0', '--status-interval', '0', '--encrypt-secrets'], { prefix: 'ak-quota-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> }
type PodJson = { metadata: { annotations?: Record<string, string> }; spec: { containers: { resources?: Resources }[] } }

/** `kubectl <args>`, which must succeed. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const r = stdin === undefined ? await kubectl(args) : await kubectlWithStdin(args, stdin)
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

function kubectlWithStdin(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', join(stateDir, 'kubeconfig'), '--cache-dir', join(stateDir, 'kube-cache'), ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
    child.stdin?.end(stdin)
  })
}

const quotaStatus = async () => (await kubectlJson<{ status?: { hard?: Record<string, string>; used?: Record<string, string> } }>(kubectl, ['get', 'quota', 'pods', '-n', 'quoted'])).status ?? {}

const podManifest = (name: string, namespace: string, resources?: Resources) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'app', image: 'nginx', ...(resources ? { resources } : {}) }] } })

t.test('limitrange - defaults a pod’s resources; a pod over the max is forbidden', async (t) => {
  await ok(['create', 'namespace', 'limited'])
  await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'cpu-mem', namespace: 'limited' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '1' } }] } }))
  await ok(['run', 'web', '-n', 'limited', '--image', 'nginx'])
  const pod = await kubectlJson<PodJson>(kubectl, ['get', 'pod', 'web', '-n', 'limited'])
  t.same(pod.spec.containers[0]!.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } }, 'read back with the LimitRange defaults')
  t.equal(pod.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web')
  const over = await kubectlWithStdin(['create', '-f', '-'], podManifest('big', 'limited', { limits: { cpu: '2' } }))
  t.not(over.code, 0)
  t.match(over.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2')
})

t.test('resourcequota - pods=2 refuses the third pod; the quota shows what is used', async (t) => {
  await ok(['create', 'namespace', 'quoted'])
  await ok(['create', 'quota', 'pods', '-n', 'quoted', '--hard=pods=2'])
  // Admission enforces nothing until the quota controller has written the quota's status (as Kubernetes').
  await waitFor(async () => (await quotaStatus()).hard?.pods === '2', { timeoutMs: 30_000, what: 'the quota controller to fill status.hard' })
  for (const name of ['a', 'b']) await ok(['create', '-f', '-'], podManifest(name, 'quoted'))
  const third = await kubectlWithStdin(['create', '-f', '-'], podManifest('c', 'quoted'))
  t.not(third.code, 0)
  t.match(third.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "c" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2')
  t.same(await quotaStatus(), { hard: { pods: '2' }, used: { pods: '2' } })
  const pods = await kubectlJson<{ items: { metadata: { name: string } }[] }>(kubectl, ['get', 'pods', '-n', 'quoted'])
  t.same(pods.items.map((p) => p.metadata.name).sort(), ['a', 'b'], 'the refused pod was not stored')
  await ok(['delete', 'pod', 'a', '-n', 'quoted', '--grace-period=0', '--force'])
  await waitFor(async () => (await quotaStatus()).used?.pods === '1', { timeoutMs: 30_000, what: 'the quota controller to give the deleted pod’s unit back' })
  await ok(['create', '-f', '-'], podManifest('c', 'quoted'))
  t.same((await quotaStatus()).used, { pods: '2' }, 'the freed unit is taken again')
})

t.test('secrets - stored encrypted, read back by kubectl', async (t) => {
  t.ok(existsSync(join(stateDir, 'security', 'encryption-config.yaml')), 'up --encrypt-secrets wrote the EncryptionConfiguration')
  await ok(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-plaintext'])
  const secret = await kubectlJson<{ data: Record<string, string> }>(kubectl, ['get', 'secret', 'db'])
  t.equal(Buffer.from(secret.data.password!, 'base64').toString(), 'hunter2-plaintext')
  const stored = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [BIN, 'store', 'get', '/registry/core/secrets/default/db', '--state-dir', stateDir], { cwd: REPO, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  )
  const value = (JSON.parse(stored) as { kvs: { value: string }[] }).kvs[0]?.value ?? ''
  t.match(value, /^k8s:enc:aesgcm:v1:key1:/, 'the store holds the envelope')
  t.notMatch(value, /hunter2|aHVudGVyMi1wbGFpbnRleHQ|"kind"/, 'neither the data nor the object is readable there')
  const configMap = await ok(['create', 'configmap', 'plain', '--from-literal=a=b', '-o', 'name'])
  t.equal(configMap.trim(), 'configmap/plain')
  const storedConfigMap = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [BIN, 'store', 'get', '/registry/core/configmaps/default/plain', '--state-dir', stateDir], { cwd: REPO, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  )
  t.match((JSON.parse(storedConfigMap) as { kvs: { value: string }[] }).kvs[0]?.value, /"kind":"ConfigMap"/, 'other kinds stay plain')
})
