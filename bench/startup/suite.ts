/**
 * The startup suite (`npm run bench -- startup [--quick] [--only=TEXT]`): pod startup latency
 * and memory on hollow nodes, through the real path (NATS, 3 apiservers, 3 store replicas with
 * fsync, the leader-elected scheduler, the `hollow-1` host's kubelet and its pod actors).
 *
 * 1. latency: a fresh `actorkube up --workers 0 --hollow-nodes 1000`; once every node is Ready,
 *    pods are created at 20, 100 and 500 pods/s (a namespace per rate) and each is timed from
 *    its create call to the pod watch events showing it scheduled, Running and Ready.
 * 2. scale: a fresh cluster with 5,000 hollow nodes; pods stepped up (10k, 25k, 50k...) until
 *    the time budget, the machine's memory or a step that does not get every pod Running stops
 *    it. RSS of the hollow host and the masters (/proc VmRSS) at 0 pods and after every step.
 */
import { readFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { startApiCluster, type ApiCluster } from '../api/cluster.ts'
import { leadershipLosses } from '../lib/leadership.ts'
import { formatNumber, table } from '../lib/report.ts'
import { sourceState } from '../lib/source.ts'
import { repetition, summarize } from '../lib/stats.ts'
import type { Measurement, Ratio, Suite, SuiteContext, SuiteOutput } from '../lib/suite.ts'
import { CONNECTIONS, FULL, GOALS, MAX_IN_FLIGHT, MIN_AVAILABLE_BYTES, MIN_READY_SHARE, memoryId, QUICK, scaleId, waveId, type Plan } from './cases.ts'
import { connectDriver, POD_REQUESTS, runWave, sampleMemory, waitForNodesReady, type Driver, type MemorySample, type WaveResult } from './driver.ts'

export interface WaveMeasurement extends Measurement {
  readonly kind: 'latency' | 'scale'
  readonly nodes: number
  /** Pods in the cluster once this wave was done (this wave's and the earlier ones'). */
  readonly podsTotal: number
  readonly latencyMs: WaveResult['latencyMs']
  readonly runningCdfMs: readonly number[]
  readonly memory: MemorySample
  readonly details: Omit<WaveResult, 'latencyMs' | 'runningCdfMs' | 'cpuSeconds'> & {
    /** "lost leadership" log lines for the kube-scheduler Lease during the wave (each loss stops scheduling until the next leader has relisted). */
    readonly schedulerLeadershipLosses: number
    /** The same for the kube-controller-manager Lease. */
    readonly controllerManagerLeadershipLosses: number
  }
}

export interface MemoryMeasurement extends Measurement {
  readonly kind: 'memory'
  readonly nodes: number
  readonly podsTotal: 0
  readonly memory: MemorySample
  /** Time from `up` ready to every hollow node Ready. */
  readonly nodesReadySeconds: number
  readonly nodesReady: number
}

type StartupMeasurement = WaveMeasurement | MemoryMeasurement

export const startupSuite: Suite = {
  name: 'startup',
  description: 'pod startup latency (create -> Running/Ready via watch) on hollow nodes at 20/100/500 pods/s, memory per node and per pod, the largest cluster reached',
  run: runStartup,
}

const MiB = 1024 * 1024
const round2 = (n: number) => Math.round(n * 100) / 100
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function memAvailableBytes(): number {
  try {
    const kb = Number(readFileSync('/proc/meminfo', 'utf8').match(/^MemAvailable:\s+(\d+) kB/m)?.[1])
    return Number.isFinite(kb) ? kb * 1024 : Infinity
  } catch {
    return Infinity
  }
}

async function runStartup(ctx: SuiteContext): Promise<SuiteOutput> {
  const plan: Plan = ctx.quick ? QUICK : FULL
  const wanted = (id: string) => ctx.only === undefined || id.includes(ctx.only)
  const measurements: StartupMeasurement[] = []
  const notes: string[] = []
  const loadSamples: number[] = [round2(loadavg()[0]!)]
  const sampler = setInterval(() => loadSamples.push(round2(loadavg()[0]!)), 15_000)
  const scaleLog: string[] = []
  /** Waves that failed outright (the driver could not start them): reported, not hidden. */
  const failures: string[] = []
  const record = async (m: StartupMeasurement) => {
    measurements.push(m)
    await appendFile(join(ctx.workDir, 'cases.jsonl'), `${JSON.stringify(m)}\n`)
  }
  const waveOptions = (cluster: ApiCluster, label: string) => ({
    maxInFlight: MAX_IN_FLIGHT,
    stallMs: plan.stallMs,
    drainTimeoutMs: plan.drainTimeoutMs,
    progress: ctx.progress,
    pids: cluster.pids(),
    label,
  })

  try {
    // 1. Latency at steady rates.
    const lat = plan.latency
    const waves = lat.waves.filter((w) => wanted(waveId(lat.nodes, w)))
    if (waves.length > 0 || wanted(memoryId(lat.nodes))) {
      ctx.progress(`latency: actorkube up with ${lat.nodes} hollow nodes`)
      await withCluster(join(ctx.workDir, 'latency'), lat.nodes, ctx, async (cluster, driver) => {
        const base = await nodesAndBaseline(cluster, driver, lat.nodes, plan, ctx)
        await record(base)
        if (base.nodesReady < lat.nodes) return
        let podsTotal = 0
        for (const w of waves) {
          const id = waveId(lat.nodes, w)
          const pods = w.rate * w.seconds
          ctx.progress(`${id}: ${pods} pods at ${w.rate}/s`)
          const r = await timedWave(cluster, () => runWave(driver, { ...waveOptions(cluster, id), namespace: `startup-${w.rate}pps`, pods, rate: w.rate })).catch((error: unknown) => {
            failures.push(`${id}: ${String(error)}`)
            return undefined
          })
          if (!r) continue
          podsTotal += r.created
          await sleep(2_000)
          const m = toWaveMeasurement('latency', id, `${w.rate} pods/s on ${formatNumber(lat.nodes)} nodes`, lat.nodes, podsTotal, r, sampleMemory(cluster.pids()))
          ctx.progress(waveLine(m))
          await record(m)
        }
      })
    }

    // 2 and 3. Memory per node and per pod; the largest cluster within the budget.
    const sc = plan.scale
    const steps = sc.steps.filter((p) => wanted(scaleId(sc.nodes, p)))
    if (steps.length > 0 || wanted(memoryId(sc.nodes))) {
      ctx.progress(`scale: actorkube up with ${sc.nodes} hollow nodes; pod steps ${sc.steps.join(', ')} within ${sc.budgetSeconds} s`)
      const t0 = performance.now()
      await withCluster(join(ctx.workDir, 'scale'), sc.nodes, ctx, async (cluster, driver) => {
        const base = await nodesAndBaseline(cluster, driver, sc.nodes, plan, ctx)
        await record(base)
        if (base.nodesReady < sc.nodes * MIN_READY_SHARE) {
          scaleLog.push(`only ${base.nodesReady} of ${sc.nodes} nodes Ready after ${plan.nodesReadyTimeoutMs / 1000} s: no pods created`)
          return
        }
        if (base.nodesReady < sc.nodes) scaleLog.push(`${base.nodesReady} of ${sc.nodes} nodes Ready after ${plan.nodesReadyTimeoutMs / 1000} s; the pod steps ran on those (at least ${MIN_READY_SHARE * 100}% needed)`)
        let podsTotal = 0
        let lastRate = sc.rate
        let k = 0
        for (const target of sc.steps) {
          // With --only, the steps before the wanted one still run (they build up the pods).
          if (!sc.steps.slice(sc.steps.indexOf(target)).some((p) => steps.includes(p))) break
          k++
          const pods = target - podsTotal
          const elapsed = (performance.now() - t0) / 1000
          const left = sc.budgetSeconds - elapsed
          const estimate = pods / Math.max(1, lastRate)
          if (estimate > left) {
            scaleLog.push(`step to ${formatNumber(target)} pods not started: about ${Math.round(estimate)} s at the last step's ${formatNumber(lastRate)} pods/s, ${Math.max(0, Math.round(left))} s of the ${sc.budgetSeconds} s budget left`)
            break
          }
          const available = memAvailableBytes()
          const last = measurements.at(-1)!
          const perPod = podsTotal > 0 ? Math.max(0, (last.memory.totalBytes - base.memory.totalBytes) / podsTotal) : 0
          if (available - perPod * pods < MIN_AVAILABLE_BYTES) {
            scaleLog.push(`step to ${formatNumber(target)} pods not started: the machine has ${formatNumber(available / MiB)} MiB available and the step would take about ${formatNumber((perPod * pods) / MiB)} MiB more (keeping ${MIN_AVAILABLE_BYTES / 1024 ** 3} GiB free)`)
            break
          }
          const id = scaleId(sc.nodes, target)
          ctx.progress(`${id}: ${pods} more pods at ${sc.rate}/s (${Math.round(left)} s of the budget left, MemAvailable ${formatNumber(available / MiB)} MiB)`)
          const r = await timedWave(cluster, () => runWave(driver, { ...waveOptions(cluster, id), namespace: `scale-${k}`, pods, rate: sc.rate })).catch((error: unknown) => {
            failures.push(`${id}: ${String(error)}`)
            return undefined
          })
          if (!r) break
          podsTotal += r.created
          await sleep(2_000)
          const m = toWaveMeasurement('scale', id, `${formatNumber(sc.nodes)} nodes, ${formatNumber(target)} pods`, sc.nodes, podsTotal, r, sampleMemory(cluster.pids()))
          ctx.progress(waveLine(m))
          await record(m)
          if (r.achievedCreateRate > 0) lastRate = Math.min(sc.rate, r.runningPerSecond > 0 ? r.runningPerSecond : r.achievedCreateRate)
          if (r.timedOut || r.running < r.pods) {
            scaleLog.push(`step to ${formatNumber(target)} pods incomplete: ${r.running} of ${r.pods} Running${r.timeoutReason ? ` (${r.timeoutReason})` : ''}; no further steps`)
            break
          }
        }
      })
    }
  } finally {
    clearInterval(sampler)
    loadSamples.push(round2(loadavg()[0]!))
  }
  if (measurements.length === 0) throw new RangeError(`--only=${ctx.only} matches no case`)

  const derived = derive(measurements, plan)
  const ratios = goalRatios(measurements, plan, derived)
  notes.push(...scaleLog.map((l) => `scale: ${l}`), ...failures.map((f) => `FAILED: ${f}`))
  for (const m of measurements) {
    if (m.kind === 'memory') {
      if (m.nodesReady < m.nodes) notes.push(`${m.label}: only ${m.nodesReady} of ${m.nodes} nodes Ready after ${plan.nodesReadyTimeoutMs / 1000} s`)
      continue
    }
    const d = m.details
    if (d.running < d.created || d.ready < d.created) notes.push(`${m.label}: ${d.running} of ${d.created} pods Running, ${d.ready} Ready, ${d.scheduled} scheduled${d.timeoutReason ? ` (gave up: ${d.timeoutReason})` : ''}`)
    if (d.schedulerLeadershipLosses > 0) notes.push(`${m.label}: the scheduler lost its leadership ${d.schedulerLeadershipLosses} times during the wave (its 2 s Lease was not renewed within 1.5 s; every loss stops scheduling until the next leader has relisted)`)
    if (d.controllerManagerLeadershipLosses > 0) notes.push(`${m.label}: the controller manager lost its leadership ${d.controllerManagerLeadershipLosses} times during the wave`)
    if (d.throttled > 0) notes.push(`${m.label}: the apiservers' flow control answered ${int(d.throttled)} calls 429 TooManyRequests; the driver sent them again after their Retry-After`)
    if (d.createFailures > 0) notes.push(`${m.label}: ${d.createFailures} creates failed: ${d.createErrors.join('; ')}`)
    if (d.achievedCreateRate < 0.95 * d.targetRate) {
      notes.push(`${m.label}: the path did not keep up with ${d.targetRate} creates/s: ${formatNumber(d.achievedCreateRate)}/s achieved, up to ${int(d.backlog.maxPods)} creates due but not sent (${MAX_IN_FLIGHT} in flight), the last sent ${d.backlog.lastSendLateSeconds} s late`)
    }
  }
  if (derived.largest) notes.push(`largest cluster with every pod Running: ${formatNumber(derived.largest.nodesReady)} nodes Ready (of ${formatNumber(derived.largest.nodes)}), ${formatNumber(derived.largest.pods)} pods, cluster RSS ${formatNumber(derived.largest.totalBytes / MiB)} MiB`)
  if (derived.projected150k !== undefined) {
    notes.push(`linear projection to ${formatNumber(GOALS.nodes)} nodes / ${formatNumber(GOALS.pods)} pods from the per-pod slopes: ${formatNumber(derived.projected150k / MiB)} MiB in all (goal ${GOALS.memoryBytes / MiB} MiB); a projection, not a measurement`)
  }
  const source = sourceState()
  if (source && source.uncommittedProductFiles.length > 0) {
    notes.push(`measured the working tree at ${source.commit.slice(0, 10)} with uncommitted product changes by other work in progress: ${source.uncommittedProductFiles.join(', ')}`)
  }
  notes.push(
    'latency is timed in the driver: the create call sent -> the first pod watch event showing spec.nodeName / status.phase=Running / condition Ready=True. Kubernetes\' pod startup SLI starts at the pod\'s creationTimestamp (here: slightly earlier, the send) and ends at the watch seeing it running.',
    `1-minute load average every 15 s during the run: ${loadSamples.join(', ')} (${availableParallelism()} cores).`,
  )
  process.stdout.write(`\n${wavesTable(measurements)}\n\n${memoryTable(measurements, derived)}\n\n`)
  return {
    parameters: {
      system: 'actorkube up --masters 3 --workers 0 --hollow-nodes N --api-port 0 --status-interval 0: nats-server, 3 master hosts (store replica with fsync, apiserver, scheduler, controller manager each) and hollow-1 (one kubelet actor carrying N hollow nodes: 4 CPU / 8Gi / 110 pods, 40 s lease renewed every 10 s); a fresh cluster for latency and one for scale',
      driver: `ApiClient over NATS from the bench process: ${CONNECTIONS} connections round robin for creates (at most ${MAX_IN_FLIGHT} in flight, paced: the i-th create is due i/rate s after the first), one more for the watches (all nodes until N are Ready; then one pod watch per wave on its namespace)`,
      pod: `bare pod, one container, requests cpu ${POD_REQUESTS.cpu} / memory ${POD_REQUESTS.memory}; no hollow annotations (starts at once, Ready without probes)`,
      memory: 'VmRSS (and VmHWM peak) from /proc/<pid>/status of hollow-1\'s host (the process whose args hold hosts/hollow-1.yaml), the masters, nats-server and up; sampled 2 s after a wave ends',
      source,
      plan,
      goals: GOALS,
      minAvailableBytes: MIN_AVAILABLE_BYTES,
      derived,
      loadAverageSamples: loadSamples,
      failures,
    },
    measurements,
    ratios,
    notes,
  }
}

/** A fresh cluster with `nodes` hollow nodes and a driver on it; stopped (SIGTERM, then SIGKILL of its state dir's processes) whatever happens. */
async function withCluster(dir: string, nodes: number, ctx: SuiteContext, body: (cluster: ApiCluster, driver: Driver) => Promise<void>): Promise<void> {
  const t = performance.now()
  const cluster = await startApiCluster(dir, 180_000, ['--hollow-nodes', String(nodes)])
  try {
    ctx.progress(`  actorkube up ready in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    const driver = await connectDriver(cluster, CONNECTIONS)
    try {
      await body(cluster, driver)
    } finally {
      await driver.close()
    }
  } finally {
    await cluster.stop()
  }
}

async function nodesAndBaseline(cluster: ApiCluster, driver: Driver, nodes: number, plan: Plan, ctx: SuiteContext): Promise<MemoryMeasurement> {
  const w = await waitForNodesReady(driver, nodes, plan.nodesReadyTimeoutMs, ctx.progress)
  ctx.progress(`  ${w.ready}/${nodes} nodes Ready ${w.seconds.toFixed(1)} s after up was ready${w.timedOut ? ' (TIMED OUT)' : ''}`)
  // Let the registration burst settle before reading memory.
  await sleep(5_000)
  const memory = sampleMemory(cluster.pids())
  ctx.progress(`  ${memoryId(nodes)}: hollow-1 ${formatNumber(memory.hollowBytes / MiB)} MiB, masters ${formatNumber(memory.mastersBytes / MiB)} MiB, all ${formatNumber(memory.totalBytes / MiB)} MiB`)
  const hollowMiB = memory.hollowBytes / MiB
  return {
    id: memoryId(nodes),
    label: `hollow-1 RSS, ${formatNumber(nodes)} nodes, 0 pods`,
    group: 'memory',
    series: `${nodes} nodes`,
    unit: 'MiB RSS',
    warmup: [],
    repetitions: [],
    median: hollowMiB,
    min: hollowMiB,
    max: hollowMiB,
    kind: 'memory',
    nodes,
    podsTotal: 0,
    memory,
    nodesReadySeconds: round2(w.seconds),
    nodesReady: w.ready,
  }
}

interface LeadershipLosses {
  readonly schedulerLeadershipLosses: number
  readonly controllerManagerLeadershipLosses: number
}

/** A wave and the scheduler's and controller manager's leadership losses the hosts logged meanwhile. */
async function timedWave(cluster: ApiCluster, wave: () => Promise<WaveResult>): Promise<WaveResult & LeadershipLosses> {
  const logs = join(cluster.stateDir, 'logs')
  const losses = () => Promise.all([leadershipLosses(logs, 'kube-scheduler'), leadershipLosses(logs, 'kube-controller-manager')])
  const [scheduler, controllerManager] = await losses()
  const r = await wave()
  const [schedulerAfter, controllerManagerAfter] = await losses()
  return { ...r, schedulerLeadershipLosses: schedulerAfter - scheduler, controllerManagerLeadershipLosses: controllerManagerAfter - controllerManager }
}

function toWaveMeasurement(kind: 'latency' | 'scale', id: string, label: string, nodes: number, podsTotal: number, r: WaveResult & LeadershipLosses, memory: MemorySample): WaveMeasurement {
  const base = summarize(
    { id, label, group: kind, series: `${nodes} nodes`, unit: 'pods Running/s' },
    [],
    [repetition(r.running, r.seconds > 0 ? r.seconds : 0.001, r.running > 0 ? r.cpuSeconds : undefined)],
  )
  const { latencyMs, runningCdfMs, cpuSeconds: _cpu, ...details } = r
  return { ...base, kind, nodes, podsTotal, latencyMs, runningCdfMs, memory, details }
}

function waveLine(m: WaveMeasurement): string {
  const d = m.details
  const l = m.latencyMs
  return (
    `${m.id}: created ${d.created}/${d.pods} at ${formatNumber(d.achievedCreateRate)}/s (asked ${d.targetRate}/s, max backlog ${d.backlog.maxPods}); Running ${d.running}, Ready ${d.ready}; ` +
    `create->Running p50 ${l.createToRunning.p50} p90 ${l.createToRunning.p90} p99 ${l.createToRunning.p99} max ${l.createToRunning.max} ms; hollow-1 ${formatNumber(m.memory.hollowBytes / MiB)} MiB` +
    `; leadership lost: scheduler ${d.schedulerLeadershipLosses}, controller manager ${d.controllerManagerLeadershipLosses} times; ${d.throttled} calls throttled (429)${d.timedOut ? `; TIMED OUT (${d.timeoutReason})` : ''}`
  )
}

export interface Derived {
  /** (hollow RSS at the larger node count - at the smaller) / node difference, both at 0 pods. */
  readonly hollowBytesPerNode?: number
  /** Least-squares slopes of RSS against pods in the cluster, over the scale cluster's samples. */
  readonly hollowBytesPerPod?: number
  readonly mastersBytesPerPod?: number
  readonly totalBytesPerPod?: number
  /** The largest step with every pod Running. */
  readonly largest?: { readonly nodes: number; readonly nodesReady: number; readonly pods: number; readonly totalBytes: number; readonly hollowBytes: number; readonly mastersBytes: number }
  /** Total RSS projected to the goal's pods (a projection from the slopes). */
  readonly projected150k?: number
}

function slope(points: readonly (readonly [number, number])[]): number | undefined {
  if (points.length < 2) return undefined
  const mx = points.reduce((a, p) => a + p[0], 0) / points.length
  const my = points.reduce((a, p) => a + p[1], 0) / points.length
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0)
  if (sxx === 0) return undefined
  return Math.round(points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx)
}

function derive(ms: readonly StartupMeasurement[], plan: Plan): Derived {
  const bases = ms.filter((m): m is MemoryMeasurement => m.kind === 'memory').sort((a, b) => a.nodes - b.nodes)
  const lo = bases[0]
  const hi = bases.at(-1)
  const hollowBytesPerNode = lo && hi && hi.nodes > lo.nodes ? Math.round((hi.memory.hollowBytes - lo.memory.hollowBytes) / (hi.nodes - lo.nodes)) : undefined
  // Per pod: the scale cluster's samples (0 pods and every step); else the latency cluster's.
  const series = (nodes: number) => ms.filter((m) => m.nodes === nodes && (m.kind === 'memory' || m.kind === 'scale' || m.kind === 'latency'))
  const samples = series(plan.scale.nodes).length >= 2 ? series(plan.scale.nodes) : series(plan.latency.nodes)
  const fit = (pick: (s: MemorySample) => number) => slope(samples.map((m) => [m.podsTotal, pick(m.memory)] as const))
  const hollowBytesPerPod = fit((s) => s.hollowBytes)
  const mastersBytesPerPod = fit((s) => s.mastersBytes)
  const totalBytesPerPod = fit((s) => s.totalBytes)
  const complete = ms.filter((m): m is WaveMeasurement => m.kind === 'scale' && m.details.running === m.details.pods && m.details.ready === m.details.pods)
  const top = complete.at(-1)
  const nodesReady = (nodes: number) => bases.find((b) => b.nodes === nodes)?.nodesReady ?? nodes
  const largest = top ? { nodes: top.nodes, nodesReady: nodesReady(top.nodes), pods: top.podsTotal, totalBytes: top.memory.totalBytes, hollowBytes: top.memory.hollowBytes, mastersBytes: top.memory.mastersBytes } : undefined
  const scaleBase = bases.find((b) => b.nodes === GOALS.nodes)
  const projected150k = scaleBase && totalBytesPerPod !== undefined ? Math.round(scaleBase.memory.totalBytes + totalBytesPerPod * GOALS.pods) : undefined
  return {
    ...(hollowBytesPerNode !== undefined ? { hollowBytesPerNode } : {}),
    ...(hollowBytesPerPod !== undefined ? { hollowBytesPerPod } : {}),
    ...(mastersBytesPerPod !== undefined ? { mastersBytesPerPod } : {}),
    ...(totalBytesPerPod !== undefined ? { totalBytesPerPod } : {}),
    ...(largest ? { largest } : {}),
    ...(projected150k !== undefined ? { projected150k } : {}),
  }
}

function goalRatios(ms: readonly StartupMeasurement[], plan: Plan, derived: Derived): Ratio[] {
  const ratios: Ratio[] = []
  for (const m of ms) {
    if (m.kind !== 'latency') continue
    const p99 = m.latencyMs.createToRunning.p99
    if (!(p99 > 0)) continue
    const rate = m.details.targetRate
    ratios.push({
      id: `${m.id}.vs-slo`,
      label: `Kubernetes SLO 5 s / p99 create->Running at ${rate} pods/s (${formatNumber(p99)} ms)`,
      numerator: 'slo:pod-startup-p99-5s',
      denominator: m.id,
      value: GOALS.sloP99Ms / p99,
      goal: 1,
      met: p99 <= GOALS.sloP99Ms && m.details.running === m.details.pods,
    })
    if (rate === 100) {
      ratios.push({
        id: `${m.id}.vs-goal`,
        label: `goal 1 s / p99 create->Running at 100 pods/s (${formatNumber(p99)} ms)`,
        numerator: 'goal:pod-startup-p99-1s-at-100pps',
        denominator: m.id,
        value: GOALS.p99MsAt100 / p99,
        goal: 1,
        met: p99 <= GOALS.p99MsAt100 && m.details.running === m.details.pods,
      })
    }
  }
  const largest = derived.largest
  const scaleTried = ms.some((m) => m.kind === 'scale' || (m.kind === 'memory' && m.nodes === plan.scale.nodes))
  if (scaleTried) {
    const pods = largest?.pods ?? 0
    ratios.push({
      id: 'scale.pods.vs-goal',
      label: `pods all Running on ${formatNumber(largest?.nodesReady ?? plan.scale.nodes)} Ready nodes (${formatNumber(pods)}) / goal ${formatNumber(GOALS.pods)}`,
      numerator: largest ? scaleId(largest.nodes, largest.pods) : 'none',
      denominator: 'goal:150000-pods',
      value: pods / GOALS.pods,
      goal: 1,
      met: pods >= GOALS.pods && (largest?.nodesReady ?? 0) >= GOALS.nodes,
    })
    if (largest) {
      ratios.push({
        id: 'scale.memory.vs-goal',
        label: `8 GiB / cluster RSS at ${formatNumber(largest.nodes)} nodes + ${formatNumber(largest.pods)} pods (${formatNumber(largest.totalBytes / MiB)} MiB)`,
        numerator: 'goal:8GiB',
        denominator: scaleId(largest.nodes, largest.pods),
        value: GOALS.memoryBytes / largest.totalBytes,
        goal: 1,
        met: largest.totalBytes <= GOALS.memoryBytes && largest.pods >= GOALS.pods,
      })
    }
  }
  return ratios.map((r) => ({ ...r, value: round2(r.value) }))
}

const ms = (n: number) => (Number.isFinite(n) ? formatNumber(n) : '-')
const int = (n: number) => Math.round(n).toLocaleString('en-US')

export function wavesTable(all: readonly StartupMeasurement[]): string {
  const waves = all.filter((m): m is WaveMeasurement => m.kind !== 'memory')
  return table(
    ['case', 'asked/s', 'created/s', 'max backlog', 'created', 'Running', 'Ready', 'create->Running p50 / p90 / p99 / max ms', '->scheduled p50 / p99', 'scheduled->Running p50 / p99', 'leader losses sched / cm', '429s', 'hollow MiB', 'status'],
    waves.map((m) => {
      const d = m.details
      const l = m.latencyMs
      return [
        m.id,
        String(d.targetRate),
        formatNumber(d.achievedCreateRate),
        int(d.backlog.maxPods),
        int(d.created),
        int(d.running),
        int(d.ready),
        `${ms(l.createToRunning.p50)} / ${ms(l.createToRunning.p90)} / ${ms(l.createToRunning.p99)} / ${ms(l.createToRunning.max)}`,
        `${ms(l.createToScheduled.p50)} / ${ms(l.createToScheduled.p99)}`,
        `${ms(l.scheduledToRunning.p50)} / ${ms(l.scheduledToRunning.p99)}`,
        `${d.schedulerLeadershipLosses} / ${d.controllerManagerLeadershipLosses}`,
        int(d.throttled),
        formatNumber(m.memory.hollowBytes / MiB),
        d.timedOut ? `TIMED OUT: ${d.timeoutReason}` : 'ok',
      ]
    }),
    [false, true, true, true, true, true, true, true, true, true, true, true, true, false],
  )
}

export function memoryTable(all: readonly StartupMeasurement[], derived: Derived): string {
  const rows = all.map((m) => [
    m.id,
    int(m.nodes),
    int(m.podsTotal),
    formatNumber(m.memory.hollowBytes / MiB),
    formatNumber(m.memory.mastersBytes / MiB),
    formatNumber(m.memory.totalBytes / MiB),
  ])
  const per = (label: string, v: number | undefined) => (v === undefined ? [] : [`${label}: ${formatNumber(v / 1024)} KiB`])
  return [
    table(['after', 'nodes', 'pods', 'hollow-1 MiB', 'masters MiB', 'cluster MiB'], rows, [false, true, true, true, true, true]),
    [
      ...per('hollow-1 per node', derived.hollowBytesPerNode),
      ...per('hollow-1 per pod', derived.hollowBytesPerPod),
      ...per('masters per pod (3 replicas)', derived.mastersBytesPerPod),
      ...per('cluster per pod', derived.totalBytesPerPod),
    ].join('; '),
  ].join('\n')
}
