/**
 * The store suite: actorkube's Raft store beside real etcd, in one run, on the same workloads
 * (bench/store/workload.ts) and the same machine.
 *
 * - ours: 1 or 3 host processes (`actorkube host`), one `store` replica each, fsync on, over one
 *   nats-server; driven by StoreClient over `connections` NATS connections (actorkube-cluster.ts,
 *   actorkube-store.ts).
 * - etcd: Debian's etcd-server, 1 or 3 members, fsync on (etcd-cluster.ts), driven by the `etcd3`
 *   client over the same number of gRPC connections (etcd-store.ts).
 *
 * For each replica count, etcd runs first, then ours, one cluster at a time: put throughput and
 * latency at C = 1, 16, 256 (256-byte values), watch event throughput, and at 3 replicas leader
 * failover (SIGKILL the leader, time until the next committed put; the client routes around the
 * dead leader itself). Last, one 3-replica C=256 put phase of ours runs with every host under
 * `--cpu-prof`, and the bench process under the inspector's profiler, for where the time goes.
 *
 * Ratio convention: every ratio is oriented so that > 1 means ours is better: throughput is
 * ours / etcd, latency and failover time are etcd / ours.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summarizeProfile, type ProfileSummary } from '../profile-summary.ts'
import { formatNumber, table } from '../lib/report.ts'
import { cpuMeter } from '../lib/proc-cpu.ts'
import { runCases, type Case } from './cases.ts'
import { median, repetition } from '../lib/stats.ts'
import type { Measurement, Ratio, Suite, SuiteContext, SuiteOutput } from '../lib/suite.ts'
import { startActorkubeCluster } from './actorkube-cluster.ts'
import { actorkubeStore } from './actorkube-store.ts'
import { etcdVersion, startEtcdCluster } from './etcd-cluster.ts'
import type { FailoverMeasurement, StoreMeasurement } from './etcd-suite.ts'
import { etcdStore } from './etcd-store.ts'
import { failoverTrial, percentiles, putThroughput, VALUE_BYTES, watchThroughput, type FailoverTarget, type FailoverTrial, type KvStore, type Percentiles } from './workload.ts'

export interface StoreParameters {
  readonly replicaCounts: readonly (1 | 3)[]
  readonly concurrency: readonly number[]
  /** Connections (NATS for ours, gRPC channels for etcd) the clients of a case share. */
  readonly connections: number
  readonly putDurationMs: number
  readonly keySpace: number
  readonly watchWriters: number
  readonly watchCount: number
  readonly warmup: number
  readonly repetitions: number
  readonly failoverTrials: number
  readonly failoverAttemptTimeoutMs: number
  /** Length of the profiled C=256 put phase (0: no profile). */
  readonly profileDurationMs: number
}

export const FULL: StoreParameters = {
  replicaCounts: [1, 3],
  concurrency: [1, 16, 256],
  connections: 4,
  putDurationMs: 2_000,
  keySpace: 10_000,
  watchWriters: 16,
  watchCount: 2_000,
  warmup: 1,
  repetitions: 3,
  failoverTrials: 10,
  failoverAttemptTimeoutMs: 100,
  profileDurationMs: 4_000,
}

export const QUICK: StoreParameters = { ...FULL, putDurationMs: 400, watchCount: 300, warmup: 0, repetitions: 1, failoverTrials: 2, profileDurationMs: 1_000 }

/** Goals this suite reports against. */
export const GOALS = {
  /** ours / etcd put throughput at 3 replicas, 256 clients. */
  put3c256Ratio: 1.0,
  failoverP50Ms: 300,
  failoverP99Ms: 1_000,
} as const

export const storeSuite: Suite = {
  name: 'store',
  description: 'actorkube store vs real etcd, same run: put throughput/latency (1 and 3 replicas, C=1/16/256), watch events, leader failover, profile',
  run: runStore,
}

type SystemKey = 'ours' | 'etcd'

interface Running {
  readonly describe: string
  readonly target: FailoverTarget
  pids(): Record<string, number | undefined>
  store(connections: number): Promise<{ readonly kv: KvStore; close(): Promise<void> }>
  stop(): Promise<void>
}

interface System {
  readonly key: SystemKey
  readonly name: string
  start(replicas: 1 | 3, dir: string): Promise<Running>
}

