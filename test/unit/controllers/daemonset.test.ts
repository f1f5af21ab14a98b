import t from 'tap'
import type { CreateAction, DeleteAction, UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import { daemonSetHash, nodeFit, reconcileDaemonSet, shouldRunOn, targetNodeOf, type DaemonSetResult } from '../../../actors/controllers/daemonset.ts'
import type { DaemonSet, DaemonSetSpec, DaemonSetStatus } from '../../../actors/kube/apps.ts'
import type { Node, Pod, PodPhase, Taint } from '../../../actors/kube/objects.ts'
import { T0, at, pod } from './fixtures.ts'

const LABELS = { app: 'agent' }

function daemonSet(spec: Partial<DaemonSetSpec> = {}, status?: DaemonSetStatus): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', resourceVersion: '5', generation: 2, creationTimestamp: at(T0) },
    spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, ...spec },
    ...(status ? { status } : {}),
  }
}

function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, ...(o.labels ? { labels: o.labels } : {}) }, spec: { ...(o.taints ? { taints: o.taints } : {}) } }
}

/** A pod of the DaemonSet on `nodeName` made from the template with hash `hash`. */
function dsPod(name: string, nodeName: string, hash: string, o: { ready?: boolean; phase?: PodPhase; deleting?: boolean } = {}): Pod {
  return pod({ name, node: nodeName, labels: { ...LABELS, 'controller-revision-hash': hash }, owner: { kind: 'DaemonSet', name: 'agent', uid: 'uid-agent' }, ready: o.ready ?? true, ...(o.phase ? { phase: o.phase } : {}), ...(o.deleting ? { deleting: true } : {}) })
}

const creates = (r: DaemonSetResult): CreateAction[] => r.actions.filter((a): a is CreateAction => a.type === 'create')
const deletes = (r: DaemonSetResult): string[] => r.actions.filter((a): a is DeleteAction => a.type === 'delete').map((a) => a.path.split('/').pop() ?? '')
const statusOf = (r: DaemonSetResult): DaemonSetStatus | undefined => (r.actions.find((a) => a.type === 'updateStatus') as UpdateStatusAction | undefined)?.object['status' as keyof object] as DaemonSetStatus | undefined
const createdNodes = (r: DaemonSetResult): (string | undefined)[] => creates(r).map((c) => targetNodeOf(c.object as Pod)).sort()
const r2 = (r: DaemonSetResult) => ({ deletes: deletes(r), creates: createdNodes(r) })

const HASH = daemonSetHash(daemonSet())

t.test('DaemonSet - which nodes a daemon pod should run on', async (t) => {
  const spec = daemonSet().spec.template.spec
  const cases: { name: string; spec: typeof spec; node: Node; want: boolean }[] = [
    { name: 'a plain node', spec, node: node('n1'), want: true },
    { name: 'nodeSelector matches', spec: { ...spec, nodeSelector: { disk: 'ssd' } }, node: node('n1', { labels: { disk: 'ssd' } }), want: true },
    { name: 'nodeSelector does not match', spec: { ...spec, nodeSelector: { disk: 'ssd' } }, node: node('n1', { labels: { disk: 'hdd' } }), want: false },
    {
      name: 'required node affinity In',
      spec: { ...spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } } },
      node: node('n1', { labels: { zone: 'b' } }),
      want: true,
    },
    {
      name: 'required node affinity NotIn',
      spec: { ...spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }] } } } },
      node: node('n1', { labels: { zone: 'b' } }),
      want: false,
    },
    { name: 'an untolerated NoSchedule taint', spec, node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), want: false },
    { name: 'a PreferNoSchedule taint does not keep it off', spec, node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }] }), want: true },
    { name: 'a tolerated taint', spec: { ...spec, tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), want: true },
    { name: 'default toleration: not-ready NoExecute', spec, node: node('n1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), want: true },
    { name: 'default toleration: unreachable NoExecute', spec, node: node('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), want: true },
    { name: 'default toleration: cordoned', spec, node: node('n1', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), want: true },
    { name: 'default toleration: disk pressure', spec, node: node('n1', { taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] }), want: true },
    { name: 'network-unavailable only for host-network pods', spec, node: node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), want: false },
    { name: 'a template nodeName elsewhere', spec: { ...spec, nodeName: 'n2' }, node: node('n1'), want: false },
  ]
  for (const c of cases) t.equal(shouldRunOn(c.spec, c.node), c.want, c.name)
})

