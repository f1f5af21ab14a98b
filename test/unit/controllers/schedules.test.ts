import t from 'tap'
import { dueAt, NO_SCHEDULES, nodeLifecycleMinIntervalMs, scheduleRules, startDue, want } from '../../../actors/controllers/schedules.ts'
import type { Node } from '../../../actors/kube/objects.ts'
import { pod } from './fixtures.ts'
import { gaps, ManagerDriver } from './manager-driver.ts'

const node = (name: string, generation = 0): Node => ({ metadata: { name, labels: { generation: String(generation) } } })

/** Changes a node every `everyMs` until `untilMs`. */
function churnNodes(driver: ManagerDriver, everyMs: number, untilMs: number): void {
  for (let at = everyMs; at <= untilMs; at += everyMs) driver.at(at, () => driver.change('nodes', 'MODIFIED', node('n1', at)))
}

t.test('schedules - node lifecycle: at most every grace period / 25 under a change every 10 ms, between 100 and 500 ms', async (t) => {
  const cases = [
    { graceMs: 200, gapMs: 100 },
    { graceMs: 5000, gapMs: 200 },
    { graceMs: 10_000, gapMs: 400 },
    { graceMs: 40_000, gapMs: 500 },
  ]
  for (const { graceMs, gapMs } of cases) {
    t.equal(nodeLifecycleMinIntervalMs(graceMs), gapMs, `grace ${graceMs} ms`)
    const driver = new ManagerDriver({ options: { nodeGracePeriodMs: graceMs } })
    driver.sync()
    churnNodes(driver, 10, 2000)
    driver.runUntil(2000)
    t.same(new Set(gaps(driver.startsOf('nodelifecycle'))), new Set([gapMs]), `grace ${graceMs} ms: a start every ${gapMs} ms`)
  }
})

t.test('schedules - node lifecycle starts at most every 500 ms under a change every 10 ms', async (t) => {
  const driver = new ManagerDriver({ options: { nodeGracePeriodMs: 40_000 } })
  driver.change('nodes', 'ADDED', node('n1'))
  driver.sync()
  churnNodes(driver, 10, 5000)
  driver.runUntil(5000)
  const starts = driver.startsOf('nodelifecycle')
  t.same(starts, [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000])
})

t.test('schedules - a node lifecycle run that takes longer than the interval is never overlapped; the next starts when it ends', async (t) => {
  const driver = new ManagerDriver({ options: { nodeGracePeriodMs: 40_000 }, runMs: (item) => (item === 'nodelifecycle' ? 700 : 0) })
  driver.sync()
  churnNodes(driver, 10, 3000)
  driver.runUntil(3000)
  t.same(driver.startsOf('nodelifecycle'), [0, 700, 1400, 2100, 2800])
})

t.test('schedules - with nothing changing, node lifecycle still looks every grace period / 2 (heartbeats go stale without an event)', async (t) => {
  const driver = new ManagerDriver({ options: { nodeGracePeriodMs: 5000 } })
  driver.sync()
  driver.runUntil(10_000)
  t.same(driver.startsOf('nodelifecycle'), [0, 2500, 5000, 7500, 10_000])
  const fast = new ManagerDriver({ options: { nodeGracePeriodMs: 200 } })
  fast.sync()
  fast.runUntil(2000)
  t.same(gaps(fast.startsOf('nodelifecycle')), Array(20).fill(100), 'a short grace period: its period, but no more than every 100 ms')
})

t.test('schedules - pod GC runs every 5 s, changes or not', async (t) => {
  const driver = new ManagerDriver()
  driver.sync()
  churnNodes(driver, 100, 12_000)
  driver.runUntil(16_000)
  t.same(driver.startsOf('podgc'), [0, 5000, 10_000, 15_000])
})

t.test('schedules - the garbage collector runs only after the ownership graph changed, at most once a second', async (t) => {
  const driver = new ManagerDriver()
  driver.sync()
  driver.at(3000, () => driver.change('pods', 'ADDED', pod({ name: 'a' })))
  driver.at(3100, () => driver.change('pods', 'ADDED', pod({ name: 'b' })))
  driver.at(3200, () => driver.change('pods', 'DELETED', pod({ name: 'a' })))
  driver.at(6000, () => driver.change('pods', 'MODIFIED', pod({ name: 'b', phase: 'Succeeded' })))
  churnNodes(driver, 50, 8000)
  driver.runUntil(10_000)
  t.same(driver.startsOf('gc'), [0, 3000, 4000], 'once at sync; the first change at once, the next two a second later; a status change and node churn: never')
})

t.test('schedules - a requeue request and a change count the same: the earliest wins, never before the interval', async (t) => {
  const rules = scheduleRules({ nodeGracePeriodMs: 40_000 })
  let s = want(NO_SCHEDULES, 'gc', 5000)
  s = want(s, 'gc', 7000)
  t.equal(dueAt(s.gc, rules.gc), 5000)
  const started = startDue(s, rules, 5000, () => false)
  t.same([started.start, started.schedules.gc], [['gc'], { lastStart: 5000 }], 'no period: not wanted again until asked')
  const asked = want(started.schedules, 'gc', 5200)
  t.equal(dueAt(asked.gc, rules.gc), 6000)
  t.same(startDue(asked, rules, 7000, (work) => work === 'gc').start, [], 'never while it runs')
})
