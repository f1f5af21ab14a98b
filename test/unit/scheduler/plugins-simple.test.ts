import t from 'tap'
import { newNodeName } from '../../../actors/scheduler/plugins/node-name/node-name.ts'
import { newNodeUnschedulable } from '../../../actors/scheduler/plugins/node-unschedulable/node-unschedulable.ts'
import { newTaintToleration, toleratesTaint } from '../../../actors/scheduler/plugins/taint-toleration/taint-toleration.ts'
import { insufficientResources, leastRequestedScore, mostRequestedScore, newNodeResourcesFit, resourceScore } from '../../../actors/scheduler/plugins/node-resources-fit/node-resources-fit.ts'
import { balancedScore } from '../../../actors/scheduler/plugins/node-resources-balanced-allocation/node-resources-balanced-allocation.ts'
import { podRequests } from '../../../actors/scheduler/framework/pod-info.ts'
import type { Taint, Toleration } from '../../../actors/kube/objects.ts'
import { newState, node, nodeInfo, pod, podInfo } from './fixtures.ts'

t.test('NodeResourcesFit - filter reasons', async (t) => {
  const full = nodeInfo(node('n', { cpu: '1', memory: '1Gi', pods: 2 }), [pod('a', { cpu: '600m', memory: '512Mi' })])
  const cases: [string, ReturnType<typeof podInfo>, string[]][] = [
    ['fits', podInfo('p', { cpu: '400m', memory: '512Mi' }), []],
    ['insufficient cpu', podInfo('p', { cpu: '401m' }), ['Insufficient cpu']],
    ['insufficient memory', podInfo('p', { memory: '513Mi' }), ['Insufficient memory']],
    ['insufficient cpu and memory', podInfo('p', { cpu: '2', memory: '2Gi' }), ['Insufficient cpu', 'Insufficient memory']],
    ['best effort pod fits anywhere with room for a pod', podInfo('p'), []],
  ]
  const fit = newNodeResourcesFit()
  for (const [name, p, reasons] of cases) {
    t.same(insufficientResources(p, full), reasons, name)
    const s = fit.filter(newState(), p, full)
    if (reasons.length === 0) t.equal(s, undefined, `${name}: success`)
    else {
      t.equal(s?.code, 'Unschedulable', `${name}: code`)
      t.same(s?.reasons, reasons, `${name}: status reasons`)
    }
  }
})

t.test('NodeResourcesFit - too many pods', async (t) => {
  const ni = nodeInfo(node('n', { pods: 1 }), [pod('a')])
  t.same(insufficientResources(podInfo('p'), ni), ['Too many pods'])
  t.same(insufficientResources(podInfo('p', { cpu: '5' }), ni), ['Too many pods', 'Insufficient cpu'])
})

t.test('NodeResourcesFit - requests: containers summed, init containers by max', async (t) => {
  const p = pod('p', {
    containers: [
      { name: 'a', resources: { requests: { cpu: '100m', memory: '100Mi' } } },
      { name: 'b', resources: { requests: { cpu: '200m' } } },
    ],
    initContainers: [
      { name: 'i1', resources: { requests: { cpu: '500m', memory: '10Mi' } } },
      { name: 'i2', resources: { requests: { memory: '50Mi' } } },
    ],
  })
  t.same(podRequests(p), { milliCpu: 500, memory: 100 * 2 ** 20 })
  // Non-zero: b has no memory request, so it counts 200Mi.
  t.same(podRequests(p, true), { milliCpu: 500, memory: 300 * 2 ** 20 })
})

t.test('NodeResourcesFit - LeastAllocated and MostAllocated scores', async (t) => {
  t.equal(leastRequestedScore(0, 4000), 100)
  t.equal(leastRequestedScore(1000, 4000), 75)
  t.equal(leastRequestedScore(5000, 4000), 0)
  t.equal(mostRequestedScore(1000, 4000), 25)
  t.equal(mostRequestedScore(5000, 4000), 100)
  const empty = nodeInfo(node('n', { cpu: '4', memory: '8Gi' }))
  const busy = nodeInfo(node('m', { cpu: '4', memory: '8Gi' }), [pod('a', { cpu: '2', memory: '4Gi' })])
  const p = podInfo('p', { cpu: '1', memory: '2Gi' })
  t.equal(resourceScore(p, empty), 75, 'least: (75 + 75) / 2')
  t.equal(resourceScore(p, busy), 25, 'least: (25 + 25) / 2')
  t.equal(resourceScore(p, empty, 'MostAllocated'), 25)
  t.equal(resourceScore(p, busy, 'MostAllocated'), 75)
  const most = newNodeResourcesFit({ scoringStrategy: 'MostAllocated' })
  t.ok(most.score(newState(), p, busy) > most.score(newState(), p, empty), 'MostAllocated packs')
  t.throws(() => newNodeResourcesFit({ scoringStrategy: 'Random' as never }), RangeError)
})