t.test('DaemonSet - one pod per fitting node, pinned by node affinity on metadata.name, with the default tolerations', async (t) => {
  const nodes = [node('n1'), node('n2'), node('n3', { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] })]
  const r = reconcileDaemonSet({ daemonSet: daemonSet(), nodes, pods: [] }, T0)
  t.same(createdNodes(r), ['n1', 'n2'])
  const p = creates(r)[0]!.object as Pod
  t.equal(p.spec.nodeName, undefined, 'the scheduler binds it')
  t.same(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNodeOf(p)] }] }] })
  t.same(
    p.spec.tolerations?.map((x) => `${x.key}:${x.effect}`),
    ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'],
  )
  t.same(p.metadata.labels, { ...LABELS, 'controller-revision-hash': HASH })
  t.same(p.metadata.ownerReferences?.[0]?.kind, 'DaemonSet')
  t.same(statusOf(r), { observedGeneration: 2, desiredNumberScheduled: 2, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, numberUnavailable: 2, updatedNumberScheduled: 0 })
  // Until the creates are seen, nothing more is created.
  const again = reconcileDaemonSet({ daemonSet: daemonSet(), nodes, pods: [], expectations: r.expectations }, T0 + 10)
  t.same(creates(again), [], 'expectations hold creates back')
})

t.test('DaemonSet - nodes that stop fitting lose their pod; duplicates and failed pods go; a terminating pod is waited for', async (t) => {
  const nodes = [node('n1'), node('n2', { taints: [{ key: 'dedicated', effect: 'NoExecute' }] }), node('n3'), node('n4')]
  const pods = [
    dsPod('a1', 'n1', HASH),
    dsPod('a2', 'n2', HASH),
    { ...dsPod('a3', 'n3', HASH), metadata: { ...dsPod('a3', 'n3', HASH).metadata, creationTimestamp: at(T0) } },
    { ...dsPod('a3b', 'n3', HASH), metadata: { ...dsPod('a3b', 'n3', HASH).metadata, creationTimestamp: at(T0 + 1000) } },
    dsPod('a4', 'n4', HASH, { deleting: true }),
    dsPod('gone', 'n9', HASH),
  ]
  const r = reconcileDaemonSet({ daemonSet: daemonSet(), nodes, pods }, T0 + 5000)
  t.same(deletes(r).sort(), ['a2', 'a3b', 'gone'])
  t.same(createdNodes(r), [], 'n4 waits for its terminating pod')
  t.match(statusOf(r), { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 2, numberReady: 2 })
  const failed = reconcileDaemonSet({ daemonSet: daemonSet(), nodes: [node('n1')], pods: [dsPod('f', 'n1', HASH, { phase: 'Failed', ready: false })] }, T0)
  t.same(deletes(failed), ['f'])
  t.same(creates(failed), [], 'the replacement comes on the next pass')
})

t.test('DaemonSet - a NoSchedule taint keeps new pods off but lets a running one stay; NoExecute evicts it', async (t) => {
  const tainted = (effect: Taint['effect']) => node('n1', { taints: [{ key: 'dedicated', value: 'db', effect }] })
  const spec = daemonSet().spec.template.spec
  t.same(nodeFit(spec, tainted('NoSchedule')), { shouldRun: false, shouldContinueRunning: true })
  t.same(nodeFit(spec, tainted('NoExecute')), { shouldRun: false, shouldContinueRunning: false })
  t.same(nodeFit({ ...spec, nodeSelector: { disk: 'ssd' } }, node('n1')), { shouldRun: false, shouldContinueRunning: false })
  const noSchedule = reconcileDaemonSet({ daemonSet: daemonSet(), nodes: [tainted('NoSchedule')], pods: [dsPod('a1', 'n1', HASH)] }, T0)
  t.same(r2(noSchedule), { deletes: [], creates: [] })
  t.match(statusOf(noSchedule), { desiredNumberScheduled: 0, numberMisscheduled: 1 })
  t.same(r2(reconcileDaemonSet({ daemonSet: daemonSet(), nodes: [tainted('NoSchedule')], pods: [] }, T0)), { deletes: [], creates: [] }, 'no new pod')
  t.same(deletes(reconcileDaemonSet({ daemonSet: daemonSet(), nodes: [tainted('NoExecute')], pods: [dsPod('a1', 'n1', HASH)] }, T0)), ['a1'])
})

