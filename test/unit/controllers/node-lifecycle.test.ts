import t from 'tap'
import { evictionTime, NODE_LIFECYCLE_DEFAULTS, reconcileNodeLifecycle, type NodeLifecycleConfig } from '../../../actors/controllers/node-lifecycle.ts'
import type { Action, PatchAction, UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import type { Lease, Node, Pod, Taint, Toleration } from '../../../actors/kube/objects.ts'
import { T0, at, pod, summary } from './fixtures.ts'

const node = (ready: 'True' | 'False' | 'Unknown', heartbeat: number, taints?: Taint[]): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '7', creationTimestamp: at(T0 - 60_000) },
  spec: taints ? { taints } : {},
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: at(heartbeat), lastTransitionTime: at(T0 - 60_000) },
      { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: at(heartbeat), lastTransitionTime: at(T0 - 60_000) },
    ],
  },
})
const lease = (renew: number): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'n1', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: at(renew) },
})
/** A second node that stays Ready: with every node down the controller would stop evicting (full disruption). */
const healthy: Node = { ...node('True', T0), metadata: { name: 'n0', creationTimestamp: at(T0) } }
const healthyLease: Lease = { ...lease(T0), metadata: { name: 'n0', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n0', renewTime: at(T0 + 3_600_000) } }
const unreachable = (Exists: number | undefined): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(Exists !== undefined ? { tolerationSeconds: Exists } : {}) })
const NODE_PATH = '/api/v1/nodes/n1'
const PODS = '/api/v1/namespaces/default/pods'

t.test('NodeLifecycle - eviction time: untolerated at once, min tolerationSeconds from the earliest timeAdded, forever without seconds', async (t) => {
  const taints: Taint[] = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(T0) }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]
  const now = T0 + 1000
  t.equal(evictionTime(pod({ name: 'a' }), taints, now, null), now)
  t.equal(evictionTime(pod({ name: 'a' }), taints, now, 5), T0 + 5000, 'the default toleration')
  t.equal(evictionTime(pod({ name: 'a', tolerations: [unreachable(30), unreachable(10)] }), taints, now, 5), T0 + 10_000)
  t.equal(evictionTime(pod({ name: 'a', tolerations: [unreachable(undefined)] }), taints, now, 5), undefined)
  t.equal(evictionTime(pod({ name: 'a' }), [{ key: 'dedicated', effect: 'NoExecute', timeAdded: at(T0) }], now, 5), now, 'other NoExecute taints are not defaulted')
  t.equal(evictionTime(pod({ name: 'a' }), [{ key: 'x', effect: 'NoSchedule' }], now, 5), undefined)
})

