import t from 'tap'
import { abandonActions, deletionOrder, ownerKeyOf, reconcileReplicaSet } from '../../../actors/controllers/replicaset.ts'
import { observeCreate, observeDeletion, satisfied } from '../../../actors/controllers/expectations.ts'
import { fillEvent, type CreateAction, type UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import type { Pod, ReplicaSet } from '../../../actors/kube/objects.ts'
import { T0, at, pod, replicaSet, summary } from './fixtures.ts'

const owner = { kind: 'ReplicaSet', name: 'web', uid: 'uid-web' }
const mine = (name: string, extra: Partial<Parameters<typeof pod>[0]> = {}): Pod =>
  pod({ name, labels: { app: 'web' }, owner, node: 'n1', ready: true, ...extra })
const POD_PATH = '/api/v1/namespaces/default/pods'
const STATUS_PATH = '/apis/apps/v1/namespaces/default/replicasets/web/status'

t.test('ReplicaSet - scales up from 1 to 3', async (t) => {
  const rs = replicaSet({ name: 'web', replicas: 3, status: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 } })
  const r = reconcileReplicaSet({ replicaSet: rs, pods: [mine('web-a')] }, T0)
  t.same(summary(r.actions), [`create ${POD_PATH}`, `create ${POD_PATH}`])
  const created = (r.actions[0] as CreateAction).object as Pod
  t.same(created.metadata, {
    generateName: 'web-',
    namespace: 'default',
    labels: { app: 'web' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
  })
  t.same(created.spec, rs.spec.template.spec)
  const ok = (r.actions[0] as CreateAction).onSuccess
  t.ok(ok)
  if (ok) {
    const ev = fillEvent(ok, { name: 'web-abc12' }).event
    t.same([ev.type, ev.reason, ev.message, ev.involvedObject.kind, ev.involvedObject.name, ev.source?.component], ['Normal', 'SuccessfulCreate', 'Created pod: web-abc12', 'ReplicaSet', 'web', 'replicaset-controller'])
    t.equal(ok.path, '/api/v1/namespaces/default/events')
  }
  t.same(r.expectations['default/web'], { add: 2, deleting: [], timestamp: T0 })
})

t.test('ReplicaSet - expectations stop a second create until the watch shows the pods, or they time out', async (t) => {
  const rs = replicaSet({ name: 'web', replicas: 3, status: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 } })
  const first = reconcileReplicaSet({ replicaSet: rs, pods: [mine('web-a')] }, T0)
  const again = reconcileReplicaSet({ replicaSet: rs, pods: [mine('web-a')], expectations: first.expectations }, T0 + 1000)
  t.same(again.actions, [], 'no creates while two are outstanding')
  const created = { ...mine('web-b'), metadata: { ...mine('web-b').metadata } }
  const key = ownerKeyOf(created)
  t.equal(key, 'default/web')
  let exp = observeCreate(first.expectations, key ?? '')
  t.notOk(satisfied(exp, 'default/web', T0 + 1000))
  exp = observeCreate(exp, 'default/web')
  t.ok(satisfied(exp, 'default/web', T0 + 1000))
  const late = reconcileReplicaSet({ replicaSet: rs, pods: [mine('web-a')], expectations: first.expectations }, T0 + 5 * 60 * 1000 + 1)
  t.equal(late.actions.filter((a) => a.type === 'create').length, 2, 'expired expectations: count again')
})

