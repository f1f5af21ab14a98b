import t from 'tap'
import { seededRandom } from '../../runtime/random.ts'
import { MemoryNetwork } from '../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'
import { NO_RESPONDERS_STATUS, type InboundMessage } from '../../runtime/transport/transport.ts'

const text = (s: string) => new TextEncoder().encode(s)
const body = (m: InboundMessage) => new TextDecoder().decode(m.data)

function net(options: { minLatencyMs?: number; maxLatencyMs?: number } = {}, seed = 1) {
  const clock = new VirtualClock()
  return { clock, network: new MemoryNetwork(clock, seededRandom(seed), options) }
}

t.test('memory-network - delivers to every matching subscription after a latency in range', async (t) => {
  const { clock, network } = net({ minLatencyMs: 2, maxLatencyMs: 5 })
  const a = network.connect('a')
  const b = network.connect('b')
  const got: Array<[string, number, string]> = []
  b.subscribe('x.*', (m) => got.push(['wild', clock.now(), body(m)]))
  b.subscribe('x.1', (m) => got.push(['exact', clock.now(), body(m)]))
  b.subscribe('y', () => got.push(['other', clock.now(), '']))
  a.publish('x.1', text('hello'), { headers: { h: '1' } })
  t.equal(got.length, 0, 'nothing is delivered synchronously')
  clock.advance(10)
  t.strictSame(got.map((g) => [g[0], g[2]]).sort(), [
    ['exact', 'hello'],
    ['wild', 'hello'],
  ])
  t.ok(got.every(([, at]) => at >= 2 && at <= 5), `latencies within [2, 5]: ${got.map((g) => g[1]).join(', ')}`)
})

t.test('memory-network - one sender to one subscription keeps its order despite random latencies', async (t) => {
  const { clock, network } = net({ minLatencyMs: 0, maxLatencyMs: 50 })
  const a = network.connect('a')
  const b = network.connect('b')
  const got: string[] = []
  b.subscribe('s', (m) => got.push(body(m)))
  for (let i = 0; i < 200; i++) a.publish('s', text(String(i)))
  clock.advance(100)
  t.strictSame(got, Array.from({ length: 200 }, (_, i) => String(i)))
})

t.test('memory-network - across senders the order depends on the seed', async (t) => {
  const firstArrival = (seed: number): string => {
    const { clock, network } = net({ minLatencyMs: 0, maxLatencyMs: 50 }, seed)
    const got: string[] = []
    network.connect('r').subscribe('s', (m) => got.push(body(m)))
    network.connect('a').publish('s', text('a'))
    network.connect('b').publish('s', text('b'))
    clock.advance(100)
    return got.join('')
  }
  const orders = Array.from({ length: 20 }, (_, seed) => firstArrival(seed))
  t.ok(orders.includes('ab') && orders.includes('ba'), `both orders occur: ${orders.join(' ')}`)
  t.strictSame(Array.from({ length: 20 }, (_, seed) => firstArrival(seed)), orders, 'and each seed replays its order')
})

t.test('memory-network - a burst from one sender never arrives faster than its earlier messages', async (t) => {
  const { clock, network } = net({ minLatencyMs: 1, maxLatencyMs: 9 }, 3)
  const at: number[] = []
  network.connect('r').subscribe('s', () => at.push(clock.now()))
  const a = network.connect('a')
  for (let i = 0; i < 20; i++) a.publish('s', text('x'))
  clock.advance(20)
  t.equal(at.length, 20)
  t.ok(at.every((x, i) => i === 0 || x >= at[i - 1]!), 'arrival times never go backwards')
  t.ok(at.every((x) => x >= 1 && x <= 9), 'and stay within the latency range')
})

t.test('memory-network - a queue group delivers each message to exactly one member', async (t) => {
  const { clock, network } = net()
  const a = network.connect('a')
  const counts = [0, 0, 0]
  let plain = 0
  for (const i of [0, 1, 2]) network.connect(`w${i}`).subscribe('work', () => counts[i]!++, { queue: 'workers' })
  network.connect('watcher').subscribe('work', () => plain++)
  for (let i = 0; i < 300; i++) a.publish('work', text('job'))
  clock.advance(10)
  t.equal(counts.reduce((x, y) => x + y, 0), 300, 'each job once across the group')
  t.ok(counts.every((c) => c > 50), `spread over the members: ${counts.join(' ')}`)
  t.equal(plain, 300, 'a plain subscriber still sees every message')
})

t.test('memory-network - a request nobody serves gets a 503 status on its reply subject', async (t) => {
  const { clock, network } = net()
  const a = network.connect('a')
  const replies: InboundMessage[] = []
  a.subscribe('_INBOX.a.>', (m) => replies.push(m))
  a.publish('nobody.home', text('q'), { reply: '_INBOX.a.0.1' })
  a.publish('nobody.home', text('one-way'))
  clock.advance(10)
  t.equal(replies.length, 1, 'only the request is answered')
  t.equal(replies[0]?.status, NO_RESPONDERS_STATUS)
  t.equal(replies[0]?.subject, '_INBOX.a.0.1')
  t.equal(replies[0]?.data.length, 0)
})

t.test('memory-network - unsubscribe stops delivery, including of messages already in flight', async (t) => {
  const { clock, network } = net({ minLatencyMs: 5, maxLatencyMs: 5 })
  const a = network.connect('a')
  const got: string[] = []
  const subscription = network.connect('b').subscribe('s', (m) => got.push(body(m)))
  a.publish('s', text('in flight'))
  subscription.unsubscribe()
  a.publish('s', text('after'))
  clock.advance(10)
  t.strictSame(got, [])
})

t.test('memory-network - a closed transport neither receives nor publishes', async (t) => {
  const { clock, network } = net()
  const a = network.connect('a')
  const b = network.connect('b')
  const got: string[] = []
  b.subscribe('s', (m) => got.push(body(m)))
  a.publish('s', text('in flight'))
  await b.close()
  t.equal(b.open, false)
  clock.advance(10)
  t.strictSame(got, [])
  t.throws(() => b.publish('s', text('x')), { message: 'transport b is closed' })
})

t.test('memory-network - inboxes are unique per connection', async (t) => {
  const { network } = net()
  const a = network.connect('a')
  const b = network.connect('b')
  const inboxes = [a.newInbox(), a.newInbox(), b.newInbox()]
  t.equal(new Set(inboxes).size, 3)
  t.match(inboxes[0], /^_INBOX\.a\./)
  await a.flush()
})

t.test('memory-network - a latency range that is upside down is refused', async (t) => {
  t.throws(() => net({ minLatencyMs: 5, maxLatencyMs: 1 }), { name: 'RangeError', message: 'maxLatencyMs 1 is below minLatencyMs 5' })
})
