/**
 * The controller manager and scheduler against `actorkube up` with 3 masters. Worker nodes do not
 * exist yet, so a stand-in (test/helpers/kubelet-stand-in.ts) plays their kubelets: the test registers Node objects, it renews
 * their Leases in kube-node-lease, and marks pods bound to a live node Running and Ready. With it:
 * a Deployment of 10 replicas lands on the nodes its selector and anti-affinity allow, a rolling
 * update completes, a node whose heartbeats stop goes NotReady and its pods are recreated on
 * other nodes, and deleting a namespace removes its contents, then itself.
 */
import t, { type Test } from 'tap'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { kubeletStandIn } from '../helpers/kubelet-stand-in.ts'
import { upWithApi } from '../helpers/up-api.ts'
import { waitFor } from '../helpers/wait.ts'

// A cluster, 12 nodes and a rolling update of 10 pods take longer than the default 120 s on a busy 2-core machine.
t.setTimeout(300_000)
const { api } = await upWithApi(t, 'ak-ctrl-', { timeoutMs: 5000 })

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments'
const spec = <T>(o: KubeObject) => o.spec as T
const status = <T>(o: KubeObject) => (o.status ?? {}) as T

const NODES = Array.from({ length: 12 }, (_, i) => `node-${i}`)
for (const name of NODES) {
  await api.create('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(Number(name.split('-')[1]) < 11 ? { disk: 'ssd' } : {}) } },
    status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString() }] },
  })
}
const kubelets = kubeletStandIn(api, NODES)
t.teardown(() => kubelets.stop())

const web = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        nodeSelector: { disk: 'ssd' },
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } },
        containers: [{ name: 'web', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      },
    },
  },
})

const webPods = async () => (await api.list('/api/v1/namespaces/default/pods', { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp)

/** What the pods look like, for a failure message. */
async function podSummary(): Promise<string> {
  const pods = (await api.list('/api/v1/pods')).items
  return pods.map((p) => `${p.metadata?.name}@${spec<{ nodeName?: string }>(p).nodeName ?? '-'}:${status<{ phase?: string }>(p).phase ?? '?'}${p.metadata?.deletionTimestamp ? '(deleting)' : ''}`).join(' ')
}
/** On failure: the pods, replica sets and deployment as they are. */
async function explain<T>(t: Test, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    const rs = (await api.list('/apis/apps/v1/namespaces/default/replicasets')).items.map((r) => `${r.metadata?.name} spec=${spec<{ replicas?: number }>(r).replicas} ${JSON.stringify(r.status)}`)
    const d = await api.get(`${DEPLOYMENTS}/web`).catch(() => undefined)
    t.comment(`pods: ${await podSummary()}\nreplicasets: ${rs.join(' | ')}\ndeployment: ${JSON.stringify(d?.status)} generation ${d?.metadata?.generation}`)
    throw error
  }
}

t.test('controllers - a Deployment of 10 lands one pod per ssd node and becomes available', async (t) => {
  await api.create(DEPLOYMENTS, web('echo:1'))
  const placed = await waitFor(async () => {
    const pods = await webPods()
    const nodes = pods.map((p) => spec<{ nodeName?: string }>(p).nodeName)
    return pods.length === 10 && nodes.every(Boolean) ? nodes : undefined
  }, { timeoutMs: 30_000, what: '10 bound pods' })
  t.equal(new Set(placed).size, 10, 'anti-affinity: no two on one node')
  t.notOk(placed.includes('node-11'), 'nodeSelector: never the node without disk=ssd')
  const available = await waitFor(async () => {
    const d = await api.get(`${DEPLOYMENTS}/web`)
    const s = status<{ availableReplicas?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number }>(d)
    return s.availableReplicas === 10 && s.replicas === 10 && s.updatedReplicas === 10 && s.readyReplicas === 10 ? d : undefined
  }, { timeoutMs: 30_000, what: 'availableReplicas, replicas, updatedReplicas and readyReplicas 10' })
  t.match(status(available), { conditions: [{ type: 'Progressing', status: 'True' }, { type: 'Available', status: 'True' }] })
  const rsList = await api.list('/apis/apps/v1/namespaces/default/replicasets')
  t.equal(rsList.items.length, 1)
  t.match(rsList.items[0]!.metadata, { name: /^web-[a-z0-9]+$/, ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] })
})

