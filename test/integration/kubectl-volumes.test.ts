/**
 * PersistentVolumeClaims end to end with real kubectl against `actorkube up` (1 master, 1 worker
 * with the process runtime): the default StorageClass `local`; a claim without a class gets it
 * and stays Pending until a pod uses it (WaitForFirstConsumer), then the scheduler picks the node,
 * the local provisioner makes its PV there and binds it; the pod finds the directory in
 * ACTORKUBE_VOLUME_<NAME> and at its mountPath (a symbolic link); a StatefulSet's web-0 sees
 * what the web-0 before it wrote; a pod whose claim does not exist stays Pending with the
 * scheduler's message; a deleted claim takes its PV and the directory along.
 */
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { PersistentVolumeClaim } from '../../actors/kube/apps.ts'
import type { Pod } from '../../actors/kube/objects.ts'
import type { PersistentVolume } from '../../actors/kube/storage.ts'
import { haveKubectl, kubectlJson } from '../helpers/kubectl.ts'
import { startReadyUp } from '../helpers/up-process.ts'
import { delay, waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
t.setTimeout(240_000)

const { stateDir, kubectl } = await startReadyUp(t, ['--masters', '1', '--workers', '1', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-volumes-' })

interface List<T> {
  readonly items: readonly T[]
}

const claimOf = (name: string) => kubectlJson<PersistentVolumeClaim>(kubectl, ['get', 'pvc', name])
const volumes = async () => (await kubectlJson<List<PersistentVolume>>(kubectl, ['get', 'pv'])).items
const podOf = (name: string) => kubectlJson<Pod>(kubectl, ['get', 'pod', name])

function apply(name: string, object: unknown): Promise<{ code: number; stderr: string }> {
  const file = join(stateDir, `${name}.json`)
  writeFileSync(file, JSON.stringify(object))
  return kubectl(['apply', '-f', file])
}

const claim = (name: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
})

const shellPod = (name: string, claimName: string, script: string, mountPath: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
  },
})

async function running(name: string, timeoutMs = 30_000): Promise<Pod> {
  return waitFor(async () => {
    const pod = await podOf(name).catch(() => undefined)
    return pod?.status?.phase === 'Running' ? pod : undefined
  }, { timeoutMs, intervalMs: 250, what: `pod ${name} Running` })
}

async function logsOf(name: string, want: RegExp): Promise<string> {
  return waitFor(async () => {
    const out = await kubectl(['logs', name])
    return want.test(out.stdout) ? out.stdout : undefined
  }, { timeoutMs: 15_000, intervalMs: 250, what: `logs of ${name} matching ${want}` })
}

t.test('volumes - the default StorageClass', async (t) => {
  const out = await kubectl(['get', 'storageclass', 'local', '-o', 'jsonpath={.provisioner} {.volumeBindingMode} {.reclaimPolicy} {.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}'])
  t.equal(out.code, 0, out.stderr)
  t.equal(out.stdout, 'actorkube.io/local WaitForFirstConsumer Delete true')
})

let volumePath = ''

