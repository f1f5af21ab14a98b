import t from 'tap'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'

t.test('virtual-clock - now() starts at the given time and only moves when driven', async (t) => {
  t.equal(new VirtualClock().now(), 0)
  const clock = new VirtualClock(1_000)
  t.equal(clock.now(), 1_000)
  clock.setTimeout(() => {}, 50)
  t.equal(clock.now(), 1_000, 'scheduling does not move time')
})

t.test('virtual-clock - tasks run by due time, then by insertion order', async (t) => {
  const clock = new VirtualClock()
  const ran: string[] = []
  clock.setTimeout(() => ran.push('c@30'), 30)
  clock.setTimeout(() => ran.push('a@10'), 10)
  clock.setTimeout(() => ran.push('b1@20'), 20)
  clock.setTimeout(() => ran.push('b2@20'), 20)
  clock.setTimeout(() => ran.push('z@0'), 0)
  clock.setTimeout(() => ran.push('b3@20'), 20)
  clock.setTimeout(() => ran.push('neg@-5'), -5) // clamped to now
  clock.runUntil(100)
  t.strictSame(ran, ['z@0', 'neg@-5', 'a@10', 'b1@20', 'b2@20', 'b3@20', 'c@30'])
})

t.test('virtual-clock - many tasks come out in order (heap property)', async (t) => {
  const clock = new VirtualClock()
  const seen: Array<[number, number]> = []
  // A deterministic scramble of due times with many ties.
  const scheduled = Array.from({ length: 500 }, (_, i): [number, number] => [(i * 37) % 53, i])
  for (const [due, i] of scheduled) clock.setTimeout(() => seen.push([clock.now(), i]), due)
  clock.runUntil(1_000)
  const byDueThenInsertion = [...scheduled].sort(([t0, i0], [t1, i1]) => t0 - t1 || i0 - i1)
  t.strictSame(seen, byDueThenInsertion, 'every task ran at its due time, ordered by (due, insertion)')
})

t.test('virtual-clock - a task sees the clock at its own due time', async (t) => {
  const clock = new VirtualClock(5)
  const at: number[] = []
  clock.setTimeout(() => at.push(clock.now()), 10)
  clock.setTimeout(() => at.push(clock.now()), 3)
  clock.runUntil(100)
  t.strictSame(at, [8, 15])
  t.equal(clock.now(), 100, 'runUntil leaves the clock at the target')
})

t.test('virtual-clock - tasks scheduled by tasks run in the same run when due', async (t) => {
  const clock = new VirtualClock()
  const ran: number[] = []
  clock.setTimeout(() => {
    ran.push(clock.now())
    clock.setTimeout(() => ran.push(clock.now()), 0)
    clock.setTimeout(() => ran.push(clock.now()), 5)
    clock.setTimeout(() => ran.push(clock.now()), 50)
  }, 10)
  t.equal(clock.runUntil(20), 3, 'returns the number of tasks run')
  t.strictSame(ran, [10, 10, 15])
  t.equal(clock.pending, 1)
  clock.runUntil(60)
  t.strictSame(ran, [10, 10, 15, 60])
})

t.test('virtual-clock - runUntil is inclusive of the target and never runs later tasks', async (t) => {
  const clock = new VirtualClock()
  const ran: number[] = []
  clock.setTimeout(() => ran.push(10), 10)
  clock.setTimeout(() => ran.push(11), 11)
  t.equal(clock.runUntil(10), 1)
  t.strictSame(ran, [10])
  t.equal(clock.now(), 10)
  t.equal(clock.runUntil(5), 0, 'running to the past does nothing')
  t.equal(clock.now(), 10, 'and does not move time backwards')
})

t.test('virtual-clock - advance(ms) is relative to now', async (t) => {
  const clock = new VirtualClock()
  const ran: number[] = []
  clock.setTimeout(() => ran.push(clock.now()), 100)
  clock.advance(60)
  t.equal(clock.now(), 60)
  t.strictSame(ran, [])
  clock.advance(60)
  t.strictSame(ran, [100])
  t.equal(clock.now(), 120)
})

t.test('virtual-clock - step runs one task and moves time to it', async (t) => {
  const clock = new VirtualClock()
  const ran: string[] = []
  clock.setTimeout(() => ran.push('a'), 7)
  clock.setTimeout(() => ran.push('b'), 9)
  t.equal(clock.step(), true)
  t.strictSame(ran, ['a'])
  t.equal(clock.now(), 7)
  t.equal(clock.step(), true)
  t.equal(clock.now(), 9)
  t.equal(clock.step(), false, 'nothing left')
})

t.test('virtual-clock - clearTimeout cancels a task', async (t) => {
  const clock = new VirtualClock()
  const ran: string[] = []
  const a = clock.setTimeout(() => ran.push('a'), 10)
  clock.setTimeout(() => ran.push('b'), 10)
  const c = clock.setTimeout(() => ran.push('c'), 30)
  clock.clearTimeout(a)
  clock.clearTimeout(c)
  clock.clearTimeout('not a handle')
  t.equal(clock.runUntil(100), 1, 'cancelled tasks are not counted')
  t.strictSame(ran, ['b'])
  t.equal(clock.step(), false, 'a cancelled last task does not count as a step')
})

t.test('virtual-clock - clearTimeout from inside a task cancels a task due at the same time', async (t) => {
  const clock = new VirtualClock()
  const ran: string[] = []
  let later: unknown
  clock.setTimeout(() => {
    ran.push('first')
    clock.clearTimeout(later)
  }, 10)
  later = clock.setTimeout(() => ran.push('second'), 10)
  clock.runUntil(10)
  t.strictSame(ran, ['first'])
})

t.test('virtual-clock - a cancelled task due before the target does not let a later task run early', async (t) => {
  const clock = new VirtualClock()
  const ran: number[] = []
  const early = clock.setTimeout(() => ran.push(5), 5)
  clock.setTimeout(() => ran.push(100), 100)
  clock.clearTimeout(early)
  t.equal(clock.runUntil(10), 0)
  t.strictSame(ran, [], 'the task due at 100 has not run at 10')
  t.equal(clock.now(), 10)
  clock.runUntil(100)
  t.strictSame(ran, [100])
})
