import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import { PodInfo } from '../../../actors/scheduler/framework/pod-info.ts'
import { newFramework } from '../../../actors/scheduler/profile.ts'
import { numCandidates } from '../../../actors/scheduler/plugins/default-preemption/default-preemption.ts'
import { NO_VICTIMS, pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from '../../../actors/scheduler/plugins/default-preemption/select-victims.ts'
import { Scheduler } from '../../../actors/scheduler/scheduler.ts'
import { newState, node, nodeInfo, pod, podInfo, seeded, type PodOptions } from './fixtures.ts'

const fwk = newFramework()
const filter = fwk.runFilterPlugins.bind(fwk) as (...a: Parameters<typeof fwk.runFilterPlugins>) => ReturnType<typeof fwk.runFilterPlugins>
const started = (name: string, o: PodOptions & { start?: string } = {}): Pod => {
  const { start, ...rest } = o
  const p = pod(name, rest)
  return start === undefined ? p : { ...p, status: { startTime: start } }
}

t.test('DefaultPreemption - victims on one node', async (t) => {
  const cases: { name: string; pods: Pod[]; preemptor: PodOptions; victims?: string[]; status?: string }[] = [
    {
      name: 'the lower pods are put back most important first; those that leave no room are the victims',
      pods: [pod('low1', { priority: 1, cpu: '1' }), pod('low2', { priority: 2, cpu: '2' }), pod('high', { priority: 100, cpu: '1' })],
      preemptor: { priority: 50, cpu: '2' },
      victims: ['low2'],
    },
    {
      name: 'two must go',
      pods: [pod('a', { priority: 1, cpu: '2' }), pod('b', { priority: 2, cpu: '2' })],
      preemptor: { priority: 50, cpu: '3' },
      victims: ['b', 'a'],
    },
    { name: 'equal priority is no victim', pods: [pod('same', { priority: 5, cpu: '4' })], preemptor: { priority: 5, cpu: '1' }, status: NO_VICTIMS },
    { name: 'no room even without every lower pod', pods: [pod('low', { priority: 1, cpu: '1' }), pod('high', { priority: 9, cpu: '3' })], preemptor: { priority: 5, cpu: '2' }, status: 'Insufficient cpu' },
  ]
  for (const c of cases) {
    const ni = nodeInfo(node('n', { cpu: '4' }), c.pods)
    // As PreFilter leaves it for a pod without volume claims: VolumeBinding's Filter is skipped.
    const state = newState()
    state.skipFilterPlugins.add('VolumeBinding')
    const r = selectVictimsOnNode(state, podInfo('p', c.preemptor), ni, filter)
    if (c.victims !== undefined) t.same('victims' in r ? r.victims.map((v) => v.name) : r.status.message(), c.victims, c.name)
    else t.same('status' in r ? r.status.message() : r.victims.map((v) => v.name), c.status, c.name)
    t.equal(ni.pods.length, c.pods.length, `${c.name}: the node itself is untouched`)
  }
})

t.test('DefaultPreemption - picking the node', async (t) => {
  const v = (name: string, priority: number, start?: string): PodInfo => new PodInfo(started(name, { priority, ...(start ? { start } : {}) }))
  const cases: { name: string; candidates: Candidate[]; want: string }[] = [
    { name: 'a node without victims wins', candidates: [{ nodeName: 'a', victims: [v('x', 1)] }, { nodeName: 'b', victims: [] }], want: 'b' },
    { name: 'lowest highest victim priority', candidates: [{ nodeName: 'a', victims: [v('x', 5)] }, { nodeName: 'b', victims: [v('y', 3), v('z', 3)] }], want: 'b' },
    { name: 'then the lowest sum of priorities', candidates: [{ nodeName: 'a', victims: [v('x', 3), v('y', 2)] }, { nodeName: 'b', victims: [v('z', 3), v('w', 1)] }], want: 'b' },
    { name: 'then the fewest victims', candidates: [{ nodeName: 'a', victims: [v('x', 3), v('y', 0)] }, { nodeName: 'b', victims: [v('z', 3)] }], want: 'b' },
    {
      name: 'then the latest start of the highest-priority victims',
      candidates: [{ nodeName: 'a', victims: [v('x', 3, '2026-01-01T00:00:00Z')] }, { nodeName: 'b', victims: [v('y', 3, '2026-01-01T00:01:00Z')] }],
      want: 'b',
    },
    { name: 'then the first', candidates: [{ nodeName: 'a', victims: [v('x', 3)] }, { nodeName: 'b', victims: [v('y', 3)] }], want: 'a' },
  ]
  for (const c of cases) t.equal(pickOneNodeForPreemption(c.candidates)?.nodeName, c.want, c.name)
  t.equal(pickOneNodeForPreemption([]), undefined)
  t.equal(numCandidates(50), 50)
  t.equal(numCandidates(5000), 500)
  t.equal(numCandidates(500), 100)
})

t.test('DefaultPreemption - a high-priority pod preempts, is nominated, holds the room and binds there', async (t) => {
  const s = new Scheduler({ random: seeded(3) })
  s.onNode('ADDED', node('n1', { cpu: '2' }), 0)
  s.onNode('ADDED', node('n2', { cpu: '2' }), 0)
  const bound = (name: string, n: string, o: PodOptions): Pod => ({ ...pod(name, o), spec: { ...pod(name, o).spec, nodeName: n } })
  const victims = [bound('n1-a', 'n1', { priority: 1, cpu: '1' }), bound('n1-b', 'n1', { priority: 1, cpu: '1' }), bound('n2-a', 'n2', { priority: 2, cpu: '2' })]
  for (const v of victims) s.onPod('ADDED', v, 0)

  s.onPod('ADDED', pod('never', { priority: 100, cpu: '2', preemptionPolicy: 'Never' }), 0)
  const never = s.scheduleOne(0)
  t.equal(never?.kind === 'unschedulable' && never.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..')
  t.equal(never?.kind === 'unschedulable' && never.preemption, undefined)
  s.onPod('DELETED', pod('never'), 0)

  s.onPod('ADDED', pod('vip', { priority: 1000, cpu: '2' }), 1)
  const d = s.scheduleOne(1)
  if (d?.kind !== 'unschedulable' || d.preemption === undefined) return t.fail(`expected a preemption, got ${JSON.stringify(d?.kind)}`)
  t.equal(d.message, '0/2 nodes are available: 2 Insufficient cpu.', 'preemption found room: no preemption message')
  t.equal(d.preemption.nominatedNodeName, 'n1', 'two victims of priority 1 rather than one of priority 2')
  t.same(d.preemption.victims.map((v) => v.name).sort(), ['n1-a', 'n1-b'])
  t.equal(s.nominator.nodeOf('uid-vip'), 'n1')

  // The victims are being deleted: vip waits for them instead of choosing more.
  for (const v of victims.slice(0, 2)) s.onPod('MODIFIED', { ...v, metadata: { ...v.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, 2)
  s.onPod('MODIFIED', { ...pod('vip', { priority: 1000, cpu: '2' }), status: { nominatedNodeName: 'n1' } }, 2)
  t.equal(s.nominator.nodeOf('uid-vip'), 'n1', 'the watch confirms the nomination')

  // They are gone; a pod of lower priority arriving meanwhile must not take vip's room.
  for (const v of victims.slice(0, 2)) s.onPod('DELETED', v, 3)
  s.onPod('ADDED', pod('mid', { priority: 500, cpu: '1' }), 3)
  const mid = s.scheduleOne(3)
  t.equal(mid?.kind, 'unschedulable', 'n1 is held for vip')
  t.match(mid?.kind === 'unschedulable' && mid.message, /^0\/2 nodes are available: 2 Insufficient cpu\./)
  const next = s.scheduleOne(5000)
  t.equal(next?.kind === 'bind' && next.pod.name, 'vip')
  t.equal(next?.kind === 'bind' && next.nodeName, 'n1')
  t.equal(s.nominator.nodeOf('uid-vip'), undefined, 'the assumed pod holds its room itself now')
})

t.test('DefaultPreemption - a second attempt while its victims terminate chooses no more', async (t) => {
  const s = new Scheduler({ random: seeded(3) })
  s.onNode('ADDED', node('n1', { cpu: '1' }), 0)
  const victim = { ...pod('low', { priority: 1, cpu: '1' }), spec: { ...pod('low', { priority: 1, cpu: '1' }).spec, nodeName: 'n1' }, metadata: { ...pod('low').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }
  s.onPod('ADDED', victim, 0)
  s.onPod('ADDED', { ...pod('vip', { priority: 10, cpu: '1' }), status: { nominatedNodeName: 'n1' } }, 0)
  const d = s.scheduleOne(0)
  t.equal(d?.kind === 'unschedulable' && d.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node..')
})

t.test('DefaultPreemption - nodes rejected for good are not tried; a stale nomination is cleared', async (t) => {
  const s = new Scheduler({ random: seeded(3) })
  s.onNode('ADDED', node('tainted', { cpu: '4', taints: [{ key: 'k', effect: 'NoSchedule' }] }), 0)
  s.onPod('ADDED', { ...pod('vip', { priority: 10, cpu: '1' }), status: { nominatedNodeName: 'gone' } }, 0)
  const d = s.scheduleOne(0)
  if (d?.kind !== 'unschedulable') return t.fail('expected unschedulable')
  t.equal(d.message, '0/1 nodes are available: 1 node(s) had untolerated taint {k: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..')
  t.equal(d.preemption?.nominatedNodeName, '', 'clear the nomination')
  t.equal(s.nominator.nodeOf('uid-vip'), undefined)
})
