import t from 'tap'
import { type GraphObject, groupKindOf, reconcileGarbageCollector } from '../../../actors/controllers/garbage-collector.ts'
import type { OwnerReference } from '../../../actors/kube/objects.ts'
import { T0, at, summary } from './fixtures.ts'

const ref = (kind: string, name: string, block = true): OwnerReference => ({ apiVersion: kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps/v1' : 'v1', kind, name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: block })
const obj = (kind: string, name: string, o: { owners?: OwnerReference[]; finalizers?: string[]; deleting?: boolean; ns?: string } = {}): GraphObject => ({
  apiVersion: kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps/v1' : 'v1',
  kind,
  metadata: {
    name,
    namespace: o.ns ?? 'default',
    uid: `uid-${name}`,
    resourceVersion: '3',
    ...(o.owners ? { ownerReferences: o.owners } : {}),
    ...(o.finalizers ? { finalizers: o.finalizers } : {}),
    ...(o.deleting ? { deletionTimestamp: at(T0) } : {}),
  },
})
const RS = '/apis/apps/v1/namespaces/default/replicasets'
const PODS = '/api/v1/namespaces/default/pods'

t.test('GarbageCollector - background: dependents of a gone owner are deleted, live ones stay', async (t) => {
  const r = reconcileGarbageCollector({
    objects: [obj('ReplicaSet', 'web-1', { owners: [ref('Deployment', 'web')] }), obj('Pod', 'web-1-a', { owners: [ref('ReplicaSet', 'web-1')] }), obj('Pod', 'loose')],
  })
  t.same(summary(r.actions), [`delete ${RS}/web-1 (Background)`])
  t.same(r.actions[0], { type: 'delete', path: `${RS}/web-1`, preconditions: { uid: 'uid-web-1' }, propagationPolicy: 'Background' })
})

t.test('GarbageCollector - a dependent with one live owner loses only the dangling reference', async (t) => {
  const r = reconcileGarbageCollector({ objects: [obj('ConfigMap', 'owner'), obj('Pod', 'p', { owners: [ref('ConfigMap', 'owner', false), ref('ConfigMap', 'gone', false)] })] })
  t.same(summary(r.actions), [`patch ${PODS}/p {"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"uid-owner","controller":true,"blockOwnerDeletion":false}],"resourceVersion":"3"}}`])
})

t.test('GarbageCollector - a namespaced owner in another namespace does not count', async (t) => {
  const r = reconcileGarbageCollector({ objects: [obj('ConfigMap', 'owner', { ns: 'other' }), obj('Pod', 'p', { owners: [ref('ConfigMap', 'owner')] })] })
  t.same(summary(r.actions), [`delete ${PODS}/p (Background)`])
})

t.test('GarbageCollector - foreground: delete the dependents, then drop the finalizer when no blocking one remains', async (t) => {
  const owner = obj('ReplicaSet', 'web-1', { deleting: true, finalizers: ['foregroundDeletion'] })
  const first = reconcileGarbageCollector({ objects: [owner, obj('Pod', 'a', { owners: [ref('ReplicaSet', 'web-1')] }), obj('Pod', 'b', { owners: [ref('ReplicaSet', 'web-1', false)] })] })
  t.same(summary(first.actions), [`delete ${PODS}/a (Background)`, `delete ${PODS}/b (Background)`])
  const waiting = reconcileGarbageCollector({ objects: [owner, obj('Pod', 'a', { owners: [ref('ReplicaSet', 'web-1')], deleting: true })] })
  t.same(waiting.actions, [], 'a blocking dependent is still terminating')
  const nonBlocking = reconcileGarbageCollector({ objects: [owner, obj('Pod', 'b', { owners: [ref('ReplicaSet', 'web-1', false)], deleting: true })] })
  t.same(summary(nonBlocking.actions), [`patch ${RS}/web-1 {"metadata":{"finalizers":null,"resourceVersion":"3"}}`])
})

t.test('GarbageCollector - foreground cascades: a dependent that has dependents itself is deleted in the foreground', async (t) => {
  const r = reconcileGarbageCollector({
    objects: [
      obj('Deployment', 'web', { deleting: true, finalizers: ['foregroundDeletion'] }),
      obj('ReplicaSet', 'web-1', { owners: [ref('Deployment', 'web')] }),
      obj('Pod', 'a', { owners: [ref('ReplicaSet', 'web-1')] }),
    ],
  })
  t.same(summary(r.actions), [`delete ${RS}/web-1 (Foreground)`])
})

t.test('GarbageCollector - orphan: remove the owner reference from dependents, then the finalizer', async (t) => {
  const r = reconcileGarbageCollector({
    objects: [obj('ReplicaSet', 'web-1', { deleting: true, finalizers: ['orphan', 'example.com/keep'] }), obj('Pod', 'a', { owners: [ref('ReplicaSet', 'web-1')] })],
  })
  t.same(summary(r.actions), [
    `patch ${PODS}/a {"metadata":{"ownerReferences":null,"resourceVersion":"3"}}`,
    `patch ${RS}/web-1 {"metadata":{"finalizers":["example.com/keep"],"resourceVersion":"3"}}`,
  ])
})

t.test('GarbageCollector - an orphaned object deleted by the collector keeps its own propagation finalizer', async (t) => {
  const r = reconcileGarbageCollector({ objects: [obj('ReplicaSet', 'web-1', { owners: [ref('Deployment', 'gone')], finalizers: ['orphan'] })] })
  t.same(summary(r.actions), [`delete ${RS}/web-1 (Orphan)`])
})

t.test('GarbageCollector - objects being deleted without a GC finalizer are left to the API server', async (t) => {
  t.same(reconcileGarbageCollector({ objects: [obj('Pod', 'a', { owners: [ref('ReplicaSet', 'gone')], deleting: true })] }).actions, [])
})

t.test('GarbageCollector - owners of kinds not listed are never judged gone', async (t) => {
  const objects = [obj('Pod', 'mirror', { owners: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' }] }), obj('Pod', 'p', { owners: [ref('ReplicaSet', 'gone')] })]
  const r = reconcileGarbageCollector({ objects, listedKinds: ['Pod', 'ReplicaSet.apps', 'Deployment.apps'] })
  t.same(summary(r.actions), [`delete ${PODS}/p (Background)`])
  t.equal(groupKindOf('apps/v1', 'ReplicaSet'), 'ReplicaSet.apps')
})