t.test('ReplicaSet - scales down from 5 to 2 by Kubernetes ranking', async (t) => {
  const pods = [
    mine('running-old', { created: T0 }),
    mine('running-new', { created: T0 + 5000 }),
    mine('unassigned', { node: '', phase: 'Pending', ready: false }),
    mine('not-ready', { ready: false }),
    mine('restarts', { restarts: 4 }),
  ]
  const rs = replicaSet({ name: 'web', replicas: 2, status: { replicas: 5, fullyLabeledReplicas: 5, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 } })
  const r = reconcileReplicaSet({ replicaSet: rs, pods }, T0 + 10_000)
  t.same(summary(r.actions), [`delete ${POD_PATH}/unassigned`, `delete ${POD_PATH}/not-ready`, `delete ${POD_PATH}/restarts`])
  t.same(r.expectations['default/web'], { add: 0, deleting: ['uid-unassigned', 'uid-not-ready', 'uid-restarts'], timestamp: T0 + 10_000 })
  // Deletions are seen from the pods themselves: a terminating or vanished pod counts as deleted.
  const after = pods.filter((p) => p.metadata.name !== 'unassigned').map((p) => (p.metadata.name === 'not-ready' ? mine('not-ready', { deleting: true }) : p))
  const again = reconcileReplicaSet({ replicaSet: rs, pods: after, expectations: r.expectations }, T0 + 11_000)
  t.same(summary(again.actions), [`updateStatus ${STATUS_PATH}`], 'restarts is not yet seen going: no more deletes, only the status')
  t.same(again.expectations['default/web']?.deleting, ['uid-restarts'])
  const done = reconcileReplicaSet({ replicaSet: rs, pods: after.filter((p) => p.metadata.name !== 'restarts'), expectations: again.expectations }, T0 + 12_000)
  t.same(done.expectations['default/web']?.deleting, [])
  t.same(summary(done.actions), [`updateStatus ${STATUS_PATH}`], 'two left, two wanted')
  t.equal(r.actions[0]?.type === 'delete' ? r.actions[0].onSuccess?.event.message : '', 'Deleted pod: unassigned')
})

t.test('ReplicaSet - deletion ranking table', async (t) => {
  const cases: [string, Pod, Pod][] = [
    ['unassigned before assigned', mine('a', { node: '' }), mine('b')],
    ['Pending before Unknown', mine('a', { phase: 'Pending' }), mine('b', { phase: 'Unknown' })],
    ['Unknown before Running', mine('a', { phase: 'Unknown' }), mine('b', { phase: 'Running' })],
    ['not ready before ready', mine('a', { ready: false }), mine('b', { ready: true })],
    ['ready for less time first', mine('a', { readySince: T0 + 10_000 }), mine('b', { readySince: T0 })],
    ['more restarts first', mine('a', { restarts: 3 }), mine('b', { restarts: 1 })],
    ['newer first', mine('a', { created: T0 + 10_000 }), mine('b', { created: T0 })],
  ]
  for (const [name, first, second] of cases) {
    t.ok(deletionOrder(first, second) < 0, name)
    t.ok(deletionOrder(second, first) > 0, `${name} (reversed)`)
  }
})

t.test('ReplicaSet - ignores terminating and terminal pods, and pods of other controllers', async (t) => {
  const pods = [
    mine('a'),
    mine('gone', { deleting: true }),
    mine('done', { phase: 'Succeeded' }),
    mine('failed', { phase: 'Failed' }),
    pod({ name: 'other', labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'x', uid: 'uid-x' } }),
    pod({ name: 'elsewhere', ns: 'kube-system', labels: { app: 'web' } }),
  ]
  const rs = replicaSet({ name: 'web', replicas: 2, status: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 } })
  t.same(summary(reconcileReplicaSet({ replicaSet: rs, pods }, T0).actions), [`create ${POD_PATH}`])
})

t.test('ReplicaSet - adopts a matching orphan and releases a pod that no longer matches', async (t) => {
  const pods = [mine('a'), pod({ name: 'orphan', labels: { app: 'web' }, ready: true }), mine('relabelled', { labels: { app: 'db' } })]
  const rs = replicaSet({ name: 'web', replicas: 2, status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 } })
  const r = reconcileReplicaSet({ replicaSet: rs, pods }, T0)
  t.same(summary(r.actions), [
    `patch ${POD_PATH}/orphan {"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"uid-web","controller":true,"blockOwnerDeletion":true}],"uid":"uid-orphan"}}`,
    `patch ${POD_PATH}/relabelled {"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web"}],"uid":"uid-relabelled"}}`,
  ])
  t.equal((r.actions[0] as { patchType: string }).patchType, 'application/strategic-merge-patch+json')
})

