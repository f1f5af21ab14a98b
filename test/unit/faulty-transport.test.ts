import t from 'tap'
import { parseFaultRule } from '../../runtime/chaos/fault-rules.ts'
import { encodeEvent } from '../../runtime/codec.ts'
import { FaultyTransport, HOST_HEADER } from '../../runtime/chaos/faulty-transport.ts'
import type { FaultKind } from '../../runtime/metrics.ts'
import { seededRandom, type Random } from '../../runtime/random.ts'
import { MemoryNetwork } from '../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'
import type { Headers } from '../../runtime/transport/transport.ts'

const LATENCY = 1

interface Arrival {
  readonly at: number
  readonly subject: string
  readonly body: string
  readonly headers: Headers | undefined
}

/** A Random that returns the given values in order and fails the test if asked for more. */
function scripted(values: number[]): Random {
  let i = 0
  return () => {
    if (i >= values.length) throw new Error(`scripted random exhausted after ${values.length} values`)
    return values[i++]!
  }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

function setup(random: Random = seededRandom(3)) {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(1), { minLatencyMs: LATENCY, maxLatencyMs: LATENCY })
  const faults: Array<{ kind: FaultKind; subject: string }> = []
  const sender = new FaultyTransport(network.connect('a'), { clock, random, host: 'a', onFault: (kind, subject) => faults.push({ kind, subject }) })
  const receiver = network.connect('r')
  const arrivals: Arrival[] = []
  receiver.subscribe('>', (m) => arrivals.push({ at: clock.now(), subject: m.subject, body: new TextDecoder().decode(m.data), headers: m.headers }))
  const bodies = () => arrivals.map((a) => a.body)
  return { clock, network, sender, receiver, arrivals, bodies, faults }
}

t.test('faulty-transport - without rules messages pass through untouched', async (t) => {
  const { clock, sender, arrivals } = setup(scripted([]))
  sender.publish('x.1', text('m1'), { headers: { k: 'v' } })
  sender.publish('x.2', text('m2'))
  clock.advance(10)
  t.strictSame(
    arrivals.map((a) => [a.at, a.subject, a.body, a.headers]),
    [
      [LATENCY, 'x.1', 'm1', { k: 'v' }],
      [LATENCY, 'x.2', 'm2', undefined],
    ],
  )
})

t.test('faulty-transport - drop with probability 1 drops every matching message; others pass', async (t) => {
  const { clock, sender, bodies, faults } = setup()
  sender.setRule(parseFaultRule({ kind: 'drop', subject: 'ak.c1.echo.>' }))
  sender.publish('ak.c1.echo.e1.in', text('dropped-1'))
  sender.publish('ak.c1.member.m.in', text('kept-1'))
  sender.publish('ak.c1.echo.e2.in', text('dropped-2'))
  sender.publish('ak.c1.echoes.e2.in', text('kept-2'))
  clock.advance(10)
  t.strictSame(bodies(), ['kept-1', 'kept-2'])
  t.strictSame(faults, [
    { kind: 'drop', subject: 'ak.c1.echo.e1.in' },
    { kind: 'drop', subject: 'ak.c1.echo.e2.in' },
  ])
})

t.test('faulty-transport - probability decides per message from the injected random', async (t) => {
  // 0.2 < 0.5 drops, 0.7 >= 0.5 passes, 0.49 drops, 0.5 passes (the comparison is strict)
  const { clock, sender, bodies } = setup(scripted([0.2, 0.7, 0.49, 0.5]))
  sender.setRule(parseFaultRule({ kind: 'drop', subject: 's', probability: 0.5 }))
  for (const body of ['m1', 'm2', 'm3', 'm4']) sender.publish('s', text(body))
  clock.advance(10)
  t.strictSame(bodies(), ['m2', 'm4'])
})

t.test('faulty-transport - probability 0 never applies the rule', async (t) => {
  const { clock, sender, bodies, faults } = setup()
  sender.setRule(parseFaultRule({ kind: 'drop', subject: '>', probability: 0 }))
  for (let i = 0; i < 50; i++) sender.publish('s', text(`m${i}`))
  clock.advance(10)
  t.equal(bodies().length, 50)
  t.equal(faults.length, 0)
})

