/**
 * The scheduling suite (`npm run bench -- scheduling [--quick]`): scheduler_perf-style scenarios
 * through the real path. Each case gets a fresh `actorkube up --masters 3 --workers 0` (3 masters,
 * each a store replica with fsync, an apiserver and a leader-elected scheduler); the driver
 * (driver.ts) creates the nodes and then the pods over NATS and times each pod from its create to
 * the watch event that shows it bound. Reports pods/s (first create -> last bound), the per-second
 * throughput p50/p99, scheduling latency p50/p99/max, CPU per process, and ours / kube-scheduler's
 * CI floor. One extra SchedulingBasic case at the largest size profiles the scheduler leader's
 * host (V8 CPU profile of the pod phase) into bench/results/scheduling-profile.md.
 */
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summarizeProfile } from '../profile-summary.ts'
import { startApiCluster, type ApiCluster } from '../api/cluster.ts'
import { formatNumber, table } from '../lib/report.ts'
import { leadershipLosses } from '../lib/leadership.ts'
import { sourceState } from '../lib/source.ts'
import { repetition, summarize } from '../lib/stats.ts'
import type { Measurement, Ratio, Suite, SuiteContext, SuiteOutput } from '../lib/suite.ts'
import { runCase, type CaseResult, type DriverOptions } from './driver.ts'
import { caseId, FLOORS, FULL_CASES, GOAL, QUICK_CASES, SCENARIO_DESCRIPTIONS, type Case } from './scenarios.ts'

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))
const PRELOAD = fileURLToPath(new URL('./profile-preload.mjs', import.meta.url))

export interface SchedulingMeasurement extends Measurement {
  readonly scenario: string
  readonly nodes: number
  readonly pods: number
  readonly floor?: number
  readonly latencyMs: CaseResult['latencyMs']
  readonly latencyCdfMs: readonly number[]
  readonly throughputPerSecond: CaseResult['throughput']
  readonly details: Omit<CaseResult, 'latencyMs' | 'latencyCdfMs' | 'throughput' | 'case' | 'cpuSeconds'> & { readonly schedulerLeadershipLosses: number }
}

const DRIVER = { nodeConcurrency: 64, podConcurrency: 128, connections: 4 }

export const schedulingSuite: Suite = {
  name: 'scheduling',
  description: 'scheduler_perf-style scenarios through `actorkube up`: pods/s create->bound, latency p50/p99, vs kube-scheduler CI floors',
  run: runScheduling,
}

