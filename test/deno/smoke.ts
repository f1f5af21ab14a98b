/**
 * Runs under Deno in CI: the pure actors and the simulated runtime, driven the same way the unit
 * tests drive them under Node. Exits non-zero, with the reason, if anything is off.
 */
import { Simulation } from '../../runtime/sim/simulation.ts'
import { Requester } from '../../runtime/transport/requester.ts'
import { decodeEvent, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { podSmoke } from './pod-smoke.ts'

async function run(seed: number): Promise<{ stats: WireEvent; view: WireEvent; trace: string }> {
  const sim = new Simulation(seed)
  sim.addHost({ host: 'a', actors: [{ kind: 'echo', id: 'a' }, { kind: 'member', id: 'a' }] })
  sim.addHost({ host: 'b', actors: [{ kind: 'echo', id: 'b' }, { kind: 'member', id: 'b' }] })
  const requester = new Requester(sim.client('driver'), sim.clock)
  // Replies settle promises, so let the microtask queue run after virtual time moves.
  const ask = async (subject: string, event: WireEvent, runMs: number): Promise<WireEvent> => {
    const reply = requester.request(subject, encodeEvent(event), { timeoutMs: 1_000 })
    await sim.runFor(runMs)
    const decoded = decodeEvent((await reply).data)
    if (!('type' in decoded)) throw new Error(`undecodable reply to ${event.type}`)
    return decoded as WireEvent
  }
  await ask('ak.c1.echo.a.in', { type: 'echo.blast', to: { component: 'echo', instance: 'b' }, count: 1_000 }, 2_500)
  const stats = await ask('ak.c1.echo.b.in', { type: 'echo.stats' }, 100)
  const view = await ask('ak.c1.member.a.in', { type: 'member.view' }, 100)
  const trace = sim.trace.map((m) => `${m.at}|${m.from}|${m.subject}|${Array.from(m.data).join(',')}`).join('\n')
  return { stats, view, trace }
}

const first = await run(42)
const again = await run(42)
const failures: string[] = []
if (first.stats.received !== 1_000) failures.push(`echo b received ${String(first.stats.received)} of 1000 pings`)
const peers = Object.keys((first.view.peers ?? {}) as Record<string, unknown>).sort()
if (peers.join(',') !== 'a,b') failures.push(`member view lists ${peers.join(',')}, expected a,b`)
if (first.trace !== again.trace) failures.push('two runs of seed 42 produced different message traces')
failures.push(...(await podSmoke()))
const runtime = (globalThis as { Deno?: { version: { deno: string } } }).Deno ? 'deno' : 'node'
if (failures.length > 0) {
  console.error(`deno smoke (${runtime}): FAILED\n- ${failures.join('\n- ')}`)
  process.exit(1)
}
console.log(`deno smoke (${runtime}): ok: 1000 pings delivered, membership a,b, seed 42 replays identically (${first.trace.split('\n').length} messages), a pod actor ran init + crash-looping container to Running`)
