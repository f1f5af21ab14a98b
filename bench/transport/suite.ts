/**
 * The transport suite: what the runtime costs on top of a bare NATS client, on one real
 * nats-server, with every side in its own OS process.
 *
 * - raw one-way: process A publishes N pings, process B counts them; timed from the bench's
 *   command to B's report that it has all N.
 * - runtime one-way: `echo.blast` to the echo actor on host A, which sends N `echo.ping` to the
 *   echo actor on host B; the last ping asks B to report to the bench. Same timing.
 * - raw request/reply: A makes N sequential requests to B (one in flight), B answers each.
 * - runtime request/reply: `echo.pingpong` to echo on host A: N sequential `net.request`
 *   `echo.ping` to echo on host B, which answers each with `echo.pong`.
 *
 * Raw and runtime carry the same msgpack bodies (an encoded `echo.ping`, answered by an
 * `echo.pong`). Repetitions interleave the four cases so that drift hits them alike.
 */
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node'
import { join } from 'node:path'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { startNatsServer, type NatsServerHandle } from '../../runtime/nats-server.ts'
import { subjectFor, type Address } from '../../runtime/subjects.ts'
import { cpuMeter } from '../lib/proc-cpu.ts'
import { repetition, summarize } from '../lib/stats.ts'
import type { Measurement, Ratio, Repetition, Suite, SuiteContext, SuiteOutput } from '../lib/suite.ts'
import { Mailbox } from './mailbox.ts'
import { openLog, startEchoHost, startRawPeer, type Stoppable } from './processes.ts'
import { decodeJson, encodeJson, pingBody, pongBody, RAW, type RawCommand, type RawReport } from './protocol.ts'

export interface TransportParameters {
  /** Messages per one-way run. */
  readonly oneWayCount: number
  /** Sequential requests per request/reply run. */
  readonly requestCount: number
  readonly warmup: number
  readonly repetitions: number
  /** The echo actor's `blastBatch`: pings sent per turn of the event loop. */
  readonly blastBatch: number
  /** Raw source: pings per turn of the event loop; 0 publishes all in one synchronous loop. */
  readonly rawPublishBatch: number
  readonly requestTimeoutMs: number
}

export const FULL: TransportParameters = {
  oneWayCount: 200_000,
  requestCount: 5_000,
  warmup: 1,
  repetitions: 5,
  blastBatch: 512,
  rawPublishBatch: 0,
  requestTimeoutMs: 2_000,
}

export const QUICK: TransportParameters = { ...FULL, oneWayCount: 5_000, requestCount: 200, warmup: 1, repetitions: 3 }

/** The one-way throughput the runtime should reach, as a fraction of the raw client's. */
export const ONE_WAY_GOAL = 0.8

const CLUSTER = 'bench'
const HOST_A = 'bench-a'
const HOST_B = 'bench-b'
const ECHO_A: Address = { component: 'echo', instance: 'a' }
const ECHO_B: Address = { component: 'echo', instance: 'b' }
const BENCH: Address = { component: 'bench', instance: 'ctl' }
const RAW_REPORT = 'bench.raw.report'

interface Case {
  readonly spec: Pick<Measurement, 'id' | 'label' | 'group' | 'series' | 'unit'>
  readonly count: number
  /** The processes that do the work, by role, for CPU accounting. */
  readonly processes: Readonly<Record<string, number | undefined>>
  /** One timed run; resolves with the seconds it took. */
  run(count: number): Promise<number>
}

export const transportSuite: Suite = {
  name: 'transport',
  description: 'raw NATS client vs actor-to-actor through the runtime',
  run: runTransport,
}