async function runScheduling(ctx: SuiteContext): Promise<SuiteOutput> {
  const wanted = (id: string) => ctx.only === undefined || id.includes(ctx.only)
  const cases = (ctx.quick ? QUICK_CASES : FULL_CASES).filter((c) => wanted(caseId(c)))
  const profileCase: Case = ctx.quick ? { scenario: 'SchedulingBasic', nodes: 500, pods: 1_000 } : { scenario: GOAL.scenario, nodes: GOAL.nodes, pods: GOAL.pods }
  const profiling = wanted(`profile.${caseId(profileCase)}`)
  const measurements: SchedulingMeasurement[] = []
  const notes: string[] = []
  const loadSamples: number[] = [round2(loadavg()[0]!)]
  const sampler = setInterval(() => loadSamples.push(round2(loadavg()[0]!)), 15_000)
  const stallMs = ctx.quick ? 30_000 : 60_000
  let profileInfo: Record<string, unknown> | undefined
  try {
    let k = 0
    for (const c of cases) {
      k++
      ctx.progress(`case ${k}/${cases.length}: ${c.scenario}, ${c.nodes} nodes, ${c.pods} pods: starting actorkube up`)
      const dir = join(ctx.workDir, `case-${k}`)
      const r = await withCluster(dir, ctx, (cluster) => runCase(cluster, c, { ...DRIVER, stallMs, progress: ctx.progress }))
      const losses = await leadershipLosses(join(dir, 'state', 'logs'))
      if (losses > 0) ctx.progress(`  the scheduler lost its leadership ${losses} times during the case (hosts' "lost leadership" log lines for the kube-scheduler Lease)`)
      ctx.progress(
        `case ${k}/${cases.length}: ${c.scenario} ${c.nodes}n/${c.pods}p: ${formatNumber(r.podsPerSecond)} pods/s (${r.bound}/${r.created} bound in ${r.seconds.toFixed(1)} s; ` +
          `latency p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms max ${r.latencyMs.max} ms${r.timedOut ? '; STALLED' : ''}${r.createFailures ? `; ${r.createFailures} creates failed: ${r.createErrors[0]}` : ''})`,
      )
      measurements.push(toMeasurement(r, losses))
      // Each case as it completes, for a run that does not get to the end (kept with --keep).
      await appendFile(join(ctx.workDir, 'cases.jsonl'), `${JSON.stringify(measurements.at(-1))}\n`)
    }
    if (profiling) {
      ctx.progress(`profile: ${caseId(profileCase)} with the scheduler leader's host under the V8 CPU profiler`)
      const dir = join(ctx.workDir, 'profile')
      const profDir = join(dir, 'cpuprofiles')
      await mkdir(profDir, { recursive: true })
      const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, AK_SCHED_PROFILE_DIR: process.env.AK_SCHED_PROFILE_DIR }
      process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --import ${PRELOAD}`.trim()
      process.env.AK_SCHED_PROFILE_DIR = profDir
      let started: Promise<ApiCluster> | undefined
      try {
        started = startApiCluster(dir)
        // Only `up` and the hosts it spawns inherit the profiler preload.
        await new Promise((resolve) => setTimeout(resolve, 1_000))
      } finally {
        restoreEnv(saved)
      }
      const cluster = await started
      try {
        let leaderPid: number | undefined
        const options: DriverOptions = {
          ...DRIVER,
          stallMs,
          progress: ctx.progress,
          beforePods: async (_host, pid) => {
            leaderPid = pid
            if (pid !== undefined) process.kill(pid, 'SIGUSR2')
          },
          afterPods: async (_host, pid) => {
            if (pid !== undefined) process.kill(pid, 'SIGUSR2')
          },
        }
        const r = await runCase(cluster, profileCase, options)
        const file = join(profDir, `${leaderPid}.cpuprofile`)
        const deadline = performance.now() + 30_000
        while (!(await readdir(profDir)).includes(`${leaderPid}.cpuprofile`) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
        const profile = JSON.parse(await readFile(file, 'utf8')) as Parameters<typeof summarizeProfile>[0]
        const md = profileMarkdown(r, summarizeProfile(profile), ctx.quick)
        const out = join(RESULTS_DIR, `scheduling-profile${ctx.quick ? '.quick' : ctx.only ? '.partial' : ''}.md`)
        await writeFile(out, md)
        ctx.progress(`profile: ${formatNumber(r.podsPerSecond)} pods/s under the profiler (leader ${r.leader}); wrote ${out}`)
        profileInfo = { case: profileCase, leader: r.leader, bound: r.bound, created: r.created, timedOut: r.timedOut, podsPerSecond: r.podsPerSecond, latencyMs: r.latencyMs, file: out }
      } finally {
        await cluster.stop()
      }
    }
  } finally {
    clearInterval(sampler)
    loadSamples.push(round2(loadavg()[0]!))
  }
  if (measurements.length === 0 && !profileInfo) throw new RangeError(`--only=${ctx.only} matches no case`)

  const ratios: Ratio[] = []
  for (const m of measurements) {
    if (m.floor === undefined) continue
    const headline = m.scenario === GOAL.scenario && m.nodes === GOAL.nodes && m.pods === GOAL.pods
    ratios.push({
      id: `${m.id}.vs-floor`,
      label: `${m.scenario} ${m.nodes}n/${m.pods}p ours / kube-scheduler floor ${m.floor}${m.details.unbound > 0 ? ` (incomplete: ${m.details.bound} of ${m.details.created} bound)` : ''}`,
      numerator: m.id,
      denominator: `kube-scheduler-floor:${m.scenario}`,
      value: m.median / m.floor,
      ...(headline ? { goal: round2(GOAL.podsPerSecond / m.floor), met: m.median >= GOAL.podsPerSecond } : {}),
    })
  }
  const cores = availableParallelism()
  notes.push(
    `kube-scheduler floors: scheduler_perf performance-config.yaml thresholds at 5,000 nodes (SchedulingBasic 680, NodeAffinity 220, PodAntiAffinity 60 pods/s; TopologySpread: 680 assumed, no source at hand). They apply to the 5,000-node workloads; smaller sizes are compared with the same number. Goal: SchedulingBasic 5,000 nodes / 10,000 pods >= ${GOAL.podsPerSecond} pods/s (${round2(GOAL.podsPerSecond / 680)}x the floor).`,
    'kube-scheduler runs scheduler_perf with an in-process apiserver on a large CI machine and counts pods scheduled per second (the scheduler\'s own metric); here every pod goes through a 3-replica fsync store, an apiserver, NATS and a watch back to the driver, on one machine with the driver on it.',
    `1-minute load average every 15 s during the run: ${loadSamples.join(', ')} (${cores} cores).`,
  )
  const source = sourceState()
  if (source && source.uncommittedProductFiles.length > 0) {
    notes.push(`measured the working tree at ${source.commit.slice(0, 10)} with uncommitted product changes by other work in progress: ${source.uncommittedProductFiles.join(', ')}`)
  }
  for (const m of measurements) {
    if (m.details.schedulerLeadershipLosses > 0) notes.push(`${m.label}: the scheduler lost its leadership ${m.details.schedulerLeadershipLosses} times during the case (every loss stops the engine; the next leader relists nodes and pods)`)
    if (m.details.unbound > 0) notes.push(`${m.label}: ${m.details.unbound} of ${m.details.created} pods never seen bound${m.details.timedOut ? ` (gave up after ${stallMs / 1000} s without progress)` : ''}`)
    if (m.details.createFailures > 0) notes.push(`${m.label}: ${m.details.createFailures} pod creates failed: ${m.details.createErrors.join('; ')}`)
  }
  process.stdout.write(`\n${resultsTable(measurements)}\n\n`)
  return {
    parameters: {
      system: 'actorkube up --masters 3 --workers 0 --api-port 0 --status-interval 0: nats-server + 3 master hosts, each a store replica (fsync on), an apiserver and a leader-elected scheduler; a fresh cluster per case',
      driver: `ApiClient over NATS from the bench process: ${DRIVER.connections} connections round robin; nodes created ${DRIVER.nodeConcurrency} in flight, then (after the scheduler Lease has a holder and 2 s for its node watch) pods ${DRIVER.podConcurrency} in flight; one pod watch on the namespace`,
      timing: 'per pod: the create call is sent -> the watch event showing spec.nodeName arrives. pods/s: bound pods / (first create sent -> last pod seen bound). throughput p50/p99: pods bound in each whole second from the first pod bound (the last, partial second left out).',
      source,
      node: 'allocatable cpu 4, memory 32Gi, pods 110; labels kubernetes.io/hostname, topology.kubernetes.io/zone (10 zones, round robin), Ready=True',
      pod: 'one container requesting 100m CPU, 500Mi memory',
      scenarios: SCENARIO_DESCRIPTIONS,
      cases: cases.map((c) => ({ ...c, id: caseId(c) })),
      floors: FLOORS,
      goal: GOAL,
      stallMs,
      profile: profileInfo,
      loadAverageSamples: loadSamples,
    },
    measurements,
    ratios,
    notes,
  }
}

async function withCluster<T>(dir: string, ctx: SuiteContext, body: (cluster: ApiCluster) => Promise<T>): Promise<T> {
  const t = performance.now()
  const cluster = await startApiCluster(dir)
  ctx.progress(`  actorkube up ready in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  try {
    return await body(cluster)
  } finally {
    await cluster.stop()
  }
}

function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
}