t.test('faulty-transport - delay holds a message for delayMs plus jitter in virtual time', async (t) => {
  // selection draw, then the jitter draw: 0.75 -> +0.5 * jitterMs
  const { clock, sender, arrivals } = setup(scripted([0, 0.75, 0, 0]))
  sender.setRule(parseFaultRule({ kind: 'delay', subject: 'slow.>', delayMs: 100, jitterMs: 20 }))
  sender.publish('slow.a', text('late'))
  sender.publish('fast.a', text('prompt'))
  clock.advance(100)
  t.strictSame(arrivals.map((a) => [a.at, a.body]), [[LATENCY, 'prompt']], 'the delayed message has not arrived yet')
  clock.advance(20)
  t.strictSame(arrivals.map((a) => [a.at, a.body]), [
    [LATENCY, 'prompt'],
    [110 + LATENCY, 'late'],
  ])
  // jitter draw 0 -> -1 * jitterMs
  sender.publish('slow.b', text('early'))
  const sentAt = clock.now()
  clock.advance(200)
  t.equal(arrivals[2]?.at, sentAt + 80 + LATENCY)
})

t.test('faulty-transport - delays of several matching rules add up', async (t) => {
  const { clock, sender, arrivals } = setup(scripted([0, 0.5, 0, 0.5]))
  sender.setRule(parseFaultRule({ id: 'd1', kind: 'delay', subject: '>', delayMs: 30 }))
  sender.setRule(parseFaultRule({ id: 'd2', kind: 'delay', subject: 's', delayMs: 40 }))
  sender.publish('s', text('m'))
  clock.advance(200)
  t.equal(arrivals[0]?.at, 70 + LATENCY)
})

t.test('faulty-transport - duplicate delivers a matching message twice', async (t) => {
  const { clock, sender, bodies, faults } = setup()
  sender.setRule(parseFaultRule({ kind: 'duplicate', subject: 'dup' }))
  sender.publish('dup', text('twice'))
  sender.publish('other', text('once'))
  clock.advance(10)
  t.strictSame(bodies(), ['twice', 'twice', 'once'])
  t.strictSame(faults.map((f) => f.kind), ['duplicate'])
})

t.test('faulty-transport - duplicate and delay together deliver both copies late', async (t) => {
  const { clock, sender, arrivals } = setup(scripted([0, 0, 0.5]))
  sender.setRule(parseFaultRule({ id: 'dup', kind: 'duplicate', subject: 's' }))
  sender.setRule(parseFaultRule({ id: 'slow', kind: 'delay', subject: 's', delayMs: 50 }))
  sender.publish('s', text('m'))
  clock.advance(100)
  t.strictSame(arrivals.map((a) => [a.at, a.body]), [
    [50 + LATENCY, 'm'],
    [50 + LATENCY, 'm'],
  ])
})

t.test('faulty-transport - reorder: a held message arrives after the next matching one', async (t) => {
  // m1 is chosen (0 < 0.5) and held; m2 is not chosen (0.9) and goes out, releasing m1 behind it.
  const { clock, sender, bodies } = setup(scripted([0, 0.9]))
  sender.setRule(parseFaultRule({ kind: 'reorder', subject: 'q.>', probability: 0.5, delayMs: 1_000 }))
  sender.publish('q.1', text('m1'))
  sender.publish('other', text('unrelated')) // does not match: does not release m1
  sender.publish('q.2', text('m2'))
  clock.advance(10)
  t.strictSame(bodies(), ['unrelated', 'm2', 'm1'])
})

t.test('faulty-transport - reorder with probability 1 still changes the order', async (t) => {
  const { clock, sender, bodies } = setup()
  sender.setRule(parseFaultRule({ kind: 'reorder', subject: 'q', delayMs: 1_000 }))
  for (const body of ['m1', 'm2', 'm3', 'm4']) sender.publish('q', text(body))
  clock.advance(2_000)
  const got = bodies()
  t.strictSame([...got].sort(), ['m1', 'm2', 'm3', 'm4'], 'nothing lost or duplicated')
  t.notSame(got, ['m1', 'm2', 'm3', 'm4'], 'the order changed')
  t.strictSame(got, ['m2', 'm1', 'm4', 'm3'], 'each chosen message overtakes the one held before it')
})

