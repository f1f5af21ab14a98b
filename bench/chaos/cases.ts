/**
 * The chaos bench's cases: one library experiment (or the bench's own spec where the library has
 * none that fits, said so) per goal of issue 14, each against a fresh `actorkube up`. A case says
 * which cluster it needs, prepares what it measures with (pods created at a steady rate, a
 * Service probe, the demo Deployment Running), gives the experiment's spec, and turns the
 * experiment's outcome plus the bench's own observations into measurements with their goals.
 */
import type { ChaosExperimentSpec, FaultSpec } from '../../actors/chaos/api.ts'
import { SCHEDULER_LEADER_DEFAULTS } from '../../actors/leader/leader-elected.machine.ts'
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import type { ChaosCluster } from './chaos-cluster.ts'
import { findLibraryExperiment, timeOf, type ExperimentOutcome } from './experiment-run.ts'
import { chaosMeasurement, type ChaosMeasurement } from './goal-measurement.ts'
import { PodTimeline } from './pod-timeline.ts'
import type { ProcessWatch } from './process-watch.ts'
import { apiGet, nodePortGet, SteadyProber } from './steady-prober.ts'
import { percentiles } from '../store/workload.ts'
import type { StoreStream } from './store-stream.ts'

export interface CaseContext {
  readonly cluster: ChaosCluster
  readonly processes: ProcessWatch
  readonly stream: StoreStream
  readonly quick: boolean
  readonly progress: (message: string) => void
}

/** What a case started before the experiment, and how it measures afterwards. */
export interface Prepared {
  measure(outcome: ExperimentOutcome): Promise<ChaosMeasurement[]> | ChaosMeasurement[]
  stop(): Promise<void>
}

