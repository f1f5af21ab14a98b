/**
 * A host's skewed view of virtual time (runtime/sim/skewed-clock.ts): skew and jumps move its wall
 * clock only, as an NTP step does; its monotonic clock, which the lease elector measures expiry
 * and deadlines on, keeps the simulation's steady pace.
 */
import t from 'tap'
import { SkewedClock } from '../../../runtime/sim/skewed-clock.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'

t.test('skewed clock - a jump moves now() but not monotonic()', async (t) => {
  const base = new VirtualClock(1_000)
  const clock = new SkewedClock(base)
  const start = clock.monotonic()
  clock.offsetMs = 2_200
  base.advance(400)
  t.equal(clock.now(), 1_000 + 400 + 2_200, 'the wall clock jumped ahead')
  t.equal(clock.monotonic() - start, 400, 'only the 400 ms that passed are measured')
  clock.offsetMs = -5_000
  t.equal(clock.monotonic() - start, 400, 'a step back does not move it either')
  t.equal(base.monotonic(), base.now(), 'virtual time is its own monotonic reading')
})

t.test('skewed clock - timers run on the shared clock, whatever the skew', async (t) => {
  const base = new VirtualClock(0)
  const clock = new SkewedClock(base)
  clock.offsetMs = 10_000
  const fired: number[] = []
  clock.setTimeout(() => fired.push(base.now()), 300)
  base.advance(1_000)
  t.same(fired, [300])
})
