import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import { reconcileClaim, type ClaimInput } from '../../../actors/controllers/local-provisioner.ts'
import type { Plan } from '../../../actors/controllers/manager.ts'
import { reconcileVolume } from '../../../actors/controllers/volume-reclaim.ts'
import type { PersistentVolumeClaim } from '../../../actors/kube/apps.ts'
import type { Node } from '../../../actors/kube/objects.ts'
import { DEFAULT_STORAGE_CLASS, NODE_VOLUME_DIR_ANNOTATION, SELECTED_NODE_ANNOTATION, type PersistentVolume, type StorageClass } from '../../../actors/kube/storage.ts'
import { T0, summary } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'
import { MemoryCache } from './memory-caches.ts'

const claim = (o: { name?: string; uid?: string; node?: string; className?: string; volumeName?: string; phase?: string } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: o.name ?? 'data', namespace: 'default', uid: o.uid ?? 'c1', resourceVersion: '5', ...(o.node ? { annotations: { [SELECTED_NODE_ANNOTATION]: o.node } } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: o.className ?? 'local', volumeMode: 'Filesystem', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
  status: { phase: o.phase ?? 'Pending' },
})
const node = (name: string, dir?: string): Node => ({
  metadata: { name, uid: `n-${name}`, labels: { 'kubernetes.io/hostname': name }, ...(dir ? { annotations: { [NODE_VOLUME_DIR_ANNOTATION]: dir } } : {}) },
  spec: {},
})
const volume = (o: { name?: string; claimUid?: string; policy?: 'Delete' | 'Retain'; phase?: string } = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: o.name ?? 'pvc-c1', uid: 'v1', resourceVersion: '7' },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: o.policy ?? 'Delete',
    storageClassName: 'local',
    ...(o.claimUid === undefined ? {} : { claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: o.claimUid } }),
    local: { path: '/v/pvc-c1' },
  },
  status: { phase: o.phase ?? 'Pending' },
})
const cache = <T extends { metadata: { name?: string } }>(objects: readonly T[]): MemoryCache<T> => {
  const c = new MemoryCache<T>()
  for (const o of objects) c.apply('ADDED', o)
  return c
}
const input = (c: PersistentVolumeClaim, o: { volumes?: PersistentVolume[]; classes?: StorageClass[]; nodes?: Node[] } = {}): ClaimInput => ({
  claim: c,
  volumes: cache(o.volumes ?? []),
  classes: cache(o.classes ?? [DEFAULT_STORAGE_CLASS]),
  nodes: cache(o.nodes ?? [node('n1', '/state/w1/volumes')]),
})
const nonEvents = (actions: readonly Action[]): string[] => summary(actions.filter((a) => a.type !== 'event'))

t.test('local provisioner - what one pass over a claim does', async (t) => {
  const external: StorageClass = { metadata: { name: 'ebs' }, provisioner: 'ebs.csi.aws.com' }
  const cases: [string, ClaimInput, string[]][] = [
    ['no node chosen yet (WaitForFirstConsumer): it waits', input(claim()), []],
    ['its node chosen: a volume is made', input(claim({ node: 'n1' })), ['create /api/v1/persistentvolumes']],
    ['a class of another provisioner: not ours', input(claim({ node: 'n1', className: 'ebs' }), { classes: [external] }), []],
    ['no class at all: nothing to provision', input(claim({ node: 'n1', className: '' })), []],
    ['an unknown class: it waits for one', input(claim({ node: 'n1', className: 'fast' })), []],
    ['a volume names it: the claim takes its name', input(claim({ node: 'n1' }), { volumes: [volume({ claimUid: 'c1' })] }), ['update /api/v1/namespaces/default/persistentvolumeclaims/data']],
    ['a volume of a claim with the same name before: a new volume', input(claim({ node: 'n1' }), { volumes: [volume({ claimUid: 'old' })] }), ['create /api/v1/persistentvolumes']],
    ['bound by name: status Bound', input(claim({ volumeName: 'pvc-c1' }), { volumes: [volume({ claimUid: 'c1' })] }), ['updateStatus /api/v1/namespaces/default/persistentvolumeclaims/data/status']],
    ['already Bound: nothing', input(claim({ volumeName: 'pvc-c1', phase: 'Bound' }), { volumes: [volume({ claimUid: 'c1' })] }), []],
    ['Bound and its volume gone: Lost', input(claim({ volumeName: 'pvc-c1', phase: 'Bound' })), ['updateStatus /api/v1/namespaces/default/persistentvolumeclaims/data/status']],
  ]
  for (const [name, i, want] of cases) t.same(nonEvents(reconcileClaim(i, T0).actions), want, name)
  t.same(summary(reconcileClaim(input(claim()), T0).actions), ['event Normal WaitForFirstConsumer PersistentVolumeClaim/data: waiting for first consumer to be created before binding'], 'the waiting claim says why')
  t.same(summary(reconcileClaim(input(claim({ className: 'fast' }), { classes: [{ metadata: { name: 'fast' }, provisioner: 'actorkube.io/local', volumeBindingMode: 'Immediate' }] }), T0).actions), [], 'an Immediate local claim has no node to go to')
})

