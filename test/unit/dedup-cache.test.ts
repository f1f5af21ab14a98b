import t from 'tap'
import { DedupCache, IN_PROGRESS } from '../../runtime/host/dedup-cache.ts'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)

t.test('dedup-cache - remembers in-progress markers and replies', async (t) => {
  const cache = new DedupCache(new VirtualClock())
  t.equal(cache.get('m1'), undefined)
  cache.set('m1', IN_PROGRESS)
  t.equal(cache.get('m1'), IN_PROGRESS)
  cache.set('m1', bytes(1, 2))
  t.strictSame(cache.get('m1'), bytes(1, 2), 'the reply replaces the marker')
  t.equal(cache.size, 1)
})

t.test('dedup-cache - entries expire after ttlMs of virtual time', async (t) => {
  const clock = new VirtualClock()
  const cache = new DedupCache(clock, { ttlMs: 1_000 })
  cache.set('m1', bytes(1))
  clock.advance(999)
  t.strictSame(cache.get('m1'), bytes(1), 'still there just before the TTL')
  clock.advance(1)
  t.equal(cache.get('m1'), undefined, 'gone at the TTL')
  t.equal(cache.size, 0, 'an expired entry is removed when read')
})

t.test('dedup-cache - the default TTL is two minutes', async (t) => {
  const clock = new VirtualClock()
  const cache = new DedupCache(clock)
  cache.set('m1', IN_PROGRESS)
  clock.advance(119_999)
  t.equal(cache.get('m1'), IN_PROGRESS)
  clock.advance(1)
  t.equal(cache.get('m1'), undefined)
})

t.test('dedup-cache - setting again refreshes the expiry', async (t) => {
  const clock = new VirtualClock()
  const cache = new DedupCache(clock, { ttlMs: 100 })
  cache.set('m1', IN_PROGRESS)
  clock.advance(80)
  cache.set('m1', bytes(9))
  clock.advance(80)
  t.strictSame(cache.get('m1'), bytes(9), 'alive 160 ms after first set, 80 ms after the update')
  clock.advance(20)
  t.equal(cache.get('m1'), undefined)
})

t.test('dedup-cache - over capacity the oldest entries are evicted first', async (t) => {
  const clock = new VirtualClock()
  const cache = new DedupCache(clock, { capacity: 3, ttlMs: 10_000 })
  for (const id of ['a', 'b', 'c']) {
    cache.set(id, IN_PROGRESS)
    clock.advance(1)
  }
  t.equal(cache.size, 3)
  cache.set('d', IN_PROGRESS)
  t.equal(cache.size, 3)
  t.equal(cache.get('a'), undefined, 'oldest evicted')
  t.equal(cache.get('b'), IN_PROGRESS)
  t.equal(cache.get('d'), IN_PROGRESS)
})

t.test('dedup-cache - an updated entry counts as newest for eviction', async (t) => {
  const clock = new VirtualClock()
  const cache = new DedupCache(clock, { capacity: 2, ttlMs: 10_000 })
  cache.set('a', IN_PROGRESS)
  cache.set('b', IN_PROGRESS)
  cache.set('a', bytes(1)) // a is now the newest
  cache.set('c', IN_PROGRESS)
  t.equal(cache.get('b'), undefined, 'b was the oldest')
  t.strictSame(cache.get('a'), bytes(1))
  t.equal(cache.get('c'), IN_PROGRESS)
})

t.test('dedup-cache - a set sweeps expired entries from the front', async (t) => {
  const clock = new VirtualClock()
  const cache = new DedupCache(clock, { capacity: 100, ttlMs: 50 })
  for (let i = 0; i < 10; i++) cache.set(`old${i}`, IN_PROGRESS)
  clock.advance(50)
  cache.set('new', IN_PROGRESS)
  t.equal(cache.size, 1, 'expired entries are dropped without being read')
})
