import t from 'tap'
import type { CreateAction, DeleteAction, UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import { ordinalOf, reconcileStatefulSet, statefulSetRevision, type StatefulSetResult } from '../../../actors/controllers/statefulset.ts'
import type { PersistentVolumeClaim, StatefulPodSpec, StatefulSet, StatefulSetSpec, StatefulSetStatus } from '../../../actors/kube/apps.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { T0, at, pod } from './fixtures.ts'

const LABELS = { app: 'web' }
const CLAIM_TEMPLATE: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }

function set(spec: Partial<StatefulSetSpec> = {}, status?: StatefulSetStatus): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', resourceVersion: '5', generation: 3, creationTimestamp: at(T0) },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: LABELS },
      template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      volumeClaimTemplates: [CLAIM_TEMPLATE],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...spec,
    },
    ...(status ? { status } : {}),
  }
}

const REV = statefulSetRevision(set())

/** Member `web-<i>` at revision `rev`, Running and Ready unless told. */
function member(i: number, o: { rev?: string; ready?: boolean; deleting?: boolean; phase?: 'Running' | 'Pending' | 'Failed' } = {}): Pod {
  return pod({ name: `web-${i}`, labels: { ...LABELS, 'controller-revision-hash': o.rev ?? REV }, owner: { kind: 'StatefulSet', name: 'web', uid: 'uid-web' }, ready: o.ready ?? true, phase: o.phase ?? 'Running', ...(o.deleting ? { deleting: true } : {}) })
}

const claimObj = (name: string): PersistentVolumeClaim => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: {} })
const claimsFor = (...ordinals: number[]) => ordinals.map((i) => claimObj(`www-web-${i}`))
const created = (r: StatefulSetResult): string[] => r.actions.filter((a): a is CreateAction => a.type === 'create').map((a) => `${a.object.kind}/${a.object.metadata.name ?? ''}`)
const deleted = (r: StatefulSetResult): string[] => r.actions.filter((a): a is DeleteAction => a.type === 'delete').map((a) => a.path.split('/').pop() ?? '')
const statusOf = (r: StatefulSetResult): StatefulSetStatus | undefined => (r.actions.find((a) => a.type === 'updateStatus') as UpdateStatusAction | undefined)?.object['status' as keyof object] as StatefulSetStatus | undefined

t.test('StatefulSet - ordinals from member names', async (t) => {
  const cases: [string, number | undefined][] = [['web-0', 0], ['web-12', 12], ['web-01', undefined], ['web-x', undefined], ['webby-1', undefined], ['web-', undefined]]
  for (const [name, want] of cases) t.equal(ordinalOf('web', name), want, name)
})

t.test('StatefulSet - OrderedReady: web-0 first with its claim, web-1 only once web-0 is Running and Ready', async (t) => {
  const first = reconcileStatefulSet({ statefulSet: set(), pods: [], claims: [] }, T0)
  t.same(created(first), ['PersistentVolumeClaim/www-web-0', 'Pod/web-0'])
  const p = (first.actions.find((a) => a.type === 'create' && a.object.kind === 'Pod') as CreateAction).object as Pod
  const spec = p.spec as StatefulPodSpec
  t.equal(spec.hostname, 'web-0')
  t.equal(spec.subdomain, 'nginx')
  t.same(spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }])
  t.same(p.metadata.labels, { app: 'web', 'controller-revision-hash': REV, 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' })
  t.same(p.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['StatefulSet/web'])
  const claim = (first.actions[0] as CreateAction).object as PersistentVolumeClaim
  t.same(claim.metadata.labels, LABELS, 'the claim carries the selector labels')
  t.same(claim.spec, CLAIM_TEMPLATE.spec)
  t.same(created(reconcileStatefulSet({ statefulSet: set(), pods: [member(0, { ready: false, phase: 'Pending' })], claims: claimsFor(0) }, T0)), [], 'web-0 not ready: wait')
  t.same(created(reconcileStatefulSet({ statefulSet: set(), pods: [member(0)], claims: claimsFor(0) }, T0)), ['PersistentVolumeClaim/www-web-1', 'Pod/web-1'])
  t.same(created(reconcileStatefulSet({ statefulSet: set(), pods: [member(0), member(1)], claims: claimsFor(0, 1) }, T0)), ['PersistentVolumeClaim/www-web-2', 'Pod/web-2'])
  const failed = reconcileStatefulSet({ statefulSet: set(), pods: [member(0, { phase: 'Failed', ready: false })], claims: claimsFor(0) }, T0)
  t.same(deleted(failed), ['web-0'], 'a failed member is deleted, then made again')
})

