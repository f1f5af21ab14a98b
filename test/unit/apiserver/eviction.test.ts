/**
 * The eviction decision (actors/apiserver/eviction.ts), table-tested against kube-apiserver's
 * eviction rules: pods that may skip budgets, no / one / several matching budgets, unhealthy pods
 * under IfHealthyBudget and AlwaysAllow, checkAndDecrement's refusals and the spent status.
 */
import t from 'tap'
import { decideEviction, MULTIPLE_BUDGETS, VIOLATES_BUDGET, withDisruptionTarget, type EvictionDecision } from '../../../actors/apiserver/eviction.ts'
import type { DeleteOptions } from '../../../actors/apiserver/deletion.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../../actors/kube/policy.ts'

const NOW = Date.parse('2026-12-06T13:00:00Z')

function pod(extra: { phase?: string; ready?: boolean; deleting?: boolean; labels?: Record<string, string>; namespace?: string } = {}): Pod {
  return {
    metadata: { name: 'web-1', namespace: extra.namespace ?? 'default', resourceVersion: '41', labels: extra.labels ?? { app: 'web' }, ...(extra.deleting ? { deletionTimestamp: '2026-12-06T12:59:00Z' } : {}) },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i' }] },
    status: { phase: (extra.phase ?? 'Running') as 'Running', conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  }
}

function budget(name: string, status: PodDisruptionBudgetStatus, extra: { selector?: PodDisruptionBudget['spec']['selector']; generation?: number; policy?: 'AlwaysAllow' | 'IfHealthyBudget'; namespace?: string } = {}): PodDisruptionBudget {
  return {
    metadata: { name, namespace: extra.namespace ?? 'default', resourceVersion: '7', generation: extra.generation ?? 1 },
    spec: { minAvailable: 2, selector: extra.selector === undefined ? { matchLabels: { app: 'web' } } : extra.selector, ...(extra.policy ? { unhealthyPodEvictionPolicy: extra.policy } : {}) },
    status: { observedGeneration: 1, ...status },
  }
}

const healthy = { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 }
const exhausted = { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 }
const short = { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 }
const PINNED: DeleteOptions = { preconditions: { resourceVersion: '41' } }

interface Row {
  readonly name: string
  readonly pod: Pod
  readonly budgets: readonly PodDisruptionBudget[]
  readonly options?: DeleteOptions
  /** What the decision must contain. */
  readonly want: object
}

const rows: Row[] = [
  { name: 'no budget: deleted with the client options, a conflict stands', pod: pod(), budgets: [], want: { kind: 'delete', options: {}, onConflict: 'fail' } },
  { name: 'a budget of another namespace does not count', pod: pod(), budgets: [budget('other', exhausted, { namespace: 'kube-system' })], want: { kind: 'delete', options: {} } },
  { name: 'a budget whose selector does not match does not count', pod: pod({ labels: { app: 'db' } }), budgets: [budget('web', exhausted)], want: { kind: 'delete' } },
  { name: 'an empty selector matches every pod of the namespace (policy/v1)', pod: pod({ labels: { app: 'db' } }), budgets: [budget('all', exhausted, { selector: {} })], want: { kind: 'refuse', status: { code: 429 } } },
  { name: 'a nil selector matches nothing', pod: pod(), budgets: [budget('none', exhausted, { selector: null })], want: { kind: 'delete' } },
  { name: 'an invalid selector matches nothing', pod: pod(), budgets: [budget('bad', exhausted, { selector: { matchExpressions: [{ key: 'app', operator: 'Near' as 'In', values: ['web'] }] } })], want: { kind: 'delete' } },
  { name: 'Succeeded: deleted without the budget, no precondition', pod: pod({ phase: 'Succeeded' }), budgets: [budget('web', exhausted)], want: { kind: 'delete', options: {}, onConflict: 'retry' } },
  { name: 'Failed: deleted without the budget', pod: pod({ phase: 'Failed' }), budgets: [budget('web', exhausted)], want: { kind: 'delete', options: {} } },
  { name: 'being deleted: deleted again without the budget', pod: pod({ deleting: true }), budgets: [budget('web', exhausted)], want: { kind: 'delete', options: {} } },
  { name: 'Pending: deleted without the budget, pinned to its resourceVersion', pod: pod({ phase: 'Pending' }), budgets: [budget('web', exhausted)], want: { kind: 'delete', options: PINNED, onConflict: 'retry' } },
  { name: "Pending with the client's own precondition: kept, a conflict is final", pod: pod({ phase: 'Pending' }), budgets: [], options: { preconditions: { resourceVersion: '40' } }, want: { kind: 'delete', options: { preconditions: { resourceVersion: '40' } }, onConflict: 'fail' } },
  { name: 'two budgets: 500', pod: pod(), budgets: [budget('a', healthy), budget('b', healthy)], want: { kind: 'refuse', status: { code: 500, status: { status: 'Failure', message: MULTIPLE_BUDGETS, code: 500 } } } },
  { name: 'one budget with room: spent', pod: pod(), budgets: [budget('web', healthy)], want: { kind: 'spend', options: {}, budget: { status: { disruptionsAllowed: 0, disruptedPods: { 'web-1': '2026-12-06T13:00:00Z' } } } } },
  {
    name: 'no room left: 429 with the DisruptionBudget cause',
    pod: pod(),
    budgets: [budget('web', exhausted)],
    want: { kind: 'refuse', status: { code: 429, status: { reason: 'TooManyRequests', message: VIOLATES_BUDGET, details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] } } } },
  },
  {
    name: 'a budget the controller has not seen at this generation: 429, retry in 10 s',
    pod: pod(),
    budgets: [budget('web', healthy, { generation: 2 })],
    want: { kind: 'refuse', status: { code: 429, status: { details: { retryAfterSeconds: 10, causes: [{ message: 'The disruption budget web is still being processed by the server.' }] } } } },
  },
  { name: 'negative disruptionsAllowed: 403', pod: pod(), budgets: [budget('web', { ...healthy, disruptionsAllowed: -1 })], want: { kind: 'refuse', status: { code: 403, status: { message: 'poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative' } } } },
  {
    name: 'too many unconfirmed evictions: 403',
    pod: pod(),
    budgets: [budget('web', { ...healthy, disruptedPods: Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p${i}`, '2026-12-06T12:59:00Z'])) })],
    want: { kind: 'refuse', status: { code: 403, status: { message: /DisruptedPods map too big/ } } },
  },
  { name: 'unready, budget healthy (IfHealthyBudget): deleted without spending, pinned', pod: pod({ ready: false }), budgets: [budget('web', exhausted)], want: { kind: 'delete', options: PINNED, onConflict: 'tooManyRequests', budget: 'web' } },
  { name: 'unready, budget short of healthy pods: the budget decides (429)', pod: pod({ ready: false }), budgets: [budget('web', short)], want: { kind: 'refuse', status: { code: 429 } } },
  { name: 'unready, desiredHealthy 0: the budget decides (spent)', pod: pod({ ready: false }), budgets: [budget('web', { disruptionsAllowed: 1, currentHealthy: 0, desiredHealthy: 0 })], want: { kind: 'spend' } },
  { name: 'unready under AlwaysAllow: deleted even when the budget is short', pod: pod({ ready: false }), budgets: [budget('web', short, { policy: 'AlwaysAllow' })], want: { kind: 'delete', options: PINNED, budget: 'web' } },
  { name: 'ready under AlwaysAllow: the budget decides', pod: pod(), budgets: [budget('web', short, { policy: 'AlwaysAllow' })], want: { kind: 'refuse', status: { code: 429 } } },
  { name: 'unready with a client precondition: kept, a conflict stands', pod: pod({ ready: false }), budgets: [budget('web', exhausted)], options: { preconditions: { resourceVersion: '40' } }, want: { kind: 'delete', options: { preconditions: { resourceVersion: '40' } }, onConflict: 'fail' } },
]

for (const row of rows) {
  t.test(`eviction - ${row.name}`, async (t) => {
    const decision: EvictionDecision = decideEviction({ pod: row.pod, budgets: row.budgets, options: row.options ?? {}, now: NOW })
    t.match(decision, row.want)
    // t.match would let extra preconditions through: the options must be exactly these.
    const wantOptions = (row.want as { options?: DeleteOptions }).options
    if (wantOptions !== undefined) t.same((decision as { options?: DeleteOptions }).options, wantOptions, 'exactly these delete options')
  })
}

t.test('eviction - spending the last disruption turns DisruptionAllowed False; spending one of two leaves conditions alone', async (t) => {
  const last = decideEviction({ pod: pod(), budgets: [budget('web', healthy)], options: {}, now: NOW })
  if (last.kind !== 'spend') throw new Error(`expected spend, got ${last.kind}`)
  t.match(last.budget.status?.conditions, [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: '2026-12-06T13:00:00Z', observedGeneration: 1 }])
  t.equal(last.budget.metadata.resourceVersion, '7', 'written at the version read')
  const oneOfTwo = decideEviction({ pod: pod(), budgets: [budget('web', { ...healthy, disruptionsAllowed: 2, disruptedPods: { 'web-0': '2026-12-06T12:59:59Z' } })], options: {}, now: NOW })
  if (oneOfTwo.kind !== 'spend') throw new Error(`expected spend, got ${oneOfTwo.kind}`)
  t.equal(oneOfTwo.budget.status?.disruptionsAllowed, 1)
  t.same(oneOfTwo.budget.status?.disruptedPods, { 'web-0': '2026-12-06T12:59:59Z', 'web-1': '2026-12-06T13:00:00Z' }, 'earlier entries kept')
  t.equal(oneOfTwo.budget.status?.conditions, undefined)
})

t.test('eviction - the pod is marked DisruptionTarget (EvictionByEvictionAPI) once', async (t) => {
  const marked = withDisruptionTarget(pod(), NOW)
  t.match(marked?.status?.conditions, [{ type: 'Ready' }, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }])
  t.equal(withDisruptionTarget(marked!, NOW + 1000), undefined, 'already marked: nothing to write')
})