export interface ChaosCase {
  readonly id: string
  readonly title: string
  /** `actorkube up` arguments besides --workers. */
  readonly upArgs: readonly string[]
  readonly workers: number
  /** The library experiment (or undefined) and the spec the bench runs, from it or its own. */
  experiment(quick: boolean): { file: string | undefined; spec: ChaosExperimentSpec; changes: string }
  prepare(ctx: CaseContext): Promise<Prepared>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Kubernetes' default time before a dead node's pods are replaced, a fixed reference (not measured here). */
export const KUBERNETES_POD_EVICTION_MS = 40_000 + 300_000

/**
 * When each fault took effect, as the bench saw it: every process of `role` (`master-`, `worker-`)
 * that died or stopped while the experiment ran. Read from /proc rather than `.status`, whose
 * `injectedAt` is written before the fault is carried out (the status naming a fault lands before
 * its grants are sent), however late the kill or stop follows.
 */
function faultMoments(outcome: ExperimentOutcome, processes: ProcessWatch, change: 'died' | 'stopped', role: string): { at: number; target: string }[] {
  return processes.between(outcome.createdAt, outcome.completedAt).filter((e) => e.change === change && e.name.startsWith(role)).map((e) => ({ at: e.at, target: e.name }))
}

/** The fault rounds `.status` records as injected, for the progress lines. */
const injectedRounds = (outcome: ExperimentOutcome): number => outcome.status.faults.filter((f) => f.injectedAt !== undefined && f.error === undefined).length

function withRounds(spec: ChaosExperimentSpec, rounds: number, interval: string, duration?: string): ChaosExperimentSpec {
  const faults = spec.method.faults.map((f) => (duration === undefined ? f : { ...f, duration }))
  return { ...spec, repeat: rounds, interval, method: { ...spec.method, faults } }
}

/** A library experiment for `matches`, or the bench's own `fallback`. */
function fromLibrary(matches: (f: FaultSpec) => boolean, fallback: ChaosExperimentSpec): { file: string | undefined; spec: ChaosExperimentSpec } {
  const found = findLibraryExperiment(matches)
  return found ? { file: found.file, spec: found.spec } : { file: undefined, spec: fallback }
}

// --- store leader kill -----------------------------------------------------------------------

const storeLeaderKill: ChaosCase = {
  id: 'store-leader-kill',
  title: 'kill -9 of the store leader host, repeatedly: time until the next committed write',
  // The library's experiments probe the demo cluster's worker-1.
  upArgs: [],
  workers: 1,
  experiment(quick) {
    const rounds = quick ? 2 : 10
    const found = fromLibrary((f) => f.kind === 'host-kill' && f.target.leader === 'store', {
      seed: 1414,
      steadyState: { probes: [] },
      method: { faults: [{ name: 'kill-leader', kind: 'host-kill', duration: '10s', target: { leader: 'store' } }] },
      recoveryTimeout: '30s',
    })
    return {
      ...found,
      spec: withRounds(found.spec, rounds, '12s', '3s'),
      changes: `repeat ${rounds}, interval 12s (the killed master is back before the next kill), fault duration 3s`,
    }
  },
  async prepare(ctx) {
    const preparedAt = Date.now()
    return {
      measure(outcome) {
        const moments = faultMoments(outcome, ctx.processes, 'died', 'master-')
        const gaps = moments.map((m) => ctx.stream.nextAckAfter(m.at)).filter((g): g is number => g !== undefined)
        const firstKill = Math.min(...moments.map((m) => m.at))
        const steady = ctx.stream.latenciesBetween(preparedAt, firstKill).sort((a, b) => a - b)
        const baseline = steady.length > 0 ? steady[Math.floor(steady.length / 2)]! : Number.NaN
        ctx.progress(`  kills seen: ${moments.map((m) => m.target).join(', ')} (.status: ${injectedRounds(outcome)} injected); next committed write after each: ${gaps.map((g) => Math.round(g)).join(', ')} ms`)
        const recover = outcome.status.rounds.map((r) => r.timeToRecoverMs).filter((v): v is number => v !== undefined)
        return [
          chaosMeasurement({
            id: 'store-leader-kill.next-write',
            label: 'store leader kill -> next committed write',
            experiment: 'store-leader-kill',
            unit: 'ms',
            samples: gaps,
            goals: [
              { text: 'p50 <= 300 ms', statistic: 'p50', op: '<=', value: 300 },
              { text: 'p99 <= 1 s', statistic: 'p99', op: '<=', value: 1_000 },
            ],
            baseline: { label: 'write latency p50 before the first kill (same run)', value: baseline, unit: 'ms', measured: true },
            method: `per kill: from the moment the bench saw the leader's host process die (/proc, 5 ms polls) to the ack of the first write sent after it; kills by the experiment's host-kill of leader: store (${moments.length} seen, ${injectedRounds(outcome)} recorded injected in .status)`,
          }),
          ...(recover.length > 0
            ? [chaosMeasurement({ id: 'store-leader-kill.status-recover', label: 'store leader kill: .status time to recover', experiment: 'store-leader-kill', unit: 'ms', samples: recover, goals: [], method: "the experiment's own rounds[].timeToRecoverMs (its probes' first failure to all passing)" })]
            : []),
        ]
      },
      async stop() {},
    }
  },
}

// --- scheduler leader loss -------------------------------------------------------------------

const SCHED_NS = 'bench-chaos-sched'
/** The bench's pods stay off the process-runtime worker (each would be a process there). */
const OFF_WORKERS = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['worker-1'] }] }] } } }

