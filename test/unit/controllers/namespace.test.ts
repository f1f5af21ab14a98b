import t from 'tap'
import { namespacedPaths, reconcileNamespace } from '../../../actors/controllers/namespace.ts'
import type { UpdateAction } from '../../../actors/controllers/actions.ts'
import type { Namespace } from '../../../actors/kube/objects.ts'
import { T0, at, pod, summary } from './fixtures.ts'

const ns = (o: { deleting?: boolean; phase?: 'Active' | 'Terminating'; finalizers?: string[] } = {}): Namespace => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'team', uid: 'uid-team', resourceVersion: '9', ...(o.deleting ? { deletionTimestamp: at(T0) } : {}) },
  spec: { finalizers: o.finalizers ?? ['kubernetes'] },
  status: { phase: o.phase ?? 'Active' },
})
const PODS = '/api/v1/namespaces/team/pods'

t.test('Namespace - an active namespace is left alone', async (t) => {
  t.same(reconcileNamespace({ namespace: ns(), contents: [{ path: PODS, items: [pod({ name: 'a', ns: 'team' })] }] }), { actions: [], waiting: false, remaining: 0 })
})

t.test('Namespace - deletion: Terminating, delete the contents, wait, then finalize', async (t) => {
  const contents = [
    { path: PODS, items: [pod({ name: 'a', ns: 'team' }), pod({ name: 'b', ns: 'team', deleting: true })] },
    { path: '/apis/apps/v1/namespaces/team/deployments', items: [] },
  ]
  const first = reconcileNamespace({ namespace: ns({ deleting: true }), contents })
  t.same(summary(first.actions), ['updateStatus /api/v1/namespaces/team/status', `delete ${PODS}/a (Background)`])
  t.same([first.waiting, first.remaining], [true, 2])
  t.same(first.actions[1], { type: 'delete', path: `${PODS}/a`, preconditions: { uid: 'uid-a' }, propagationPolicy: 'Background' })

  const terminating = ns({ deleting: true, phase: 'Terminating' })
  const second = reconcileNamespace({ namespace: terminating, contents: [{ path: PODS, items: [pod({ name: 'a', ns: 'team', deleting: true })] }] })
  t.same(second.actions, [], 'everything is going: nothing to do but wait')
  t.equal(second.waiting, true)

  const last = reconcileNamespace({ namespace: terminating, contents: [{ path: PODS, items: [] }] })
  t.same(summary(last.actions), ['update /api/v1/namespaces/team/finalize'])
  const obj = (last.actions[0] as UpdateAction).object as Namespace
  t.same(obj.spec?.finalizers, [])
  t.equal(obj.metadata.resourceVersion, '9')
  t.equal(last.waiting, false)

  t.same(reconcileNamespace({ namespace: ns({ deleting: true, phase: 'Terminating', finalizers: [] }), contents: [] }).actions, [], 'already finalized')
})

t.test('Namespace - namespacedPaths lists the built-in namespaced collections', async (t) => {
  t.ok(namespacedPaths('team').includes(PODS))
  t.ok(namespacedPaths('team').includes('/apis/apps/v1/namespaces/team/deployments'))
  t.notOk(namespacedPaths('team').some((p) => p.endsWith('/localsubjectaccessreviews')), 'a create-only review is not listed (nor deleted)')
  t.ok(namespacedPaths('team').includes('/api/v1/namespaces/team/serviceaccounts'))
})