t.test('local provisioner - the volume it makes', async (t) => {
  const [create] = reconcileClaim(input(claim({ node: 'n1' })), T0).actions
  t.equal(create?.type, 'create')
  const pv = (create as Extract<Action, { type: 'create' }>).object as PersistentVolume
  t.equal(pv.metadata.name, 'pvc-c1', "Kubernetes' name: pvc-<claim uid>")
  t.same(pv.spec.local, { path: '/state/w1/volumes/pvc-c1' }, "a directory of its own under the node's volume dir")
  t.same(pv.spec.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }])
  t.same(pv.spec.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'data', uid: 'c1', resourceVersion: '5' })
  t.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete', "the class's reclaim policy")
  t.same(pv.spec.capacity, { storage: '1Gi' }, 'the size asked for')
  t.equal(pv.spec.storageClassName, 'local')
  const hollow = reconcileClaim(input(claim({ node: 'h1' }), { nodes: [node('h1')] }), T0).actions[0] as Extract<Action, { type: 'create' }>
  t.same((hollow.object as PersistentVolume).spec.local, { path: '/var/lib/actorkube/volumes/pvc-c1' }, 'a node that names no dir gets the default')
  const missing = reconcileClaim(input(claim({ node: 'gone' })), T0).actions
  t.same(summary(missing), ['event Warning ProvisioningFailed PersistentVolumeClaim/data: failed to provision volume with StorageClass "local": node "gone" not found'])
})

t.test('volume reclaim - a volume follows its claim', async (t) => {
  const bound = { ...claim({ volumeName: 'pvc-c1', phase: 'Bound' }) }
  const cases: [string, PersistentVolume, PersistentVolumeClaim | undefined, string[]][] = [
    ['no claimRef: Available', volume(), undefined, ['updateStatus /api/v1/persistentvolumes/pvc-c1/status']],
    ['Available already: nothing', volume({ phase: 'Available' }), undefined, []],
    ['its claim names it: Bound', volume({ claimUid: 'c1' }), bound, ['updateStatus /api/v1/persistentvolumes/pvc-c1/status']],
    ['its claim does not name it yet: wait', volume({ claimUid: 'c1' }), claim(), []],
    ['its claim is gone, policy Delete: deleted', volume({ claimUid: 'c1', phase: 'Bound' }), undefined, ['delete /api/v1/persistentvolumes/pvc-c1']],
    ['a new claim of the same name: the old one is gone', volume({ claimUid: 'old', phase: 'Bound' }), bound, ['delete /api/v1/persistentvolumes/pvc-c1']],
    ['its claim is gone, policy Retain: Released', volume({ claimUid: 'c1', policy: 'Retain', phase: 'Bound' }), undefined, ['updateStatus /api/v1/persistentvolumes/pvc-c1/status']],
    ['Released already: nothing', volume({ claimUid: 'c1', policy: 'Retain', phase: 'Released' }), undefined, []],
  ]
  for (const [name, v, c, want] of cases) t.same(nonEvents(reconcileVolume({ volume: v, claim: c }, T0).actions), want, name)
  const [del] = reconcileVolume({ volume: volume({ claimUid: 'c1' }), claim: undefined }, T0).actions
  t.same((del as Extract<Action, { type: 'delete' }>).preconditions, { uid: 'v1' }, 'only that volume, not one made again under its name')
})