const schedulerLeaderStop: ChaosCase = {
  id: 'scheduler-leader-stop',
  title: "SIGSTOP of the scheduler leader's host: time until pods bind again",
  // The library's experiment probes the demo Deployment (echo on worker-1); the bench's pods go to 10 hollow nodes.
  upArgs: ['--demo', '--hollow-nodes', '10'],
  workers: 1,
  experiment(quick) {
    const rounds = quick ? 1 : 5
    const found = fromLibrary((f) => (f.kind === 'host-stop' || f.kind === 'host-kill') && f.target.leader === 'scheduler', {
      seed: 31,
      steadyState: { probes: [] },
      method: { faults: [{ name: 'stop-scheduler-leader', kind: 'host-stop', duration: '8s', target: { leader: 'scheduler' } }] },
      recoveryTimeout: '30s',
    })
    return { ...found, spec: withRounds(found.spec, rounds, '8s', '6s'), changes: `repeat ${rounds}, interval 8s, fault duration 6s` }
  },
  async prepare(ctx) {
    const { api } = ctx.cluster
    await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SCHED_NS } }).catch(() => undefined)
    // One watch through each apiserver: a bind is seen when the first of them shows it, so that
    // stopping the master whose apiserver serves a watch does not delay what the bench sees.
    const pinned = ctx.cluster.up.apiserverIds.map((id) => new ApiClient({ transport: ctx.cluster.transport, cluster: ctx.cluster.cluster, apiservers: [id], timeoutMs: 5_000 }))
    const timelines = await Promise.all(pinned.map((client) => PodTimeline.start(client, SCHED_NS)))
    const boundAt = (pod: string): number | undefined => {
      const seen = timelines.map((t) => t.boundAt.get(pod)).filter((b): b is number => b !== undefined)
      return seen.length === 0 ? undefined : Math.min(...seen)
    }
    const sentAt = new Map<string, number>()
    const ackedAt = new Map<string, number>()
    let running = true
    let n = 0
    const rateMs = 200
    const creator = (async () => {
      while (running) {
        const name = `p${n++}`
        const t = Date.now()
        sentAt.set(name, t)
        api
          .create(`/api/v1/namespaces/${SCHED_NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { affinity: OFF_WORKERS, containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] } })
          .then(() => ackedAt.set(name, Date.now()))
          .catch(() => sentAt.delete(name))
        await sleep(Math.max(0, rateMs - (Date.now() - t)))
      }
    })()
    const preparedAt = Date.now()
    return {
      measure(outcome) {
        const moments = faultMoments(outcome, ctx.processes, 'stopped', 'master-')
        const gaps: number[] = []
        for (const m of moments) {
          // Pods whose create was acked after the stop: only a live scheduler can bind them.
          const bound = [...ackedAt].filter(([, a]) => a >= m.at).map(([pod]) => boundAt(pod)).filter((b): b is number => b !== undefined)
          if (bound.length > 0) gaps.push(Math.min(...bound) - m.at)
        }
        const firstStop = Math.min(...moments.map((m) => m.at))
        const steady = [...sentAt].filter(([, s]) => s >= preparedAt && s < firstStop).map(([pod, s]) => (boundAt(pod) ?? Number.NaN) - s).filter(Number.isFinite)
        ctx.progress(`  stops seen: ${moments.map((m) => m.target).join(', ')} (.status: ${injectedRounds(outcome)} injected); first bind of a pod created after each (create acked after it): ${gaps.map((g) => Math.round(g)).join(', ')} ms; ${sentAt.size} pods created`)
        // Where a slow round's time went: when the first pods acked after the stop were seen by each apiserver's watch, and bound.
        for (const m of moments) {
          const after = [...ackedAt].filter(([, a]) => a >= m.at).sort((x, y) => x[1] - y[1]).slice(0, 3)
          const rel = (t: number | undefined): string => (t === undefined ? '-' : `+${Math.round(t - m.at)}`)
          const pods = after.map(([pod, a]) => `${pod} sent ${rel(sentAt.get(pod))} acked ${rel(a)} seen ${timelines.map((t, i) => `${ctx.cluster.up.apiserverIds[i]}:${rel(t.seenAt.get(pod))}`).join(' ')} bound ${rel(boundAt(pod))}`)
          ctx.progress(`    stop of ${m.target}: ${pods.join('; ')}`)
        }
        return [
          chaosMeasurement({
            id: 'scheduler-leader-stop.binding-again',
            label: 'scheduler leader loss -> pods binding again',
            experiment: 'scheduler-leader-stop',
            unit: 'ms',
            samples: gaps,
            goals: [{ text: '<= 2 s (every round: max)', statistic: 'max', op: '<=', value: 2_000 }],
            baseline: { label: 'create -> bound p50 before the first fault (same run)', value: steady.length > 0 ? percentiles(steady).p50 : Number.NaN, unit: 'ms', measured: true },
            method: `pods created at ${1000 / rateMs}/s throughout, bound to 10 hollow nodes; per fault: from the moment the bench saw the leader's host stop (/proc) to the first bind (seen by the first of three pod watches, one through each apiserver) of a pod whose create was acked after it (only a live scheduler can bind it). The scheduler's election: lease ${SCHEDULER_LEADER_DEFAULTS.leaseDurationMs} ms, renew deadline ${SCHEDULER_LEADER_DEFAULTS.renewDeadlineMs} ms, retry ${SCHEDULER_LEADER_DEFAULTS.retryPeriodMs} ms, standbys with warm caches. For reference (not measured): kube-scheduler's default leader election (lease 15 s, renew deadline 10 s, retry 2 s) lets a new leader take over up to about 15 s after the old one's last renewal`,
          }),
        ]
      },
      async stop() {
        running = false
        await creator
        for (const t of timelines) await t.stop()
        for (const client of pinned) await client.close().catch(() => {})
      },
    }
  },
}

// --- dead worker -----------------------------------------------------------------------------

const ECHO_REPLICAS = 3

async function echoServing(ctx: CaseContext): Promise<PodTimeline> {
  const timeline = await PodTimeline.start(ctx.cluster.api, 'default', 'app=echo')
  const deadline = Date.now() + 120_000
  while (timeline.firstWhen(Date.now(), (pods) => [...pods.values()].filter((p) => p.serving).length >= ECHO_REPLICAS) === undefined) {
    if (Date.now() > deadline) throw new Error('the demo Deployment (echo) did not get 3 pods Running and Ready within 120 s')
    await sleep(500)
  }
  ctx.progress('  echo: 3 pods Running and Ready')
  return timeline
}

const deadWorker: ChaosCase = {
  id: 'worker-stop',
  title: "a dead worker (its host SIGSTOPped for 20 s): time until its pods run elsewhere",
  upArgs: ['--demo'],
  workers: 2,
  experiment(quick) {
    const rounds = quick ? 1 : 3
    return {
      file: undefined,
      spec: {
        // Draws worker-1, worker-2, worker-1 (actors/chaos/targets.ts): each round stops the worker
        // the round before moved the echo pods to. Seed 5 stopped worker-1 twice, and its second
        // round, on a worker without echo pods, measured nothing.
        seed: 1,
        repeat: rounds,
        interval: '10s',
        steadyState: { probes: [{ name: 'echo-available', type: 'kubernetes', interval: '500ms', timeout: '2s', kubernetes: { deploymentAvailable: { name: 'echo', namespace: 'default' } } }] },
        method: { faults: [{ name: 'stop-worker', kind: 'host-stop', duration: '20s', mode: 'one', target: { hosts: { roles: ['worker'] } } }] },
        recoveryTimeout: '60s',
      },
      changes: `the bench's own spec (repeat ${rounds}): a killed worker is restarted by up within seconds and runs its pods again, so the worker is kept dead with host-stop (SIGSTOP) for 20 s`,
    }
  },
  async prepare(ctx) {
    const timeline = await echoServing(ctx)
    return {
      measure(outcome) {
        const moments = faultMoments(outcome, ctx.processes, 'stopped', 'worker-')
        const gaps: number[] = []
        const skipped: string[] = []
        for (const m of moments) {
          const victims = [...timeline.stateAt(m.at).values()].filter((p) => p.serving && p.node === m.target).length
          if (victims === 0) {
            skipped.push(`${m.target} stopped at ${new Date(m.at).toISOString()} ran no echo pod`)
            continue
          }
          const back = timeline.firstWhen(m.at, (pods) => [...pods.values()].filter((p) => p.serving && p.node !== m.target).length >= ECHO_REPLICAS)
          if (back !== undefined) gaps.push(back - m.at)
        }
        ctx.progress(`  stops: ${moments.map((m) => m.target).join(', ')}; all ${ECHO_REPLICAS} echo pods serving off the dead node after: ${gaps.map((g) => Math.round(g)).join(', ')} ms${skipped.length ? ` (${skipped.join('; ')})` : ''}`)
        return [
          chaosMeasurement({
            id: 'worker-stop.pods-elsewhere',
            label: "dead worker -> its pods Running elsewhere",
            experiment: 'worker-stop',
            unit: 'ms',
            samples: gaps,
            goals: [{ text: '<= 10 s (every round: max)', statistic: 'max', op: '<=', value: 10_000 }],
            baseline: { label: "Kubernetes' default: node-monitor-grace-period 40 s + not-ready toleration 300 s (fixed reference, not measured)", value: KUBERNETES_POD_EVICTION_MS, unit: 'ms', measured: false },
            method: `the demo Deployment (3 echo pods, 2 workers); per round that stopped a worker running some of them: from the moment the bench saw the worker's host stop (/proc) to ${ECHO_REPLICAS} echo pods Running and Ready on other nodes (pod watch)${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`,
          }),
        ]
      },
      stop: () => timeline.stop(),
    }
  },
}

// --- Service through a master kill -----------------------------------------------------------

const NODE_PORT = 30080
const MASTER_KILL_WINDOW_MS = 10_000

const masterKillService: ChaosCase = {
  id: 'master-kill-service',
  title: 'kill -9 of a master host under a Service probed through its NodePort',
  upArgs: ['--demo'],
  workers: 2,
  experiment(quick) {
    const rounds = quick ? 1 : 3
    const found = fromLibrary((f) => f.kind === 'host-kill' && (f.target.hosts?.roles?.includes('master') ?? false), {
      seed: 9,
      steadyState: { probes: [{ name: 'echo-service', type: 'http', interval: '200ms', timeout: '1s', minAvailabilityPercent: 99, http: { service: { name: 'echo', namespace: 'default', port: 80 } } }] },
      method: { faults: [{ name: 'kill-master', kind: 'host-kill', duration: '5s', mode: 'one', target: { hosts: { roles: ['master'] } } }] },
      recoveryTimeout: '30s',
    })
    return { ...found, spec: withRounds(found.spec, rounds, '12s', '5s'), changes: `repeat ${rounds}, interval 12s, fault duration 5s` }
  },
  async prepare(ctx) {
    const timeline = await echoServing(ctx)
    await timeline.stop()
    const prober = new SteadyProber(nodePortGet([{ host: '127.0.0.1', port: NODE_PORT }, { host: '127.0.1.1', port: NODE_PORT }, { host: '127.0.2.1', port: NODE_PORT }]), 50, 1_000)
    // kubectl's way in: the front door over the apiservers (issue 14, item 9).
    const { up, frontDoor } = ctx.cluster
    const apiProber = new SteadyProber(apiGet(frontDoor, '/api/v1/namespaces/default/pods?limit=1', up.token, up.ca), 100, 2_000)
    const preparedAt = Date.now()
    return {
      async measure(outcome) {
        const moments = faultMoments(outcome, ctx.processes, 'died', 'master-')
        // The fault's 5 s window and 5 s more (fixed: a kill of the chaos controller's own host leaves no heal time in .status).
        const windows = moments.map((m) => ({ from: m.at, to: m.at + MASTER_KILL_WINDOW_MS }))
        // The last window must have been probed to its end.
        const lastEnd = Math.max(...windows.map((w) => w.to))
        while (Date.now() < lastEnd + 2_500) await sleep(250)
        const firstKill = Math.min(...moments.map((m) => m.at))
        const samples = windows.map((w) => prober.availability(w.from, w.to))
        const before = prober.availability(preparedAt, firstKill)
        const api = windows.map((w) => apiProber.availability(w.from, w.to))
        const apiBefore = apiProber.availability(preparedAt, firstKill)
        const shown = (a: { percent: number; requests: number }) => `${a.percent.toFixed(2)}% of ${a.requests}`
        ctx.progress(`  kills seen: ${moments.map((m) => m.target).join(', ')} (.status: ${injectedRounds(outcome)} injected); NodePort availability per kill: ${samples.map(shown).join(', ')} (before: ${shown(before)}); API through the front door: ${api.map(shown).join(', ')} (before: ${shown(apiBefore)})`)
        const probe = outcome.status.probes.find((p) => p.name === 'echo-service')
        const window = `per kill: requests sent in the ${MASTER_KILL_WINDOW_MS / 1000} s from the moment the bench saw the master die (/proc): the fault's 5 s window and 5 s after`
        return [
          chaosMeasurement({
            id: 'master-kill-service.availability',
            label: 'Service availability through a master kill',
            experiment: 'master-kill-service',
            unit: '%',
            samples: samples.map((s) => s.percent).filter(Number.isFinite),
            goals: [{ text: '>= 99% (every kill: min)', statistic: 'min', op: '>=', value: 99 }],
            baseline: { label: 'availability before the first kill (same run)', value: before.percent, unit: '%', measured: true },
            method: `HTTP GET every 50 ms (1 s timeout) through NodePort ${NODE_PORT} on 127.0.0.1, 127.0.1.1 and 127.0.2.1 in turn; ${window}${probe ? `; the experiment's own http probe: ${probe.availabilityPercent}% (${probe.successes}/${probe.successes + probe.failures})` : ''}`,
          }),
          chaosMeasurement({
            id: 'master-kill-service.api-availability',
            label: 'API through the front door during a master kill',
            experiment: 'master-kill-service',
            unit: '%',
            samples: api.map((s) => s.percent).filter(Number.isFinite),
            goals: [],
            baseline: { label: 'availability before the first kill (same run)', value: apiBefore.percent, unit: '%', measured: true },
            method: `HTTPS GET /api/v1/namespaces/default/pods?limit=1 through the front door (${frontDoor}) every 100 ms (2 s timeout, a new connection each, the kubeconfig's token and CA), as kubectl would; ${window}; no goal in the issue (item 9: the front door survives a master)`,
          }),
        ]
      },
      async stop() {
        await prober.stop()
        await apiProber.stop()
      },
    }
  },
}

// --- one nats-server killed -------------------------------------------------------------------

const natsKill: ChaosCase = {
  id: 'nats-kill',
  title: 'one nats-server of three killed: no host restarts, no acked write lost',
  upArgs: [],
  workers: 1,
  experiment(quick) {
    const rounds = quick ? 1 : 3
    const found = fromLibrary((f) => f.kind === 'nats-kill', {
      seed: 4,
      steadyState: { probes: [{ name: 'worker-ready', type: 'kubernetes', interval: '500ms', timeout: '2s', kubernetes: { nodeReady: { name: 'worker-1' } } }] },
      method: { faults: [{ name: 'kill-nats', kind: 'nats-kill', duration: '8s', mode: 'one', target: { hosts: { roles: ['nats'] } } }] },
      recoveryTimeout: '30s',
    })
    return { ...found, spec: withRounds(found.spec, rounds, '10s'), changes: `repeat ${rounds}, interval 10s` }
  },
  async prepare(ctx) {
    return {
      measure(outcome) {
        const from = Math.min(...outcome.status.faults.map((f) => timeOf(f.injectedAt) ?? Number.POSITIVE_INFINITY))
        const changes = ctx.processes.between(from - 1_000, outcome.completedAt)
        const natsDeaths = changes.filter((e) => e.name.startsWith('nats:') && e.change === 'died')
        const hostDeaths = changes.filter((e) => !e.name.startsWith('nats:') && e.change === 'died')
        const gaps = natsDeaths.map((d) => ctx.stream.nextAckAfter(d.at)).filter((g): g is number => g !== undefined)
        ctx.progress(`  nats-servers seen dying: ${natsDeaths.length}; host processes that died: ${hostDeaths.length ? hostDeaths.map((d) => d.name).join(', ') : 'none'}; next committed write after each nats kill: ${gaps.map((g) => Math.round(g)).join(', ')} ms`)
        return [
          chaosMeasurement({
            id: 'nats-kill.host-restarts',
            label: 'one nats-server killed -> host restarts',
            experiment: 'nats-kill',
            unit: 'restarts',
            samples: [hostDeaths.length],
            goals: [{ text: '0', statistic: 'max', op: '<=', value: 0 }],
            method: `host processes (3 masters, 1 worker) the bench saw die (/proc) from the first nats-kill to the verdict; nats-servers seen dying: ${natsDeaths.length}`,
          }),
          chaosMeasurement({
            id: 'nats-kill.next-write',
            label: 'one nats-server killed -> next committed write',
            experiment: 'nats-kill',
            unit: 'ms',
            samples: gaps,
            goals: [],
            method: 'per nats-server death seen by the bench: to the ack of the first write sent after it (no goal in the issue; shown for what the clients ride over)',
          }),
        ]
      },
      async stop() {},
    }
  },
}

export const CASES: readonly ChaosCase[] = [storeLeaderKill, schedulerLeaderStop, deadWorker, masterKillService, natsKill]
