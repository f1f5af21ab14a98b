/**
 * The disruption controller's step (actors/controllers/disruption.ts), table-tested on a
 * simulated clock: expectedPods / desiredHealthy / currentHealthy / disruptionsAllowed for
 * minAvailable and maxUnavailable (numbers and percents, scales from a Deployment, a bare
 * ReplicaSet, a StatefulSet), unmanaged pods, disruptedPods kept and pruned, the sync failure
 * fail-safe, the condition, no write when nothing changed; and what marks a budget in the manager.
 */
import t from 'tap'
import { DELETION_TIMEOUT_MS, reconcileDisruptionBudget, type DisruptionInput } from '../../../actors/controllers/disruption.ts'
import type { Deployment, Pod, ReplicaSet } from '../../../actors/kube/objects.ts'
import type { PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from '../../../actors/kube/policy.ts'
import { at, pod, replicaSet, T0, template } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'

const NOW = T0 + 10 * 60_000
const RS_OWNER = { kind: 'ReplicaSet', name: 'web-abc', uid: 'uid-web-abc' }

function budget(spec: PodDisruptionBudgetSpec, status?: PodDisruptionBudgetStatus, generation = 1): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default', uid: 'uid-pdb', resourceVersion: '20', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(status ? { status } : {}) }
}

function deployment(replicas: number): Deployment {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'uid-deploy' }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) } }
}

