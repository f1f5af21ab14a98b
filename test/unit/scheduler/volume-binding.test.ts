/**
 * VolumeBinding (actors/scheduler/plugins/volume-binding/) through the pure Scheduler and the
 * engine step, on a simulated clock: missing, deleting and unbound Immediate claims keep a pod
 * Pending with kube-scheduler's messages; a bound claim's volume pins the pod to its node; a
 * WaitForFirstConsumer claim goes where the pod goes and is annotated with that node on the bind.
 */
import t from 'tap'
import type { PersistentVolumeClaim } from '../../../actors/kube/apps.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { DEFAULT_STORAGE_CLASS, SELECTED_NODE_ANNOTATION, type PersistentVolume, type StorageClass } from '../../../actors/kube/storage.ts'
import { newSchedulerEngineState, step, type SchedulerEffect } from '../../../actors/scheduler/scheduler-engine-step.ts'
import { Scheduler, type Decision } from '../../../actors/scheduler/scheduler.ts'
import { node, pod, seeded } from './fixtures.ts'

const NOW = 1_700_000_000_000
const IMMEDIATE: StorageClass = { metadata: { name: 'fast' }, provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'Immediate' }

const claim = (name: string, o: { className?: string; volumeName?: string; deleting?: boolean; node?: string } = {}): PersistentVolumeClaim => ({
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    ...(o.node ? { annotations: { [SELECTED_NODE_ANNOTATION]: o.node } } : {}),
  },
  spec: { storageClassName: o.className ?? 'local', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
})
const localVolume = (name: string, nodeName: string): PersistentVolume => ({
  metadata: { name },
  spec: { local: { path: `/v/${name}` }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } } },
})
const withClaims = (name: string, ...claims: string[]): Pod => ({
  ...pod(name),
  spec: { ...pod(name).spec, volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } as Pod['spec'],
})

function scheduler(o: { claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[] } = {}): Scheduler {
  const s = new Scheduler({ random: seeded(3) })
  for (const n of ['n1', 'n2', 'n3']) s.onNode('ADDED', node(n), NOW)
  s.onStorageClass('ADDED', DEFAULT_STORAGE_CLASS, NOW)
  s.onStorageClass('ADDED', IMMEDIATE, NOW)
  for (const v of o.volumes ?? []) s.onVolume('ADDED', v, NOW)
  for (const c of o.claims ?? []) s.onClaim('ADDED', c, NOW)
  return s
}

const outcome = (d: Decision | undefined): string => (d === undefined ? 'none' : d.kind === 'bind' ? `bind ${d.nodeName}` : `${d.kind}: ${d.message}`)

t.test('volume binding - what a pod with claims is told', async (t) => {
  const cases: [string, Scheduler, Pod, RegExp | string][] = [
    ['a claim that does not exist', scheduler(), withClaims('web', 'data'), /^unschedulable: 0\/3 nodes are available: persistentvolumeclaim "data" not found\./],
    ['a claim being deleted', scheduler({ claims: [claim('data', { deleting: true })] }), withClaims('web', 'data'), /^unschedulable: 0\/3 nodes are available: persistentvolumeclaim "data" is being deleted\./],
    ['an unbound Immediate claim', scheduler({ claims: [claim('data', { className: 'fast' })] }), withClaims('web', 'data'), /^unschedulable: 0\/3 nodes are available: pod has unbound immediate PersistentVolumeClaims\./],
    ['an unbound claim without a class', scheduler({ claims: [claim('data', { className: '' })] }), withClaims('web', 'data'), /pod has unbound immediate PersistentVolumeClaims/],
    ['bound to a volume that is not there', scheduler({ claims: [claim('data', { volumeName: 'pv-x' })] }), withClaims('web', 'data'), /^unschedulable: 0\/3 nodes are available: 3 node\(s\) unavailable due to one or more pvc\(s\) bound to non-existent pv\(s\)\./],
    ['bound to a local volume on n2: n2', scheduler({ claims: [claim('data', { volumeName: 'pv-2' })], volumes: [localVolume('pv-2', 'n2')] }), withClaims('web', 'data'), 'bind n2'],
    ['bound to a volume on a node that is gone', scheduler({ claims: [claim('data', { volumeName: 'pv-9' })], volumes: [localVolume('pv-9', 'n9')] }), withClaims('web', 'data'), /^unschedulable: 0\/3 nodes are available: 3 node\(s\) had volume node affinity conflict\./],
    ['two claims on different nodes: nowhere', scheduler({ claims: [claim('a', { volumeName: 'pv-1' }), claim('b', { volumeName: 'pv-2' })], volumes: [localVolume('pv-1', 'n1'), localVolume('pv-2', 'n2')] }), withClaims('web', 'a', 'b'), /3 node\(s\) had volume node affinity conflict/],
    ['an unbound WaitForFirstConsumer claim: anywhere', scheduler({ claims: [claim('data')] }), withClaims('web', 'data'), /^bind n[123]$/],
    ['no claims at all: the plugin stays out', scheduler(), pod('plain'), /^bind n[123]$/],
  ]
  for (const [name, s, p, want] of cases) {
    s.onPod('ADDED', p, NOW)
    const got = outcome(s.scheduleOne(NOW))
    if (typeof want === 'string') t.equal(got, want, name)
    else t.match(got, want, name)
  }
})