t.test('NodeLifecycle - timeline: lease renewed -> stale -> Unknown + taints -> eviction after tolerationSeconds -> recovery', async (t) => {
  const grace = 5000
  let n = node('True', T0)
  let l = lease(T0)
  let pods: Pod[] = [
    pod({ name: 'default-tol', node: 'n1', ready: true }),
    pod({ name: 'tol-10s', node: 'n1', ready: true, tolerations: [unreachable(10)] }),
    pod({ name: 'forever', node: 'n1', ready: true, tolerations: [unreachable(undefined)] }),
    pod({ name: 'elsewhere', node: 'n2', ready: true }),
  ]
  const run = (now: number): Action[] => {
    const r = reconcileNodeLifecycle({ nodes: [n, healthy], leases: [l, healthyLease], pods }, now, { gracePeriodMs: grace })
    for (const a of r.actions) {
      if (a.type === 'updateStatus' && a.path === `${NODE_PATH}/status`) n = a.object as Node
      if (a.type === 'patch') n = { ...n, spec: { ...n.spec, taints: ((a.body as { spec: { taints: Taint[] | null } }).spec.taints ?? undefined) as Taint[] } }
      if (a.type === 'updateStatus' && a.path.startsWith(PODS)) pods = pods.map((p) => (a.path === `${PODS}/${p.metadata.name}/status` ? (a.object as Pod) : p))
      if (a.type === 'delete') pods = pods.filter((p) => a.path !== `${PODS}/${p.metadata.name}`)
    }
    return r.actions
  }

  // 3 s: the kubelet renews its lease; nothing to do, look again when it would go stale.
  l = lease(T0 + 3000)
  const fresh = reconcileNodeLifecycle({ nodes: [n, healthy], leases: [l, healthyLease], pods }, T0 + 3000, { gracePeriodMs: grace })
  t.same(fresh.actions, [])
  t.equal(fresh.requeueAfterMs, 5001)

  // 9 s: 6 s without a renewal -> Unknown, taints, pods not ready; nothing evicted yet.
  const stale = run(T0 + 9000)
  t.same(summary(stale), [
    `updateStatus ${NODE_PATH}/status`,
    'event Normal NodeNotReady Node/n1: Node n1 status is now: NodeNotReady',
    `patch ${NODE_PATH} {"spec":{"taints":[{"key":"node.kubernetes.io/unreachable","effect":"NoSchedule"},{"key":"node.kubernetes.io/unreachable","effect":"NoExecute","timeAdded":"${at(T0 + 9000)}"}]}}`,
    `updateStatus ${PODS}/default-tol/status`,
    'event Warning NodeNotReady Pod/default-tol: Node is not ready',
    `updateStatus ${PODS}/tol-10s/status`,
    'event Warning NodeNotReady Pod/tol-10s: Node is not ready',
    `updateStatus ${PODS}/forever/status`,
    'event Warning NodeNotReady Pod/forever: Node is not ready',
  ])
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')
  t.same([ready?.status, ready?.reason, ready?.message, ready?.lastTransitionTime, ready?.lastHeartbeatTime], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', at(T0 + 9000), at(T0)])
  t.equal(n.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown')
  t.equal((stale[0] as UpdateStatusAction).object.metadata.resourceVersion, '7', 'precondition: the node as read')
  t.equal(pods[0]?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False')
  t.equal((stale[2] as PatchAction).patchType, 'application/merge-patch+json')

  // 10 s: nothing new (idempotent), the next eviction is due at 11 s.
  const idle = reconcileNodeLifecycle({ nodes: [n, healthy], leases: [l, healthyLease], pods }, T0 + 10_000, { gracePeriodMs: grace })
  t.same(idle.actions, [])
  t.equal(idle.requeueAfterMs, 1000)

  // 10.999 s: still tolerated; 11 s: the default 2 s toleration has run out.
  t.same(run(T0 + 10_999), [])
  t.same(summary(run(T0 + 11_000)), [`delete ${PODS}/default-tol`, 'event Normal TaintManagerEviction Pod/default-tol: Marking for deletion Pod default/default-tol'])
  // 19 s: tolerationSeconds 10 has run out; `forever` stays.
  t.same(summary(run(T0 + 19_000)), [`delete ${PODS}/tol-10s`, 'event Normal TaintManagerEviction Pod/tol-10s: Marking for deletion Pod default/tol-10s'])
  t.same(run(T0 + 60_000), [])
  t.same(pods.map((p) => p.metadata.name), ['forever', 'elsewhere'])

  // 61 s: the kubelet is back: lease renewed, Ready=True posted -> taints removed.
  l = lease(T0 + 61_000)
  n = { ...n, status: { conditions: node('True', T0 + 61_000).status?.conditions ?? [] } }
  t.same(summary(run(T0 + 61_000)), [`patch ${NODE_PATH} {"spec":{"taints":null}}`])
  t.same(n.spec?.taints, undefined)
  t.same(run(T0 + 62_000), [])
})

t.test("NodeLifecycle - up's defaults: Unknown after 5 s without a heartbeat, evicted 2 s after the taint; options override both", async (t) => {
  const cases: { config: NodeLifecycleConfig; unknownAt: number; evictedAt: number }[] = [
    // The taint's timeAdded is in whole seconds (metav1.Time), as in Kubernetes: the toleration counts from T0 + 5 s.
    { config: {}, unknownAt: 5001, evictedAt: 7000 },
    { config: { gracePeriodMs: 3000, defaultTolerationSeconds: 0 }, unknownAt: 3001, evictedAt: 3001 },
    { config: { gracePeriodMs: 40_000, defaultTolerationSeconds: 300 }, unknownAt: 40_001, evictedAt: 340_000 },
  ]
  t.same(NODE_LIFECYCLE_DEFAULTS, { gracePeriodMs: 5000, defaultTolerationSeconds: 2 })
  for (const { config, unknownAt, evictedAt } of cases) {
    let n = node('True', T0)
    const victim = pod({ name: 'p', node: 'n1', ready: true })
    const pass = (ms: number) => {
      const r = reconcileNodeLifecycle({ nodes: [n, healthy], leases: [lease(T0), healthyLease], pods: [victim] }, T0 + ms, config)
      for (const a of r.actions) if (a.type === 'patch') n = { ...n, spec: { taints: (a.body as { spec: { taints: Taint[] } }).spec.taints } }
      return r
    }
    const label = JSON.stringify(config)
    t.same(pass(unknownAt - 1).actions, [], `${label}: Ready just before the grace runs out`)
    const stale = pass(unknownAt)
    t.ok(stale.actions.some((a) => a.type === 'patch'), `${label}: tainted once it has`)
    t.equal(stale.actions.some((a) => a.type === 'delete'), evictedAt === unknownAt, `${label}: evicted in the same pass only without a toleration`)
    if (evictedAt > unknownAt) {
      t.equal(stale.requeueAfterMs, evictedAt - unknownAt, `${label}: wakes when the toleration runs out`)
      t.same(pass(evictedAt - 1).actions.filter((a) => a.type === 'delete'), [], `${label}: tolerated until then`)
      t.same(summary(pass(evictedAt).actions.filter((a) => a.type === 'delete')), [`delete ${PODS}/p`], `${label}: evicted then`)
    }
  }
})

t.test('NodeLifecycle - Ready=False gets not-ready taints; other taints are kept; without a default toleration pods go at once', async (t) => {
  const other: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }
  const n = node('False', T0, [other])
  const r = reconcileNodeLifecycle({ nodes: [n, healthy], leases: [lease(T0), healthyLease], pods: [pod({ name: 'p', node: 'n1', ready: false })] }, T0 + 1000, { defaultTolerationSeconds: null })
  t.same(summary(r.actions), [
    `patch ${NODE_PATH} {"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"},{"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"},{"key":"node.kubernetes.io/not-ready","effect":"NoExecute","timeAdded":"${at(T0 + 1000)}"}]}}`,
    `delete ${PODS}/p`,
    'event Normal TaintManagerEviction Pod/p: Marking for deletion Pod default/p',
  ])
})

t.test('NodeLifecycle - a node that never posted status gets Ready Unknown (NodeStatusNeverUpdated)', async (t) => {
  const n: Node = { metadata: { name: 'n1', resourceVersion: '1', creationTimestamp: at(T0) } }
  const r = reconcileNodeLifecycle({ nodes: [n], leases: [], pods: [] }, T0 + 10_000)
  const st = r.actions[0] as UpdateStatusAction
  const ready = (st.object as Node).status?.conditions?.[0]
  t.same([ready?.type, ready?.status, ready?.reason, ready?.message], ['Ready', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.'])
})

t.test('NodeLifecycle - pods already being deleted are not deleted again', async (t) => {
  const n = node('Unknown', T0, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(T0) }])
  const r = reconcileNodeLifecycle({ nodes: [n, healthy], leases: [healthyLease], pods: [pod({ name: 'p', node: 'n1', ready: false, deleting: true })] }, T0 + 60_000)
  t.same(r.actions, [])
})
