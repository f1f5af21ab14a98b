/**
 * The api suite: the Kubernetes API of `actorkube up` (3 masters, each a store replica and an
 * apiserver, over one nats-server; no workers), driven from the bench process.
 *
 * - Request phases over HTTPS (node:https, keep-alive agents, several connections to each
 *   apiserver, round robin) and over NATS (ApiClient over several NatsTransports) in the same run:
 *   create (small ConfigMaps), get, list (a namespace of N = 500) and update (PUT with the
 *   resourceVersion precondition), at C = 1, 16, 64 clients with one call in flight each.
 *   Throughput and per-call p50/p99; mutating p99 against the Kubernetes API SLO (p99 <= 1 s).
 * - Watch fan-out: W HTTPS watch streams (`?watch=true&resourceVersion=RV`, one TLS connection
 *   each) on one namespace while one writer creates and then updates objects there: events/s
 *   delivered to all watchers together and the write ack -> event received latency. Every
 *   apiserver serves its watchers from its watch cache (one store watch per resource), so this
 *   is the cache's fan-out cost.
 *
 * Ratios: HTTPS / NATS throughput for each op and C (> 1: HTTPS faster).
 */
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { cpuMeter } from '../lib/proc-cpu.ts'
import { formatNumber, table } from '../lib/report.ts'
import { median, repetition, summarize } from '../lib/stats.ts'
import type { Measurement, Ratio, Suite, SuiteContext, SuiteOutput } from '../lib/suite.ts'
import { runCases, type Case } from '../store/cases.ts'
import type { LatencyRepetition, StoreMeasurement } from '../store/etcd-suite.ts'
import { httpsApi, natsApi, type Api } from './clients.ts'
import { startApiCluster } from './cluster.ts'
import { configMapsPath, ensureNamespace, expectStatus, fanoutPhase, openWatchers, opPhase, populate, type FanoutRun, type Op, type OpTargets } from './workload.ts'

export interface ApiParameters {
  readonly concurrency: readonly number[]
  readonly ops: readonly Op[]
  readonly durationMs: number
  readonly listSize: number
  readonly httpsConnectionsPerServer: number
  readonly natsConnections: number
  readonly warmup: number
  readonly repetitions: number
  /** Watch streams to try to open. */
  readonly watchers: number
  readonly watchOpenBatch: number
  readonly watchOpenDeadlineMs: number
  /** Writes (half creates, half updates) per fan-out phase. */
  readonly fanoutWrites: number
  readonly fanoutWarmupWrites: number
  readonly fanoutRepetitions: number
  readonly fanoutTimeoutMs: number
}

export const FULL: ApiParameters = {
  concurrency: [1, 16, 64],
  ops: ['create', 'get', 'list', 'update'],
  durationMs: 1_500,
  listSize: 500,
  // HTTP/1.1 has one call in flight per connection: 22 per apiserver lets all 64 clients have theirs.
  httpsConnectionsPerServer: 22,
  natsConnections: 4,
  warmup: 1,
  repetitions: 3,
  watchers: 1_000,
  watchOpenBatch: 50,
  watchOpenDeadlineMs: 60_000,
  fanoutWrites: 100,
  fanoutWarmupWrites: 20,
  fanoutRepetitions: 3,
  fanoutTimeoutMs: 60_000,
}

export const QUICK: ApiParameters = {
  ...FULL,
  durationMs: 300,
  warmup: 0,
  repetitions: 1,
  watchers: 100,
  watchOpenDeadlineMs: 20_000,
  fanoutWrites: 40,
  fanoutWarmupWrites: 0,
  fanoutRepetitions: 1,
  fanoutTimeoutMs: 20_000,
}

/** Kubernetes' API call latency SLO for mutating calls (single object): p99 <= 1 s. */
export const SLO_MUTATING_P99_MS = 1_000

const MUTATING: readonly Op[] = ['create', 'update']
const NS = { create: 'bench-create', list: 'bench-list', update: 'bench-update', watch: 'bench-watch' } as const

export const apiSuite: Suite = {
  name: 'api',
  description: 'Kubernetes API of `actorkube up` over HTTPS and NATS: create/get/list/update at C=1/16/64, p50/p99 vs the 1 s SLO, watch fan-out',
  run: runApi,
}

const opId = (api: string, op: Op, c: number) => `${api}.${op}.c${c}`
const FANOUT_ID = 'https.watch.fanout'

