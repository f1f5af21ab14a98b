import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import { CONTROLLER_DEFAULTS } from '../../../actors/controllers/controller-manager.kind.ts'
import { advance, finishWork, INITIAL_MANAGER_STATE, observeChange, onSynced, startWork, type Plan } from '../../../actors/controllers/manager.ts'
import { namespacedPaths } from '../../../actors/controllers/namespace.ts'
import type { Namespace, Node } from '../../../actors/kube/objects.ts'
import { T0, at, pod, replicaSet, summary } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'
import { apply, memoryCaches } from './memory-caches.ts'

const owner = { kind: 'ReplicaSet', name: 'web', uid: 'uid-web' }
const RS = 'replicaset:default/web'
const POD_PATH = '/api/v1/namespaces/default/pods'
const actionsOf = (plan: Plan | undefined): readonly Action[] => (plan?.type === 'act' ? plan.actions : [])
const creates = (plan: Plan | undefined) => actionsOf(plan).filter((a) => a.type === 'create')

t.test('manager - one run per object at a time: changes during a run bring exactly one more run, after it', async (t) => {
  const driver = new ManagerDriver({ runMs: (item) => (item === RS ? 100 : 0) })
  driver.change('replicaSets', 'ADDED', replicaSet({ name: 'web', replicas: 0 }))
  driver.sync()
  for (const [ms, name] of [[10, 'a'], [20, 'b'], [30, 'c']] as const) driver.at(ms, () => driver.change('pods', 'ADDED', pod({ name, owner, labels: { app: 'web' } })))
  driver.runUntil(1000)
  t.same(driver.startsOf(RS), [0, 100])
  t.same(driver.starts.filter((s) => s.item === RS).map((s) => summary(actionsOf(s.plan)).filter((a) => a.startsWith('delete')).length), [0, 3], 'the second run sees all three pods')
})

t.test('manager - nothing of an object that is gone runs', async (t) => {
  const caches = memoryCaches()
  let state = observeChange(INITIAL_MANAGER_STATE, apply(caches, 'replicaSets', 'ADDED', replicaSet({ name: 'web', replicas: 1 })), caches, T0)
  state = observeChange(state, apply(caches, 'replicaSets', 'DELETED', replicaSet({ name: 'web', replicas: 1 })), caches, T0)
  const step = advance(state, T0, CONTROLLER_DEFAULTS)
  t.ok(step.start.includes(RS))
  t.same(startWork(step.state, RS, caches, T0, CONTROLLER_DEFAULTS).plan, undefined)
})

t.test('manager - a requeue request runs the object again when asked (a pod becomes available after minReadySeconds)', async (t) => {
  const driver = new ManagerDriver()
  driver.change('replicaSets', 'ADDED', replicaSet({ name: 'web', replicas: 1, minReadySeconds: 10 }))
  driver.change('pods', 'ADDED', pod({ name: 'web-a', owner, labels: { app: 'web' }, ready: true, readySince: T0 }))
  driver.sync()
  driver.runUntil(30_000)
  t.same(driver.startsOf(RS), [0, 10_001])
})

t.test('manager - a failed write is retried: a conflict soon, anything else after 500 ms; a whole-cluster pass too, within its interval', async (t) => {
  let failures = 2
  const driver = new ManagerDriver({
    outcome: (item, plan) => {
      if (item === RS && failures > 0) return { notDone: actionsOf(plan), failedStatus: failures-- === 2 ? 409 : 500 }
      if (item === 'gc' && failures === 0) return { notDone: [], failedStatus: (failures = -1, 503) }
      return { notDone: [] }
    },
  })
  driver.change('replicaSets', 'ADDED', replicaSet({ name: 'web', replicas: 1 }))
  driver.sync()
  driver.at(2000, () => driver.change('pods', 'ADDED', pod({ name: 'stray' })))
  driver.runUntil(5000)
  t.same(driver.startsOf(RS), [0, 20, 520, 2000], 'conflict: +20 ms; then +500 ms; then the stray pod')
  t.same(driver.startsOf('gc'), [0, 2000, 3000], 'the failed pass at 2000 runs again a second later')
})