t.test('DaemonSet - rolling update: maxUnavailable old pods at a time, unavailable old pods at once', async (t) => {
  const next = daemonSet({ template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'c', image: 'agent:2' }] } } })
  const nodes = [node('n1'), node('n2'), node('n3')]
  const old = [dsPod('a1', 'n1', HASH), dsPod('a2', 'n2', HASH), dsPod('a3', 'n3', HASH)]
  const first = reconcileDaemonSet({ daemonSet: next, nodes, pods: old }, T0)
  t.same(deletes(first), ['a1'], 'one node at a time (maxUnavailable 1)')
  // n1's pod is gone: the new one is created, no further deletion while n1 lacks an available pod.
  const second = reconcileDaemonSet({ daemonSet: next, nodes, pods: old.slice(1) }, T0 + 100)
  t.same(createdNodes(second), ['n1'])
  t.same(deletes(second), [])
  const newHash = daemonSetHash(next)
  const third = reconcileDaemonSet({ daemonSet: next, nodes, pods: [dsPod('b1', 'n1', newHash, { ready: false }), ...old.slice(1)] }, T0 + 200)
  t.same(deletes(third), [], 'the new pod is not ready yet')
  const fourth = reconcileDaemonSet({ daemonSet: next, nodes, pods: [dsPod('b1', 'n1', newHash), ...old.slice(1)] }, T0 + 300)
  t.same(deletes(fourth), ['a2'])
  t.match(statusOf(fourth), { updatedNumberScheduled: 1, numberReady: 3 })
  const twoAtOnce = daemonSet({ ...next.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } })
  t.same(deletes(reconcileDaemonSet({ daemonSet: twoAtOnce, nodes, pods: old }, T0)).length, 2, '50% of 3 rounds up to 2')
  const brokenOld = [dsPod('a1', 'n1', HASH, { ready: false }), dsPod('a2', 'n2', HASH, { ready: false }), dsPod('a3', 'n3', HASH)]
  t.same(deletes(reconcileDaemonSet({ daemonSet: next, nodes, pods: brokenOld }, T0)), ['a1', 'a2'], 'unavailable old pods go regardless of the budget')
  const onDelete = daemonSet({ ...next.spec, updateStrategy: { type: 'OnDelete' } })
  t.same(r2(reconcileDaemonSet({ daemonSet: onDelete, nodes, pods: old }, T0)), { deletes: [], creates: [] }, 'OnDelete replaces nothing by itself')
  t.same(createdNodes(reconcileDaemonSet({ daemonSet: onDelete, nodes, pods: old.slice(1) }, T0)), ['n1'], 'OnDelete: a deleted pod comes back from the new template')
})

t.test('DaemonSet - status is written only when it changes; minReadySeconds requeues', async (t) => {
  const nodes = [node('n1')]
  const pods = [dsPod('a1', 'n1', HASH)]
  const status: DaemonSetStatus = { observedGeneration: 2, desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1, numberAvailable: 1, numberUnavailable: 0, updatedNumberScheduled: 1 }
  t.same(reconcileDaemonSet({ daemonSet: daemonSet({}, status), nodes, pods }, T0).actions, [])
  const slow = reconcileDaemonSet({ daemonSet: daemonSet({ minReadySeconds: 10 }), nodes, pods: [pod({ name: 'a1', node: 'n1', labels: { ...LABELS, 'controller-revision-hash': daemonSetHash(daemonSet({ minReadySeconds: 10 })) }, owner: { kind: 'DaemonSet', name: 'agent', uid: 'uid-agent' }, ready: true, readySince: T0 })] }, T0 + 4000)
  t.match(statusOf(slow), { numberReady: 1, numberAvailable: 0 })
  t.equal(slow.requeueAfterMs, 6001)
})