/** The ReplicaSet web-abc, controlled by the Deployment web unless `bare`. */
function rs(replicas: number, bare = false): ReplicaSet {
  const r = replicaSet({ name: 'web-abc', replicas })
  return bare ? r : { ...r, metadata: { ...r.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-deploy', controller: true }] } }
}

/** `ready` ready pods and `unready` unready ones of web-abc (null: no controller), named web-0, web-1, ... */
function webPods(ready: number, unready = 0, owner: { kind: string; name: string; uid: string } | null = RS_OWNER): Pod[] {
  return Array.from({ length: ready + unready }, (_, i) => pod({ name: `web-${i}`, labels: { app: 'web' }, ready: i < ready, ...(owner ? { owner } : {}) }))
}

const run = (input: Partial<DisruptionInput> & { budget: PodDisruptionBudget }) => reconcileDisruptionBudget({ pods: [], replicaSets: [], deployments: [], ...input }, NOW)
const written = (result: ReturnType<typeof run>): PodDisruptionBudgetStatus | undefined => {
  const a = result.actions[0]
  return a?.type === 'updateStatus' ? (a.object as PodDisruptionBudget).status : undefined
}

interface Row {
  readonly name: string
  readonly input: Partial<DisruptionInput> & { budget: PodDisruptionBudget }
  readonly want: Partial<PodDisruptionBudgetStatus>
}

const rows: Row[] = [
  { name: 'minAvailable 2 of 3 ready: one disruption', input: { budget: budget({ minAvailable: 2 }), pods: webPods(3), replicaSets: [rs(3)], deployments: [deployment(3)] }, want: { expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1, observedGeneration: 1 } },
  { name: 'minAvailable 2, only 2 ready: none', input: { budget: budget({ minAvailable: 2 }), pods: webPods(2, 1) }, want: { expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 } },
  { name: 'minAvailable 2, only 1 ready: none (never negative)', input: { budget: budget({ minAvailable: 2 }), pods: webPods(1, 2) }, want: { currentHealthy: 1, disruptionsAllowed: 0 } },
  { name: 'integer minAvailable counts pods, even unmanaged ones', input: { budget: budget({ minAvailable: 1 }), pods: webPods(2, 0, null) }, want: { expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 } },
  { name: "maxUnavailable 1: the Deployment's scale", input: { budget: budget({ maxUnavailable: 1 }), pods: webPods(3), replicaSets: [rs(3)], deployments: [deployment(3)] }, want: { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 } },
  { name: 'maxUnavailable 1 while scaling up to 5 (3 ready): none', input: { budget: budget({ maxUnavailable: 1 }), pods: webPods(3), replicaSets: [rs(5)], deployments: [deployment(5)] }, want: { expectedPods: 5, desiredHealthy: 4, disruptionsAllowed: 0 } },
  { name: 'maxUnavailable "50%" of 4, rounded up', input: { budget: budget({ maxUnavailable: '50%' }), pods: webPods(4), replicaSets: [rs(4)], deployments: [deployment(4)] }, want: { expectedPods: 4, desiredHealthy: 2, disruptionsAllowed: 2 } },
  { name: 'minAvailable "50%" of 3 rounds up to 2', input: { budget: budget({ minAvailable: '50%' }), pods: webPods(3), replicaSets: [rs(3, true)] }, want: { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 } },
  { name: 'a StatefulSet scale', input: { budget: budget({ maxUnavailable: 1 }), pods: webPods(2, 0, { kind: 'StatefulSet', name: 'db', uid: 'uid-db' }), statefulSets: [{ metadata: { name: 'db', namespace: 'default', uid: 'uid-db' }, spec: { replicas: 2 } }] }, want: { expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 } },
  { name: 'maxUnavailable with unmanaged pods only: expected 0, nothing allowed', input: { budget: budget({ maxUnavailable: 1 }), pods: webPods(2, 0, null) }, want: { expectedPods: 0, desiredHealthy: 0, currentHealthy: 2, disruptionsAllowed: 0 } },
  { name: 'no pods yet: safe, nothing allowed', input: { budget: budget({ minAvailable: 0 }) }, want: { expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0 } },
  { name: 'pods being deleted are not healthy', input: { budget: budget({ minAvailable: 1 }), pods: [...webPods(1), pod({ name: 'web-9', labels: { app: 'web' }, ready: true, deleting: true })] }, want: { expectedPods: 2, currentHealthy: 1, disruptionsAllowed: 0 } },
  { name: 'other labels and other namespaces are not selected', input: { budget: budget({ minAvailable: 1 }), pods: [...webPods(2), pod({ name: 'db', labels: { app: 'db' }, ready: true }), pod({ name: 'web-x', ns: 'other', labels: { app: 'web' }, ready: true })] }, want: { expectedPods: 2, currentHealthy: 2 } },
  { name: 'an empty selector selects the whole namespace (policy/v1)', input: { budget: budget({ minAvailable: 1, selector: {} }), pods: [...webPods(2), pod({ name: 'db', labels: { app: 'db' }, ready: true })] }, want: { expectedPods: 3, currentHealthy: 3, disruptionsAllowed: 2 } },
  { name: 'a generation the status has not seen is observed', input: { budget: budget({ minAvailable: 2 }, { observedGeneration: 1 }, 3), pods: webPods(3) }, want: { observedGeneration: 3 } },
]

for (const row of rows) {
  t.test(`disruption - ${row.name}`, async (t) => {
    const status = written(run(row.input))
    t.match(status, row.want)
    t.match(status?.conditions, [{ type: 'DisruptionAllowed', status: (row.want.disruptionsAllowed ?? 1) > 0 ? 'True' : 'False', reason: (row.want.disruptionsAllowed ?? 1) > 0 ? 'SufficientPods' : 'InsufficientPods', lastTransitionTime: at(NOW) }])
  })
}

t.test('disruption - an eviction in flight: its pod is not healthy, the entry kept and the pass requeued for its expiry', async (t) => {
  const evictedAt = NOW - 30_000
  const result = run({ budget: budget({ minAvailable: 2 }, { disruptedPods: { 'web-0': at(evictedAt) }, disruptionsAllowed: 0 }), pods: webPods(3) })
  const status = written(result)
  t.match(status, { currentHealthy: 2, disruptionsAllowed: 0, disruptedPods: { 'web-0': at(evictedAt) } })
  t.equal(result.requeueAfterMs, evictedAt + DELETION_TIMEOUT_MS - NOW)
})

t.test('disruption - entries are pruned: the pod is being deleted, is gone, or did not go within 2 minutes', async (t) => {
  const stale = at(NOW - DELETION_TIMEOUT_MS - 1000)
  const pods = [...webPods(3), pod({ name: 'web-8', labels: { app: 'web' }, ready: true, deleting: true })]
  const status = written(run({ budget: budget({ minAvailable: 2 }, { disruptedPods: { 'web-0': stale, 'web-8': at(NOW), 'gone': at(NOW) } }), pods }))
  t.equal(status?.disruptedPods, undefined, 'all three entries dropped (the empty map left out, as omitempty does)')
  t.equal(status?.currentHealthy, 3, 'web-0 counts again: its eviction never happened')
})

t.test('disruption - a pod whose controller has no scale fails safe: nothing allowed, SyncFailed with the reason', async (t) => {
  const jobPods = webPods(3, 0, { kind: 'Job', name: 'batch', uid: 'uid-batch' })
  const status = written(run({ budget: budget({ maxUnavailable: 1 }, { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, observedGeneration: 1 }), pods: jobPods }))
  t.match(status, { disruptionsAllowed: 0, currentHealthy: 3, expectedPods: 3 })
  t.match(status?.conditions, [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "web-0"' }])
  const missingRs = written(run({ budget: budget({ minAvailable: '50%' }), pods: webPods(1) }))
  t.match(missingRs?.conditions, [{ reason: 'SyncFailed' }], 'a ReplicaSet not in the cache: no scale either')
})

t.test('disruption - nothing changed: no write; the condition keeps its transition time when its status holds', async (t) => {
  const input = { budget: budget({ minAvailable: 2 }), pods: webPods(3), replicaSets: [rs(3)], deployments: [deployment(3)] }
  const first = written(run(input))!
  const settled = { ...input, budget: { ...input.budget, status: first } }
  t.same(run(settled).actions, [], 'the same status is not written again')
  const later = reconcileDisruptionBudget({ ...settled, pods: [...webPods(3), pod({ name: 'web-3', labels: { app: 'web' }, ready: true, owner: RS_OWNER })], statefulSets: [] }, NOW + 60_000)
  const action = later.actions[0]
  if (action?.type !== 'updateStatus') throw new Error(`expected a status write, got ${JSON.stringify(later.actions)}`)
  const next = action.object as PodDisruptionBudget
  t.equal(next.status?.disruptionsAllowed, 2)
  t.equal(next.status?.conditions?.[0]?.lastTransitionTime, at(NOW), 'still True since the first pass')
  t.equal(next.metadata.resourceVersion, '20', 'written at the version read')
  t.equal(action.path, '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web/status')
})

t.test('disruption - through the manager: budgets at sync, a budget change, a pod of a budget, a pod that left its selector', async (t) => {
  const driver = new ManagerDriver()
  const pdb = budget({ minAvailable: 2 })
  driver.change('podDisruptionBudgets', 'ADDED', pdb)
  driver.change('podDisruptionBudgets', 'ADDED', { ...pdb, metadata: { ...pdb.metadata, name: 'db', uid: 'uid-db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } })
  driver.sync()
  const web0 = pod({ name: 'web-0', labels: { app: 'web' }, ready: true })
  driver.at(100, () => driver.change('pods', 'ADDED', web0))
  driver.at(200, () => driver.change('pods', 'MODIFIED', pod({ name: 'web-0', labels: { app: 'db' }, ready: true })))
  driver.at(300, () => driver.change('podDisruptionBudgets', 'MODIFIED', { ...pdb, metadata: { ...pdb.metadata, generation: 2 } }))
  driver.at(400, () => driver.change('pods', 'ADDED', pod({ name: 'other', labels: { app: 'cache' }, ready: true })))
  driver.runUntil(1000)
  // Runs of one moment in item order (the queue's order among them is not what this checks).
  const runs = driver.starts.filter((s) => s.item.startsWith('disruption:')).map((s) => [s.at, s.item] as const).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
  t.same(runs, [
    [0, 'disruption:default/db'],
    [0, 'disruption:default/web'],
    [100, 'disruption:default/web'],
    [200, 'disruption:default/db'],
    [200, 'disruption:default/web'],
    [300, 'disruption:default/web'],
  ], 'a pod marks the budgets selecting it before and after; an unselected pod marks none')
  const first = driver.starts.find((s) => s.item === 'disruption:default/web')
  t.match(first?.plan, { type: 'act', actions: [{ type: 'updateStatus', path: '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web/status' }] })
})