interface FanoutRepetition extends LatencyRepetition {
  readonly writes: number
  readonly expected: number
  readonly writesPerSecond: number
  readonly timedOut: boolean
}

async function runApi(ctx: SuiteContext): Promise<SuiteOutput> {
  const p = ctx.quick ? QUICK : FULL
  const wanted = (id: string) => ctx.only === undefined || id.includes(ctx.only)
  const measurements: Measurement[] = []
  const notes: string[] = []
  const t0 = performance.now()
  // Other work on the machine during the run shows here (the runner notes only the load at start).
  const loadSamples: number[] = [round2(loadavg()[0]!)]
  const sampler = setInterval(() => loadSamples.push(round2(loadavg()[0]!)), 15_000)
  const cluster = await startApiCluster(join(ctx.workDir, 'up'))
  const closers: (() => Promise<void>)[] = []
  let listBytes = 0
  let watchInfo: { target: number; opened: number; failed: number; failures: readonly string[]; openMs: number; openAfterRuns: number } | undefined
  try {
    ctx.progress(`actorkube up ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: apiservers ${cluster.apiservers.map((u) => u.host).join(' ')}, nats ${cluster.natsUrl}`)
    const pids = { ...cluster.pids(), bench: process.pid }
    const meter = () => cpuMeter(pids)
    const https = httpsApi(cluster, p.httpsConnectionsPerServer)
    closers.push(() => https.close())
    const nats = await natsApi(cluster, p.natsConnections)
    closers.push(() => nats.close())

    for (const ns of Object.values(NS)) await ensureNamespace(https, ns)
    const targets: OpTargets = { createNamespace: NS.create, listNamespace: NS.list, listSize: p.listSize, updateNamespace: NS.update }
    const tp = performance.now()
    await populate(nats, NS.list, 'obj', p.listSize)
    const listed = expectStatus(await https.call('GET', configMapsPath(NS.list)), [200], 'list')
    listBytes = JSON.stringify(listed.body).length
    ctx.progress(`populated ${NS.list} with ${p.listSize} ConfigMaps in ${((performance.now() - tp) / 1000).toFixed(1)} s (a list answer is ${formatNumber(listBytes / 1024)} KiB of JSON)`)

    const cases: Case[] = []
    for (const op of p.ops) {
      for (const c of p.concurrency) {
        for (const api of [https, nats] as Api[]) {
          const id = opId(api.name, op, c)
          if (!wanted(id)) continue
          cases.push({
            spec: { id, label: `${api.name} ${op} C=${c}`, group: `${op} C=${c}`, series: api.name === 'https' ? 'HTTPS' : 'NATS (ApiClient)', unit: 'calls/s' },
            async run() {
              const cpu = meter()
              const r = await opPhase(api, op, targets, { concurrency: c, durationMs: p.durationMs })
              return { ...repetition(r.count, r.seconds, cpu()), latencyMs: round(r.latencyMs) }
            },
          })
        }
      }
    }
    if (cases.length > 0) measurements.push(...(await runCases(ctx, cases, p)))

    if (wanted(FANOUT_ID)) {
      const rv = (expectStatus(await https.call('GET', configMapsPath(NS.watch)), [200], 'list watch namespace').body as { metadata: { resourceVersion: string } }).metadata.resourceVersion
      const tw = performance.now()
      let lastReport = 0
      const watchers = await openWatchers(cluster, NS.watch, rv, {
        target: p.watchers,
        batch: p.watchOpenBatch,
        deadlineMs: p.watchOpenDeadlineMs,
        progress: (opened) => {
          if (opened - lastReport >= Math.max(p.watchOpenBatch, p.watchers / 5) || opened >= p.watchers) {
            lastReport = opened
            ctx.progress(`watchers open: ${opened}/${p.watchers}`)
          }
        },
      })
      closers.push(async () => watchers.close())
      const opened = watchers.open
      ctx.progress(
        `opened ${opened} of ${p.watchers} watch streams in ${(watchers.openMs / 1000).toFixed(1)} s` + (watchers.failed > 0 ? `; ${watchers.failed} failed (${watchers.failures.join('; ')})` : ''),
      )
      if (opened === 0) throw new Error(`no watch stream opened: ${watchers.failures.join('; ')}`)
      // Let every store watch be established before timing (events from RV on are replayed anyway).
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const warmup: FanoutRepetition[] = []
      const reps: FanoutRepetition[] = []
      const runs = [...(p.fanoutWarmupWrites > 0 ? [{ writes: p.fanoutWarmupWrites, warm: true }] : []), ...Array.from({ length: p.fanoutRepetitions }, () => ({ writes: p.fanoutWrites, warm: false }))]
      let n = 0
      for (const run of runs) {
        const cpu = meter()
        const watching = watchers.open
        const r: FanoutRun = await fanoutPhase(https, watchers, NS.watch, { writes: run.writes, timeoutMs: p.fanoutTimeoutMs })
        const rep: FanoutRepetition = {
          ...repetition(r.count, r.seconds, cpu()),
          latencyMs: round(r.latencyMs),
          writes: r.writes,
          expected: r.expected,
          writesPerSecond: Math.round(r.writesPerSecond * 10) / 10,
          timedOut: r.timedOut,
        }
        ;(run.warm ? warmup : reps).push(rep)
        const label = run.warm ? 'warm-up' : `run ${++n}/${p.fanoutRepetitions}`
        ctx.progress(
          `${label} watch fan-out: ${r.writes} writes × ${watching} watchers: ${Math.round(rep.rate).toLocaleString('en-US')} events/s (${r.count}/${r.expected} in ${r.seconds.toFixed(2)} s; ` +
            `delivery p50 ${rep.latencyMs?.p50} ms, p99 ${rep.latencyMs?.p99} ms; writer ${rep.writesPerSecond} writes/s${r.timedOut ? '; TIMED OUT' : ''})`,
        )
      }
      const lats = reps.map((r) => r.latencyMs!)
      const m: StoreMeasurement = {
        ...summarize({ id: FANOUT_ID, label: `https watch fan-out W=${opened}`, group: 'watch fan-out', series: 'HTTPS', unit: 'events/s' }, warmup, reps),
        repetitions: reps,
        latencyMs: { p50: median(lats.map((l) => l.p50)), p99: median(lats.map((l) => l.p99)) },
      }
      measurements.push(m)
      watchInfo = { target: p.watchers, opened, failed: watchers.failed, failures: watchers.failures, openMs: Math.round(watchers.openMs), openAfterRuns: watchers.open }
    }
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {})
    await cluster.stop()
    clearInterval(sampler)
    loadSamples.push(round2(loadavg()[0]!))
  }
  const cores = availableParallelism()
  notes.push(
    `1-minute load average every 15 s during the run: ${loadSamples.join(', ')} (${cores} cores). The run's own processes (3 hosts, nats-server, the bench) keep it near the core count when busy; well above it, other work shared the cores and those phases are slower and noisier`,
  )
  if (measurements.length === 0) throw new RangeError(`--only=${ctx.only} matches no measurement`)

  const byId = new Map(measurements.map((m) => [m.id, m as StoreMeasurement]))
  const ratios: Ratio[] = []
  for (const op of p.ops) {
    for (const c of p.concurrency) {
      const h = byId.get(opId('https', op, c))
      const n = byId.get(opId('nats', op, c))
      if (h && n) ratios.push({ id: `${op}.c${c}`, label: `${op} C=${c} HTTPS/NATS`, numerator: h.id, denominator: n.id, value: h.median / n.median })
    }
  }

  // The SLO: every mutating case's p99 (median over runs).
  const slo = measurements
    .map((m) => m as StoreMeasurement)
    .filter((m) => MUTATING.some((op) => m.id.includes(`.${op}.`)) && m.latencyMs)
    .map((m) => ({ id: m.id, label: m.label, p99: m.latencyMs!.p99, met: m.latencyMs!.p99 <= SLO_MUTATING_P99_MS }))
  const worst = slo.reduce<(typeof slo)[number] | undefined>((w, s) => (w === undefined || s.p99 > w.p99 ? s : w), undefined)
  if (worst) {
    const all = slo.every((s) => s.met)
    notes.push(
      `Kubernetes API SLO, mutating calls p99 <= ${SLO_MUTATING_P99_MS} ms: ${all ? 'met' : 'NOT met'} in every create/update case (worst: ${worst.label} p99 ${worst.p99} ms` +
        `${all ? '' : `; not met: ${slo.filter((s) => !s.met).map((s) => `${s.label} ${s.p99} ms`).join(', ')}`}). The SLO is for a 5-minute window at cluster scale; here it is per phase, on one 2-core machine with the client on it.`,
    )
  }
  for (const m of measurements as StoreMeasurement[]) {
    if (m.latencyMs) notes.push(`${m.label}: latency p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms (median over runs)`)
  }
  if (watchInfo) {
    notes.push(
      `watch fan-out: asked for ${watchInfo.target} HTTPS watch streams, opened ${watchInfo.opened} in ${(watchInfo.openMs / 1000).toFixed(1)} s (${watchInfo.failed} failed${watchInfo.failures.length ? `: ${watchInfo.failures.join('; ')}` : ''}; ${watchInfo.openAfterRuns} still open after the runs). ` +
        'Each apiserver serves its watchers from its watch cache (one store watch per resource), so the fan-out rate is the cache\'s per-watcher cost (serialization is shared). This measures HTTPS watchers only; watches over NATS are not measured here.',
    )
  }
  notes.push(
    `ratio convention: HTTPS / NATS median throughput (> 1: HTTPS faster). HTTPS (HTTP/1.1, one call in flight per connection) uses up to ${p.httpsConnectionsPerServer} keep-alive connections to each of the 3 apiservers (round robin), so that every client at C=64 has its own; NATS uses ${p.natsConnections} connections with one ApiClient each (each round-robins over the apiservers). Both parse the JSON/msgpack answer. The bench process runs every client on one event loop, so at C=64 its CPU can be the limit (cpuMicrosPerItem.bench).`,
  )

  process.stdout.write(`${opsTable(p, byId, ratios)}\n`)
  const fan = byId.get(FANOUT_ID)
  if (fan) {
    process.stdout.write(
      `\n${table(
        ['watch fan-out', 'watchers', 'events/s', 'p50 ms', 'p99 ms'],
        [[`${p.fanoutWrites} writes per run (half create, half update), one writer over HTTPS`, String(watchInfo?.opened ?? '?'), formatNumber(fan.median), String(fan.latencyMs?.p50), String(fan.latencyMs?.p99)]],
        [false, true, true, true, true],
      )}\n\n`,
    )
  }

  return {
    parameters: {
      ...p,
      system: 'actorkube up --workers 0 --api-port 0 --status-interval 0: nats-server + 3 master hosts, each a store replica (fsync on) and an apiserver, on 127.0.0.1',
      object: 'ConfigMap with two data keys, about 100 bytes of data (about 400 bytes of JSON as stored)',
      listAnswerBytesJson: listBytes,
      sloMutatingP99Ms: SLO_MUTATING_P99_MS,
      slo: slo,
      watch: watchInfo,
      loadAverageSamples: loadSamples,
      timing:
        "each client issues sequential calls until the duration has passed; time until every client's last call returned. Update: each client PUTs its own object with the last resourceVersion it saw. Fan-out latency: the writer's acknowledgement to each watcher's receipt of the event with that resourceVersion (earlier copies count 0 ms); events/s: every watcher's copies from the first write to the last copy's arrival",
      ratioConvention: 'HTTPS / NATS median throughput',
    },
    measurements,
    ratios,
    notes,
  }
}

