/**
 * The scheduler against `actorkube up` with 3 masters (one scheduler each, one leading through
 * the kube-scheduler Lease): pods land on nodes that fit (resources, nodeSelector, taints), an
 * unschedulable pod gets kube-scheduler's FailedScheduling event, and when the leader's master is
 * killed another scheduler takes over within the failover goal and goes on binding, with no pod
 * bound twice.
 */
import { join } from 'node:path'
import t from 'tap'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { kubeletStandIn } from '../helpers/kubelet-stand-in.ts'
import { pidsWithArgument } from '../helpers/processes.ts'
import { upWithApi } from '../helpers/up-api.ts'
import { waitFor } from '../helpers/wait.ts'

const { stateDir, api } = await upWithApi(t, 'ak-sched-', { timeoutMs: 2000 })

const PODS = '/api/v1/namespaces/default/pods'
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler'

const node = (name: string, cpu: string, labels: Record<string, string>, taints: unknown[] = []) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: { taints },
  status: { capacity: { cpu, memory: '4Gi', pods: '110' }, allocatable: { cpu, memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
})
const pod = (name: string, cpu: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'echo', resources: { requests: { cpu } } }], ...extra },
})
// The nodes' heartbeats, for both tests: without them the node lifecycle controller taints the
// nodes unreachable once its grace period has passed, and on a slow machine the second test ran
// past it (its last pods then stayed Pending).
const kubelets = kubeletStandIn(api, ['node-a', 'node-b', 'node-c'])
t.teardown(() => kubelets.stop())
const nodeOf = async (name: string) => ((await api.get(`${PODS}/${name}`)).spec as { nodeName?: string }).nodeName
const holder = async () => ((await api.get(LEASE).catch(() => undefined))?.spec as { holderIdentity?: string } | undefined)?.holderIdentity

t.test('scheduler - pods go where they fit; an unschedulable one gets FailedScheduling', async (t) => {
  const leader = await waitFor(async () => (await holder()) || undefined, { timeoutMs: 10_000, what: 'a scheduler leader' })
  t.match(leader, /^master-\d_/, 'a master holds the kube-scheduler lease')
  await api.create('/api/v1/nodes', node('node-a', '2', { zone: 'a' }))
  await api.create('/api/v1/nodes', node('node-b', '2', { zone: 'b' }))
  await api.create('/api/v1/nodes', node('node-c', '4', { zone: 'c' }, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]))
  for (let i = 0; i < 4; i++) await api.create(PODS, pod(`big-${i}`, '900m'))
  await api.create(PODS, pod('zoned', '100m', { nodeSelector: { zone: 'b' } }))
  await api.create(PODS, pod('tolerant', '3', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }] }))
  await api.create(PODS, pod('huge', '3'))

  const placed = await waitFor(async () => {
    const names = ['big-0', 'big-1', 'big-2', 'big-3', 'zoned', 'tolerant']
    const nodes = await Promise.all(names.map(nodeOf))
    return nodes.every((n) => n !== undefined) ? Object.fromEntries(names.map((n, i) => [n, nodes[i]])) : undefined
  }, { timeoutMs: 15_000, what: 'pods bound' })
  const bigs = ['big-0', 'big-1', 'big-2', 'big-3'].map((n) => placed[n])
  t.same(bigs.filter((n) => n === 'node-a').length, 2, 'two 900m pods fit on a 2-cpu node')
  t.same(bigs.filter((n) => n === 'node-b').length, 2)
  t.equal(placed.zoned, 'node-b', 'nodeSelector')
  t.equal(placed.tolerant, 'node-c', 'only the tolerating pod goes to the tainted node')
  const bound = await api.get(`${PODS}/big-0`)
  // Other conditions follow once its (stand-in) kubelet reports it Running.
  t.match((bound.status as { conditions?: { type: string }[] }).conditions?.find((c) => c.type === 'PodScheduled'), { status: 'True' }, 'PodScheduled=True')

  const failed = await waitFor(async () => {
    const list = await api.list('/api/v1/namespaces/default/events', { fieldSelector: 'involvedObject.name=huge' })
    return list.items.find((e: KubeObject) => e.reason === 'FailedScheduling')
  }, { timeoutMs: 15_000, what: 'a FailedScheduling event' })
  t.equal(failed.type, 'Warning')
  t.equal(failed.message, '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: x}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..', 'kube-scheduler\'s message')
  t.equal(await nodeOf('huge'), undefined, 'it stays pending')
  // The event and the status patch are two independent writes: seeing one says nothing of the other.
  const condition = await waitFor(async () => {
    const huge = await api.get(`${PODS}/huge`)
    return (huge.status as { conditions?: { type: string }[] }).conditions?.find((c) => c.type === 'PodScheduled')
  }, { timeoutMs: 15_000, what: 'the PodScheduled condition of the unschedulable pod' })
  t.match(condition, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' })
  const scheduled = await api.list('/api/v1/namespaces/default/events', { fieldSelector: 'reason=Scheduled' })
  t.ok(scheduled.items.some((e: KubeObject) => e.message === `Successfully assigned default/zoned to node-b`), 'Scheduled events')
})

t.test('scheduler - the leader\'s master is killed mid-stream: another takes over and goes on binding, none twice', async (t) => {
  const leader = (await holder())!
  const host = leader.split('_')[0]!
  // Pods keep coming while the leader dies.
  let created = 0
  const creating = (async () => {
    while (created < 30) {
      const outcome = await api.create(PODS, pod(`stream-${created}`, '10m')).catch((e: { status?: number }) => e)
      // A create that timed out at the dying master may have been applied: AlreadyExists then means done.
      if (!(outcome instanceof Error) || outcome.status === 409) created++
    }
  })()
  await waitFor(() => (created >= 10 ? true : undefined), { timeoutMs: 20_000, what: '10 pods created' })
  for (const pid of pidsWithArgument(join(stateDir, 'hosts', `${host}.yaml`))) process.kill(pid, 'SIGKILL')
  const killedAt = Date.now()
  await creating
  const next = await waitFor(async () => {
    const h = await holder().catch(() => undefined)
    return h && !h.startsWith(`${host}_`) ? h : undefined
  }, { timeoutMs: 20_000, intervalMs: 50, what: 'a new scheduler leader' })
  // The new leader stamped its acquisition (same machine, same clock): the failover itself, not this test's polling.
  const acquired = Date.parse(((await api.get(LEASE)).spec as { acquireTime: string }).acquireTime)
  const failoverMs = acquired - killedAt
  t.ok(failoverMs > 0 && failoverMs < 5000, `${next} took over ${failoverMs} ms after the kill (goal 2 s, bounded loosely here on a loaded machine)`)
  const nodes = await waitFor(async () => {
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => nodeOf(`stream-${i}`)))
    return all.every((n) => n !== undefined) ? all : undefined
  }, { timeoutMs: 30_000, what: 'every pod bound, before and after the handover' })
  t.equal(nodes.length, 30, 'none lost')
  const scheduled = await api.list('/api/v1/namespaces/default/events', { fieldSelector: 'reason=Scheduled' })
  const perPod = new Map<string, number>()
  for (const e of scheduled.items) {
    const name = (e.involvedObject as { name: string }).name
    perPod.set(name, (perPod.get(name) ?? 0) + Number(e.count ?? 1))
  }
  t.same([...perPod.entries()].filter(([, n]) => n > 1), [], 'no pod was bound twice')
})
