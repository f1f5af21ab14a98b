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

t.test('ip pool - an address the check turns down is passed over and offered again later', async (t) => {
  const pool = new IpPool('127.1.0.0/16')
  const taken = new Set(['127.1.0.1', '127.1.0.2'])
  const usable = (ip: string) => !taken.has(ip)
  t.equal(pool.allocate(usable), '127.1.0.3', 'the first two are held by someone else')
  t.equal(pool.allocated, 1, 'the passed-over ones are not counted as ours')
  taken.delete('127.1.0.1')
  t.equal(pool.allocate(usable), '127.1.0.1', 'freed on the machine: handed out, lowest first')
  t.equal(pool.allocate(usable), '127.1.0.4')
  taken.delete('127.1.0.2')
  t.equal(pool.allocate(usable), '127.1.0.2')
})

t.test('ip pool - a preferred address someone else holds gives way to the next usable one', async (t) => {
  const pool = new IpPool('127.2.0.0/16')
  t.equal(pool.allocatePreferring('127.2.0.7', (ip) => ip !== '127.2.0.7'), '127.2.0.1')
  t.equal(pool.allocatePreferring('127.2.0.7'), '127.2.0.7', 'taken by nobody: the preferred one')
})

t.test('ip pool - a range whose every free address is turned down throws and keeps them free', async (t) => {
  const pool = new IpPool('127.3.0.0/30')
  t.throws(() => pool.allocate(() => false), { name: 'RangeError', message: 'pod CIDR 127.3.0.0/30 has no free address (2 in use)' })
  t.equal(pool.allocated, 0)
  t.equal(pool.allocate(), '127.3.0.1', 'still free once usable')
})
