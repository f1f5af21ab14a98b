/**
 * The runtime's per-message cost without sockets: one Host in this process on a stub transport,
 * inbound pings fed straight to the echo actor's subscription, and a blast whose publishes are
 * only counted. Isolates host-network + codec + metrics + XState from NATS, for profiling:
 * `node --import tsx [--cpu-prof] bench/transport/hot-path.ts inbound|outbound [messages] [rounds]`
 * One direction per process, as on real hosts: mixing both in one process makes V8's inline caches
 * in XState polymorphic and slows both down.
 */
import { systemClock } from '../../runtime/clock.ts'
import { encodeEvent } from '../../runtime/codec.ts'
import { parseHostConfig } from '../../runtime/host/config.ts'
import { Host } from '../../runtime/host/host.ts'
import { silentLogger } from '../../runtime/log.ts'
import { PrometheusHostMetrics } from '../../runtime/metrics.ts'
import { seededRandom } from '../../runtime/random.ts'
import { subjectFor } from '../../runtime/subjects.ts'
import { disabledTracing } from '../../runtime/telemetry.ts'
import type { InboundMessage, MessageHandler, Subscription, Transport } from '../../runtime/transport/transport.ts'

class StubTransport implements Transport {
  readonly handlers = new Map<string, MessageHandler>()
  published = 0
  onPublish: (subject: string, data: Uint8Array) => void = () => {}
  publish(subject: string, data: Uint8Array): void {
    this.published++
    this.onPublish(subject, data)
  }
  subscribe(subject: string, handler: MessageHandler): Subscription {
    this.handlers.set(subject, handler)
    return { unsubscribe: () => this.handlers.delete(subject) }
  }
  flush(): Promise<void> {
    return Promise.resolve()
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
  newInbox(): string {
    return '_INBOX.stub'
  }
}

const direction = process.argv[2]
if (direction !== 'inbound' && direction !== 'outbound') {
  process.stderr.write('usage: hot-path.ts inbound|outbound [messages] [rounds]\n')
  process.exit(2)
}
const messages = Number(process.argv[3] ?? 300_000)
const rounds = Number(process.argv[4] ?? 5)
const transport = new StubTransport()
const config = parseHostConfig({ cluster: 'hp', host: 'hp', actors: [{ kind: 'echo', id: 'a' }, { kind: 'echo', id: 'b' }] })
const metrics = new PrometheusHostMetrics({ cluster: 'hp', host: 'hp' })
const host = new Host(config, { transport, clock: systemClock, random: seededRandom(1), log: silentLogger, metrics, tracing: disabledTracing })
const inboxB = subjectFor('hp', { component: 'echo', instance: 'b' })
const inboxA = subjectFor('hp', { component: 'echo', instance: 'a' })
const deliverB = transport.handlers.get(inboxB)!
const deliverA = transport.handlers.get(inboxA)!

interface Rate {
  /** Messages per wall-clock second. */
  readonly perSecond: number
  /** CPU microseconds (user + system) per message: steadier than wall time on a shared machine. */
  readonly cpuMicros: number
}

function rate(t0: number, c0: NodeJS.CpuUsage): Rate {
  const cpu = process.cpuUsage(c0)
  return { perSecond: messages / ((performance.now() - t0) / 1000), cpuMicros: (cpu.user + cpu.system) / messages }
}

// Distinct pings, as a blast sends them (the sequence number's msgpack width varies).
const pings: InboundMessage[] = Array.from({ length: direction === 'inbound' ? messages : 0 }, (_, seq) => ({
  subject: inboxB,
  data: encodeEvent({ type: 'echo.ping', seq, ...(seq === messages - 1 ? { report: { component: 'bench', instance: 'x' } } : {}) }),
  headers: undefined,
  reply: undefined,
}))

function inbound(): Rate {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  for (let i = 0; i < messages; i++) deliverB(pings[i]!)
  return rate(t0, c0)
}

async function outbound(): Promise<Rate> {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const done = new Promise<void>((resolve) => {
    let seen = 0
    transport.onPublish = () => {
      if (++seen === messages) resolve()
    }
  })
  deliverA({ subject: inboxA, data: encodeEvent({ type: 'echo.blast', to: { component: 'echo', instance: 'x' }, count: messages }), headers: undefined, reply: undefined })
  await done
  return rate(t0, c0)
}

const show = (r: Rate) => `${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)} msgs/s ${r.cpuMicros.toFixed(2)} cpu-µs/msg`

// The host's timers are unref'd (they never keep a host alive): hold the event loop open ourselves.
const keepAlive = setInterval(() => {}, 1_000)
const results: number[] = []
for (let round = 1; round <= rounds; round++) {
  const r = direction === 'inbound' ? inbound() : await outbound()
  results.push(r.cpuMicros)
  process.stdout.write(`round ${round}: ${direction} ${show(r)}\n`)
}
const sorted = [...results].sort((a, b) => a - b)
process.stdout.write(`${direction}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} cpu-µs/msg, best ${sorted[0]!.toFixed(2)}\n`)
await host.stop()
clearInterval(keepAlive)