const OURS: System = {
  key: 'ours',
  name: 'actorkube store',
  async start(replicas, dir) {
    const c = await startActorkubeCluster({ replicas, dir })
    return {
      describe: `nats ${c.natsUrl}, replicas ${c.replicaIds.join(' ')}`,
      target: c,
      pids: () => c.pids(),
      async store(connections) {
        const s = await actorkubeStore({ natsUrl: c.natsUrl, cluster: c.cluster, replicas: c.replicaIds, connections })
        return { kv: s, close: () => s.close() }
      },
      stop: () => c.stop(),
    }
  },
}

const ETCD: System = {
  key: 'etcd',
  name: 'etcd',
  async start(replicas, dir) {
    const c = await startEtcdCluster({ members: replicas, dir })
    return {
      describe: c.clientUrls.join(' '),
      target: c,
      pids: () => c.pids(),
      async store(connections) {
        const s = etcdStore(c.clientUrls, connections)
        return { kv: s, close: async () => s.close() }
      },
      stop: () => c.stop(),
    }
  },
}


const replicasLabel = (n: number) => `${n} replica${n === 1 ? '' : 's'}`
const putId = (key: SystemKey, replicas: number, c: number) => `${key}${replicas}.put.c${c}`
const watchId = (key: SystemKey, replicas: number) => `${key}${replicas}.watch`
const failoverId = (key: SystemKey) => `${key}3.failover`
const PROFILE_ID = 'ours3.profile'

export interface ProfileReport {
  readonly process: string
  readonly windowMs: number
  readonly busyMs: number
  readonly idleMs: number
  readonly byModule: readonly { readonly name: string; readonly ms: number }[]
  readonly byFunction: readonly { readonly name: string; readonly ms: number }[]
}