t.test('controllers - a rolling update replaces every pod and completes', async (t) => {
  // As `kubectl set image` does: a patch, so the controllers' status writes cannot conflict with it.
  await api.patch(`${DEPLOYMENTS}/web`, { spec: { template: { spec: { containers: [{ name: 'web', image: 'echo:2' }] } } } }, 'application/strategic-merge-patch+json')
  const done = await explain(t, waitFor(async () => {
    const now = await api.get(`${DEPLOYMENTS}/web`)
    const s = status<{ updatedReplicas?: number; availableReplicas?: number; replicas?: number; observedGeneration?: number }>(now)
    const pods = await webPods()
    const images = pods.map((p) => spec<{ containers: { image: string }[] }>(p).containers[0]!.image)
    return s.observedGeneration === now.metadata?.generation && s.updatedReplicas === 10 && s.availableReplicas === 10 && s.replicas === 10 && images.length === 10 && images.every((i) => i === 'echo:2') ? now : undefined
  }, { timeoutMs: 90_000, intervalMs: 500, what: 'the rollout to complete' }))
  t.match(done.metadata?.annotations, { 'deployment.kubernetes.io/revision': '2' })
  const progressing = status<{ conditions?: { type: string; reason?: string }[] }>(done).conditions?.find((c) => c.type === 'Progressing')
  t.equal(progressing?.reason, 'NewReplicaSetAvailable')
})

t.test('controllers - a node whose heartbeats stop goes NotReady and its pod is recreated elsewhere', async (t) => {
  const pods = await webPods()
  const victim = pods[0]!
  const node = spec<{ nodeName: string }>(victim).nodeName
  // 11 ssd nodes for 10 pods: one is free for the replacement.
  kubelets.kill(node)
  const notReady = await waitFor(async () => {
    const n = await api.get(`/api/v1/nodes/${node}`)
    const ready = status<{ conditions?: { type: string; status: string }[] }>(n).conditions?.find((c) => c.type === 'Ready')
    return ready?.status === 'Unknown' && spec<{ taints?: unknown[] } | undefined>(n)?.taints?.length ? n : undefined
  }, { timeoutMs: 20_000, what: `${node} NotReady and tainted` })
  t.match(spec<{ taints?: unknown[] }>(notReady).taints, [{ key: 'node.kubernetes.io/unreachable' }], 'tainted unreachable')
  const replaced = await waitFor(async () => {
    const now = await webPods()
    const nodes = now.map((p) => spec<{ nodeName?: string }>(p).nodeName)
    return now.length === 10 && nodes.every(Boolean) && !nodes.includes(node) ? nodes : undefined
  }, { timeoutMs: 40_000, what: 'the pod recreated on another node' })
  t.equal(new Set(replaced).size, 10)
})

t.test('controllers - deleting a namespace removes its contents, then the namespace', async (t) => {
  await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'scratch' } })
  await api.create('/api/v1/namespaces/scratch/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } })
  await api.create('/api/v1/namespaces/scratch/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } })
  await api.delete('/api/v1/namespaces/scratch')
  await waitFor(async () => ((await api.get('/api/v1/namespaces/scratch').catch((e: { status?: number }) => e)) as { status?: number }).status === 404 || undefined, { timeoutMs: 30_000, what: 'the namespace gone' })
  t.same((await api.list('/api/v1/namespaces/scratch/configmaps')).items, [], 'its ConfigMap went with it')
  t.same((await api.list('/api/v1/namespaces/scratch/pods')).items, [], 'and its Pod')
})
