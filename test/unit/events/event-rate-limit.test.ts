import t from 'tap'
import type { Clock } from '../../../runtime/clock.ts'
import { EventRateLimit } from '../../../runtime/events/event-recorder.ts'

type ManualClock = Clock & { advance(ms: number): void }

function manualClock(): ManualClock {
  let now = 0
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {}, advance: (ms: number) => void (now += ms) }
  return clock as unknown as ManualClock
}

t.test('event rate limit - a burst, then qps; what is over is dropped and counted', async (t) => {
  const clock = manualClock()
  const limit = new EventRateLimit(clock, 50, 100)
  let taken = 0
  for (let i = 0; i < 150; i++) if (limit.take()) taken++
  t.equal(taken, 100, 'the burst goes through at once')
  t.equal(limit.dropped, 50)
  clock.advance(1000)
  taken = 0
  for (let i = 0; i < 100; i++) if (limit.take()) taken++
  t.equal(taken, 50, 'then 50 a second')
  clock.advance(60_000)
  taken = 0
  for (let i = 0; i < 300; i++) if (limit.take()) taken++
  t.equal(taken, 100, 'an idle minute refills only up to the burst')
})
