import t from 'tap'
import { IpPool } from '../../../runtime/cri/ip-pool.ts'

t.test('ip pool - hands out addresses in order, skipping the network address', async (t) => {
  const pool = new IpPool('10.128.0.0/9')
  t.equal(pool.allocate(), '10.128.0.1')
  t.equal(pool.allocate(), '10.128.0.2')
  t.equal(pool.capacity, 2 ** 23 - 2)
  t.equal(pool.allocated, 2)
})

t.test('ip pool - a released address is reused before the range grows', async (t) => {
  const pool = new IpPool('127.1.0.0/16')
  const a = pool.allocate()
  pool.allocate()
  pool.release(a)
  pool.release('192.168.0.1')
  t.equal(pool.allocate(), a)
  t.equal(pool.allocate(), '127.1.0.3')
})

t.test('ip pool - crosses octets and normalises a host address to its network', async (t) => {
  const pool = new IpPool('10.1.2.3/16')
  for (let i = 0; i < 255; i++) pool.allocate()
  t.equal(pool.allocate(), '10.1.1.0')
  const wide = new IpPool('10.0.0.0/8')
  t.equal(wide.capacity, 2 ** 24 - 2)
  t.equal(wide.allocate(), '10.0.0.1')
})

t.test('ip pool - exhaustion and bad CIDRs throw RangeError', async (t) => {
  const pool = new IpPool('10.0.0.0/30')
  pool.allocate()
  pool.allocate()
  t.throws(() => pool.allocate(), RangeError)
  for (const bad of ['10.0.0.0', '10.0.0.0/7', '10.0.0.0/31', '300.0.0.0/16', 'x/16']) t.throws(() => new IpPool(bad), RangeError, bad)
})

t.test('ip pool - a preferred address is kept when free; skipped ones stay available', async (t) => {
  const pool = new IpPool('127.1.0.0/16')
  t.equal(pool.allocatePreferring('127.1.0.5'), '127.1.0.5', 'a restarted pod keeps its address')
  t.equal(pool.allocatePreferring('127.1.0.5'), '127.1.0.1', 'taken: the next free one instead')
  t.equal(pool.allocatePreferring('10.0.0.1'), '127.1.0.2', 'out of range: the next free one')
  t.equal(pool.allocatePreferring(undefined), '127.1.0.3')
  t.equal(pool.allocate(), '127.1.0.4', 'addresses skipped on the way are handed out later')
  t.equal(pool.allocate(), '127.1.0.6')
  pool.release('127.1.0.4')
  t.equal(pool.allocatePreferring('127.1.0.4'), '127.1.0.4', 'a released address can be preferred')
  t.equal(pool.allocated, 6)
})