async function runTransport(ctx: SuiteContext): Promise<SuiteOutput> {
  const p = ctx.quick ? QUICK : FULL
  const runs = p.warmup + p.repetitions
  const log = openLog(join(ctx.workDir, 'bench.log'))
  const stack: Stoppable[] = []
  let server: NatsServerHandle | undefined
  let nc: NatsConnection | undefined
  try {
    server = await startNatsServer({ dir: join(ctx.workDir, 'nats'), onLog: (line) => log.write(`[nats-server] ${line}\n`) })
    ctx.progress(`nats-server on ${server.url}`)
    nc = await connect({ servers: [server.url], name: 'bench-control' })

    // The pong the runtime's sink would send mid-run: same field widths as the real ones.
    const pong = { seq: p.requestCount - 1, by: ECHO_B.instance, host: HOST_B, received: p.oneWayCount * runs }
    const pingSeq = p.oneWayCount - 1
    const started = await Promise.allSettled([
      startRawPeer({ url: server.url, role: 'sink', pingSeq, pong, log }),
      startRawPeer({ url: server.url, role: 'source', pingSeq, pong, log }),
      startEchoHost({ dir: ctx.workDir, url: server.url, cluster: CLUSTER, host: HOST_A, echoId: ECHO_A.instance, blastBatch: p.blastBatch, log }),
      startEchoHost({ dir: ctx.workDir, url: server.url, cluster: CLUSTER, host: HOST_B, echoId: ECHO_B.instance, blastBatch: p.blastBatch, log }),
    ])
    for (const s of started) if (s.status === 'fulfilled') stack.push(s.value)
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    const [sink, source, hostA, hostB] = stack as [Stoppable, Stoppable, Stoppable, Stoppable]
    ctx.progress('raw peers and hosts ready')

    const pids = { server: server.process.pid, sink: sink.pid, source: source.pid, hostA: hostA.pid, hostB: hostB.pid }
    const cases = makeCases(nc, p, pids).filter((c) => ctx.only === undefined || c.spec.id.includes(ctx.only))
    if (cases.length === 0) throw new RangeError(`--only=${ctx.only} matches no measurement`)
    const results = new Map<string, { warmup: Repetition[]; repetitions: Repetition[] }>()
    for (const c of cases) results.set(c.spec.id, { warmup: [], repetitions: [] })
    for (let run = 0; run < runs; run++) {
      const isWarmup = run < p.warmup
      const label = isWarmup ? `warm-up ${run + 1}/${p.warmup}` : `run ${run - p.warmup + 1}/${p.repetitions}`
      for (const c of cases) {
        const meter = cpuMeter({ ...c.processes, server: server.process.pid, bench: process.pid })
        const seconds = await c.run(c.count)
        const rep = repetition(c.count, seconds, meter())
        const slot = results.get(c.spec.id)!
        ;(isWarmup ? slot.warmup : slot.repetitions).push(rep)
        const cpu = Object.entries(rep.cpuSeconds ?? {})
          .map(([name, s]) => `${name} ${s.toFixed(2)}`)
          .join(', ')
        ctx.progress(
          `${label} ${c.spec.label.padEnd(22)} ${Math.round(rep.rate).toLocaleString('en-US').padStart(9)} ${c.spec.unit} (${c.count} in ${seconds.toFixed(2)} s; cpu s: ${cpu})`,
        )
      }
    }

    const measurements = cases.map((c) => summarize(c.spec, results.get(c.spec.id)!.warmup, results.get(c.spec.id)!.repetitions))
    const byId = new Map(measurements.map((m) => [m.id, m]))
    const ratio = (id: string, label: string, numerator: string, denominator: string, goal?: number): Ratio[] => {
      const top = byId.get(numerator)
      const bottom = byId.get(denominator)
      if (!top || !bottom) return []
      const value = top.median / bottom.median
      return [{ id, label, numerator, denominator, value, ...(goal === undefined ? {} : { goal, met: value >= goal }) }]
    }
    const ratios = [
      ...ratio('one-way', 'one-way runtime/raw', 'runtime.one-way', 'raw.one-way', ONE_WAY_GOAL),
      ...ratio('request-reply', 'request/reply runtime/raw', 'runtime.request-reply', 'raw.request-reply'),
    ]
    return {
      parameters: {
        ...p,
        pingBytes: pingBody(pingSeq).length,
        pongBytes: pongBody(pong.seq, pong.by, pong.host, pong.received).length,
        processes: 'nats-server, raw source, raw sink, host bench-a, host bench-b, bench control: each its own process',
        timing: 'from the bench publishing the command to the bench receiving the completion report',
      },
      measurements,
      ratios,
      notes: cpuNotes(byId),
    }
  } finally {
    for (const s of stack.reverse()) await s.stop().catch((error: unknown) => ctx.progress(`stopping ${s.name}: ${String(error)}`))
    await nc?.close()
    await server?.stop()
    await new Promise<void>((resolve) => log.end(resolve))
  }
}

