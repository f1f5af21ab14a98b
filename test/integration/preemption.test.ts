/**
 * Preemption and pod GC against `actorkube up` with 3 masters, a stand-in playing the kubelets
 * (test/helpers/kubelet-stand-in.ts): two nodes full of pods of a low PriorityClass, a pod of a high one
 * arrives, one low-priority pod is preempted (deleted gracefully, with a Preempted event), the
 * preemptor is nominated to that node and bound there once the victim is gone; then a Node is
 * deleted and PodGC removes its pods after the quarantine.
 */
import t from 'tap'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { kubeletStandIn } from '../helpers/kubelet-stand-in.ts'
import { upWithApi } from '../helpers/up-api.ts'
import { waitFor } from '../helpers/wait.ts'

t.setTimeout(120_000)
const { api } = await upWithApi(t, 'ak-preempt-', { timeoutMs: 5000 })

const PODS = '/api/v1/namespaces/default/pods'
const NODES = ['p-node-0', 'p-node-1']
for (const name of NODES) {
  await api.create('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString() }] },
  })
}
const kubelets = kubeletStandIn(api, NODES)
t.teardown(() => kubelets.stop())

for (const [name, value] of [['low', 1], ['vip', 1000]] as const) {
  await api.create('/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value })
}
/** A pod of the PriorityClass its name starts with. */
const pod = (name: string, cpu: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name.split('-')[0]! } },
  spec: { priorityClassName: name.split('-')[0]!, containers: [{ name: 'c', image: 'echo', resources: { requests: { cpu } } }] },
})
const spec = (o: KubeObject) => (o.spec ?? {}) as { nodeName?: string }
const status = (o: KubeObject) => (o.status ?? {}) as { nominatedNodeName?: string; conditions?: { type: string; reason?: string }[] }
const live = async (selector: string) => (await api.list(PODS, { labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp)

t.test('preemption - a high-priority pod takes the place of a low-priority one', async (t) => {
  for (let i = 0; i < 4; i++) await api.create(PODS, pod(`low-${i}`, '900m'))
  const placed = await waitFor(async () => {
    const lows = await live('app=low')
    return lows.length === 4 && lows.every((p) => spec(p).nodeName) ? lows.map((p) => spec(p).nodeName!) : undefined
  }, { timeoutMs: 20_000, what: 'four low-priority pods bound' })
  t.same(NODES.map((n) => placed.filter((p) => p === n).length), [2, 2], 'two per node: 200m left on each')

  const started = Date.now()
  // 1000m: one 900m victim makes room (the other is reprieved).
  await api.create(PODS, pod('vip-0', '1000m'))
  const vip = await waitFor(async () => {
    const v = await api.get(`${PODS}/vip-0`)
    return spec(v).nodeName ? v : undefined
  }, { timeoutMs: 20_000, what: 'the preemptor bound' })
  t.comment(`preemptor bound ${Date.now() - started} ms after it was created`)
  const node = spec(vip).nodeName!
  t.equal((vip.spec as { priority?: number }).priority, 1000, 'priority from its PriorityClass')
  t.equal(status(vip).nominatedNodeName, node, 'nominated to the node it was then bound to')
  const lows = await live('app=low')
  t.equal(lows.length, 3, 'exactly one victim')
  t.equal(lows.filter((p) => spec(p).nodeName === node).length, 1, 'taken from that node')
  const events = (await api.list('/api/v1/namespaces/default/events')).items as unknown as { reason?: string; message?: string; involvedObject?: { name?: string } }[]
  const preempted = events.filter((e) => e.reason === 'Preempted')
  t.equal(preempted.length, 1, 'one Preempted event')
  t.match(preempted[0]?.message, new RegExp(`^Preempted by pod [\\w-]+ on node ${node}$`))
  t.match(preempted[0]?.involvedObject?.name, /^low-\d$/)
  t.ok(events.some((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'vip-0'), 'the preemptor first failed to schedule')
})

t.test('pod GC - the pods of a deleted node are removed after the quarantine', async (t) => {
  const gone = NODES[1]!
  kubelets.kill(gone)
  const on = (await api.list(PODS)).items.filter((p) => spec(p).nodeName === gone).length
  t.ok(on > 0, `${on} pods on ${gone}`)
  const deleted = Date.now()
  await api.delete(`/api/v1/nodes/${gone}`)
  await waitFor(async () => (await api.list(PODS)).items.every((p) => spec(p).nodeName !== gone), { timeoutMs: 20_000, what: `the pods of ${gone} gone` })
  t.comment(`pods removed ${Date.now() - deleted} ms after their node was deleted (quarantine 5 s)`)
  t.ok((await api.list(PODS)).items.some((p) => spec(p).nodeName === NODES[0]), 'the pods of the live node stay')
})
