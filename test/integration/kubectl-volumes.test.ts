/**
 * PersistentVolumeClaims end to end with real kubectl against `actorkube up` (1 master, 1 worker
 * with the process runtime): the default StorageClass `local`; a claim without a class gets it
 * and stays Pending until a pod uses it (WaitForFirstConsumer), then the scheduler picks the node,
 * the local provisioner makes its PV there and binds it; the pod finds the directory in
 * ACTORKUBE_VOLUME_<NAME> and at its mountPath (a symbolic link); a StatefulSet's web-0 sees
 * what the web-0 before it wrote; a pod whose claim does not exist stays Pending with the
 * scheduler's message; a deleted claim takes its PV and the directory along. ConfigMap, Secret,
 * emptyDir and downwardAPI volumes: a pod reads their files, a ConfigMap edit reaches the file,
 * and a pod whose ConfigMap is missing waits in ContainerCreating with the FailedMount event
 * until it is created.
 */
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { PersistentVolumeClaim } from '../../actors/kube/apps.ts'
import type { Pod } from '../../actors/kube/objects.ts'
import type { PersistentVolume } from '../../actors/kube/storage.ts'
import { explainedOnFailure, hostLogDigest } from '../helpers/cluster-diagnostics.ts'
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

  // --wait=false: kubectl 1.32 waits for a deletion by GETting web-0, then listing and watching
  // the pods named web-0 until one is DELETED. Here the kubelet's final delete and the StatefulSet's
  // new web-0 follow the DELETE within tens of milliseconds, so the list can come after the old pod
  // is gone and the watch then brings the new one, whose deletion kubectl waits for until its
  // --timeout (kubernetes/kubernetes#135562). A new uid under the name shows the old pod gone.
  // -v=6: on failure the message quotes kubectl's requests and their answers.
  const deleted = await kubectl(['delete', 'pod', 'web-0', '--wait=false', '-v=6'])
  t.equal(deleted.code, 0, deleted.code === 0 ? 'kubectl delete pod web-0' : `kubectl delete pod web-0 exited ${deleted.code}:\n${deleted.stderr}\nhost logs:\n${await hostLogDigest(stateDir)}`)
  const second = await explainedOnFailure(
    waitFor(async () => {
      const pod = await podOf('web-0').catch(() => undefined)
      return pod?.metadata.uid !== first.metadata.uid && pod?.status?.phase === 'Running' ? pod : undefined
    }, { timeoutMs: 45_000, intervalMs: 250, what: 'a new web-0 Running' }),
    async () => `host logs:\n${await hostLogDigest(stateDir)}`,
  )
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

interface EventList {
  readonly items: readonly { readonly type: string; readonly reason: string; readonly message: string }[]
}

const readerPod = (name: string, script: string, volumes: readonly unknown[], volumeMounts: readonly unknown[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'reader' } },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], volumeMounts }], volumes },
})

t.test('volumes - a pod reads its ConfigMap, Secret, emptyDir and downward API files; a ConfigMap edit reaches the file', async (t) => {
  t.equal((await apply('cm-game', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'game' }, data: { 'game.properties': 'lives=3', 'ui.properties': 'color=red' } })).code, 0)
  t.equal((await apply('secret-creds', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 's3cret' } })).code, 0)
  const script = [
    'echo "secret=$(cat etc/creds/password) mode=$(stat -c %a etc/creds/..data/password)"',
    'echo "labels=$(cat "$ACTORKUBE_VOLUME_INFO/labels")"',
    'echo scratched > scratch/note; echo "scratch=$(cat "$ACTORKUBE_VOLUME_SCRATCH/note")"',
    'echo "ui=$(cat etc/ui)"',
    'while true; do echo "game=$(cat etc/config/game.properties)"; sleep 1; done',
  ].join('; ')
  const volumes = [
    { name: 'config', configMap: { name: 'game' } },
    { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
    { name: 'scratch', emptyDir: {} },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
  ]
  const mounts = [
    { name: 'config', mountPath: 'etc/config' },
    { name: 'config', mountPath: 'etc/ui', subPath: 'ui.properties' },
    { name: 'creds', mountPath: 'etc/creds', readOnly: true },
    { name: 'scratch', mountPath: 'scratch' },
    { name: 'info', mountPath: 'etc/podinfo' },
  ]
  t.equal((await apply('reader', readerPod('reader', script, volumes, mounts))).code, 0)
  await running('reader')
  const out = await logsOf('reader', /game=lives=3/)
  t.match(out, /^secret=s3cret mode=400$/m, 'the Secret decoded, with its defaultMode')
  t.match(out, /^labels=app="reader"$/m, 'the downward API labels')
  t.match(out, /^scratch=scratched$/m, 'the emptyDir is writable')
  t.match(out, /^ui=color=red$/m, 'a subPath mount of one key')

  t.equal((await kubectl(['patch', 'configmap', 'game', '--type', 'merge', '-p', JSON.stringify({ data: { 'game.properties': 'lives=5' } })])).code, 0)
  const edited = await waitFor(async () => {
    const logs = (await kubectl(['logs', 'reader'])).stdout
    return /game=lives=5/.test(logs) ? logs : undefined
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'the edited ConfigMap in the file' })
  t.match(edited, /^game=lives=3$[\s\S]*^game=lives=5$/m, 'the edit reached the file while the pod ran: the old value, then the new one')
  t.equal((await kubectl(['delete', 'pod', 'reader', '--wait=false'])).code, 0)
})

t.test('volumes - a missing ConfigMap keeps the pod in ContainerCreating with FailedMount until it is created', async (t) => {
  const volumes = [{ name: 'config', configMap: { name: 'later' } }]
  t.equal((await apply('waiter', readerPod('waiter', 'echo "level=$(cat config/level)"; exec sleep 3600', volumes, [{ name: 'config', mountPath: 'config' }]))).code, 0)
  const event = await waitFor(async () => (await kubectlJson<EventList>(kubectl, ['get', 'events', '--field-selector', 'involvedObject.name=waiter'])).items.find((e) => e.reason === 'FailedMount'), { timeoutMs: 30_000, intervalMs: 500, what: 'a FailedMount event' })
  t.equal(event.type, 'Warning')
  t.equal(event.message, 'MountVolume.SetUp failed for volume "config" : configmap "later" not found')
  const waiting = await podOf('waiter')
  t.equal(waiting.status?.phase, 'Pending')
  t.equal(waiting.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating')

  t.equal((await apply('cm-later', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: { level: 'seven' } })).code, 0)
  await running('waiter', 60_000)
  t.match(await logsOf('waiter', /level=/), /^level=seven$/m, 'started once the ConfigMap exists, and reads it')
  t.equal((await kubectl(['delete', 'pod', 'waiter', '--wait=false'])).code, 0)
})
