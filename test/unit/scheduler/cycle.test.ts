import t from 'tap'
import { newFramework } from '../../../actors/scheduler/profile.ts'
import { fitErrorMessage, numFeasibleNodesToFind, SchedulingAlgorithm } from '../../../actors/scheduler/schedule-one.ts'
import { Status } from '../../../actors/scheduler/framework/status.ts'
import { node, nodeInfo, pod, podInfo, seeded, snapshotOf } from './fixtures.ts'

t.test('cycle - numFeasibleNodesToFind', async (t) => {
  t.equal(numFeasibleNodesToFind(undefined, 50), 50, 'under 100: all')
  t.equal(numFeasibleNodesToFind(undefined, 150), 100, 'at least 100')
  t.equal(numFeasibleNodesToFind(undefined, 1000), 420, '50 - 8 = 42%')
  t.equal(numFeasibleNodesToFind(undefined, 5000), 500, '50 - 40 = 10%')
  t.equal(numFeasibleNodesToFind(undefined, 10000), 500, 'floor of 5%')
  t.equal(numFeasibleNodesToFind(100, 5000), 5000, 'explicit percentage')
})

t.test('cycle - picks the least allocated node', async (t) => {
  const algo = new SchedulingAlgorithm(newFramework())
  const snap = snapshotOf(
    nodeInfo(node('busy'), [pod('a', { cpu: '3', memory: '6Gi' })]),
    nodeInfo(node('free')),
    nodeInfo(node('half'), [pod('b', { cpu: '2', memory: '4Gi' })]),
  )
  const r = algo.schedulePod(podInfo('p', { cpu: '500m', memory: '1Gi' }), snap, seeded(1))
  t.equal(r.kind, 'scheduled')
  if (r.kind === 'scheduled') {
    t.equal(r.nodeName, 'free')
    t.equal(r.feasibleNodes, 3)
    t.equal(r.evaluatedNodes, 3)
  }
})

t.test('cycle - filters decide before scores', async (t) => {
  const algo = new SchedulingAlgorithm(newFramework())
  const snap = snapshotOf(nodeInfo(node('tainted', { taints: [{ key: 'k', effect: 'NoSchedule' }] })), nodeInfo(node('full'), [pod('a', { cpu: '4' })]), nodeInfo(node('ok'), [pod('b', { cpu: '3' })]))
  const r = algo.schedulePod(podInfo('p', { cpu: '1' }), snap, seeded(1))
  t.equal(r.kind === 'scheduled' && r.nodeName, 'ok')
})

t.test('cycle - fit error message counts and sorts reasons as kube-scheduler', async (t) => {
  const algo = new SchedulingAlgorithm(newFramework())
  const nodes = [
    nodeInfo(node('c1', { cpu: '1' })),
    nodeInfo(node('c2', { cpu: '1' })),
    nodeInfo(node('c3', { cpu: '1' })),
    nodeInfo(node('z1', { cpu: '1', labels: { zone: 'b' } })),
    nodeInfo(node('z2', { cpu: '1', labels: { zone: 'b' } })),
  ]
  const p = podInfo('p', { cpu: '2', nodeSelector: { zone: 'b' } })
  // c1..c3 lack the zone label (node affinity comes first in the filter order), z1/z2 lack cpu:
  const r = algo.schedulePod(p, snapshotOf(...nodes), seeded(1))
  t.equal(r.kind, 'unschedulable')
  if (r.kind !== 'unschedulable') return
  // Preemption's own message follows, with kube-scheduler's doubled final period.
  t.equal(r.message, "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling..")
  t.same([...r.error.diagnosis.unschedulablePlugins].sort(), ['NodeAffinity', 'NodeResourcesFit'])

  const cpuOnly = podInfo('q', { cpu: '2', memory: '2Mi' })
  const small = [1, 2, 3].map((i) => nodeInfo(node(`s${i}`, { cpu: '1' })))
  const big = nodeInfo(node('tainted', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }))
  const r2 = algo.schedulePod(cpuOnly, snapshotOf(...small, big, nodeInfo(node('m', { cpu: '1', memory: '1Mi' }))), seeded(1))
  t.equal(r2.kind === 'unschedulable' && r2.message, '0/5 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}, 4 Insufficient cpu. preemption: 0/5 nodes are available: 1 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod..')
})

t.test('cycle - fit error text sorts as strings', async (t) => {
  const d = { nodeToStatus: new Map<string, Status>(), unschedulablePlugins: new Set<string>(), preFilterMsg: '', postFilterMsg: '' }
  for (let i = 0; i < 10; i++) d.nodeToStatus.set(`a${i}`, new Status('Unschedulable', ['Insufficient cpu']))
  for (let i = 0; i < 2; i++) d.nodeToStatus.set(`b${i}`, new Status('Unschedulable', ['Too many pods']))
  t.equal(fitErrorMessage(12, d), '0/12 nodes are available: 10 Insufficient cpu, 2 Too many pods.')
  t.equal(fitErrorMessage(3, { ...d, preFilterMsg: 'something' }), '0/3 nodes are available: something.')
})

t.test('cycle - no nodes', async (t) => {
  const r = new SchedulingAlgorithm(newFramework()).schedulePod(podInfo('p'), snapshotOf(), seeded(1))
  t.equal(r.kind === 'unschedulable' && r.message, 'no nodes available to schedule pods')
})

t.test('cycle - ties broken by random, start index rotates', async (t) => {
  const nodes = Array.from({ length: 4 }, (_, i) => nodeInfo(node(`n${i}`)))
  const chosen = new Set<string>()
  for (let seed = 0; seed < 40; seed++) {
    const r = new SchedulingAlgorithm(newFramework()).schedulePod(podInfo('p'), snapshotOf(...nodes), seeded(seed))
    if (r.kind === 'scheduled') chosen.add(r.nodeName)
  }
  t.equal(chosen.size, 4, 'equal nodes all get chosen for some random()')
  const first = new SchedulingAlgorithm(newFramework())
  const r1 = first.schedulePod(podInfo('p'), snapshotOf(...nodes), () => 0)
  const r2 = first.schedulePod(podInfo('p'), snapshotOf(...nodes), () => 0.999)
  t.ok(r1.kind === 'scheduled' && r2.kind === 'scheduled')
  t.equal(first.nextStartNodeIndex, 0, '4 nodes evaluated twice: back to 0')
})

t.test('cycle - stops filtering after enough feasible nodes', async (t) => {
  const nodes = Array.from({ length: 1000 }, (_, i) => nodeInfo(node(`n${i}`)))
  const algo = new SchedulingAlgorithm(newFramework())
  const r = algo.schedulePod(podInfo('p'), snapshotOf(...nodes), seeded(3))
  t.equal(r.kind === 'scheduled' && r.feasibleNodes, 420)
  t.equal(algo.nextStartNodeIndex, 420, 'the next cycle starts where this one stopped')
})