t.test('faulty-transport - reorder: a held message with no successor goes out after delayMs', async (t) => {
  const { clock, sender, arrivals } = setup()
  sender.setRule(parseFaultRule({ kind: 'reorder', subject: 'q', delayMs: 75 }))
  sender.publish('q', text('alone'))
  clock.advance(74)
  t.equal(arrivals.length, 0)
  clock.advance(10)
  t.strictSame(arrivals.map((a) => [a.at, a.body]), [[75 + LATENCY, 'alone']])
})

t.test('faulty-transport - clearRules removes one rule by id or all, releasing held messages', async (t) => {
  const { clock, sender, bodies } = setup()
  sender.setRule(parseFaultRule({ id: 'drop', kind: 'drop', subject: 'd' }))
  sender.setRule(parseFaultRule({ id: 'hold', kind: 'reorder', subject: 'q', delayMs: 10_000 }))
  t.strictSame(sender.rules.map((r) => r.id), ['drop', 'hold'])
  sender.publish('q', text('held'))
  sender.clearRules('drop')
  t.strictSame(sender.rules.map((r) => r.id), ['hold'])
  sender.publish('d', text('no longer dropped'))
  clock.advance(10)
  t.strictSame(bodies(), ['no longer dropped'], 'the held message is still held')
  sender.clearRules()
  t.strictSame(sender.rules, [])
  clock.advance(10)
  t.strictSame(bodies(), ['no longer dropped', 'held'], 'clearing all rules released it at once')
  clock.advance(20_000)
  t.equal(bodies().length, 2, 'and its timer does not send it again')
})

t.test('faulty-transport - setRule replaces a rule with the same id', async (t) => {
  const { clock, sender, bodies } = setup()
  sender.setRule(parseFaultRule({ id: 'r', kind: 'drop', subject: 'a' }))
  sender.setRule(parseFaultRule({ id: 'r', kind: 'drop', subject: 'b' }))
  t.equal(sender.rules.length, 1)
  sender.publish('a', text('a'))
  sender.publish('b', text('b'))
  clock.advance(10)
  t.strictSame(bodies(), ['a'])
})

t.test('faulty-transport - close releases held messages', async (t) => {
  const { clock, sender, bodies } = setup()
  sender.setRule(parseFaultRule({ kind: 'reorder', subject: 'q', delayMs: 10_000 }))
  sender.publish('q', text('held'))
  await sender.close()
  clock.advance(10)
  t.strictSame(bodies(), ['held'])
})

t.test('faulty-transport - partition drops messages from cut-off hosts at the receiver; heal restores', async (t) => {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(1), { minLatencyMs: LATENCY, maxLatencyMs: LATENCY })
  const hosts = Object.fromEntries(
    ['a', 'b', 'c'].map((name) => [name, new FaultyTransport(network.connect(name), { clock, random: seededRandom(5), host: name })]),
  )
  const a = hosts.a!
  const b = hosts.b!
  const c = hosts.c!
  const got: string[] = []
  a.subscribe('to.a', (m) => got.push(new TextDecoder().decode(m.data)))
  const groups = [['a', 'c'], ['b']]
  for (const host of [a, b, c]) host.partition(groups)
  t.strictSame(a.partitionedFrom, ['b'])
  t.strictSame([...b.partitionedFrom].sort(), ['a', 'c'])
  b.publish('to.a', text('from b'))
  c.publish('to.a', text('from c'))
  clock.advance(10)
  t.strictSame(got, ['from c'], 'b is cut off from a, c is not')

  a.heal()
  b.heal()
  c.heal()
  t.strictSame(a.partitionedFrom, [])
  b.publish('to.a', text('from b again'))
  clock.advance(10)
  t.strictSame(got, ['from c', 'from b again'])
})

