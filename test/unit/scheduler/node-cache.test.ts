import t from 'tap'
import { Snapshot } from '../../../actors/scheduler/framework/snapshot.ts'
import { NodeCache } from '../../../actors/scheduler/node-cache.ts'
import { node, pod } from './fixtures.ts'

const bound = (name: string, nodeName: string, o: Parameters<typeof pod>[1] = {}) => pod(name, { ...o, nodeName })

t.test('node cache - watch events build NodeInfos', async (t) => {
  const cache = new NodeCache()
  cache.addNode(node('n1'))
  cache.addPod(bound('a', 'n1', { cpu: '1', memory: '1Gi' }))
  cache.addPod(bound('b', 'n1', { cpu: '500m' }))
  const ni = cache.nodeInfo('n1')!
  t.equal(ni.pods.length, 2)
  t.same(ni.requested, { milliCpu: 1500, memory: 2 ** 30 })
  cache.updatePod(bound('b', 'n1', { cpu: '250m' }))
  t.equal(ni.requested.milliCpu, 1250, 'update replaces the old requests')
  cache.removePod(bound('a', 'n1'))
  t.same(ni.requested, { milliCpu: 250, memory: 0 })
  cache.updatePod({ ...bound('b', 'n1', { cpu: '250m' }), status: { phase: 'Succeeded' } })
  t.equal(ni.pods.length, 0, 'a finished pod frees its resources')
  t.equal(cache.podCount, 0)
})

t.test('node cache - pods before their node, node removed with pods', async (t) => {
  const cache = new NodeCache()
  cache.addPod(bound('a', 'late', { cpu: '1' }))
  const snap = new Snapshot()
  cache.updateSnapshot(snap)
  t.equal(snap.numNodes, 0, 'a node the cache has not seen is not in snapshots')
  cache.addNode(node('late'))
  cache.updateSnapshot(snap)
  t.equal(snap.get('late')?.requested.milliCpu, 1000, 'its pods were kept')
  cache.removeNode('late')
  cache.updateSnapshot(snap)
  t.equal(snap.numNodes, 0)
  t.equal(cache.nodeCount, 0)
  cache.removePod('uid-a')
  t.equal(cache.podCount, 0)
})

t.test('node cache - assume, confirm, forget, expire', async (t) => {
  const cache = new NodeCache({ assumedPodTtlMs: 30_000 })
  cache.addNode(node('n1'))
  cache.addNode(node('n2'))
  const p = pod('p', { cpu: '1' })
  t.ok(cache.assumePod(p, 'n1'))
  t.notOk(cache.assumePod(p, 'n2'), 'assuming twice is refused')
  t.ok(cache.isAssumed('uid-p'))
  t.equal(cache.nodeInfo('n1')!.requested.milliCpu, 1000, 'the assumed pod counts at once')

  t.ok(cache.forgetPod('uid-p'), 'bind failed: forget')
  t.equal(cache.nodeInfo('n1')!.requested.milliCpu, 0)
  t.notOk(cache.forgetPod('uid-p'))

  cache.assumePod(p, 'n1')
  cache.finishBinding('uid-p', 1000)
  t.same(cache.cleanupExpiredAssumedPods(30_999), [], 'not yet expired')
  t.equal(cache.nextExpiry(), 31_000)
  cache.addPod(bound('p', 'n2', { cpu: '1' }))
  t.notOk(cache.isAssumed('uid-p'), 'the watch confirms it')
  t.equal(cache.nodeInfo('n1')!.requested.milliCpu, 0, 'where the watch says it is')
  t.equal(cache.nodeInfo('n2')!.requested.milliCpu, 1000)
  t.same(cache.cleanupExpiredAssumedPods(100_000), [], 'confirmed pods never expire')

  const q = pod('q', { cpu: '2' })
  cache.assumePod(q, 'n1')
  t.same(cache.cleanupExpiredAssumedPods(1e9), [], 'no expiry before the binding finished')
  cache.finishBinding('uid-q', 0)
  const expired = cache.cleanupExpiredAssumedPods(30_000)
  t.same(expired.map((e) => e.uid), ['uid-q'])
  t.equal(cache.nodeInfo('n1')!.requested.milliCpu, 0, 'expired pods free their resources')
})

t.test('node cache - snapshots copy only what changed', async (t) => {
  const cache = new NodeCache()
  for (let i = 0; i < 5; i++) cache.addNode(node(`n${i}`))
  const snap = new Snapshot()
  cache.updateSnapshot(snap)
  t.same(snap.nodeInfoList.map((n) => n.name), ['n0', 'n1', 'n2', 'n3', 'n4'])
  const before = [...snap.nodeInfoList]
  cache.assumePod(pod('p', { cpu: '1' }), 'n2')
  t.equal(snap.get('n2')!.requested.milliCpu, 0, 'the snapshot is a copy: unchanged until updated')
  cache.updateSnapshot(snap)
  t.equal(snap.get('n2')!.requested.milliCpu, 1000)
  t.equal(snap.nodeInfoList[2], snap.get('n2'), 'replaced in place in the list')
  for (const i of [0, 1, 3, 4]) t.equal(snap.nodeInfoList[i], before[i], `n${i} not copied again`)
  t.not(snap.nodeInfoList[2], before[2])

  cache.addNode(node('n5'))
  cache.removeNode('n0')
  cache.updateSnapshot(snap)
  t.same(snap.nodeInfoList.map((n) => n.name), ['n1', 'n2', 'n3', 'n4', 'n5'])
  t.equal(snap.get('n0'), undefined)

  cache.updateNode(node('n3', { labels: { zone: 'z' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }))
  cache.updateSnapshot(snap)
  t.equal(snap.get('n3')!.labels.zone, 'z', 'node updates reach the snapshot')
  t.equal(snap.get('n3')!.taints.length, 1)

  const anti = pod('anti', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'zone' }] } } })
  cache.addPod({ ...anti, spec: { ...anti.spec, nodeName: 'n4' } })
  cache.updateSnapshot(snap)
  t.same(snap.havePodsWithRequiredAntiAffinityList.map((n) => n.name), ['n4'])
  t.same(snap.havePodsWithAffinityList.map((n) => n.name), ['n4'])
  cache.removePod('uid-anti')
  cache.updateSnapshot(snap)
  t.same(snap.havePodsWithRequiredAntiAffinityList, [])
})