t.test('NodeResourcesBalancedAllocation - equal shares score highest', async (t) => {
  const n = nodeInfo(node('n', { cpu: '4', memory: '4Gi' }))
  t.equal(balancedScore(podInfo('p', { cpu: '1', memory: '1Gi' }), n), 100)
  t.equal(balancedScore(podInfo('p', { cpu: '2', memory: '0' }), n), 75)
})

t.test('NodeName - requested node name', async (t) => {
  const plugin = newNodeName()
  const ni = nodeInfo(node('n1'))
  t.equal(plugin.filter(newState(), podInfo('p'), ni), undefined, 'no nodeName fits anywhere')
  t.equal(plugin.filter(newState(), podInfo('p', { nodeName: 'n1' }), ni), undefined, 'same name fits')
  const s = plugin.filter(newState(), podInfo('p', { nodeName: 'n2' }), ni)
  t.equal(s?.code, 'UnschedulableAndUnresolvable')
  t.same(s?.reasons, ["node(s) didn't match the requested node name"])
})

t.test('NodeUnschedulable - cordoned nodes', async (t) => {
  const plugin = newNodeUnschedulable()
  const cordoned = nodeInfo(node('n', { unschedulable: true }))
  const s = plugin.filter(newState(), podInfo('p'), cordoned)
  t.equal(s?.code, 'UnschedulableAndUnresolvable')
  t.same(s?.reasons, ['node(s) were unschedulable'])
  t.equal(plugin.filter(newState(), podInfo('p'), nodeInfo(node('m'))), undefined, 'schedulable node')
  const tolerant = podInfo('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] })
  t.equal(plugin.filter(newState(), tolerant, cordoned), undefined, 'toleration of the unschedulable taint')
})

t.test('TaintToleration - toleration matching', async (t) => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }
  const cases: [string, Toleration, boolean][] = [
    ['equal key and value', { key: 'dedicated', operator: 'Equal', value: 'gpu' }, true],
    ['default operator is Equal', { key: 'dedicated', value: 'gpu' }, true],
    ['wrong value', { key: 'dedicated', value: 'cpu' }, false],
    ['exists', { key: 'dedicated', operator: 'Exists' }, true],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, true],
    ['other effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    ['same effect', { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, true],
    ['other key', { key: 'zone', operator: 'Exists' }, false],
  ]
  for (const [name, tol, want] of cases) t.equal(toleratesTaint(tol, taint), want, name)
})

t.test('TaintToleration - untolerated taint', async (t) => {
  const plugin = newTaintToleration()
  const ni = nodeInfo(node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }))
  const s = plugin.filter(newState(), podInfo('p'), ni)
  t.equal(s?.code, 'UnschedulableAndUnresolvable')
  t.same(s?.reasons, ['node(s) had untolerated taint {dedicated: gpu}'])
  t.equal(plugin.filter(newState(), podInfo('p', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), ni), undefined, 'tolerated')
  const noExec = nodeInfo(node('x', { taints: [{ key: 'gone', effect: 'NoExecute' }] }))
  t.same(plugin.filter(newState(), podInfo('p'), noExec)?.reasons, ['node(s) had untolerated taint {gone: }'], 'NoExecute also filters')
})

t.test('TaintToleration - PreferNoSchedule score', async (t) => {
  const plugin = newTaintToleration()
  const nodes = [
    nodeInfo(node('clean')),
    nodeInfo(node('one', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }] })),
    nodeInfo(node('two', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] })),
  ]
  const p = podInfo('p', { tolerations: [{ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }] })
  const state = newState()
  t.equal(plugin.preScore(state, p, nodes, undefined as never), undefined)
  const scores = Float64Array.from(nodes.map((n) => plugin.score(state, p, n)))
  t.same([...scores], [0, 1, 1], 'raw: untolerated PreferNoSchedule taints')
  plugin.normalizeScore!(state, p, scores, nodes)
  t.same([...scores], [100, 0, 0], 'normalized in reverse')
})