t.test('faulty-transport - the sender is stamped only while partitioned', async (t) => {
  const { clock, sender, arrivals, faults } = setup()
  sender.publish('s', text('before'), { headers: { x: '1' } })
  sender.partition([['a'], ['r']])
  sender.publish('s', text('during'), { headers: { x: '1' } })
  sender.heal()
  sender.publish('s', text('after'))
  clock.advance(10)
  t.strictSame(arrivals.map((a) => a.headers), [{ x: '1' }, { x: '1', [HOST_HEADER]: 'a' }, undefined])
  t.equal(faults.length, 0, 'the plain receiver drops nothing')
})

t.test('faulty-transport - the partition fault is reported to onFault', async (t) => {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(1))
  const faults: FaultKind[] = []
  const a = new FaultyTransport(network.connect('a'), { clock, random: seededRandom(1), host: 'a', onFault: (kind) => faults.push(kind) })
  const b = new FaultyTransport(network.connect('b'), { clock, random: seededRandom(1), host: 'b' })
  a.subscribe('s', () => t.fail('delivered across the partition'))
  a.partition([['a'], ['b']])
  b.partition([['a'], ['b']])
  b.publish('s', text('x'))
  clock.advance(10)
  t.strictSame(faults, ['partition'])
})

t.test('faulty-transport - the same seed makes the same fault decisions', async (t) => {
  const run = (seed: number): string => {
    const { clock, sender, bodies } = setup(seededRandom(seed))
    sender.setRule(parseFaultRule({ id: 'drop', kind: 'drop', subject: 's', probability: 0.3 }))
    sender.setRule(parseFaultRule({ id: 'dup', kind: 'duplicate', subject: 's', probability: 0.3 }))
    for (let i = 0; i < 100; i++) sender.publish('s', text(`${i}`))
    clock.advance(10)
    return bodies().join(',')
  }
  t.equal(run(11), run(11))
  t.not(run(11), run(12))
  const kept = run(11).split(',').length
  t.ok(kept > 60 && kept < 120, `about 70% kept, 30% of those doubled: ${kept}`)
})

t.test('faulty-transport - a rule with eventTypes drops only messages of those types, drawing only for them', async (t) => {
  // One draw: for the binding alone (the other messages are not its event type, and draw nothing).
  const { clock, sender, arrivals, faults } = setup(scripted([0.5]))
  sender.setRule(parseFaultRule({ id: 'b', kind: 'drop', subject: 'ak.c1.api.>', probability: 1, eventTypes: ['pods/binding'] }))
  const call = (path: string) => encodeEvent({ type: 'api.request', method: 'POST', path, body: { kind: 'x' } })
  sender.publish('ak.c1.api.req', call('/api/v1/namespaces/default/pods/web-1/binding'))
  sender.publish('ak.c1.api.req', call('/api/v1/namespaces/default/pods'))
  sender.publish('ak.c1.api.req', encodeEvent({ type: 'api.watch', path: '/api/v1/namespaces/default/pods/web-1/binding' }))
  sender.publish('ak.c1.api.req', text('not msgpack at all'))
  clock.advance(10)
  t.equal(arrivals.length, 3, 'everything but the binding went out')
  t.strictSame(faults, [{ kind: 'drop', subject: 'ak.c1.api.req' }])
})

t.test('faulty-transport - a reorder rule with eventTypes holds a message of that type until the next one of that type', async (t) => {
  const { clock, sender, arrivals } = setup(scripted([0, 0.9]))
  sender.setRule(parseFaultRule({ id: 'r', kind: 'reorder', subject: 'x.>', probability: 0.5, delayMs: 100, eventTypes: ['b'] }))
  const event = (type: string, n: number) => encodeEvent({ type, n })
  sender.publish('x.1', event('b', 1))
  sender.publish('x.2', event('a', 2))
  sender.publish('x.3', event('b', 3))
  clock.advance(10)
  // x.1 drew 0 (held); x.2 is not a b and draws nothing; x.3 drew 0.9 (not chosen) and released x.1.
  t.strictSame(arrivals.map((a) => a.subject), ['x.2', 'x.3', 'x.1'], 'the b went out after the next b, not after the a')
})