t.test('volumes - a claim waits for its first consumer, then is provisioned and bound on its node; the pod gets the directory', async (t) => {
  t.equal((await apply('claim-data', claim('data'))).code, 0)
  await delay(1500)
  const waiting = await claimOf('data')
  t.equal(waiting.spec.storageClassName, 'local', 'no class named: the default one')
  t.equal(waiting.status?.phase, 'Pending', 'no pod uses it yet: Pending')
  t.same((await volumes()).filter((pv) => pv.spec.claimRef?.name === 'data'), [], 'and no volume made')

  mkdirSync(join(stateDir, 'mnt'), { recursive: true })
  const mountPath = join(stateDir, 'mnt', 'writer-data')
  t.equal((await apply('writer', shellPod('writer', 'data', `echo "written by $POD_NAME" > "$ACTORKUBE_VOLUME_DATA/note"; cat "${mountPath}/note"; exec sleep 3600`, mountPath))).code, 0)
  const bound = await waitFor(async () => {
    const c = await claimOf('data')
    return c.status?.phase === 'Bound' ? c : undefined
  }, { timeoutMs: 30_000, intervalMs: 250, what: 'claim data Bound' })
  const pod = await running('writer')
  const node = pod.spec.nodeName ?? ''
  t.equal(bound.metadata.annotations?.['volume.kubernetes.io/selected-node'], node, "the scheduler chose the claim's node: the pod's")
  const pv = (await volumes()).find((v) => v.metadata.name === bound.spec.volumeName)
  t.ok(pv, `its volume ${bound.spec.volumeName} exists`)
  t.equal(pv?.status?.phase, 'Bound')
  t.match(pv?.spec, { storageClassName: 'local', persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'default', name: 'data', uid: bound.metadata.uid } })
  t.same(pv?.spec.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }], 'pinned to that node')
  volumePath = pv?.spec.local?.path ?? ''
  t.ok(volumePath.startsWith(stateDir), `a directory under the worker's state dir (${volumePath})`)
  t.equal(readlinkSync(mountPath), volumePath, 'the mountPath is a link to it')
  t.match(await logsOf('writer', /written by/), /^written by writer$/m, 'what the pod wrote through the variable is there through the mountPath')
})

t.test('volumes - a pod whose claim does not exist stays Pending with the scheduler message', async (t) => {
  t.equal((await apply('orphan', shellPod('orphan', 'nope', 'exec sleep 3600', '/nonexistent-actorkube-test/data'))).code, 0)
  const condition = await waitFor(async () => (await podOf('orphan')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'), { timeoutMs: 15_000, intervalMs: 250, what: 'PodScheduled False' })
  t.equal(condition.reason, 'Unschedulable')
  t.match(condition.message, /^0\/1 nodes are available: persistentvolumeclaim "nope" not found\./)
  t.equal((await podOf('orphan')).spec.nodeName, undefined, 'not bound to a node')
  t.equal((await kubectl(['delete', 'pod', 'orphan', '--wait=false'])).code, 0)
})

t.test("volumes - a StatefulSet's web-0 made again finds what the one before wrote", async (t) => {
  const script = 'cat "$ACTORKUBE_VOLUME_WWW/boots" 2>/dev/null; echo "boot of $POD_UID" >> "$ACTORKUBE_VOLUME_WWW/boots"; echo started; exec sleep 3600'
  const set = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      serviceName: 'web',
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'www', mountPath: '/nonexistent-actorkube-test/www' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  }
  t.equal((await apply('web', set)).code, 0)
  const first = await running('web-0', 45_000)
  t.equal((await claimOf('www-web-0')).status?.phase, 'Bound', 'its claim www-web-0 is Bound')
  t.equal((await logsOf('web-0', /started/)).trim(), 'started', 'the first web-0 finds nothing')

  t.equal((await kubectl(['delete', 'pod', 'web-0'])).code, 0)
  const second = await waitFor(async () => {
    const pod = await podOf('web-0').catch(() => undefined)
    return pod?.metadata.uid !== first.metadata.uid && pod?.status?.phase === 'Running' ? pod : undefined
  }, { timeoutMs: 45_000, intervalMs: 250, what: 'a new web-0 Running' })
  t.equal(second.spec.nodeName, first.spec.nodeName, 'on the node its volume lives on')
  t.equal((await logsOf('web-0', /started/)).trim(), `boot of ${first.metadata.uid}\nstarted`, 'the new web-0 reads what the first wrote')
})

t.test('volumes - deleting the claim deletes its volume and the directory', async (t) => {
  t.equal((await kubectl(['delete', 'pod', 'writer'])).code, 0)
  const name = (await claimOf('data')).spec.volumeName ?? ''
  t.ok(existsSync(volumePath), 'the directory is there while the claim is')
  t.equal((await kubectl(['delete', 'pvc', 'data'])).code, 0)
  await waitFor(async () => !(await volumes()).some((v) => v.metadata.name === name), { timeoutMs: 20_000, intervalMs: 250, what: `pv ${name} deleted` })
  await waitFor(() => !existsSync(volumePath), { timeoutMs: 10_000, intervalMs: 100, what: `${volumePath} removed` })
  t.notOk(existsSync(volumePath), 'the node removed the directory')
})