async function runStore(ctx: SuiteContext): Promise<SuiteOutput> {
  const p = ctx.quick ? QUICK : FULL
  const version = etcdVersion()
  if (version === undefined) throw new Error('etcd not found: install Debian\'s etcd-server (scripts/setup.sh) or set AK_ETCD')
  const wanted = (id: string) => ctx.only === undefined || id.includes(ctx.only)
  const measurements: Measurement[] = []
  const notes: string[] = []

  for (const replicas of p.replicaCounts) {
    for (const system of [ETCD, OURS]) {
      const ids = [...p.concurrency.map((c) => putId(system.key, replicas, c)), watchId(system.key, replicas), ...(replicas === 3 ? [failoverId(system.key)] : [])]
      if (!ids.some(wanted)) continue
      const series = system.name
      const t0 = performance.now()
      const running = await system.start(replicas, join(ctx.workDir, `${system.key}${replicas}`))
      const closers: (() => Promise<void>)[] = []
      try {
        ctx.progress(`${system.name}, ${replicasLabel(replicas)}: healthy in ${((performance.now() - t0) / 1000).toFixed(1)} s (${running.describe})`)
        const meter = () => cpuMeter({ ...running.pids(), bench: process.pid })
        const shared = await running.store(p.connections)
        closers.push(shared.close)
        const cases: Case[] = p.concurrency.map((concurrency) => ({
          spec: { id: putId(system.key, replicas, concurrency), label: `${system.key} put C=${concurrency} ${replicas}r`, group: `put C=${concurrency}, ${replicasLabel(replicas)}`, series, unit: 'puts/s' },
          async run() {
            const cpu = meter()
            const r = await putThroughput(shared.kv, { concurrency, durationMs: p.putDurationMs, prefix: `bench/put/c${concurrency}/`, keySpace: p.keySpace })
            return { ...repetition(r.count, r.seconds, cpu()), latencyMs: round(r.latencyMs) }
          },
        }))
        cases.push({
          spec: { id: watchId(system.key, replicas), label: `${system.key} watch ${replicas}r`, group: `watch events, ${replicasLabel(replicas)}`, series, unit: 'events/s' },
          async run() {
            const cpu = meter()
            const r = await watchThroughput(shared.kv, { writers: p.watchWriters, count: p.watchCount, prefix: `bench/watch/${Date.now()}/`, timeoutMs: 60_000 })
            return repetition(r.count, r.seconds, cpu())
          },
        })
        const selected = cases.filter((k) => wanted(k.spec.id))
        measurements.push(...(await runCases(ctx, selected, p)))

        if (replicas === 3 && wanted(failoverId(system.key))) {
          const one = await running.store(1)
          closers.push(one.close)
          const trials: FailoverTrial[] = []
          for (let t = 0; t < p.failoverTrials; t++) {
            const trial = await failoverTrial(running.target, one.kv.client(0), { key: 'bench/failover', attemptTimeoutMs: p.failoverAttemptTimeoutMs, giveUpMs: 30_000 })
            trials.push({ ...trial, recoveryMs: round1(trial.recoveryMs) })
            ctx.progress(`${system.key} failover ${t + 1}/${p.failoverTrials}: killed #${trial.killed}, write committed after ${trial.recoveryMs.toFixed(0)} ms (${trial.failedAttempts} failed attempts), new leader #${trial.newLeader ?? '?'}`)
          }
          measurements.push(failoverMeasurement(system, trials))
        }
      } finally {
        for (const close of closers) await close().catch(() => {})
        await running.stop()
      }
    }
  }

  let profiles: ProfileReport[] = []
  if (p.profileDurationMs > 0 && p.replicaCounts.includes(3) && wanted(PROFILE_ID)) {
    profiles = await profilePhase(ctx, p)
    for (const prof of profiles) {
      notes.push(
        `profile, ${prof.process} during one C=256 put phase (3 replicas, ${(prof.windowMs / 1000).toFixed(1)} s, busy ${prof.busyMs.toFixed(0)} ms): top self time ` +
          prof.byFunction.slice(0, 8).map((f) => `${f.name} ${((100 * f.ms) / prof.busyMs).toFixed(1)}%`).join('; '),
      )
    }
  }
  if (measurements.length === 0 && profiles.length === 0) throw new RangeError(`--only=${ctx.only} matches no measurement`)

  const byId = new Map(measurements.map((m) => [m.id, m as StoreMeasurement]))
  const ratios: Ratio[] = []
  for (const replicas of p.replicaCounts) {
    for (const c of p.concurrency) {
      const ours = byId.get(putId('ours', replicas, c))
      const etcd = byId.get(putId('etcd', replicas, c))
      if (!ours || !etcd) continue
      const goal = replicas === 3 && c === 256 ? GOALS.put3c256Ratio : undefined
      const value = ours.median / etcd.median
      ratios.push({ id: `put.c${c}.${replicas}r`, label: `put C=${c} ${replicas}r ours/etcd`, numerator: ours.id, denominator: etcd.id, value, ...(goal !== undefined ? { goal, met: value >= goal } : {}) })
      if (ours.latencyMs && etcd.latencyMs) {
        ratios.push({ id: `put.c${c}.${replicas}r.p50`, label: `put C=${c} ${replicas}r latency p50 etcd/ours`, numerator: etcd.id, denominator: ours.id, value: etcd.latencyMs.p50 / ours.latencyMs.p50 })
        ratios.push({ id: `put.c${c}.${replicas}r.p99`, label: `put C=${c} ${replicas}r latency p99 etcd/ours`, numerator: etcd.id, denominator: ours.id, value: etcd.latencyMs.p99 / ours.latencyMs.p99 })
      }
    }
    const ours = byId.get(watchId('ours', replicas))
    const etcd = byId.get(watchId('etcd', replicas))
    if (ours && etcd) ratios.push({ id: `watch.${replicas}r`, label: `watch ${replicas}r ours/etcd`, numerator: ours.id, denominator: etcd.id, value: ours.median / etcd.median })
  }
  const foOurs = byId.get(failoverId('ours')) as FailoverMeasurement | undefined
  const foEtcd = byId.get(failoverId('etcd')) as FailoverMeasurement | undefined
  if (foOurs && foEtcd) {
    ratios.push({ id: 'failover.p50', label: 'failover p50 etcd/ours', numerator: foEtcd.id, denominator: foOurs.id, value: foEtcd.recoveryMs.p50 / foOurs.recoveryMs.p50 })
    ratios.push({ id: 'failover.p99', label: 'failover p99 etcd/ours', numerator: foEtcd.id, denominator: foOurs.id, value: foEtcd.recoveryMs.p99 / foOurs.recoveryMs.p99 })
  }

  notes.push(
    'ratio convention: > 1 means ours is better. Throughput ratios are ours/etcd (median rates); latency ratios (p50, p99 of put latency, medians over runs) and failover ratios (p50, p99 of kill→commit over trials) are etcd/ours.',
  )
  const goals: { goal: string; value: string; met: boolean }[] = []
  const put256 = ratios.find((r) => r.id === 'put.c256.3r')
  if (put256) goals.push({ goal: `put throughput, 3 replicas, C=256: >= ${GOALS.put3c256Ratio}x etcd`, value: `${put256.value.toFixed(2)}x`, met: put256.value >= GOALS.put3c256Ratio })
  if (foOurs) {
    goals.push({ goal: `failover p50 <= ${GOALS.failoverP50Ms} ms`, value: `${foOurs.recoveryMs.p50} ms`, met: foOurs.recoveryMs.p50 <= GOALS.failoverP50Ms })
    goals.push({ goal: `failover p99 <= ${GOALS.failoverP99Ms} ms`, value: `${foOurs.recoveryMs.p99} ms`, met: foOurs.recoveryMs.p99 <= GOALS.failoverP99Ms })
  }
  for (const g of goals) notes.push(`goal ${g.goal}: ${g.value}, ${g.met ? 'met' : 'NOT met'}`)
  for (const m of measurements as StoreMeasurement[]) {
    if (m.latencyMs) notes.push(`${m.label}: latency p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms (median over runs)`)
  }
  for (const fo of [foEtcd, foOurs]) {
    if (fo) notes.push(`${fo.series} failover: kill -9 of the leader to the next committed put, over ${fo.trials.length} trials: p50 ${fo.recoveryMs.p50} ms, p99 ${fo.recoveryMs.p99} ms; the failover measurement's median/min/max are in ms`)
  }
  notes.push(
    `every case's clients share ${p.connections} connections (NATS connections with one StoreClient each for ours, Etcd3 gRPC channels for etcd); the bench process runs every client on one event loop, so at high concurrency its CPU can be the limit (see cpuMicrosPerItem.bench)`,
  )

  process.stdout.write(`${comparisonTable(p, byId, ratios)}\n`)
  if (goals.length > 0) process.stdout.write(`\n${table(['goal', 'this run', 'met'], goals.map((g) => [g.goal, g.value, g.met ? 'yes' : 'NO']), [false, true, false])}\n\n`)
  if (profiles.length > 0) {
    const markdown = profileMarkdown(profiles)
    if (!ctx.quick && ctx.only === undefined) {
      const path = fileURLToPath(new URL('../results/store-profile.md', import.meta.url))
      await writeFile(path, markdown)
      ctx.progress(`wrote ${path}`)
    } else {
      process.stdout.write(`${markdown}\n`)
    }
  }

  return {
    parameters: {
      ...p,
      etcd: version,
      ours: 'actorkube store replicas (actors/store) in `actorkube host` processes over nats-server, client runtime/store/store-client.ts',
      etcdClient: 'etcd3 (npm) over @grpc/grpc-js',
      valueBytes: VALUE_BYTES,
      fsync: 'on for both (etcd default; the store WAL always syncs)',
      ratioConvention: 'every ratio > 1 means ours is better: throughput ours/etcd; latency and failover time etcd/ours',
      goals: GOALS,
      topology: 'every replica a child process on 127.0.0.1 with its own data directory under the scratch directory; one system runs at a time (etcd first, then ours, for each replica count); the bench process drives all clients',
      putTiming: "each client issues sequential puts until the duration has passed; time until every client's last put returned",
      watchTiming: `one watcher on a prefix (its own client); ${p.watchWriters} writers put N values; from the first put to the watcher's Nth event`,
      failoverTiming: 'SIGKILL the leader; retry a put (deadline per attempt) through a client configured with every replica until one succeeds; restart the replica and wait for health between trials',
      profile: 'one extra 3-replica C=256 put phase of ours with every host under --cpu-prof and the bench process under the inspector profiler; samples outside the phase are dropped',
    },
    measurements,
    ratios,
    notes,
    ...(profiles.length > 0 ? { profile: profiles } : {}),
  } as SuiteOutput
}