function toMeasurement(r: CaseResult, schedulerLeadershipLosses: number): SchedulingMeasurement {
  const c = r.case
  const base = summarize(
    { id: caseId(c), label: `${c.scenario} ${c.nodes} nodes / ${c.pods} pods`, group: c.scenario, series: `${c.nodes} nodes`, unit: 'pods/s' },
    [],
    // No pod bound: rate 0 and no CPU per pod (it would divide by zero).
    [repetition(r.bound, r.seconds > 0 ? r.seconds : 0.001, r.bound > 0 ? r.cpuSeconds : undefined)],
  )
  const { latencyMs, latencyCdfMs, throughput, case: _c, cpuSeconds: _cpu, ...details } = r
  const floor = FLOORS[c.scenario]
  return {
    ...base,
    scenario: c.scenario,
    nodes: c.nodes,
    pods: c.pods,
    ...(floor !== undefined ? { floor } : {}),
    latencyMs,
    latencyCdfMs,
    throughputPerSecond: throughput,
    details: { ...details, schedulerLeadershipLosses },
  }
}

export function resultsTable(ms: readonly SchedulingMeasurement[]): string {
  return table(
    ['scenario', 'nodes', 'pods', 'pods/s', 'per-s p50 / p99', 'latency p50 / p99 / max ms', 'floor', 'ours/floor', 'unbound'],
    ms.map((m) => [
      m.scenario,
      formatNumber(m.nodes),
      formatNumber(m.pods),
      formatNumber(m.median),
      `${m.throughputPerSecond.p50} / ${m.throughputPerSecond.p99}`,
      `${formatNumber(m.latencyMs.p50)} / ${formatNumber(m.latencyMs.p99)} / ${formatNumber(m.latencyMs.max)}`,
      m.floor === undefined ? '' : String(m.floor),
      m.floor === undefined ? '' : `${(m.median / m.floor).toFixed(2)}x`,
      String(m.details.unbound),
    ]),
    [false, true, true, true, true, true, true, true, true],
  )
}

