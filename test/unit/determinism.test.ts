/**
 * The replay requirement: one seed fixes everything a simulated cluster does. Two runs of
 * the same scenario with the same seed must publish byte-identical messages at identical virtual
 * times; another seed must not.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { parseFaultRule } from '../../runtime/chaos/fault-rules.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { Simulation } from '../../runtime/sim/simulation.ts'
import { subjectFor } from '../../runtime/subjects.ts'
import { Requester } from '../../runtime/transport/requester.ts'
import { flush } from '../helpers/flush.ts'

const HOSTS = ['h1', 'h2', 'h3'] as const
const echo = (host: string) => ({ component: 'echo', instance: `e-${host}` })
const BEATS = 'ak.c1.member.all.beat'

interface Run {
  readonly lines: string[]
  readonly digest: string
  readonly answers: WireEvent[]
}

async function scenario(seed: number, options: { faults: boolean } = { faults: true }): Promise<Run> {
  const sim = new Simulation(seed, { minLatencyMs: 0.2, maxLatencyMs: 3 })
  const hosts = HOSTS.map((host) =>
    sim.addHost({
      host,
      actors: [
        { kind: 'echo', id: `e-${host}`, options: { blastBatch: 16 } },
        { kind: 'member', id: host, options: { intervalMs: 250, roles: host === 'h1' ? ['master'] : ['worker'] } },
      ],
    }),
  )
  if (options.faults) {
    hosts[0]!.faults.setRule(parseFaultRule({ id: 'lossy-beats', kind: 'drop', subject: BEATS, probability: 0.3 }))
    hosts[0]!.faults.setRule(parseFaultRule({ id: 'lossy-pings', kind: 'drop', subject: 'ak.c1.echo.e-h2.in', probability: 0.1 }))
    hosts[1]!.faults.setRule(parseFaultRule({ id: 'jitter', kind: 'delay', subject: '>', probability: 0.5, delayMs: 4, jitterMs: 3 }))
    hosts[2]!.faults.setRule(parseFaultRule({ id: 'dups', kind: 'duplicate', subject: 'ak.c1.echo.>', probability: 0.2 }))
    hosts[2]!.faults.setRule(parseFaultRule({ id: 'shuffle', kind: 'reorder', subject: 'ak.c1.echo.>', probability: 0.25, delayMs: 20 }))
  }
  const client = sim.client('client')
  const requester = new Requester(client, sim.clock)
  const answers: WireEvent[] = []
  const ask = (host: string, event: { type: string; [k: string]: unknown }, component = 'echo', instance = `e-${host}`) => {
    requester
      .request(subjectFor('c1', { component, instance }), encodeEvent(event), { timeoutMs: 200 })
      .then(
        (reply) => {
          const decoded = decodeEvent(reply.data)
          answers.push(decoded instanceof DecodeFailure ? { type: 'undecodable' } : decoded)
        },
        (error: Error) => answers.push({ type: 'failed', name: error.name }),
      )
  }

  ask('h1', { type: 'echo.blast', to: echo('h2'), count: 300, payloadBytes: 8, report: echo('h3') })
  ask('h3', { type: 'echo.pingpong', to: echo('h1'), count: 40, timeoutMs: 50, report: echo('h2') })
  // 3 virtual seconds in 1 ms steps, letting promise chains (requests made by actors) move between steps.
  for (let ms = 1; ms <= 3_000; ms++) {
    await sim.runFor(1)
    if (ms % 500 === 0) {
      ask('h2', { type: 'echo.stats' })
      ask('h1', { type: 'member.view' }, 'member', 'h1')
    }
    if (ms % 700 === 0) ask('h3', { type: 'echo.blast', to: echo('h1'), count: 50, report: echo('h2') })
    await flush()
  }
  await sim.stop()
  requester.close()
  await flush()

  const lines = sim.trace.map((m) => `${m.at}|${m.from}|${m.subject}|${Buffer.from(m.data).toString('hex')}`)
  return { lines, digest: createHash('sha256').update(lines.join('\n')).digest('hex'), answers }
}

/** The reference run, shared by the tests that only look at its content. */
let reference: Promise<Run> | undefined
const referenceRun = (): Promise<Run> => (reference ??= scenario(1234))

function firstDifference(a: readonly string[], b: readonly string[]): string {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `message ${i}: ${a[i]} != ${b[i]}`
  return 'none'
}

t.test('determinism - the same seed replays a faulty three-host run byte for byte', async (t) => {
  const first = await referenceRun()
  const second = await scenario(1234)
  t.ok(first.lines.length > 600, `a substantial trace (${first.lines.length} messages)`)
  t.equal(second.lines.length, first.lines.length, 'same number of messages')
  t.equal(second.digest, first.digest, `identical traces; first difference: ${firstDifference(first.lines, second.lines)}`)
  t.strictSame(second.answers, first.answers, 'identical answers to the client')
})

t.test('determinism - the trace covers every kind of traffic in the scenario', async (t) => {
  const run = await referenceRun()
  const subjects = new Set(run.lines.map((l) => l.split('|')[2]!))
  for (const host of HOSTS) t.ok(subjects.has(`ak.c1.echo.e-${host}.in`), `pings to e-${host}`)
  t.ok(subjects.has(BEATS), 'membership beats')
  t.ok([...subjects].some((s) => s.startsWith('_INBOX.h3.')), 'replies to requests an actor made (pingpong)')
  t.ok([...subjects].some((s) => s.startsWith('_INBOX.client.')), 'replies to the client')
  const times = run.lines.map((l) => Number(l.split('|')[0]))
  t.ok(times.some((x) => !Number.isInteger(x)), 'seeded, fractional latencies are part of the trace')
  t.ok(times.at(-1)! > 2_500, 'traffic continues to the end of the run')
  const types = new Set(run.answers.map((a) => a.type))
  for (const type of ['echo.blast.started', 'echo.pingpong.started', 'echo.stats', 'member.view']) t.ok(types.has(type), `client got ${type}`)
})

t.test('determinism - a different seed gives a different trace', async (t) => {
  const a = await referenceRun()
  const b = await scenario(4321)
  t.not(b.digest, a.digest)
})

t.test('determinism - the fault rules change the run (they are part of what the seed replays)', async (t) => {
  const faulty = await referenceRun()
  const clean = await scenario(1234, { faults: false })
  t.not(faulty.digest, clean.digest)
  const beatsFromH1 = (run: Run) => run.lines.filter((l) => l.includes(`|h1|${BEATS}|`)).length
  t.ok(beatsFromH1(faulty) < beatsFromH1(clean), `h1 lost beats to the drop rule (${beatsFromH1(faulty)} < ${beatsFromH1(clean)})`)
  t.ok(beatsFromH1(faulty) > 0, 'but not all of them (probability 0.3)')
  const received = (run: Run) => run.answers.filter((a) => a.type === 'echo.stats').map((a) => a.received)
  t.ok(received(clean).every((n) => n === 300), `without faults e-h2 got the whole blast (${received(clean).join(',')})`)
  t.ok(received(faulty).every((n) => typeof n === 'number' && n < 300 && n > 200), `with faults it lost about 10% (${received(faulty).join(',')})`)
  const clean2 = await scenario(1234, { faults: false })
  t.equal(clean2.digest, clean.digest, 'the fault-free run replays too')
})
