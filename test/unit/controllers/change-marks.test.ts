import t from 'tap'
import { changeMarks } from '../../../actors/controllers/change-marks.ts'
import type { Endpoints, Namespace, Node, ReplicaSet, Service } from '../../../actors/kube/objects.ts'
import { T0, at, pod, replicaSet } from './fixtures.ts'
import { apply, memoryCaches, type MemoryCaches } from './memory-caches.ts'

const service = (name: string, ns = 'default'): Service => ({ metadata: { name, namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }) as Service
const ownedByDeployment = (rs: ReplicaSet): ReplicaSet => ({
  ...rs,
  metadata: { ...rs.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-d', controller: true }] },
})
const owner = { kind: 'ReplicaSet', name: 'web-1', uid: 'uid-web-1' }

function cluster(): MemoryCaches {
  const caches = memoryCaches()
  apply(caches, 'replicaSets', 'ADDED', ownedByDeployment(replicaSet({ name: 'web-1', replicas: 1 })))
  apply(caches, 'replicaSets', 'ADDED', replicaSet({ name: 'other', replicas: 1 }))
  apply(caches, 'services', 'ADDED', service('a'))
  apply(caches, 'services', 'ADDED', service('b'))
  apply(caches, 'services', 'ADDED', service('elsewhere', 'other'))
  return caches
}

t.test('change marks - a new pod marks its replica set, that one\'s deployment and its namespace\'s services; one expected create is seen', async (t) => {
  const caches = cluster()
  const marks = changeMarks(apply(caches, 'pods', 'ADDED', pod({ name: 'web-1-x', owner })), caches)
  t.same(marks, {
    items: ['replicaset:default/web-1', 'deployment:default/web', 'endpoints:default/a', 'endpoints:default/b'],
    wholeCluster: true,
    graph: true,
    createObservedFor: 'default/web-1',
  })
})

t.test('change marks - a pod status change is no graph change and sees no create', async (t) => {
  const caches = cluster()
  apply(caches, 'pods', 'ADDED', pod({ name: 'web-1-x', owner, ready: false }))
  const marks = changeMarks(apply(caches, 'pods', 'MODIFIED', pod({ name: 'web-1-x', owner, ready: true })), caches)
  t.same([marks.graph, marks.createObservedFor, marks.wholeCluster], [false, undefined, true])
  t.same(marks.items[0], 'replicaset:default/web-1')
})

t.test('change marks - a pod that lost its owner still marks the replica set it had', async (t) => {
  const caches = cluster()
  apply(caches, 'pods', 'ADDED', pod({ name: 'web-1-x', owner }))
  const marks = changeMarks(apply(caches, 'pods', 'MODIFIED', pod({ name: 'web-1-x' })), caches)
  t.same(marks.items.slice(0, 2), ['replicaset:default/web-1', 'deployment:default/web'])
  t.equal(marks.graph, true, 'owners changed')
})

t.test('change marks - an orphan pod marks every replica set of its namespace (one may adopt it)', async (t) => {
  const caches = cluster()
  const marks = changeMarks(apply(caches, 'pods', 'ADDED', pod({ name: 'stray' })), caches)
  t.same(marks.items, ['replicaset:default/web-1', 'replicaset:default/other', 'endpoints:default/a', 'endpoints:default/b'])
  t.equal(marks.createObservedFor, undefined)
})

t.test('change marks - a replica set marks itself and its deployment; its deletion drops its expectations', async (t) => {
  const caches = cluster()
  const rs = caches.replicaSets.get('default/web-1')!
  t.same(changeMarks(apply(caches, 'replicaSets', 'MODIFIED', { ...rs, status: { replicas: 1 } }), caches), { items: ['replicaset:default/web-1', 'deployment:default/web'], wholeCluster: true, graph: false })
  t.same(changeMarks(apply(caches, 'replicaSets', 'DELETED', rs), caches).forgetExpectationsOf, 'default/web-1')
})

t.test('change marks - nodes and leases only wake node lifecycle; deployments and services mark themselves', async (t) => {
  const caches = cluster()
  const node: Node = { metadata: { name: 'n1' } }
  t.same(changeMarks(apply(caches, 'nodes', 'ADDED', node), caches), { items: [], wholeCluster: true, graph: false })
  t.same(changeMarks(apply(caches, 'services', 'MODIFIED', service('a')), caches), { items: ['endpoints:default/a'], wholeCluster: true, graph: false })
  const d = { metadata: { name: 'web', namespace: 'default', uid: 'uid-d' }, spec: { selector: {}, template: {} } } as never
  t.same(changeMarks(apply(caches, 'deployments', 'ADDED', d), caches), { items: ['deployment:default/web'], wholeCluster: true, graph: true })
})

t.test('change marks - Endpoints of a Service not seen yet are left alone once synced; before sync and on deletion they are looked at', async (t) => {
  const caches = cluster()
  const endpoints = (name: string): Endpoints => ({ metadata: { name, namespace: 'default' } }) as Endpoints
  t.same(changeMarks(apply(caches, 'endpoints', 'ADDED', endpoints('unseen')), caches).items, [], 'maybe a selector-less Service\'s, written just before it')
  t.same(changeMarks(apply(caches, 'endpoints', 'MODIFIED', endpoints('a')), caches).items, ['endpoints:default/a'])
  t.same(changeMarks(apply(caches, 'endpoints', 'DELETED', endpoints('unseen')), caches).items, ['endpoints:default/unseen'])
  caches.endpoints.synced = false
  t.same(changeMarks(apply(caches, 'endpoints', 'ADDED', endpoints('leftover')), caches), { items: ['endpoints:default/leftover'], wholeCluster: false, graph: true })
})

t.test('change marks - a live namespace marks its service accounts and root CA ConfigMap, one being deleted the namespace controller', async (t) => {
  const caches = cluster()
  const ns: Namespace = { metadata: { name: 'team' } } as Namespace
  t.same(changeMarks(apply(caches, 'namespaces', 'ADDED', ns), caches), { items: ['serviceaccount:team', 'rootcacertpublisher:team'], wholeCluster: false, graph: false })
  const deleting = { ...ns, metadata: { ...ns.metadata, deletionTimestamp: at(T0) } } as Namespace
  t.same(changeMarks(apply(caches, 'namespaces', 'MODIFIED', deleting), caches), { items: ['namespace:team'], wholeCluster: false, graph: false })
  const account = { metadata: { name: 'default', namespace: 'team' } }
  t.same(changeMarks(apply(caches, 'serviceAccounts', 'ADDED', account), caches).items, [], 'a new account needs nothing')
  t.same(changeMarks(apply(caches, 'serviceAccounts', 'DELETED', account), caches).items, ['serviceaccount:team'], 'a deleted one is looked for again')
  const rootCa = { metadata: { name: 'kube-root-ca.crt', namespace: 'team' }, data: { 'ca.crt': 'PEM' } }
  for (const type of ['ADDED', 'MODIFIED', 'DELETED'] as const) t.same(changeMarks(apply(caches, 'rootCaConfigMaps', type, rootCa), caches).items, ['rootcacertpublisher:team'], `kube-root-ca.crt ${type}: its namespace is published again`)
})

t.test('change marks - a replica set\'s new pod settles its expected create even where the namespace has Jobs', async (t) => {
  // A Job in the namespace once sent every new pod down the Job path, which never saw a replica
  // set's create: its expectations stayed unmet for 5 minutes and rollouts stalled.
  const caches = cluster()
  apply(caches, 'jobs', 'ADDED', { metadata: { name: 'pi', namespace: 'default', uid: 'uid-pi' }, spec: { template: {} } } as never)
  const marks = changeMarks(apply(caches, 'pods', 'ADDED', pod({ name: 'web-1-x', owner })), caches)
  t.equal(marks.createObservedFor, 'default/web-1')
  t.same(marks.items, ['replicaset:default/web-1', 'deployment:default/web', 'endpoints:default/a', 'endpoints:default/b'])
  const stray = changeMarks(apply(caches, 'pods', 'ADDED', pod({ name: 'stray' })), caches)
  t.same(stray.items, ['job:default/pi', 'endpoints:default/a', 'endpoints:default/b', 'replicaset:default/web-1', 'replicaset:default/other'], 'an orphan: the Jobs and the replica sets that may adopt it')
})