type Summary = ReturnType<typeof summarizeProfile>

/** Coarse areas of the host: which component a module belongs to. */
function areaOf(module: string): string {
  if (module.startsWith('actors/scheduler/') || module.startsWith('runtime/scheduler/')) return 'scheduler (framework, plugins, queue, cache, engine)'
  if (module.startsWith('actors/store/') || module.startsWith('runtime/store/') || module.startsWith('runtime/disk/')) return 'store replica (raft, mvcc, WAL)'
  if (module.startsWith('actors/apiserver/') || module.startsWith('runtime/apiserver/')) return 'apiserver + ApiClient (handlers, watches)'
  if (module === 'msgpackr' || module === 'runtime/codec.ts') return 'msgpack encode/decode'
  if (module.startsWith('@nats-io/') || module.startsWith('runtime/transport/') || module.startsWith('runtime/host/')) return 'NATS client + host network'
  if (module === 'xstate' || module.startsWith('actors/kit/')) return 'xstate actors'
  if (module === '(garbage collector)') return 'garbage collector'
  if (module === 'node:internal' || module === '(native/vm)' || module === '(program)') return 'node internals / native'
  return 'other'
}

export function profileMarkdown(r: CaseResult, s: Summary, quick: boolean): string {
  const busy = s.totalMs - s.idleMs
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`
  const areas = new Map<string, number>()
  for (const m of s.byModule) if (m.name !== '(idle)') areas.set(areaOf(m.name), (areas.get(areaOf(m.name)) ?? 0) + m.ms)
  const rows = (items: readonly { name: string; ms: number }[], n: number) => items.slice(0, n).map((x) => `| \`${x.name}\` | ${Math.round(x.ms)} | ${pct(x.ms)} |`)
  // The project's own functions, with what they call (the rows overlap: a caller includes its callees).
  const inclusive = s.inclusive.filter((f) => / (actors|runtime)\//.test(f.name)).slice(0, 25)
  const c = r.case
  return [
    '# Scheduling profile: where the scheduler leader\'s time goes',
    '',
    `Written by \`npm run bench -- scheduling${quick ? ' --quick' : ''}\` (bench/scheduling/suite.ts): ${c.scenario}, ${c.nodes} nodes, ${c.pods} pods on a fresh`,
    '`actorkube up` whose processes load bench/scheduling/profile-preload.mjs; the V8 CPU profiler (0.5 ms sampling)',
    `runs in the scheduler leader's host (${r.leader}) from the first pod create to the last pod bound. That host is also a`,
    'store replica and an apiserver, so its profile holds all three. Percentages are of the busy (non-idle) time.',
    `Function names carry \`module:line\`. Under the profiler: ${r.bound} of ${r.created} pods bound${r.timedOut ? ' before the run stalled (no bind for the stall timeout; the window ends there)' : ''}, ${formatNumber(r.podsPerSecond)} pods/s while binding, latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms.`,
    '',
    `Window ${(s.totalMs / 1000).toFixed(1)} s; busy ${Math.round(busy)} ms (${((100 * busy) / s.totalMs).toFixed(0)}% of one core), idle ${Math.round(s.idleMs)} ms.`,
    '',
    '| area | self ms | % busy |',
    '| --- | ---: | ---: |',
    ...[...areas].sort((a, b) => b[1] - a[1]).map(([name, ms]) => `| ${name} | ${Math.round(ms)} | ${pct(ms)} |`),
    '',
    '| module | self ms | % busy |',
    '| --- | ---: | ---: |',
    ...rows(s.byModule.filter((m) => m.name !== '(idle)'), 20),
    '',
    '| function (self time) | ms | % busy |',
    '| --- | ---: | ---: |',
    ...rows(s.byFunction.filter((f) => !f.name.startsWith('(idle)')), 30),
    '',
    '| function (inclusive: with callees) | ms | % busy |',
    '| --- | ---: | ---: |',
    ...rows(inclusive, 25),
    '',
  ].join('\n')
}

const round2 = (n: number) => Math.round(n * 100) / 100