t.test('StatefulSet - Parallel creates every missing member at once', async (t) => {
  const r = reconcileStatefulSet({ statefulSet: set({ podManagementPolicy: 'Parallel' }), pods: [], claims: claimsFor(1) }, T0)
  t.same(created(r), ['PersistentVolumeClaim/www-web-0', 'Pod/web-0', 'Pod/web-1', 'PersistentVolumeClaim/www-web-2', 'Pod/web-2'], 'an existing claim is reused')
  const down = reconcileStatefulSet({ statefulSet: set({ podManagementPolicy: 'Parallel', replicas: 1 }), pods: [0, 1, 2].map((i) => member(i)), claims: claimsFor(0, 1, 2) }, T0)
  t.same(deleted(down), ['web-2', 'web-1'])
})

t.test('StatefulSet - OrderedReady scale down: highest first, one at a time; claims stay', async (t) => {
  const one = set({ replicas: 1 })
  const all = [0, 1, 2].map((i) => member(i))
  const first = reconcileStatefulSet({ statefulSet: one, pods: all, claims: claimsFor(0, 1, 2) }, T0)
  t.same(deleted(first), ['web-2'])
  t.same(created(first), [])
  t.same(deleted(reconcileStatefulSet({ statefulSet: one, pods: [member(0), member(1), member(2, { deleting: true })], claims: claimsFor(0, 1, 2) }, T0)), [], 'web-1 waits until web-2 is gone')
  const second = reconcileStatefulSet({ statefulSet: one, pods: [member(0), member(1)], claims: claimsFor(0, 1, 2) }, T0)
  t.same(deleted(second), ['web-1'], 'no claim is deleted')
  t.same(deleted(reconcileStatefulSet({ statefulSet: one, pods: [member(0, { ready: false }), member(1)], claims: claimsFor(0, 1) }, T0)), [], 'an unhealthy member blocks ordered scale down')
})

t.test('StatefulSet - rolling update: highest ordinal first, down to the partition, each replacement Ready first', async (t) => {
  const next = set({ template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } }, { replicas: 3, currentRevision: REV, updateRevision: REV })
  const NEW = statefulSetRevision(next)
  t.not(NEW, REV)
  const old = [0, 1, 2].map((i) => member(i))
  t.same(deleted(reconcileStatefulSet({ statefulSet: next, pods: old, claims: claimsFor(0, 1, 2) }, T0)), ['web-2'])
  const recreated = reconcileStatefulSet({ statefulSet: next, pods: old.slice(0, 2), claims: claimsFor(0, 1, 2) }, T0)
  t.same(created(recreated), ['Pod/web-2'])
  t.equal(((recreated.actions.find((a) => a.type === 'create') as CreateAction).object.metadata.labels ?? {})['controller-revision-hash'], NEW)
  t.same(deleted(reconcileStatefulSet({ statefulSet: next, pods: [member(0), member(1), member(2, { rev: NEW, ready: false })], claims: claimsFor(0, 1, 2) }, T0)), [], 'web-2 not ready yet')
  const mid = reconcileStatefulSet({ statefulSet: next, pods: [member(0), member(1), member(2, { rev: NEW })], claims: claimsFor(0, 1, 2) }, T0)
  t.same(deleted(mid), ['web-1'])
  t.match(statusOf(mid), { replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: REV, updateRevision: NEW })
  const partitioned = set({ ...next.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, next.status)
  t.same(deleted(reconcileStatefulSet({ statefulSet: partitioned, pods: [member(0), member(1), member(2, { rev: statefulSetRevision(partitioned) })], claims: claimsFor(0, 1, 2) }, T0)), [], 'ordinals below the partition keep the old template')
  const done = reconcileStatefulSet({ statefulSet: next, pods: [0, 1, 2].map((i) => member(i, { rev: NEW })), claims: claimsFor(0, 1, 2) }, T0)
  t.same(deleted(done), [])
  t.same(statusOf(done), { observedGeneration: 3, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: NEW, updateRevision: NEW, collisionCount: 0 })
  const onDelete = set({ ...next.spec, updateStrategy: { type: 'OnDelete' } }, next.status)
  t.same(deleted(reconcileStatefulSet({ statefulSet: onDelete, pods: old, claims: claimsFor(0, 1, 2) }, T0)), [], 'OnDelete replaces nothing by itself')
})