/**
 * The manager with the API server played by the test: each run's writes are applied to the caches
 * 1 ms after it ends (as their watch events would come), until nothing more happens.
 */
t.test('volume binder - through the manager: pending, chosen, provisioned, bound, reclaimed', async (t) => {
  let rv = 10
  const driver: ManagerDriver = new ManagerDriver({ outcome: (_item, plan) => (later(plan), { notDone: [] }) })
  const later = (plan: Plan | undefined) => {
    const actions = plan?.type === 'act' ? plan.actions : []
    driver.at(driver.now - T0 + 1, () => actions.forEach(applyWrite))
  }
  const applyWrite = (a: Action): void => {
    const meta = { resourceVersion: String(++rv) }
    if (a.type === 'create' && a.path === '/api/v1/persistentvolumes') {
      const pv = a.object as PersistentVolume
      driver.change('persistentVolumes', 'ADDED', { ...pv, metadata: { ...pv.metadata, ...meta, uid: 'v1' }, status: { phase: 'Pending' } })
    } else if ((a.type === 'update' || a.type === 'updateStatus') && a.path.includes('/persistentvolumeclaims/')) {
      const c = a.object as PersistentVolumeClaim
      driver.change('persistentVolumeClaims', 'MODIFIED', { ...c, metadata: { ...c.metadata, ...meta } })
    } else if (a.type === 'updateStatus' && a.path.startsWith('/api/v1/persistentvolumes/')) {
      const pv = a.object as PersistentVolume
      driver.change('persistentVolumes', 'MODIFIED', { ...pv, metadata: { ...pv.metadata, ...meta } })
    } else if (a.type === 'delete' && a.path.startsWith('/api/v1/persistentvolumes/')) {
      driver.change('persistentVolumes', 'DELETED', driver.caches.persistentVolumes.get(a.path.split('/').pop() ?? '')!)
    }
  }
  driver.change('storageClasses', 'ADDED', DEFAULT_STORAGE_CLASS)
  driver.change('nodes', 'ADDED', node('n1', '/state/w1/volumes'))
  driver.sync()
  driver.change('persistentVolumeClaims', 'ADDED', claim())
  driver.runUntil(1000)
  t.equal(driver.caches.persistentVolumes.list().length, 0, 'no consumer yet: no volume')
  t.equal(driver.caches.persistentVolumeClaims.get('default/data')?.status?.phase, 'Pending')

  // The scheduler chose n1 for the claim's first pod.
  driver.change('persistentVolumeClaims', 'MODIFIED', claim({ node: 'n1' }))
  driver.runUntil(2000)
  const pv = driver.caches.persistentVolumes.get('pvc-c1')
  const bound = driver.caches.persistentVolumeClaims.get('default/data')
  t.equal(bound?.spec.volumeName, 'pvc-c1', 'the claim names its volume')
  t.same(bound?.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } }, 'the claim is Bound')
  t.equal(pv?.status?.phase, 'Bound', 'the volume is Bound')
  t.equal(driver.starts.filter((s) => s.item === 'volumeclaim:default/data' && s.plan?.type === 'act' && s.plan.actions.some((a) => a.type === 'create')).length, 1, 'one volume made, once')

  driver.change('persistentVolumeClaims', 'DELETED', bound!)
  driver.runUntil(3000)
  t.equal(driver.caches.persistentVolumes.list().length, 0, 'the claim deleted: its volume deleted (reclaim policy Delete)')
})
