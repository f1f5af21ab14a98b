/**
 * Actor faults on a host (runtime/chaos/actor-fault-control.ts through the host's fault leases),
 * on a simulated host and virtual time: a crash lease restarts the actor once and it answers
 * again; a skew moves only that actor's clock and is lifted with its lease; disk faults reach only
 * the replica's file operations; bad grants are refused naming the field.
 */
import t from 'tap'
import { ActorFaults } from '../../../runtime/chaos/actor-fault-control.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { Simulation } from '../../../runtime/sim/simulation.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { chaosSubject, subjectFor } from '../../../runtime/subjects.ts'
import { Requester } from '../../../runtime/transport/requester.ts'

function world() {
  const sim = new Simulation(1, { minLatencyMs: 1, maxLatencyMs: 1 })
  const host = sim.addHost({ host: 'h1', actors: [{ kind: 'echo', id: 'e1' }] })
  const requester = new Requester(sim.client('client'), sim.clock)
  const ask = async (subject: string, event: WireEvent): Promise<WireEvent> => {
    const reply = requester.request(subject, encodeEvent(event), { timeoutMs: 50 })
    await sim.runFor(51)
    const decoded = decodeEvent((await reply).data)
    if (decoded instanceof DecodeFailure) throw new Error(decoded.reason)
    return decoded
  }
  const chaos = (command: WireEvent) => ask(chaosSubject('c1', 'h1'), command)
  return { sim, host, ask, chaos }
}

t.test('actor faults - a crash lease fails the actor once; its supervisor restarts it and it answers again', async (t) => {
  const w = world()
  const echo = subjectFor('c1', { component: 'echo', instance: 'e1' })
  t.match(await w.ask(echo, { type: 'echo.ping', seq: 1 }), { type: 'echo.pong', received: 1 })
  t.match(await w.chaos({ type: 'chaos.lease.grant', lease: 'x/crash/1', ttlMs: 5000, fault: { kind: 'actor', fault: { kind: 'crash', actors: ['echo/e1'] } } }), { leases: [{ id: 'x/crash/1', kind: 'actor' }] })
  await w.sim.runFor(200)
  t.equal(w.host.restarts('echo/e1'), 1, 'restarted after the first backoff (100 ms)')
  t.match(await w.ask(echo, { type: 'echo.ping', seq: 2 }), { type: 'echo.pong', seq: 2, received: 1 }, 'a fresh actor answers (its count started again)')
  t.match(await w.chaos({ type: 'chaos.lease.renew', lease: 'x/crash/1', ttlMs: 5000 }), { leases: [{ id: 'x/crash/1' }] })
  t.match(await w.chaos({ type: 'chaos.lease.grant', lease: 'x/crash/1', ttlMs: 5000, fault: { kind: 'actor', fault: { kind: 'crash', actors: ['echo/e1'] } } }), { leases: [{ id: 'x/crash/1' }] })
  await w.sim.runFor(6000)
  t.equal(w.host.restarts('echo/e1'), 1, 'renewals and a repeated grant do not crash it again')
})

t.test('actor faults - bad grants are refused naming the field', async (t) => {
  const w = world()
  const grant = (fault: unknown) => w.chaos({ type: 'chaos.lease.grant', lease: 'x/bad/1', ttlMs: 1000, fault: { kind: 'actor', fault } })
  t.match(await grant({ kind: 'crash', actors: ['echo/e2'] }), { type: 'chaos.error', message: 'fault.fault.actors[0]: expected one of echo/e1, got "echo/e2"' })
  t.match(await grant({ kind: 'disk', actors: ['echo/e1'], latencyMs: 5, errorProbability: 0 }), { type: 'chaos.error', message: 'fault.fault.actors[0]: echo/e1 is not a store replica' })
  t.match(await w.chaos({ type: 'chaos.status' }), { leases: [] })
})

t.test("actor faults - skew moves one actor's clock (timers and monotonic true) until lifted; disk faults reach that replica's files", async (t) => {
  const clock = new VirtualClock()
  const crashed: string[] = []
  const faults = new ActorFaults({ clock, random: seededRandom(1), crash: (actor) => crashed.push(actor) })
  const a = faults.clockFor('store/s1')
  const b = faults.clockFor('store/s2')
  t.equal(faults.clockFor('store/s1'), a, 'one clock per actor, kept across restarts')
  faults.apply({ kind: 'skew', actors: ['store/s1'], offsetMs: -5000 })
  t.equal(a.now() - clock.now(), -5000)
  t.equal(b.now(), clock.now(), 'another actor keeps true time')
  t.equal(a.monotonic(), clock.monotonic())
  faults.lift({ kind: 'skew', actors: ['store/s1'], offsetMs: -5000 })
  t.equal(a.now(), clock.now())
  const disk = faults.diskFor('store/s1', new MemoryDisk(clock, seededRandom(2)))
  faults.apply({ kind: 'disk', actors: ['store/s1', 'store/s2'], latencyMs: 30, errorProbability: 0.5 })
  t.strictSame(disk.faults, { latencyMs: 30, errorProbability: 0.5 }, 'a replica without files here is skipped')
  faults.lift({ kind: 'disk', actors: ['store/s1'], latencyMs: 30, errorProbability: 0.5 })
  t.equal(disk.faults, undefined)
  faults.apply({ kind: 'disk', actors: ['store/s1'], latencyMs: 30, errorProbability: 0 })
  faults.apply({ kind: 'disk', actors: ['store/s1'], latencyMs: 0, errorProbability: 0.2 })
  t.strictSame(disk.faults, { latencyMs: 30, errorProbability: 0.2 }, 'a latency and an error fault together both apply')
  faults.lift({ kind: 'disk', actors: ['store/s1'], latencyMs: 30, errorProbability: 0 })
  t.strictSame(disk.faults, { latencyMs: 0, errorProbability: 0.2 }, 'lifting one leaves the other')
  faults.lift({ kind: 'disk', actors: ['store/s1'], latencyMs: 0, errorProbability: 0.2 })
  t.equal(disk.faults, undefined)
  // Two leases' latencies on one replica (two experiments, say): lifting one keeps the other's.
  const slow = (latencyMs: number) => ({ kind: 'disk' as const, actors: ['store/s1'], latencyMs, errorProbability: 0 })
  const steps: [('apply' | 'lift'), number, number | undefined, string][] = [
    ['apply', 400, 400, 'one lease'],
    ['apply', 100, 400, 'two: the longer latency'],
    ['lift', 400, 100, 'the other lease still slows the fsyncs'],
    ['apply', 100, 100, 'the same fault held by two leases'],
    ['lift', 100, 100, 'is lifted once per lease'],
    ['lift', 100, undefined, 'none left'],
  ]
  for (const [op, latencyMs, expected, what] of steps) {
    faults[op](slow(latencyMs))
    t.strictSame(disk.faults, expected === undefined ? undefined : { latencyMs: expected, errorProbability: 0 }, `${op} ${latencyMs} ms: ${what}`)
  }
  faults.apply({ kind: 'crash', actors: ['store/s1', 'store/s2'] })
  faults.lift({ kind: 'crash', actors: ['store/s1', 'store/s2'] })
  t.strictSame(crashed, ['store/s1', 'store/s2'], 'each crashed once; lifting does nothing')
})