/** Ours beside etcd: throughput, p50, p99 per case, with the ratio (> 1: ours better). */
function comparisonTable(p: StoreParameters, byId: ReadonlyMap<string, StoreMeasurement>, ratios: readonly Ratio[]): string {
  const rows: string[][] = []
  const ratio = (id: string) => {
    const r = ratios.find((x) => x.id === id)
    return r ? `${r.value.toFixed(2)}x` : ''
  }
  for (const replicas of p.replicaCounts) {
    for (const c of p.concurrency) {
      const ours = byId.get(putId('ours', replicas, c))
      const etcd = byId.get(putId('etcd', replicas, c))
      if (!ours && !etcd) continue
      rows.push([`put C=${c}, ${replicasLabel(replicas)}`, 'puts/s', ours ? formatNumber(ours.median) : '', etcd ? formatNumber(etcd.median) : '', ratio(`put.c${c}.${replicas}r`)])
      rows.push(['  latency p50', 'ms', ours?.latencyMs ? String(ours.latencyMs.p50) : '', etcd?.latencyMs ? String(etcd.latencyMs.p50) : '', ratio(`put.c${c}.${replicas}r.p50`)])
      rows.push(['  latency p99', 'ms', ours?.latencyMs ? String(ours.latencyMs.p99) : '', etcd?.latencyMs ? String(etcd.latencyMs.p99) : '', ratio(`put.c${c}.${replicas}r.p99`)])
    }
    const ours = byId.get(watchId('ours', replicas))
    const etcd = byId.get(watchId('etcd', replicas))
    if (ours || etcd) rows.push([`watch, ${replicasLabel(replicas)}`, 'events/s', ours ? formatNumber(ours.median) : '', etcd ? formatNumber(etcd.median) : '', ratio(`watch.${replicas}r`)])
  }
  const fo = (key: SystemKey) => byId.get(failoverId(key)) as FailoverMeasurement | undefined
  const [fOurs, fEtcd] = [fo('ours'), fo('etcd')]
  if (fOurs || fEtcd) {
    rows.push(['failover p50, 3 replicas', 'ms', fOurs ? String(fOurs.recoveryMs.p50) : '', fEtcd ? String(fEtcd.recoveryMs.p50) : '', ratio('failover.p50')])
    rows.push(['failover p99, 3 replicas', 'ms', fOurs ? String(fOurs.recoveryMs.p99) : '', fEtcd ? String(fEtcd.recoveryMs.p99) : '', ratio('failover.p99')])
  }
  return [
    'ours vs etcd (ratio > 1: ours better; throughput ours/etcd, latency and failover etcd/ours)',
    table(['case', 'unit', 'ours', 'etcd', 'ratio'], rows, [false, false, true, true, true]),
  ].join('\n')
}

