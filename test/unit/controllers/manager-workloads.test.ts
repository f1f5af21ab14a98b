/** The controller manager runs the DaemonSet and StatefulSet steps: what their changes mark, a DaemonSet's expectations. */
import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import type { Plan } from '../../../actors/controllers/manager.ts'
import type { DaemonSet, StatefulSet } from '../../../actors/kube/apps.ts'
import type { Node, Pod } from '../../../actors/kube/objects.ts'
import { daemonSetHash } from '../../../actors/controllers/daemonset.ts'
import { T0, at, pod } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'

const actionsOf = (plan: Plan | undefined): readonly Action[] => (plan?.type === 'act' ? plan.actions : [])
/** The pods a plan creates (not the ControllerRevisions). */
const created = (plan: Plan | undefined) => actionsOf(plan).flatMap((a) => (a.type === 'create' && a.path.endsWith('/pods') ? [a.object] : []))
const LABELS = { app: 'agent' }

const daemonSet: DaemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', resourceVersion: '2', generation: 1, creationTimestamp: at(T0) },
  spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } } },
}

const statefulSet: StatefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web', resourceVersion: '3', generation: 1, creationTimestamp: at(T0) },
  spec: { replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
}

const node = (name: string, labels: Record<string, string> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels, resourceVersion: '1' }, spec: {} })
const agentPod = (name: string, nodeName: string): Pod => pod({ name, node: nodeName, ready: true, labels: { ...LABELS, 'controller-revision-hash': daemonSetHash(daemonSet) }, owner: { kind: 'DaemonSet', name: 'agent', uid: 'uid-agent' } })

t.test('manager workloads - a DaemonSet runs on sync; its pods settle its expected creates; a new node marks it, a heartbeat does not', async (t) => {
  const driver = new ManagerDriver()
  driver.change('nodes', 'ADDED', node('n1'))
  driver.change('nodes', 'ADDED', node('n2'))
  driver.change('daemonSets', 'ADDED', daemonSet)
  driver.sync()
  driver.runUntil(10)
  t.same(driver.startsOf('daemonset:default/agent'), [0])
  t.equal(created(driver.starts[0]?.plan).length, 2, 'a pod per node')
  // The status write comes back before the pods: nothing more is created.
  driver.at(20, () => driver.change('daemonSets', 'MODIFIED', { ...daemonSet, metadata: { ...daemonSet.metadata, resourceVersion: '4' } }))
  driver.at(30, () => driver.change('pods', 'ADDED', agentPod('agent-a', 'n1')))
  driver.at(40, () => driver.change('pods', 'ADDED', agentPod('agent-b', 'n2')))
  driver.at(50, () => driver.change('nodes', 'MODIFIED', { ...node('n2'), status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: at(T0 + 50) }] } }))
  driver.at(60, () => driver.change('nodes', 'ADDED', node('n3')))
  driver.runUntil(70)
  const runs = driver.starts.filter((s) => s.item === 'daemonset:default/agent')
  t.same(runs.map((r) => r.at), [0, 20, 30, 40, 60], 'the heartbeat at 50 marks nothing')
  t.same(runs.map((r) => created(r.plan).length), [2, 0, 0, 0, 1], 'the third node gets its pod')
})

t.test('manager workloads - a StatefulSet runs on sync and when its pods change', async (t) => {
  const driver = new ManagerDriver()
  driver.change('statefulSets', 'ADDED', statefulSet)
  driver.sync()
  driver.runUntil(10)
  t.same(created(driver.starts[0]?.plan).map((o) => o.metadata.name), ['web-0'])
  const web0 = pod({ name: 'web-0', ready: true, labels: { app: 'web' }, owner: { kind: 'StatefulSet', name: 'web', uid: 'uid-web' } })
  driver.at(20, () => driver.change('pods', 'ADDED', web0))
  driver.runUntil(30)
  const runs = driver.starts.filter((s) => s.item === 'statefulset:default/web')
  t.same(runs.map((r) => r.at), [0, 20])
  t.same(created(runs[1]?.plan).map((o) => o.metadata.name), ['web-1'], 'web-1 once web-0 is Running and Ready')
})
