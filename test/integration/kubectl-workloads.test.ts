/**
 * DaemonSets and StatefulSets end to end with real kubectl against `actorkube up` (1 master, 3
 * hollow nodes): a DaemonSet gets one pod per node, each bound to its node by the scheduler; a
 * StatefulSet of 3 behind a headless Service comes up web-0, web-1, web-2 in order (each created
 * only once the one before was Ready) with a claim per ordinal; scaled to 1 it removes web-2,
 * then web-1, and the claims stay; a changed DaemonSet template replaces every pod. State is read
 * with -o json.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { DaemonSet, PersistentVolumeClaim, StatefulPodSpec, StatefulSet } from '../../actors/kube/apps.ts'
import type { Node, Pod } from '../../actors/kube/objects.ts'
import { haveKubectl, kubectlFor, kubectlJson, spawnKubectl } from '../helpers/kubectl.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
t.setTimeout(300_000)

const NODES = 3
const { stateDir, output } = await startUp(t, ['--masters', '1', '--nats-servers', '1', '--workers', '0', '--hollow-nodes', String(NODES), '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-workloads-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 120_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))

const MANIFESTS = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: c, image: actorkube/sleep, resources: {requests: {cpu: 10m}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: actorkube/sleep, resources: {requests: {cpu: 10m}}}
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`

interface List<T> {
  readonly items: readonly T[]
}

const ready = (p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
const readySince = (p: Pod) => Date.parse(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '')
const podsOf = async (app: string) => (await kubectlJson<List<Pod>>(kubectl, ['get', 'pods', '-l', `app=${app}`])).items
const claimNames = async () => (await kubectlJson<List<PersistentVolumeClaim>>(kubectl, ['get', 'pvc'])).items.map((c) => c.metadata.name ?? '').sort()

await waitFor(async () => {
  const nodes = (await kubectlJson<List<Node>>(kubectl, ['get', 'nodes'])).items
  return nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === NODES
}, { timeoutMs: 60_000, what: `${NODES} Ready nodes` })
const path = join(stateDir, 'workloads.yaml')
await writeFile(path, MANIFESTS)
const applied = await kubectl(['apply', '-f', path])
if (applied.code !== 0) throw new Error(applied.stderr)

/** Snapshots of the web pods (`web-0+` ready, `web-1-` not) taken while the StatefulSet comes up, until all 3 are ready. */
const webSnapshots: Promise<string[]> = (async () => {
  const snapshots: string[] = []
  await waitFor(async () => {
    const pods = [...(await podsOf('web'))].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    const text = pods.map((p) => `${p.metadata.name ?? ''}${ready(p) ? '+' : '-'}`).join(',')
    if (snapshots.at(-1) !== text) snapshots.push(text)
    return pods.length === 3 && pods.every(ready) ? true : undefined
  }, { timeoutMs: 90_000, intervalMs: 100, what: '3 ready web pods' })
  return snapshots
})()

/** The DaemonSet's pods once there is one Ready pod per node and the status agrees. */
async function daemonSettled(what: string, accept: (pods: readonly Pod[], ds: DaemonSet) => boolean = () => true): Promise<{ pods: readonly Pod[]; ds: DaemonSet }> {
  return waitFor(async () => {
    const pods = (await podsOf('agent')).filter((p) => !p.metadata.deletionTimestamp)
    const ds = await kubectlJson<DaemonSet>(kubectl, ['get', 'ds', 'agent'])
    const s = ds.status
    const ok = pods.length === NODES && pods.every(ready) && s?.desiredNumberScheduled === NODES && s.numberReady === NODES && s.updatedNumberScheduled === NODES && s.observedGeneration === ds.metadata.generation
    return ok && accept(pods, ds) ? { pods, ds } : undefined
  }, { timeoutMs: 90_000, intervalMs: 500, what })
}

let firstAgents: readonly Pod[] = []

t.test('DaemonSet - one pod per node, bound there by the scheduler', async (t) => {
  const { pods, ds } = await daemonSettled(`${NODES} ready agent pods`)
  firstAgents = pods
  const nodes = pods.map((p) => p.spec.nodeName).sort()
  t.equal(new Set(nodes).size, NODES, `one per node: ${nodes.join(' ')}`)
  for (const p of pods) {
    t.same(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }], `${p.metadata.name} pinned to its node`)
    t.equal(p.metadata.ownerReferences?.[0]?.kind, 'DaemonSet')
  }
  t.match(ds.status, { desiredNumberScheduled: NODES, currentNumberScheduled: NODES, numberMisscheduled: 0, numberReady: NODES, numberAvailable: NODES })
})

