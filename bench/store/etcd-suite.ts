/**
 * The etcd suite: real etcd (Debian's etcd-server) as the yardstick for actorkube's store, measured
 * alone until the store's replica actor is wired. 1 and 3 members on loopback, fsync on, driven by
 * the `etcd3` client from this process.
 *
 * - put throughput/latency: C clients (1, 16, 256), each with one 256-byte put in flight, for a
 *   fixed duration; puts/s, and p50/p99 latency of every put.
 * - watch: one watcher on a prefix counts put events while 16 writers put N values under it.
 * - failover (3 members): SIGKILL the leader, retry a put with short deadlines until one commits;
 *   restart the killed member and wait for health between trials.
 */
import { join } from 'node:path'
import { cpuMeter } from '../lib/proc-cpu.ts'
import { runCases, type Case } from './cases.ts'
import { median, repetition } from '../lib/stats.ts'
import type { Measurement, Ratio, Repetition, Suite, SuiteContext, SuiteOutput } from '../lib/suite.ts'
import { etcdVersion, startEtcdCluster, type EtcdCluster } from './etcd-cluster.ts'
import { etcdStore } from './etcd-store.ts'
import { failoverTrial, percentiles, putThroughput, VALUE_BYTES, watchThroughput, type FailoverTrial, type Percentiles } from './workload.ts'

export interface EtcdParameters {
  readonly memberCounts: readonly (1 | 3)[]
  readonly concurrency: readonly number[]
  /** gRPC connections (Etcd3 objects) the put clients share, per concurrency. */
  readonly connections: number
  /** Extra case: the highest concurrency spread over this many connections. */
  readonly manyConnections: number
  readonly putDurationMs: number
  readonly keySpace: number
  readonly watchWriters: number
  readonly watchCount: number
  readonly warmup: number
  readonly repetitions: number
  readonly failoverTrials: number
  readonly failoverAttemptTimeoutMs: number
}

export const FULL: EtcdParameters = {
  memberCounts: [1, 3],
  concurrency: [1, 16, 256],
  connections: 1,
  manyConnections: 16,
  putDurationMs: 2_000,
  keySpace: 10_000,
  watchWriters: 16,
  watchCount: 5_000,
  warmup: 1,
  repetitions: 3,
  failoverTrials: 10,
  failoverAttemptTimeoutMs: 100,
}

export const QUICK: EtcdParameters = { ...FULL, putDurationMs: 400, watchCount: 500, warmup: 0, repetitions: 1, failoverTrials: 2 }

/** A throughput repetition that also carries the run's latency percentiles. */
export interface LatencyRepetition extends Repetition {
  readonly latencyMs?: Percentiles
}

/** A measurement with, where it has latencies, the median over repetitions of each percentile. */
export interface StoreMeasurement extends Measurement {
  readonly repetitions: readonly LatencyRepetition[]
  readonly latencyMs?: Percentiles
}

export interface FailoverMeasurement extends Measurement {
  /** Percentiles over the trials of the time from SIGKILL to the next committed put. */
  readonly recoveryMs: Percentiles
  readonly trials: readonly FailoverTrial[]
}

export const etcdSuite: Suite = {
  name: 'etcd',
  description: 'real etcd (1 and 3 members, fsync on): put throughput/latency, watch events, leader failover',
  run: runEtcd,
}