function failoverMeasurement(system: System, trials: readonly FailoverTrial[]): FailoverMeasurement {
  const ms = trials.map((t) => t.recoveryMs)
  return {
    id: failoverId(system.key),
    label: `${system.key} failover 3r (kill→commit)`,
    group: 'failover, 3 replicas (ms, lower is better)',
    series: system.name,
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

// ---- profile ----

interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }; readonly children?: readonly number[] }[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Monotonic clock in µs: the same clock V8 stamps profile samples with (CLOCK_MONOTONIC on Linux). */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n)

/** The part of a profile between two monotonic times (µs); undefined if no sample falls inside. */
function windowProfile(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile | undefined {
  const samples: number[] = []
  const deltas: number[] = []
  let t = profile.startTime
  let last = fromUs
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    if (t < fromUs || t > toUs) continue
    samples.push(profile.samples[i]!)
    deltas.push(t - last)
    last = t
  }
  if (samples.length === 0) return undefined
  return { nodes: profile.nodes, startTime: fromUs, endTime: toUs, samples, timeDeltas: deltas }
}

function report(process: string, s: ProfileSummary, windowMs: number): ProfileReport {
  const busyMs = s.totalMs - s.idleMs
  const keep = (list: readonly { name: string; ms: number }[], n: number) =>
    list.filter((x) => !x.name.startsWith('(idle)')).slice(0, n).map((x) => ({ name: x.name, ms: Math.round(x.ms * 10) / 10 }))
  return { process, windowMs, busyMs: Math.round(busyMs), idleMs: Math.round(s.idleMs), byModule: keep(s.byModule, 12), byFunction: keep(s.byFunction, 25) }
}

/**
 * A fresh 3-replica cluster of ours with every host under `--cpu-prof`; one warm-up C=256 phase,
 * then the profiled one (the bench process profiled through the inspector meanwhile). The hosts
 * write their profiles when stopped; samples outside the phase are dropped.
 */
