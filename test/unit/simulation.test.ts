import t from 'tap'
import { parseFaultRule } from '../../runtime/chaos/fault-rules.ts'
import { decodeEvent, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { Simulation } from '../../runtime/sim/simulation.ts'

const text = (s: string) => new TextEncoder().encode(s)

t.test('simulation - hosts run their configured actors on virtual time', async (t) => {
  const sim = new Simulation(1)
  sim.addHost({ host: 'h1', actors: [{ kind: 'member', id: 'h1', options: { intervalMs: 100 } }] })
  t.equal(sim.hosts.get('h1')?.config.host, 'h1')
  await sim.runFor(1_000)
  t.equal(sim.clock.now(), 1_000)
  const beats = sim.trace.filter((m) => m.subject === 'ak.c1.member.all.beat')
  t.strictSame(beats.map((b) => b.at), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000])
  t.strictSame(beats.map((b) => (decodeEvent(b.data) as WireEvent).seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  await sim.stop()
  await sim.runFor(1_000)
  t.equal(sim.trace.filter((m) => m.subject === 'ak.c1.member.all.beat').length, 11, 'a stopped host beats no more')
})

t.test('simulation - a bad host config is refused with a path', async (t) => {
  const sim = new Simulation(1)
  t.throws(() => sim.addHost({ host: 'h1', actors: [{ kind: 'nope', id: 'x' }] }), { name: 'ConfigError', message: /^simulation: actors\[0\]\.kind: / })
})

t.test('simulation - the trace records who published what, when', async (t) => {
  const sim = new Simulation(1, { minLatencyMs: 1, maxLatencyMs: 1 })
  sim.addHost({ host: 'h1', actors: [{ kind: 'echo', id: 'e1' }] })
  const client = sim.client('client')
  await sim.runFor(10)
  client.publish('ak.c1.echo.e1.in', encodeEvent({ type: 'echo.ping', seq: 1, report: { component: 'echo', instance: 'e1' } }))
  await sim.runFor(10)
  t.strictSame(
    sim.trace.map((m) => [m.at, m.from, m.subject, (decodeEvent(m.data) as WireEvent).type]),
    [
      [10, 'client', 'ak.c1.echo.e1.in', 'echo.ping'],
      [11, 'h1', 'ak.c1.echo.e1.in', 'echo.pong'],
    ],
  )
})

t.test('simulation - each host draws from its own stream: adding a host does not change another host’s faults', async (t) => {
  const dropped = async (withOtherHost: boolean): Promise<string> => {
    const sim = new Simulation(99)
    const h1 = sim.addHost({ host: 'h1', actors: [] })
    if (withOtherHost) {
      const h0 = sim.addHost({ host: 'h0', actors: [] })
      h0.faults.setRule(parseFaultRule({ kind: 'drop', subject: '>', probability: 0.5 }))
      for (let i = 0; i < 20; i++) h0.faults.publish('noise', text('n'))
    }
    h1.faults.setRule(parseFaultRule({ kind: 'drop', subject: '>', probability: 0.5 }))
    const got: string[] = []
    sim.client('watcher').subscribe('s', (m) => got.push(new TextDecoder().decode(m.data)))
    for (let i = 0; i < 40; i++) h1.faults.publish('s', text(String(i)))
    await sim.runFor(100)
    return got.join(',')
  }
  const alone = await dropped(false)
  t.equal(await dropped(true), alone)
  const kept = alone.split(',').length
  t.ok(kept > 5 && kept < 35, `about half kept (${kept})`)
})

t.test('simulation - host streams differ from each other and with the seed', async (t) => {
  const keptBy = async (seed: number, host: string): Promise<string> => {
    const sim = new Simulation(seed)
    const h = sim.addHost({ host, actors: [] })
    h.faults.setRule(parseFaultRule({ kind: 'drop', subject: '>', probability: 0.5 }))
    const got: string[] = []
    sim.client('watcher').subscribe('s', (m) => got.push(new TextDecoder().decode(m.data)))
    for (let i = 0; i < 40; i++) h.faults.publish('s', text(String(i)))
    await sim.runFor(100)
    return got.join(',')
  }
  t.not(await keptBy(1, 'h1'), await keptBy(1, 'h2'), 'two hosts of one run')
  t.not(await keptBy(1, 'h1'), await keptBy(2, 'h1'), 'one host in two seeds')
  t.equal(await keptBy(1, 'h1'), await keptBy(1, 'h1'), 'replays')
})