async function runEtcd(ctx: SuiteContext): Promise<SuiteOutput> {
  const p = ctx.quick ? QUICK : FULL
  const version = etcdVersion()
  if (version === undefined) throw new Error('etcd not found: install Debian\'s etcd-server (scripts/setup.sh) or set AK_ETCD')
  const wanted = (id: string) => ctx.only === undefined || id.includes(ctx.only)
  const measurements: Measurement[] = []
  const notes: string[] = []

  for (const members of p.memberCounts) {
    const series = `etcd ${members} member${members === 1 ? '' : 's'}`
    const cases: Case[] = []
    let cluster: EtcdCluster | undefined
    const stores: { close(): void }[] = []
    try {
      const anyWanted = [...p.concurrency.map((c) => `etcd${members}.put.c${c}`), `etcd${members}.watch`, ...(members === 3 ? ['etcd3.failover'] : [])].some(wanted)
      if (!anyWanted) continue
      const t0 = performance.now()
      cluster = await startEtcdCluster({ members, dir: join(ctx.workDir, `etcd${members}`) })
      ctx.progress(`${series} healthy in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${cluster.clientUrls.join(' ')}`)
      const c = cluster
      const meter = () => cpuMeter({ ...c.pids(), bench: process.pid })
      const shared = etcdStore(c.clientUrls, p.connections)
      stores.push(shared)
      const top = Math.max(...p.concurrency)
      const spread = members === 1 && p.manyConnections > p.connections ? etcdStore(c.clientUrls, p.manyConnections) : undefined
      if (spread) stores.push(spread)

      const putCase = (concurrency: number, store: typeof shared, suffix: string, labelSuffix: string): Case => ({
        spec: {
          id: `etcd${members}.put.c${concurrency}${suffix}`,
          label: `put C=${concurrency}${labelSuffix} ${members}m`,
          group: `put C=${concurrency}${labelSuffix}`,
          series,
          unit: 'puts/s',
        },
        async run() {
          const cpu = meter()
          const r = await putThroughput(store, { concurrency, durationMs: p.putDurationMs, prefix: `bench/put/c${concurrency}/`, keySpace: p.keySpace })
          return { ...repetition(r.count, r.seconds, cpu()), latencyMs: round(r.latencyMs) }
        },
      })
      for (const concurrency of p.concurrency) cases.push(putCase(concurrency, shared, '', ''))
      if (spread) cases.push(putCase(top, spread, `.conn${p.manyConnections}`, ` ${p.manyConnections} conns`))
      cases.push({
        spec: { id: `etcd${members}.watch`, label: `watch ${members}m`, group: 'watch events', series, unit: 'events/s' },
        async run() {
          const cpu = meter()
          const r = await watchThroughput(shared, { writers: p.watchWriters, count: p.watchCount, prefix: `bench/watch/${Date.now()}/`, timeoutMs: 60_000 })
          return repetition(r.count, r.seconds, cpu())
        },
      })
      const selected = cases.filter((k) => wanted(k.spec.id))
      measurements.push(...(await runCases(ctx, selected, p)))

      if (members === 3 && wanted(`etcd${members}.failover`)) {
        const client = etcdStore(c.clientUrls, 1)
        stores.push(client)
        const trials: FailoverTrial[] = []
        for (let t = 0; t < p.failoverTrials; t++) {
          const trial = await failoverTrial(c, client.client(0), { key: 'bench/failover', attemptTimeoutMs: p.failoverAttemptTimeoutMs, giveUpMs: 30_000 })
          trials.push({ ...trial, recoveryMs: round1(trial.recoveryMs) })
          ctx.progress(`failover ${t + 1}/${p.failoverTrials}: killed etcd-${trial.killed}, write committed after ${trial.recoveryMs.toFixed(0)} ms (${trial.failedAttempts} failed attempts), new leader etcd-${trial.newLeader ?? '?'}`)
        }
        measurements.push(failoverMeasurement(series, trials))
      }
    } finally {
      for (const s of stores) s.close()
      await cluster?.stop()
    }
  }
  if (measurements.length === 0) throw new RangeError(`--only=${ctx.only} matches no measurement`)

  const byId = new Map(measurements.map((m) => [m.id, m]))
  const ratios: Ratio[] = p.concurrency.flatMap((concurrency) => {
    const three = byId.get(`etcd3.put.c${concurrency}`)
    const one = byId.get(`etcd1.put.c${concurrency}`)
    if (!three || !one) return []
    return [{ id: `put.c${concurrency}.3v1`, label: `put C=${concurrency} 3 members/1`, numerator: three.id, denominator: one.id, value: three.median / one.median }]
  })
  for (const m of measurements as StoreMeasurement[]) {
    if (m.latencyMs) notes.push(`${m.label}: latency p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms (median over runs)`)
  }
  const failover = measurements.find((m): m is FailoverMeasurement => 'recoveryMs' in m)
  if (failover) {
    notes.push(
      `failover: kill -9 of the leader to the next committed put, over ${failover.trials.length} trials: p50 ${failover.recoveryMs.p50} ms, p99 ${failover.recoveryMs.p99} ms (etcd's default election timeout is 1000 ms, heartbeat 100 ms). ` +
        'The failover measurement\'s median/min/max are in ms; each trial is a repetition of count 1 whose rate is 1/seconds.',
    )
  }
  notes.push(
    `all put clients share ${p.connections} gRPC connection(s) (one Etcd3 object) unless the label says otherwise; the bench process runs every client on one event loop, so at high concurrency its CPU can be the limit, not etcd (see cpuMicrosPerItem.bench)`,
  )

  return {
    parameters: {
      ...p,
      etcd: version,
      client: 'etcd3 (npm) over @grpc/grpc-js',
      valueBytes: VALUE_BYTES,
      fsync: 'on (etcd default; --unsafe-no-fsync not passed)',
      topology: 'every member a child process on 127.0.0.1 with its own data directory under the scratch directory; the bench process drives all clients',
      putTiming: 'each client issues sequential puts until the duration has passed; time until every client\'s last put returned',
      watchTiming: `one watcher on a prefix (its own connection); ${FULL.watchWriters} writers put N values; from the first put to the watcher's Nth event`,
      failoverTiming: 'SIGKILL the leader; retry a put (deadline per attempt) through a client configured with every member until one succeeds; restart the member and wait for health between trials',
    },
    measurements,
    ratios,
    notes,
  }
}

function failoverMeasurement(series: string, trials: readonly FailoverTrial[]): FailoverMeasurement {
  const ms = trials.map((t) => t.recoveryMs)
  return {
    id: 'etcd3.failover',
    label: 'failover 3m (kill→commit)',
    group: 'failover',
    series,
    unit: 'ms',
    warmup: [],
    repetitions: trials.map((t) => repetition(1, t.recoveryMs / 1000)),
    median: median(ms),
    min: Math.min(...ms),
    max: Math.max(...ms),
    recoveryMs: round(percentiles(ms)),
    trials,
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10
const round = (p: Percentiles): Percentiles => ({ p50: Math.round(p.p50 * 100) / 100, p99: Math.round(p.p99 * 100) / 100 })
