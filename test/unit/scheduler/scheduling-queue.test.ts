import t from 'tap'
import { SchedulingQueue } from '../../../actors/scheduler/scheduling-queue.ts'
import { pod } from './fixtures.ts'

const names = (q: SchedulingQueue, now: number): string[] => {
  const out: string[] = []
  for (let p = q.pop(now); p !== undefined; p = q.pop(now)) out.push(p.podInfo.name)
  return out
}

t.test('queue - priority, then enqueue time', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('low-early', { priority: 0 }), 1)
  q.add(pod('high', { priority: 100 }), 3)
  q.add(pod('low-late', { priority: 0 }), 2)
  q.add(pod('mid', { priority: 10 }), 4)
  t.same(names(q, 10), ['high', 'mid', 'low-early', 'low-late'])
})

t.test('queue - de-duplication, update and delete by uid', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('a', { priority: 0 }), 1)
  q.add(pod('b', { priority: 0 }), 2)
  q.add(pod('a', { priority: 50 }), 3)
  t.same(q.lengths.active, 2, 'the same uid twice is one pod')
  q.delete('uid-b')
  const p = q.pop(5)
  t.equal(p?.podInfo.priority, 50, 'the update took')
  t.equal(q.pop(5), undefined, 'b was deleted')
})

t.test('queue - backoff doubles from 1 s to 10 s', async (t) => {
  const q = new SchedulingQueue()
  t.same([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000])
  const custom = new SchedulingQueue({ initialBackoffMs: 100, maxBackoffMs: 250 })
  t.same([1, 2, 3].map((a) => custom.backoffDuration(a)), [100, 200, 250])
  t.throws(() => new SchedulingQueue({ initialBackoffMs: 5, maxBackoffMs: 1 }), RangeError)
})

t.test('queue - an error goes to backoff and comes back when it ends', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('p'), 0)
  const p1 = q.pop(0)!
  t.equal(p1.attempts, 1)
  q.addUnschedulable(p1, new Set(), 100)
  t.equal(q.whereIs('uid-p'), 'backoff')
  t.equal(q.pop(1099), undefined, 'still backing off at 1099')
  t.equal(q.nextDueTime(500), 1100)
  const p2 = q.pop(1100)
  t.equal(p2?.attempts, 2)
  q.addUnschedulable(p2!, new Set(), 2000)
  t.equal(q.pop(3999), undefined, 'second backoff is 2 s')
  t.ok(q.pop(4000))
})

t.test('queue - unschedulable pods wait for a relevant event', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('cpu'), 0)
  q.add(pod('taint'), 0)
  const a = q.pop(0)!
  const b = q.pop(0)!
  q.addUnschedulable(a, new Set(['NodeResourcesFit']), 10)
  q.addUnschedulable(b, new Set(['TaintToleration']), 10)
  t.equal(q.whereIs('uid-cpu'), 'unschedulable')
  t.equal(q.pop(60_000), undefined, 'no event: they wait')
  t.equal(q.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' }, 60_000), 1, 'a pod deletion frees resources, not taints')
  t.equal(q.whereIs('uid-cpu'), 'active')
  t.equal(q.whereIs('uid-taint'), 'unschedulable')
  t.equal(q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Update' }, 60_000), 1)
  t.same(names(q, 60_000), ['cpu', 'taint'])
})

t.test('queue - moved while backing off goes to backoffQ', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('p'), 0)
  q.addUnschedulable(q.pop(0)!, new Set(['NodeAffinity']), 0)
  q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' }, 500)
  t.equal(q.whereIs('uid-p'), 'backoff')
  t.equal(q.pop(999), undefined)
  t.ok(q.pop(1000))
})

t.test('queue - an event during the cycle sends the pod to backoff, not to wait', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('p'), 0)
  const p = q.pop(0)!
  q.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' }, 1)
  q.addUnschedulable(p, new Set(['NodeResourcesFit']), 2)
  t.equal(q.whereIs('uid-p'), 'backoff')
})

t.test('queue - unschedulable pods are flushed after the max stay', async (t) => {
  const q = new SchedulingQueue({ maxUnschedulableMs: 60_000 })
  q.add(pod('p'), 0)
  q.addUnschedulable(q.pop(0)!, new Set(['NodeAffinity']), 1000)
  t.equal(q.nextDueTime(2000), 61_000)
  t.equal(q.pop(60_999), undefined)
  t.equal(q.pop(61_000)?.podInfo.name, 'p')
})

t.test('queue - a changed unschedulable pod is retried; deleted in flight is dropped', async (t) => {
  const q = new SchedulingQueue()
  q.add(pod('p', { nodeSelector: { a: 'b' } }), 0)
  q.addUnschedulable(q.pop(0)!, new Set(['NodeAffinity']), 0)
  q.update({ ...pod('p', { nodeSelector: { a: 'b' } }), status: { phase: 'Pending', message: 'x' } }, 5000)
  t.equal(q.whereIs('uid-p'), 'unschedulable', 'a status change is not a reason')
  q.update(pod('p', { nodeSelector: { a: 'c' } }), 5000)
  t.equal(q.whereIs('uid-p'), 'active', 'a spec change is')
  const again = q.pop(5000)!
  q.delete('uid-p')
  q.addUnschedulable(again, new Set(['NodeAffinity']), 5001)
  t.equal(q.whereIs('uid-p'), undefined)
})
