import t from 'tap'
import { Scheduler } from '../../../actors/scheduler/scheduler.ts'
import { node, pod, seeded } from './fixtures.ts'

t.test('scheduler - watch events to bind decisions', async (t) => {
  const s = new Scheduler({ random: seeded(7) })
  s.onNode('ADDED', node('n1', { cpu: '1' }), 0)
  s.onPod('ADDED', pod('a', { cpu: '600m' }), 0)
  s.onPod('ADDED', pod('b', { cpu: '600m' }), 1)
  s.onPod('ADDED', pod('other', { schedulerName: 'someone-else' }), 1)
  const d1 = s.scheduleOne(10)
  t.equal(d1?.kind, 'bind')
  if (d1?.kind !== 'bind') return
  t.equal(d1.nodeName, 'n1')
  const d2 = s.scheduleOne(10)
  t.equal(d2?.kind, 'unschedulable', 'the assumed pod already holds the cpu')
  t.equal(d2?.kind === 'unschedulable' && d2.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..')
  t.equal(s.scheduleOne(10), undefined, 'the other scheduler’s pod is not ours; b waits')

  s.bindSucceeded(d1, 20)
  s.onPod('MODIFIED', { ...pod('a', { cpu: '600m' }), spec: { ...pod('a', { cpu: '600m' }).spec, nodeName: 'n1' } }, 30)
  t.notOk(s.cache.isAssumed('uid-a'), 'confirmed by the watch')

  s.onNode('ADDED', node('n2', { cpu: '1' }), 40)
  t.equal(s.queue.whereIs('uid-b'), 'backoff', 'a new node wakes b, still backing off')
  t.equal(s.nextWakeup(40), 1010)
  const d3 = s.scheduleOne(1010)
  t.equal(d3?.kind === 'bind' && d3.nodeName, 'n2')
})

t.test('scheduler - a failed bind frees the node and retries', async (t) => {
  const s = new Scheduler({ random: seeded(1) })
  s.onNode('ADDED', node('n1'), 0)
  s.onPod('ADDED', pod('a', { cpu: '1' }), 0)
  const d = s.scheduleOne(0)
  if (d?.kind !== 'bind') return t.fail('expected bind')
  t.equal(s.cache.nodeInfo('n1')!.requested.milliCpu, 1000)
  s.bindFailed(d, 5)
  t.equal(s.cache.nodeInfo('n1')!.requested.milliCpu, 0)
  t.equal(s.queue.whereIs('uid-a'), 'backoff')
  t.equal(s.scheduleOne(1004), undefined)
  t.equal(s.scheduleOne(1005)?.kind, 'bind')
})

t.test('scheduler - assumed pods expire when the watch never confirms', async (t) => {
  const s = new Scheduler({ random: seeded(1), cache: { assumedPodTtlMs: 1000 } })
  s.onNode('ADDED', node('n1'), 0)
  s.onPod('ADDED', pod('a', { cpu: '1' }), 0)
  const d = s.scheduleOne(0)
  if (d?.kind !== 'bind') return t.fail('expected bind')
  s.bindSucceeded(d, 10)
  t.equal(s.nextWakeup(10), 1010)
  t.same(s.tick(1009), [])
  t.same(s.tick(1010).map((p) => p.uid), ['uid-a'])
  t.equal(s.cache.nodeInfo('n1')!.requested.milliCpu, 0)
})