function opsTable(p: ApiParameters, byId: ReadonlyMap<string, StoreMeasurement>, ratios: readonly Ratio[]): string {
  const cell = (m: StoreMeasurement | undefined) => (m ? `${formatNumber(m.median)}/s · ${m.latencyMs?.p50} / ${m.latencyMs?.p99} ms` : '')
  const rows: string[][] = []
  for (const op of p.ops) {
    for (const c of p.concurrency) {
      const h = byId.get(opId('https', op, c))
      const n = byId.get(opId('nats', op, c))
      if (!h && !n) continue
      const r = ratios.find((x) => x.id === `${op}.c${c}`)
      const slo = MUTATING.includes(op) ? [h, n].every((m) => !m?.latencyMs || m.latencyMs.p99 <= SLO_MUTATING_P99_MS) ? 'met' : 'NOT met' : ''
      rows.push([`${op} C=${c}`, cell(h), cell(n), r ? `${r.value.toFixed(2)}x` : '', slo])
    }
  }
  return table(['op', 'HTTPS: calls/s · p50 / p99', 'NATS: calls/s · p50 / p99', 'HTTPS/NATS', 'SLO p99<=1s'], rows, [false, true, true, true, false])
}

const round2 = (n: number) => Math.round(n * 100) / 100
const round = (l: { p50: number; p99: number }) => ({ p50: Math.round(l.p50 * 100) / 100, p99: Math.round(l.p99 * 100) / 100 })