function makeCases(nc: NatsConnection, p: TransportParameters, pids: Readonly<Record<'sink' | 'source' | 'hostA' | 'hostB', number | undefined>>): Case[] {
  const rawPids = { source: pids.source, sink: pids.sink }
  const runtimePids = { 'host A': pids.hostA, 'host B': pids.hostB }
  const raw = new Mailbox(nc, RAW_REPORT)
  const runtime = new Mailbox(nc, subjectFor(CLUSTER, BENCH))
  const oneWayTimeout = (count: number) => 30_000 + count * 0.2
  const requestTimeout = (count: number) => 30_000 + count * 5
  // Echo b's running count of pings (one-way and request/reply alike), as of the last report.
  let sinkReceived = 0

  return [
    {
      spec: { id: 'raw.one-way', label: 'raw one-way', group: 'one-way', series: 'raw NATS client', unit: 'msgs/s' },
      count: p.oneWayCount,
      processes: rawPids,
      async run(count) {
        await nc.request(RAW.sinkControl, encodeJson({ op: 'expect', count, report: RAW_REPORT } satisfies RawCommand), { timeout: 5_000 })
        const done = raw.next('raw sink report', () => true, oneWayTimeout(count))
        const t0 = performance.now()
        nc.publish(RAW.sourceControl, encodeJson({ op: 'blast', count, batch: p.rawPublishBatch } satisfies RawCommand))
        await done
        return (performance.now() - t0) / 1000
      },
    },
    {
      spec: { id: 'runtime.one-way', label: 'runtime one-way', group: 'one-way', series: 'actorkube runtime', unit: 'msgs/s' },
      count: p.oneWayCount,
      processes: runtimePids,
      async run(count) {
        const done = runtime.next('echo.pong after the last ping', (msg) => event(msg)?.type === 'echo.pong' && event(msg)?.seq === count - 1, oneWayTimeout(count))
        const t0 = performance.now()
        nc.publish(subjectFor(CLUSTER, ECHO_A), encodeEvent({ type: 'echo.blast', to: ECHO_B, count, report: BENCH }))
        const report = event(await done)
        const seconds = (performance.now() - t0) / 1000
        const received = Number(report?.received)
        if (received - sinkReceived !== count) {
          throw new Error(`echo ${ECHO_B.instance} counted ${received - sinkReceived} pings for a blast of ${count}: the run is invalid`)
        }
        sinkReceived = received
        return seconds
      },
    },
    {
      spec: { id: 'raw.request-reply', label: 'raw request/reply', group: 'request/reply (1 in flight)', series: 'raw NATS client', unit: 'req/s' },
      count: p.requestCount,
      processes: rawPids,
      async run(count) {
        const done = raw.next('raw source report', () => true, requestTimeout(count))
        const t0 = performance.now()
        nc.publish(RAW.sourceControl, encodeJson({ op: 'pingpong', count, timeoutMs: p.requestTimeoutMs, report: RAW_REPORT } satisfies RawCommand))
        const report = decodeJson((await done).data) as RawReport
        const seconds = (performance.now() - t0) / 1000
        if (report.failed) throw new Error(`raw request/reply: ${report.failed} of ${count} requests failed`)
        return seconds
      },
    },
    {
      spec: { id: 'runtime.request-reply', label: 'runtime request/reply', group: 'request/reply (1 in flight)', series: 'actorkube runtime', unit: 'req/s' },
      count: p.requestCount,
      processes: runtimePids,
      async run(count) {
        const done = runtime.next('echo.pingpong.done', (msg) => event(msg)?.type === 'echo.pingpong.done', requestTimeout(count))
        const t0 = performance.now()
        nc.publish(subjectFor(CLUSTER, ECHO_A), encodeEvent({ type: 'echo.pingpong', to: ECHO_B, count, timeoutMs: p.requestTimeoutMs, report: BENCH }))
        const report = event(await done)
        const seconds = (performance.now() - t0) / 1000
        if (Number(report?.failed) !== 0) throw new Error(`runtime request/reply: ${String(report?.failed)} of ${count} requests failed`)
        sinkReceived += count
        return seconds
      },
    },
  ]
}

/** Where the CPU went, per message, raw vs runtime: the first thing to read when a ratio disappoints. */
function cpuNotes(byId: ReadonlyMap<string, Measurement>): string[] {
  const notes: string[] = []
  const sum = (m: Measurement | undefined, names: readonly string[]) => names.reduce((total, n) => total + (m?.cpuMicrosPerItem?.[n] ?? 0), 0)
  for (const [what, rawId, runtimeId] of [
    ['one-way', 'raw.one-way', 'runtime.one-way'],
    ['request/reply', 'raw.request-reply', 'runtime.request-reply'],
  ] as const) {
    const raw = byId.get(rawId)
    const runtime = byId.get(runtimeId)
    if (!raw?.cpuMicrosPerItem || !runtime?.cpuMicrosPerItem) continue
    const rawClients = sum(raw, ['source', 'sink'])
    const hosts = sum(runtime, ['host A', 'host B'])
    notes.push(
      `${what}: client-side CPU per item ${rawClients.toFixed(2)} µs raw (source ${raw.cpuMicrosPerItem.source}, sink ${raw.cpuMicrosPerItem.sink}) vs ${hosts.toFixed(2)} µs runtime (host A ${runtime.cpuMicrosPerItem['host A']}, host B ${runtime.cpuMicrosPerItem['host B']}); nats-server ${raw.cpuMicrosPerItem.server} vs ${runtime.cpuMicrosPerItem.server} µs`,
    )
  }
  return notes
}

function event(msg: Msg): WireEvent | undefined {
  const decoded = decodeEvent(msg.data)
  return decoded instanceof DecodeFailure ? undefined : decoded
}