t.test('volume binding - a pod waiting for its claim is scheduled once the claim appears', async (t) => {
  const s = scheduler()
  s.onPod('ADDED', withClaims('web', 'data'), NOW)
  t.match(outcome(s.scheduleOne(NOW)), /persistentvolumeclaim "data" not found/)
  t.equal(s.scheduleOne(NOW + 60_000), undefined, 'no other event: it waits (not retried in a loop)')
  s.onClaim('ADDED', claim('data'), NOW + 60_000)
  t.match(outcome(s.scheduleOne(NOW + 61_000)), /^bind n[123]$/, 'the claim came: moved back and bound')
})

t.test('volume binding - the engine annotates WaitForFirstConsumer claims with the chosen node before binding', async (t) => {
  const state = newSchedulerEngineState({ scheduler: { random: seeded(5) } })
  const effects: SchedulerEffect[] = []
  const feed = (input: Parameters<typeof step>[1]) => effects.push(...step(state, input, NOW))
  feed({ type: 'relist' })
  feed({ type: 'nodes', generation: 1, events: [{ type: 'ADDED', object: node('n1') }] })
  feed({ type: 'classes', generation: 1, events: [{ type: 'ADDED', object: DEFAULT_STORAGE_CLASS }] })
  feed({ type: 'volumes', generation: 1, events: [{ type: 'ADDED', object: localVolume('pv-1', 'n1') }] })
  feed({ type: 'claims', generation: 1, events: ['new', 'chosen', 'bound'].map((c) => ({ type: 'ADDED' as const, object: c === 'chosen' ? claim(c, { node: 'n1' }) : c === 'bound' ? claim(c, { volumeName: 'pv-1' }) : claim(c) })) })
  feed({ type: 'pods', generation: 1, events: [{ type: 'ADDED', object: withClaims('web', 'new', 'chosen', 'bound') }, { type: 'ADDED', object: withClaims('other', 'bound') }] })
  feed({ type: 'pump' })
  const binds = effects.filter((e): e is Extract<SchedulerEffect, { type: 'bind' }> => e.type === 'bind')
  t.same(
    binds.map((b) => [b.pod.name, b.nodeName, b.claimsToSelect]),
    [
      ['web', 'n1', ['new']],
      ['other', 'n1', undefined],
    ],
    'only the unbound claim not yet annotated with n1 is annotated; a pod with bound claims only binds',
  )
})

t.test('volume binding - storage events of an old generation are ignored', async (t) => {
  const state = newSchedulerEngineState({ scheduler: { random: seeded(5) } })
  step(state, { type: 'relist' }, NOW)
  step(state, { type: 'relist' }, NOW)
  t.same(step(state, { type: 'claims', generation: 1, events: [{ type: 'ADDED', object: claim('data') }] }, NOW), [])
  t.equal(state.scheduler.volumes.claim('default', 'data'), undefined)
  step(state, { type: 'claims', generation: 2, events: [{ type: 'ADDED', object: claim('data') }] }, NOW)
  t.equal(state.scheduler.volumes.claim('default', 'data')?.metadata.name, 'data')
})
