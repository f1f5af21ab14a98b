/**
 * A hollow pool (`actorkube up --hollow-nodes 60`): one host carries 60 nodes whose kubelets run
 * pods without processes. They register Ready, a Deployment's pods run on them, a pod whose
 * container exits on its own succeeds, the read-only endpoint and `pods/log` answer, and
 * deleting the Deployment removes its pods.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Pod } from '../../actors/kube/objects.ts'
import { upWithApi } from '../helpers/up-api.ts'
import { waitFor } from '../helpers/wait.ts'

t.setTimeout(300_000)
const NODES = 60
const { stateDir, api } = await upWithApi(t, 'ak-hollow-', {}, ['--masters', '1', '--workers', '0', '--hollow-nodes', String(NODES)])
const PODS = '/api/v1/namespaces/default/pods'
const list = async (selector: string) => (await api.list(PODS, { labelSelector: selector })).items as unknown as Pod[]

t.test('hollow - every node of the pool registers Ready', async (t) => {
  const nodes = await waitFor(async () => {
    const items = (await api.list('/api/v1/nodes')).items
    const ready = items.filter((n) => ((n.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
    return ready.length === NODES ? ready : undefined
  }, { timeoutMs: 60_000, what: `${NODES} Ready nodes` })
  t.equal(nodes.length, NODES)
  t.match(nodes[0]?.metadata?.labels, { 'node.actorkube.io/hollow': 'true', 'node.actorkube.io/runtime': 'hollow' })
  const leases = await waitFor(async () => {
    const items = (await api.list('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).items
    return items.length === NODES ? items : undefined
  }, { timeoutMs: 15_000, what: `${NODES} node leases` })
  t.equal(leases.length, NODES, 'each node heartbeats through its own Lease')
})

t.test('hollow - a Deployment of 120 runs on the pool; a pod that exits 0 succeeds', async (t) => {
  await api.create('/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'many' },
    spec: {
      replicas: 120,
      selector: { matchLabels: { app: 'many' } },
      template: { metadata: { labels: { app: 'many' } }, spec: { containers: [{ name: 'c', image: 'actorkube/sleep', resources: { requests: { cpu: '10m' } } }] } },
    },
  } as KubeObject)
  const running = await waitFor(async () => {
    const pods = await list('app=many')
    const ready = pods.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    return ready.length === 120 ? ready : undefined
  }, { timeoutMs: 120_000, intervalMs: 500, what: '120 pods Running and Ready' })
  t.ok(new Set(running.map((p) => p.spec.nodeName)).size >= 30, 'spread over the pool')
  t.ok(running.every((p) => /^10\.\d+\.\d+\.\d+$/.test(p.status?.podIP ?? '')), 'each with an address from the hollow range')

  await api.create(PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'job', labels: { app: 'job' }, annotations: { 'hollow.actorkube.io/exit-after-ms': '300', 'hollow.actorkube.io/exit-code': '0' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'actorkube/sleep' }] },
  } as KubeObject)
  const done = await waitFor(async () => (await list('app=job')).find((p) => p.status?.phase === 'Succeeded'), { timeoutMs: 30_000, what: 'the job pod Succeeded' })
  t.match(done.status?.containerStatuses?.[0]?.state?.terminated, { exitCode: 0, reason: 'Completed' })
  const logs = await api.call('GET', `${PODS}/job/log`)
  t.equal(logs.status, 200, JSON.stringify(logs.body))
  t.ok(typeof logs.body === 'string' && logs.body.length > 0, 'pods/log answers from the hollow runtime')
})

t.test('hollow - the read-only endpoint lists the pool\'s pods and counts', async (t) => {
  const line = readFileSync(join(stateDir, 'logs', 'hollow-1.log'), 'utf8').split('\n').find((l) => l.includes('kubelet read-only endpoint listening'))
  t.ok(line, 'the endpoint logged its port')
  const port = (JSON.parse(line!) as { port: number }).port
  const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { runtime: { runtime: string; sandboxes: number }; nodes: { name: string; pods: number }[] }
  t.equal(stats.runtime.runtime, 'hollow')
  t.equal(stats.nodes.length, NODES)
  t.equal(stats.nodes.reduce((n, x) => n + x.pods, 0), 121, 'the 120 replicas and the job')
  const podList = (await (await fetch(`http://127.0.0.1:${port}/pods`)).json()) as { kind: string; items: unknown[] }
  t.equal(podList.kind, 'PodList')
  t.equal(podList.items.length, 121)
})

t.test('hollow - deleting the Deployment removes its pods', async (t) => {
  await api.call('DELETE', '/apis/apps/v1/namespaces/default/deployments/many', { body: { propagationPolicy: 'Background' } })
  await waitFor(async () => (await list('app=many')).length === 0, { timeoutMs: 90_000, intervalMs: 500, what: 'every pod of the Deployment gone' })
  t.pass('the kubelets stopped them and deleted them for good')
})