t.test('ReplicaSet - status: replicas, fullyLabeled, ready, available after minReadySeconds, observedGeneration', async (t) => {
  const rs: ReplicaSet = { ...replicaSet({ name: 'web', replicas: 3, minReadySeconds: 10, generation: 4 }), status: { replicas: 0 } }
  const pods = [
    mine('a', { readySince: T0 }),
    mine('b', { readySince: T0 + 15_000 }),
    { ...mine('c', { ready: false }), metadata: { ...mine('c').metadata, labels: { app: 'web', extra: 'x' } } },
  ]
  const now = T0 + 20_000
  const r = reconcileReplicaSet({ replicaSet: { ...rs, spec: { ...rs.spec, template: { ...rs.spec.template, metadata: { labels: { app: 'web', tier: 'fe' } } } } }, pods }, now)
  const st = r.actions.find((a): a is UpdateStatusAction => a.type === 'updateStatus')
  t.equal(st?.path, STATUS_PATH)
  t.same((st?.object as ReplicaSet).status, { replicas: 3, fullyLabeledReplicas: 0, readyReplicas: 2, availableReplicas: 1, observedGeneration: 4 })
  t.equal(st?.object.metadata.resourceVersion, '10', 'the read resourceVersion is the precondition')
  t.equal(r.requeueAfterMs, 5001, 'b becomes available 10 s after T0+15 s')
})

t.test('ReplicaSet - no writes when in sync', async (t) => {
  const rs = replicaSet({ name: 'web', replicas: 2, status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 } })
  t.same(reconcileReplicaSet({ replicaSet: rs, pods: [mine('a'), mine('b')] }, T0).actions, [])
})

t.test('ReplicaSet - a replica set being deleted creates nothing', async (t) => {
  const rs = replicaSet({ name: 'web', replicas: 3, status: { replicas: 0, observedGeneration: 1, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 } })
  const deleting = { ...rs, metadata: { ...rs.metadata, deletionTimestamp: at(T0) } }
  t.same(reconcileReplicaSet({ replicaSet: deleting, pods: [] }, T0).actions, [])
})

t.test('ReplicaSet - burstReplicas caps creates per reconcile', async (t) => {
  const rs = replicaSet({ name: 'web', replicas: 10, status: { replicas: 0, observedGeneration: 1, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 } })
  const r = reconcileReplicaSet({ replicaSet: rs, pods: [] }, T0, { burstReplicas: 4 })
  t.equal(r.actions.length, 4)
})

t.test('ReplicaSet - a failed delete stops being expected', async (t) => {
  const rs = replicaSet({ name: 'web', replicas: 1, status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 } })
  const pods = [mine('a', { created: T0 }), mine('b', { created: T0 + 1000 })]
  const r = reconcileReplicaSet({ replicaSet: rs, pods }, T0 + 5000)
  t.same(summary(r.actions), [`delete ${POD_PATH}/b`])
  t.same(reconcileReplicaSet({ replicaSet: rs, pods, expectations: r.expectations }, T0 + 6000).actions, [], 'still waiting for b')
  const exp = observeDeletion(r.expectations, 'default/web', 'uid-b')
  t.same(summary(reconcileReplicaSet({ replicaSet: rs, pods, expectations: exp }, T0 + 6000).actions), [`delete ${POD_PATH}/b`], 'tries again')
})

t.test('ReplicaSet - abandonActions lowers expectations by the creates and deletes that never ran', async (t) => {
  const up = reconcileReplicaSet({ replicaSet: replicaSet({ name: 'web', replicas: 3 }), pods: [] }, T0)
  const creates = up.actions.filter((a) => a.type === 'create')
  t.same(abandonActions(up.expectations, 'default/web', creates.slice(1))['default/web'], { add: 1, deleting: [], timestamp: T0 }, 'the first create ran, two did not')
  const down = reconcileReplicaSet({ replicaSet: replicaSet({ name: 'web', replicas: 0 }), pods: [mine('a'), mine('b')] }, T0)
  t.same(abandonActions(down.expectations, 'default/web', down.actions)['default/web']?.deleting, [])
})
