import t from 'tap'
import { EMPTY_QUEUE, finish, markAt, markDirty, nextDelayed, promoteDue, takeReady, type WorkQueue } from '../../../actors/controllers/work-queue.ts'

const take = (q: WorkQueue) => takeReady(q)

t.test('work queue - an item marked while it runs waits for the run to finish, then goes out once', async (t) => {
  let q = markDirty(EMPTY_QUEUE, 'replicaset:default/web')
  let taken = take(q)
  t.same(taken.ready, ['replicaset:default/web'])
  q = markDirty(markDirty(taken.queue, 'replicaset:default/web'), 'replicaset:default/web')
  taken = take(q)
  t.same(taken.ready, [], 'still running: not handed out twice')
  t.ok(taken.queue.dirty.has('replicaset:default/web'), 'the mark is kept')
  taken = take(finish(taken.queue, 'replicaset:default/web'))
  t.same(taken.ready, ['replicaset:default/web'], 'the run after sees the change')
  taken = take(finish(taken.queue, 'replicaset:default/web'))
  t.same(taken.ready, [], 'no mark since: nothing more')
})

t.test('work queue - items are handed out in the order they were marked; other items run meanwhile', async (t) => {
  let q = markDirty(markDirty(markDirty(EMPTY_QUEUE, 'a'), 'b'), 'a')
  const first = take(q)
  t.same(first.ready, ['a', 'b'])
  q = markDirty(markDirty(first.queue, 'c'), 'a')
  t.same(take(q).ready, ['c'], 'c is not held up by a running a')
})

t.test('work queue - a delayed item falls due at the earliest time asked for', async (t) => {
  let q = markAt(markAt(EMPTY_QUEUE, 'a', 1000), 'a', 500)
  q = markAt(q, 'a', 800)
  t.equal(nextDelayed(q), 500)
  t.same(take(promoteDue(q, 499)).ready, [])
  const due = promoteDue(q, 500)
  t.equal(nextDelayed(due), undefined)
  t.same(take(due).ready, ['a'])
})

t.test('work queue - steps leave their input alone', async (t) => {
  const q = markAt(markDirty(EMPTY_QUEUE, 'a'), 'b', 10)
  const before = JSON.stringify([[...q.dirty], [...q.running], [...q.delayed]])
  finish(take(promoteDue(markDirty(q, 'c'), 10)).queue, 'a')
  t.equal(JSON.stringify([[...q.dirty], [...q.running], [...q.delayed]]), before)
  t.same([EMPTY_QUEUE.dirty.size, EMPTY_QUEUE.running.size, EMPTY_QUEUE.delayed.size], [0, 0, 0])
})