t.test('manager - expectations: creates are expected, seen through the watch, and given up when their write failed', async (t) => {
  const caches = memoryCaches()
  const o = CONTROLLER_DEFAULTS
  let state = onSynced(INITIAL_MANAGER_STATE, caches, T0)
  state = observeChange(state, apply(caches, 'replicaSets', 'ADDED', replicaSet({ name: 'web', replicas: 3 })), caches, T0)
  let step = advance(state, T0, o)
  t.ok(step.start.includes(RS))
  let run = startWork(step.state, RS, caches, T0, o)
  t.equal(creates(run.plan).length, 3)
  t.same(run.state.expectations['default/web'], { add: 3, deleting: [], timestamp: T0 })

  // The first create went through and was seen; the second failed, so the third never ran.
  state = observeChange(run.state, apply(caches, 'pods', 'ADDED', pod({ name: 'web-a', owner, labels: { app: 'web' } })), caches, T0 + 5)
  t.equal(state.expectations['default/web']!.add, 2, 'one create seen')
  const notDone = creates(run.plan).slice(1)
  state = finishWork(state, RS, { notDone, failedStatus: 500 }, T0 + 10)
  t.equal(state.expectations['default/web']!.add, 0, 'the two that did not happen are no longer expected')

  step = advance(state, T0 + 10, o)
  t.same(step.start, [RS], 'marked again by the pod (its run has ended)')
  run = startWork(step.state, RS, caches, T0 + 10, o)
  t.equal(creates(run.plan).length, 2, 'expectations satisfied: the two missing pods are created')
  t.equal(run.state.queue.delayed.get(RS), T0 + 510, 'and the retry of the failed run stays asked for')

  state = observeChange(run.state, apply(caches, 'replicaSets', 'DELETED', replicaSet({ name: 'web', replicas: 3 })), caches, T0 + 20)
  t.equal(state.expectations['default/web'], undefined, 'a deleted replica set\'s expectations go')
})

t.test('manager - a namespace being deleted: its contents are listed, deleted, and looked at again until they are gone', async (t) => {
  const ns: Namespace = { metadata: { name: 'team', uid: 'uid-team', resourceVersion: '5', deletionTimestamp: at(T0) }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } } as Namespace
  let contents = [{ path: '/api/v1/namespaces/team/pods', items: [{ metadata: { name: 'p', uid: 'uid-p' } }] }]
  const listed: (readonly string[])[] = []
  const driver = new ManagerDriver({ list: (paths) => (listed.push(paths), contents) })
  driver.sync()
  driver.at(100, () => driver.change('namespaces', 'MODIFIED', ns))
  driver.at(700, () => (contents = []))
  driver.runUntil(1500)
  t.same(driver.startsOf('namespace:team'), [100, 600, 1100])
  t.same(listed[0], namespacedPaths('team'))
  t.same(driver.starts.filter((s) => s.item === 'namespace:team').map((s) => summary(actionsOf(s.plan))), [
    ['delete /api/v1/namespaces/team/pods/p (Background)'],
    ['delete /api/v1/namespaces/team/pods/p (Background)'],
    ['update /api/v1/namespaces/team/finalize'],
  ])
})

t.test('manager - PodGC\'s missing nodes and node lifecycle\'s eviction buckets carry from pass to pass', async (t) => {
  const driver = new ManagerDriver({ options: { podGcQuarantineMs: 5000 } })
  driver.change('nodes', 'ADDED', { metadata: { name: 'n1' } } satisfies Node)
  driver.change('pods', 'ADDED', pod({ name: 'orphaned', node: 'gone' }))
  driver.sync()
  driver.runUntil(10_000)
  const passes = driver.starts.filter((s) => s.item === 'podgc')
  t.same(passes.map((s) => s.at), [0, 5000, 10_000])
  t.same(passes.map((s) => summary(actionsOf(s.plan)).filter((a) => a.startsWith('delete'))), [[], [`delete ${POD_PATH}/orphaned`], [`delete ${POD_PATH}/orphaned`]], 'quarantine measured from the first pass')
  t.same([...driver.state.missingNodes!.keys()], ['gone'])
  t.ok(driver.state.evictionLimiter instanceof Map, 'node lifecycle\'s buckets are kept')
})