t.test('StatefulSet - web-0, web-1, web-2 in order, with their claims', async (t) => {
  const snapshots = await webSnapshots
  // In every snapshot, a member is there only with all lower ordinals there and Ready.
  const outOfOrder = snapshots.filter((snap) => snap.split(',').some((_, i, all) => i > 0 && (all[i - 1] !== `web-${i - 1}+` || !all[i]!.startsWith(`web-${i}`))))
  t.same(outOfOrder, [], `ordered: ${snapshots.join(' | ')}`)
  const pods = await podsOf('web')
  const byName = new Map(pods.map((p) => [p.metadata.name ?? '', p]))
  t.same([...byName.keys()].sort(), ['web-0', 'web-1', 'web-2'])
  for (const i of [1, 2]) {
    const prev = byName.get(`web-${i - 1}`)!
    const created = Date.parse(byName.get(`web-${i}`)!.metadata.creationTimestamp ?? '')
    // Timestamps have second resolution: created no earlier than the second its predecessor became Ready.
    t.ok(created >= readySince(prev), `web-${i} created (${byName.get(`web-${i}`)!.metadata.creationTimestamp}) after web-${i - 1} was Ready`)
  }
  const spec = byName.get('web-1')!.spec as StatefulPodSpec
  t.equal(spec.hostname, 'web-1')
  t.equal(spec.subdomain, 'web')
  t.same(spec.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-web-1' })
  t.same(await claimNames(), ['www-web-0', 'www-web-1', 'www-web-2'])
  const sts = await waitFor(async () => {
    const s = await kubectlJson<StatefulSet>(kubectl, ['get', 'sts', 'web'])
    return s.status?.readyReplicas === 3 ? s : undefined
  }, { timeoutMs: 30_000, what: 'the StatefulSet status' })
  t.match(sts.status, { replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 })
  t.equal(sts.status?.currentRevision, sts.status?.updateRevision)
  const status = await kubectl(['rollout', 'status', 'statefulset/web', '--timeout=30s'])
  t.equal(status.code, 0, `kubectl rollout status: ${status.stdout.trim()} ${status.stderr.trim()}`)
})

t.test('StatefulSet - scaled to 1: web-2 goes, then web-1; the claims stay', async (t) => {
  const scaled = await kubectl(['scale', 'statefulset', 'web', '--replicas=1'])
  t.equal(scaled.code, 0, scaled.stderr)
  const seen: string[] = []
  await waitFor(async () => {
    const names = (await podsOf('web')).map((p) => p.metadata.name ?? '').sort()
    const key = names.join(',')
    if (seen.at(-1) !== key) seen.push(key)
    return key === 'web-0' ? true : undefined
  }, { timeoutMs: 90_000, intervalMs: 200, what: 'only web-0 left' })
  t.notOk(seen.some((s) => s.includes('web-2') && !s.includes('web-1')), `never web-1 gone while web-2 remained: ${seen.join(' | ')}`)
  t.same(await claimNames(), ['www-web-0', 'www-web-1', 'www-web-2'])
})

t.test('DaemonSet - a rolling update of the template replaces every pod', async (t) => {
  const before = new Set(firstAgents.map((p) => p.metadata.name))
  const changed = await kubectl(['set', 'env', 'daemonset/agent', 'ROLLOUT=2'])
  t.equal(changed.code, 0, changed.stderr)
  const rollout = await kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=90s'], { timeoutMs: 100_000 })
  t.equal(rollout.code, 0, `kubectl rollout status: ${rollout.stdout.trim()} ${rollout.stderr.trim()}`)
  const { pods } = await daemonSettled('the rolled-out agent pods', (pods) => pods.every((p) => !before.has(p.metadata.name)))
  t.equal(new Set(pods.map((p) => p.metadata.labels?.['controller-revision-hash'])).size, 1, 'one revision')
  t.equal(new Set(pods.map((p) => p.spec.nodeName)).size, NODES)
  t.same(pods[0]?.spec.containers[0]?.env, [{ name: 'ROLLOUT', value: '2' }])
})

t.test('StatefulSet - scaled back to 3 the members reuse their claims; a template change rolls from web-2 down to web-0', async (t) => {
  const scaled = await kubectl(['scale', 'statefulset', 'web', '--replicas=3'])
  t.equal(scaled.code, 0, scaled.stderr)
  await waitFor(async () => {
    const pods = await podsOf('web')
    return pods.length === 3 && pods.every(ready) ? true : undefined
  }, { timeoutMs: 90_000, intervalMs: 200, what: '3 ready web pods again' })
  t.same(await claimNames(), ['www-web-0', 'www-web-1', 'www-web-2'], 'no new claims')
  // A watch sees every member's versions in order (polls could see two members change between them).
  const watch = spawnKubectl(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'), ['get', 'pods', '-l', 'app=web', '-w', '-o', 'jsonpath={.metadata.name} {.metadata.labels.controller-revision-hash}{"\\n"}'])
  let watched = ''
  watch.stdout?.on('data', (chunk: Buffer) => (watched += chunk.toString()))
  t.teardown(() => void watch.kill())
  const changed = await kubectl(['set', 'env', 'statefulset/web', 'ROLLOUT=2'])
  t.equal(changed.code, 0, changed.stderr)
  const updateRevision = await waitFor(async () => {
    const s = await kubectlJson<StatefulSet>(kubectl, ['get', 'sts', 'web'])
    return s.status?.updateRevision !== s.status?.currentRevision ? s.status?.updateRevision : undefined
  }, { timeoutMs: 30_000, what: 'a new update revision' })
  // The order in which members first show up at the new revision.
  const order = await waitFor(async () => {
    const names: string[] = []
    for (const line of watched.split('\n')) {
      const [name, revision] = line.split(' ')
      if (name !== undefined && revision === updateRevision && !names.includes(name)) names.push(name)
    }
    return names.length === 3 ? names : undefined
  }, { timeoutMs: 90_000, intervalMs: 100, what: 'every member at the new revision' })
  t.same(order, ['web-2', 'web-1', 'web-0'])
  const rollout = await kubectl(['rollout', 'status', 'statefulset/web', '--timeout=60s'], { timeoutMs: 70_000 })
  t.equal(rollout.code, 0, rollout.stderr)
  const sts = await kubectlJson<StatefulSet>(kubectl, ['get', 'sts', 'web'])
  t.match(sts.status, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: updateRevision, updateRevision })
})

t.test('StatefulSet - claim retention Delete: a scaled-down member takes its claim along, and so does the deleted set', async (t) => {
  const db = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      replicas: 2,
      serviceName: 'web',
      selector: { matchLabels: { app: 'db' } },
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'actorkube/sleep', resources: { requests: { cpu: '10m' } } }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  }
  const file = join(stateDir, 'db.json')
  await writeFile(file, JSON.stringify(db))
  const created = await kubectl(['apply', '-f', file])
  t.equal(created.code, 0, created.stderr)
  const dbClaims = async () => (await claimNames()).filter((n) => n.startsWith('data-db-'))
  await waitFor(async () => {
    const pods = await podsOf('db')
    return pods.length === 2 && pods.every(ready) ? true : undefined
  }, { timeoutMs: 90_000, intervalMs: 200, what: '2 ready db pods' })
  t.same(await dbClaims(), ['data-db-0', 'data-db-1'])
  const claim = await kubectlJson<PersistentVolumeClaim>(kubectl, ['get', 'pvc', 'data-db-0'])
  t.same(claim.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['StatefulSet/db'])
  const scaled = await kubectl(['scale', 'statefulset', 'db', '--replicas=1'])
  t.equal(scaled.code, 0, scaled.stderr)
  await waitFor(async () => ((await dbClaims()).join(',') === 'data-db-0' ? true : undefined), { timeoutMs: 60_000, intervalMs: 250, what: 'data-db-1 deleted after db-1' })
  const deleted = await kubectl(['delete', 'statefulset', 'db'])
  t.equal(deleted.code, 0, deleted.stderr)
  await waitFor(async () => ((await dbClaims()).length === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250, what: 'data-db-0 deleted with the set' })
  t.same(await claimNames(), ['www-web-0', 'www-web-1', 'www-web-2'], "web's claims (Retain) are untouched")
})
