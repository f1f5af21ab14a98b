import t from 'tap'
import { reconcilePodGc } from '../../../actors/controllers/pod-gc.ts'
import type { DeleteAction } from '../../../actors/controllers/actions.ts'
import type { Node } from '../../../actors/kube/objects.ts'
import { T0, pod, summary } from './fixtures.ts'

const node = (name: string): Node => ({ metadata: { name } })
const PODS = '/api/v1/namespaces/default/pods'

t.test('PodGC - pods of a deleted node go after the quarantine, marked Failed with DisruptionTarget', async (t) => {
  const pods = [pod({ name: 'on-live', node: 'n1' }), pod({ name: 'on-gone', node: 'gone' }), pod({ name: 'done-on-gone', node: 'gone', phase: 'Succeeded' })]
  const first = reconcilePodGc({ pods, nodes: [node('n1')] }, T0, { quarantineMs: 5000 })
  t.same(first.actions, [], 'quarantined')
  t.equal(first.requeueAfterMs, 5000)
  const early = reconcilePodGc({ pods, nodes: [node('n1')], missingSince: first.missingSince }, T0 + 4999, { quarantineMs: 5000 })
  t.same([early.actions, early.requeueAfterMs], [[], 1])
  const due = reconcilePodGc({ pods, nodes: [node('n1')], missingSince: early.missingSince }, T0 + 5000, { quarantineMs: 5000 })
  t.same(summary(due.actions), [
    `patch ${PODS}/on-gone/status {"status":{"phase":"Failed","conditions":[{"type":"DisruptionTarget","status":"True","reason":"DeletionByPodGC","message":"PodGC: node no longer exists","lastTransitionTime":"2026-01-01T00:00:05Z"}]}}`,
    `delete ${PODS}/on-gone`,
    `patch ${PODS}/done-on-gone/status {"status":{"conditions":[{"type":"DisruptionTarget","status":"True","reason":"DeletionByPodGC","message":"PodGC: node no longer exists","lastTransitionTime":"2026-01-01T00:00:05Z"}]}}`,
    `delete ${PODS}/done-on-gone`,
  ])
  t.same((due.actions[1] as DeleteAction).gracePeriodSeconds, 0, 'force')
  t.same((due.actions[1] as DeleteAction).preconditions, { uid: 'uid-on-gone' })

  const back = reconcilePodGc({ pods, nodes: [node('n1'), node('gone')], missingSince: first.missingSince }, T0 + 9000, { quarantineMs: 5000 })
  t.same([back.actions, back.missingSince.size], [[], 0], 'the node came back: nothing to do, quarantine forgotten')
})

t.test('PodGC - terminated pods beyond the threshold go, evicted first, then the oldest', async (t) => {
  const evicted = { ...pod({ name: 'evicted', node: 'n1', phase: 'Failed', created: T0 + 3000 }) }
  const pods = [
    pod({ name: 'new', node: 'n1', phase: 'Succeeded', created: T0 + 2000 }),
    pod({ name: 'old', node: 'n1', phase: 'Failed', created: T0 }),
    { ...evicted, status: { ...evicted.status, reason: 'Evicted' } },
    pod({ name: 'mid', node: 'n1', phase: 'Succeeded', created: T0 + 1000 }),
    pod({ name: 'running', node: 'n1', created: T0 - 1000 }),
  ]
  const r = reconcilePodGc({ pods, nodes: [node('n1')] }, T0 + 10_000, { terminatedPodThreshold: 2 })
  t.same(summary(r.actions), [`delete ${PODS}/evicted`, `delete ${PODS}/old`])
  t.same(reconcilePodGc({ pods, nodes: [node('n1')] }, T0, { terminatedPodThreshold: 0 }).actions, [], '0 disables the pass')
  t.same(reconcilePodGc({ pods, nodes: [node('n1')] }, T0).actions, [], 'under the default 12500')
})

t.test('PodGC - an unscheduled pod being deleted goes at once; a bound one is its kubelet’s', async (t) => {
  const pods = [pod({ name: 'pending-deleting', deleting: true }), pod({ name: 'bound-deleting', node: 'n1', deleting: true }), pod({ name: 'pending' })]
  const r = reconcilePodGc({ pods, nodes: [node('n1')] }, T0)
  t.same(summary(r.actions), [`delete ${PODS}/pending-deleting`])
  t.equal((r.actions[0] as DeleteAction).gracePeriodSeconds, 0)
})

t.test('PodGC - a pod both terminated beyond the threshold and orphaned is deleted once', async (t) => {
  const pods = [pod({ name: 'x', node: 'gone', phase: 'Failed', created: T0 }), pod({ name: 'y', node: 'n1', phase: 'Failed', created: T0 + 1 })]
  const r = reconcilePodGc({ pods, nodes: [node('n1')], missingSince: new Map([['gone', T0 - 10_000]]) }, T0, { terminatedPodThreshold: 1 })
  t.same(summary(r.actions), [`delete ${PODS}/x`])
})