async function profilePhase(ctx: SuiteContext, p: StoreParameters): Promise<ProfileReport[]> {
  const dir = join(ctx.workDir, 'profile')
  const profDir = (i: number) => join(dir, `prof-${i}`)
  for (let i = 0; i < 3; i++) await mkdir(profDir(i), { recursive: true })
  const cluster = await startActorkubeCluster({ replicas: 3, dir, nodeArgs: (i) => ['--cpu-prof', `--cpu-prof-dir=${profDir(i)}`] })
  let leader: number | undefined
  let fromUs = 0
  let toUs = 0
  let benchProfile: CpuProfile | undefined
  let count = 0
  let seconds = 1
  try {
    const store = await actorkubeStore({ natsUrl: cluster.natsUrl, cluster: cluster.cluster, replicas: cluster.replicaIds, connections: p.connections })
    try {
      await putThroughput(store, { concurrency: 256, durationMs: Math.min(1_000, p.profileDurationMs), prefix: 'bench/profile-warmup/', keySpace: p.keySpace })
      leader = await cluster.leader()
      const session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.start')
      fromUs = monotonicMicros()
      const r = await putThroughput(store, { concurrency: 256, durationMs: p.profileDurationMs, prefix: 'bench/profile/', keySpace: p.keySpace })
      toUs = monotonicMicros()
      benchProfile = (await session.post('Profiler.stop')).profile as unknown as CpuProfile
      session.disconnect()
      count = r.count
      seconds = r.seconds
      const after = await cluster.leader()
      ctx.progress(`profile: ours C=256 3 replicas ${Math.round(count / seconds).toLocaleString('en-US')} puts/s under --cpu-prof; leader #${leader ?? '?'}${after !== leader ? ` (then #${after ?? '?'})` : ''}`)
    } finally {
      await store.close()
    }
  } finally {
    await cluster.stop()
  }
  const windowMs = (toUs - fromUs) / 1000
  const reports: ProfileReport[] = []
  if (benchProfile) {
    const w = windowProfile(benchProfile, benchProfile.startTime, benchProfile.endTime) ?? benchProfile
    reports.push(report('bench process (all 256 clients)', summarizeProfile(w), windowMs))
  }
  for (let i = 0; i < 3; i++) {
    const files = (await readdir(profDir(i))).filter((f) => f.endsWith('.cpuprofile'))
    if (files.length === 0) {
      ctx.progress(`profile: host store-${i} wrote no profile`)
      continue
    }
    const profile = JSON.parse(await readFile(join(profDir(i), files[0]!), 'utf8')) as CpuProfile
    const w = windowProfile(profile, fromUs, toUs)
    if (!w) {
      ctx.progress(`profile: no sample of store-${i} inside the phase (clock mismatch?); skipped`)
      continue
    }
    reports.push(report(`store-${i} host (${i === leader ? 'leader' : 'follower'})`, summarizeProfile(w), windowMs))
  }
  // Leader first, then the bench process, then followers.
  const rank = (r: ProfileReport) => (r.process.includes('leader') ? 0 : r.process.startsWith('bench') ? 1 : 2)
  return reports.sort((a, b) => rank(a) - rank(b))
}

function profileMarkdown(profiles: readonly ProfileReport[]): string {
  const lines = [
    '# Store profile: where the time goes',
    '',
    'Written by `npm run bench -- store` (bench/store/store-suite.ts): one 3-replica, 256-client put',
    'phase of the actorkube store with every host under `node --cpu-prof` and the bench process under',
    "the inspector's profiler; only samples inside the phase count. Percentages are of each process's",
    'busy (non-idle) time. Function names carry `module:line`.',
    '',
  ]
  for (const prof of profiles) {
    const pct = (ms: number) => `${((100 * ms) / Math.max(1, prof.busyMs)).toFixed(1)}%`
    lines.push(`## ${prof.process}`, '', `Window ${(prof.windowMs / 1000).toFixed(1)} s; busy ${prof.busyMs} ms, idle ${prof.idleMs} ms.`, '')
    lines.push('| module | self ms | % busy |', '| --- | ---: | ---: |')
    for (const m of prof.byModule.slice(0, 10)) lines.push(`| \`${m.name}\` | ${m.ms.toFixed(0)} | ${pct(m.ms)} |`)
    lines.push('', '| function (self time) | ms | % busy |', '| --- | ---: | ---: |')
    for (const f of prof.byFunction.slice(0, 20)) lines.push(`| \`${f.name}\` | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`)
    lines.push('')
  }
  return lines.join('\n')
}

const round1 = (n: number) => Math.round(n * 10) / 10
const round = (p: Percentiles): Percentiles => ({ p50: Math.round(p.p50 * 100) / 100, p99: Math.round(p.p99 * 100) / 100 })