t.test('StatefulSet - adopts orphans named as members, ignores others; status only when it changes', async (t) => {
  const orphan = pod({ name: 'web-0', labels: { ...LABELS, 'controller-revision-hash': REV }, ready: true })
  const stranger = pod({ name: 'other', labels: LABELS, ready: true })
  const r = reconcileStatefulSet({ statefulSet: set({ replicas: 1 }), pods: [orphan, stranger], claims: claimsFor(0) }, T0)
  t.same(r.actions.filter((a) => a.type === 'patch').map((a) => a.path.split('/').pop()), ['web-0'])
  const status: StatefulSetStatus = { observedGeneration: 3, replicas: 1, readyReplicas: 1, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 1, currentRevision: REV, updateRevision: REV, collisionCount: 0 }
  t.same(reconcileStatefulSet({ statefulSet: set({ replicas: 1 }, status), pods: [member(0)], claims: claimsFor(0) }, T0).actions, [])
})

t.test('StatefulSet - claim retention: whenDeleted Delete owns the claims by the set, whenScaled Delete by the condemned member', async (t) => {
  const owners = (r: StatefulSetResult) =>
    r.actions.flatMap((a) => (a.type === 'patch' ? [`${a.path.split('/').pop()}<-${((a.body as { metadata: { ownerReferences: { kind: string; name: string; controller: boolean }[] } }).metadata.ownerReferences).map((o) => `${o.kind}/${o.name}:${o.controller}`).join(',')}`] : []))
  const withSet = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } })
  const first = reconcileStatefulSet({ statefulSet: withSet, pods: [], claims: [] }, T0)
  t.same(((first.actions[0] as CreateAction).object.metadata.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}:${o.controller}`), ['StatefulSet/web:false'], 'a new claim is owned by the set, not as its controller')
  t.same(owners(reconcileStatefulSet({ statefulSet: withSet, pods: [member(0)], claims: claimsFor(0) }, T0)), ['www-web-0<-StatefulSet/web:false'], 'an existing claim gets the set as owner')
  const scaled = set({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } })
  const down = reconcileStatefulSet({ statefulSet: scaled, pods: [member(0), member(1)], claims: claimsFor(0, 1) }, T0)
  t.same(owners(down), ['www-web-1<-Pod/web-1:false'])
  t.same(down.actions.filter((a) => a.type === 'patch' || a.type === 'delete').map((a) => a.type), ['patch', 'delete'], 'the claim is handed to the pod before the pod goes')
  t.same(owners(reconcileStatefulSet({ statefulSet: set({ replicas: 1 }), pods: [member(0), member(1)], claims: claimsFor(0, 1) }, T0)), [], 'Retain: no owners')
  const both = set({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } })
  const owned = claimsFor(0, 1).map((c) => ({ ...c, metadata: { ...c.metadata, resourceVersion: '7', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', blockOwnerDeletion: true, controller: false }] } }))
  const handed = reconcileStatefulSet({ statefulSet: both, pods: [member(0), member(1)], claims: owned }, T0)
  t.same(owners(handed), ['www-web-1<-Pod/web-1:false'], 'the condemned member replaces the set as owner, or the set would keep the claim alive')
  t.match(handed.actions.find((a) => a.type === 'patch'), { patchType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '7' } } })
})

t.test('StatefulSet - minReadySeconds: a Ready member counts as available only later, and the step asks to run again then', async (t) => {
  const slow = set({ replicas: 1, minReadySeconds: 10 })
  const readyAt = pod({ name: 'web-0', labels: { ...LABELS, 'controller-revision-hash': statefulSetRevision(slow) }, owner: { kind: 'StatefulSet', name: 'web', uid: 'uid-web' }, ready: true, readySince: T0 })
  const early = reconcileStatefulSet({ statefulSet: slow, pods: [readyAt], claims: claimsFor(0) }, T0 + 4000)
  t.match(statusOf(early), { readyReplicas: 1, availableReplicas: 0 })
  t.equal(early.requeueAfterMs, 6001)
  const later = reconcileStatefulSet({ statefulSet: slow, pods: [readyAt], claims: claimsFor(0) }, T0 + 10_001)
  t.match(statusOf(later), { availableReplicas: 1 })
  t.equal(later.requeueAfterMs, undefined)
})
