/**
 * One ChaosExperiment run against the simulated whole cluster (`npm run sim -- --experiment FILE
 * --seed N`, issue 14 item 8): boot the cluster, start the invariant probes, then drive the same
 * pure experiment step the chaos controller runs (actors/chaos/experiment-step.ts) on the virtual
 * clock, carrying out its effects on the simulation instead of over the hosts' control subjects:
 * targets resolved as the live controller does (runtime/chaos/chaos-targets.ts, the hosts asked
 * with `chaos.status`), faults applied by experiment-faults.ts, Kubernetes probes through an API
 * client (runtime/chaos/chaos-probes.ts), a store probe's run one linearizable put, its check the
 * simulation's invariants (store history linearizable, no acknowledged write lost). Everything
 * comes from the seed, so a run, its fault timeline and its verdict replay byte for byte.
 *
 * HTTP and metric probes reach outside the process: the caller leaves them out (and says so).
 */
import type { ChaosExperimentSpec, ChaosExperimentStatus, ProbeSpec } from '../../actors/chaos/api.ts'
import { planOf, type ExperimentPlan } from '../../actors/chaos/experiment-plan.ts'
import { DEFAULT_EXPERIMENT_CONFIG, experimentStep, startExperiment, type ExperimentConfig, type ExperimentEffect, type ExperimentInput, type ExperimentState, type ExperimentStep } from '../../actors/chaos/experiment-step.ts'
import { sendChaos } from '../chaos/chaos-client.ts'
import { runProbe, type ProbeResult } from '../chaos/chaos-probes.ts'
import { resolveCandidates, type KnownHost, type TargetSources } from '../chaos/chaos-targets.ts'
import { leaseIdOf } from '../chaos/fault-injector.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { applyObjects } from '../cli/demo-workload.ts'
import type { WireEvent } from '../codec.ts'
import type { Logger } from '../log.ts'
import { seededRandom } from '../random.ts'
import { StoreClient } from '../store/store-client.ts'
import { Requester } from '../transport/requester.ts'
import { progressLine } from '../cli/chaos-run.ts'
import { SimFaults } from './experiment-faults.ts'
import { ACKNOWLEDGED_WRITES } from './invariants/acknowledged-writes.ts'
import { InvariantProbes, type InvariantResult } from './invariants/index.ts'
import { STORE_LINEARIZABLE } from './invariants/store-linearizable.ts'
import { pollUntil, readyNodes, unreadyDeployments } from './readiness.ts'
import { DEFAULT_SIM_NODES, SimCluster } from './sim-cluster.ts'
import type { MemoryTransport } from './memory-network.ts'
import type { TraceKeeping } from './simulation.ts'

export interface ExperimentRunOptions {
  readonly name: string
  /** Validated, with the probes the simulation cannot run left out. */
  readonly spec: ChaosExperimentSpec
  /** The simulation's seed; also the experiment's, unless its spec names one. */
  readonly seed: number
  readonly nodes?: number
  /** Objects created through the API once the cluster is up (a Deployment the probes watch); the experiment waits for its Deployments to be ready. */
  readonly manifests?: readonly KubeObject[]
  readonly trace?: TraceKeeping
  readonly log?: Logger
}

export interface ExperimentRunResult {
  readonly seed: number
  readonly nodes: number
  /** The last status the step wrote (its verdict, once Completed). */
  readonly status: ChaosExperimentStatus | undefined
  /** Progress lines as `chaos run` prints them, each at its virtual time. */
  readonly progress: readonly string[]
  /** Every Event the step recorded and every fault action, at its virtual time. */
  readonly timeline: readonly string[]
  readonly results: readonly InvariantResult[]
  readonly virtualMs: number
  readonly wallMs: number
  readonly messages: number
  readonly digest: string
  readonly cluster: SimCluster
}

/** The cluster gets this long (virtual) to boot: all nodes Ready. */
const BOOT_MS = 30_000
/** The manifests' Deployments get this long (virtual) to be ready before the experiment starts. */
const MANIFESTS_READY_MS = 60_000
/** The invariant check (store history, watch streams, convergence) may take longer than a live store check. */
const SIM_EXPERIMENT_CONFIG: ExperimentConfig = { ...DEFAULT_EXPERIMENT_CONFIG, storeCheckTimeoutMs: 120_000 }
const HOSTS_FRESH_MS = 2000

const at = (ms: number): string => `${(ms / 1000).toFixed(3).padStart(9)} s`

/** The longest the experiment may take, from its plan: past it the run stops without a verdict. */
export function experimentBoundMs(plan: ExperimentPlan, config: ExperimentConfig = SIM_EXPERIMENT_CONFIG): number {
  const durations = plan.faults.map((f) => f.durationMs + config.resolveTimeoutMs)
  const faultsMs = plan.serial ? durations.reduce((a, b) => a + b, 0) : Math.max(0, ...durations)
  return plan.repeat * (plan.steadyStateTimeoutMs + faultsMs + plan.recoveryTimeoutMs + plan.intervalMs) + config.storeCheckTimeoutMs + 10_000
}

export async function runExperiment(options: ExperimentRunOptions): Promise<ExperimentRunResult> {
  const started = performance.now()
  const nodes = options.nodes ?? DEFAULT_SIM_NODES
  const cluster = new SimCluster({ seed: options.seed, nodes, ...(options.trace ? { trace: options.trace } : {}), ...(options.log ? { log: options.log } : {}) })
  const { sim } = cluster
  const clock = sim.clock
  const progress: string[] = []
  const timeline: string[] = []
  const results: InvariantResult[] = []
  let status: ChaosExperimentStatus | undefined
  const finish = (): ExperimentRunResult => ({ seed: options.seed, nodes, status, progress, timeline, results, virtualMs: clock.now(), wallMs: performance.now() - started, messages: sim.messages, digest: sim.digest(), cluster })

  const driver = cluster.client('driver')
  const booted = await sim.drive(pollUntil(clock, async () => (await readyNodes(driver)).length === nodes), BOOT_MS, 'boot').then(() => true, () => false)
  results.push({ name: 'cluster boots', held: booted, ...(booted ? {} : { detail: `not all ${nodes} nodes Ready within ${BOOT_MS} virtual ms`, at: clock.now() }) })
  if (!booted) return finish()
  if (options.manifests !== undefined && options.manifests.length > 0) {
    const ready = await sim.drive(applyAndWait(driver, options.manifests, clock, (line) => timeline.push(`${at(clock.now())} ${line}`)), MANIFESTS_READY_MS, 'applying the manifests').then(
      () => ({ name: 'manifests applied and ready', held: true }),
      (error: unknown) => ({ name: 'manifests applied and ready', held: false, detail: error instanceof Error ? error.message : String(error), at: clock.now() }),
    )
    results.push(ready)
    if (!ready.held) return finish()
  }
  const probes = new InvariantProbes({ transport: sim.client('probes'), clock, random: seededRandom(Math.floor(cluster.random() * 2 ** 32)), cluster: cluster.cluster, apiservers: cluster.masters, storeReplicas: cluster.masters, trace: sim.trace })
  await sim.drive(probes.start(), 10_000, 'starting the probes')

  let checked: Promise<InvariantResult[]> | undefined
  const check = (): Promise<InvariantResult[]> => (checked ??= probes.check({ convergeWithinMs: 30_000 }))
  const runner = stepRunner(cluster, options, check, {
    // A line when the phase, round or faults change (`chaos run` also prints the probe counts every second).
    status: (s) => {
      if (status === undefined || progressLine({ ...s, probes: [] }) !== progressLine({ ...status, probes: [] })) progress.push(`${at(clock.now())} ${progressLine(s)}`)
      status = s
    },
    timeline: (line) => void timeline.push(`${at(clock.now())} ${line}`),
  })
  const plan = planOf(options.spec)
  const bound = experimentBoundMs(plan)
  const verdict = await sim.drive(runner.run(plan, options.spec.seed ?? options.seed), bound, 'the experiment').then(
    () => true,
    (error: unknown) => (timeline.push(`${at(clock.now())} no verdict: ${error instanceof Error ? error.message : String(error)}`), false),
  )
  runner.stop()
  // Whatever is still down or cut off comes back before the invariants are judged.
  cluster.heal()
  for (const host of cluster.hosts) if (sim.isPaused(host)) sim.resumeHost(host)
  for (const host of cluster.hosts) if (!sim.isUp(host)) await sim.drive(cluster.restart(host), 10_000, `restarting ${host}`).catch(() => {})
  results.push(...(await sim.drive(check(), 120_000, 'the invariant checks').catch((error: unknown) => [{ name: 'invariant checks', held: false, detail: String(error) }])))
  await sim.drive(probes.stop(), 10_000, 'stopping the probes').catch(() => {})
  return finish()
}

/** Creates the objects, then waits until every Deployment is ready. */
async function applyAndWait(api: ApiClient, objects: readonly KubeObject[], clock: Clock, say: (line: string) => void): Promise<void> {
  for (const line of await applyObjects(api, objects, 'the --apply manifests')) say(line)
  await pollUntil(clock, async () => (await unreadyDeployments(api)).length === 0, 500)
  say('every Deployment ready')
}

interface Listeners {
  readonly status: (status: ChaosExperimentStatus) => void
  readonly timeline: (line: string) => void
}

/** The experiment step and its effects carried out on the simulation, one input at a time (as the controller's engine). */
function stepRunner(cluster: SimCluster, options: ExperimentRunOptions, check: () => Promise<InvariantResult[]>, listen: Listeners) {
  const { sim } = cluster
  const clock = sim.clock
  const api = cluster.client('chaos-controller')
  const requester = new Requester(sim.client('chaos-requester'), clock)
  const transport = sim.client('chaos-status')
  let known: { at: number; hosts: Promise<readonly KnownHost[]> } | undefined
  const hosts = (): Promise<readonly KnownHost[]> => {
    if (known === undefined || clock.now() - known.at > HOSTS_FRESH_MS) known = { at: clock.now(), hosts: listHosts(transport, cluster) }
    return known.hosts
  }
  const store = new StoreClient({ transport: sim.client('chaos-store'), clock, cluster: cluster.cluster, replicas: cluster.masters, clientId: 'chaos-store', requestTimeoutMs: 500 })
  const sources: TargetSources = { api, cluster: cluster.cluster, requester, hosts, storeLeader: () => cluster.leaderOf('store') }
  const faults = new SimFaults({ cluster, api, hosts, say: listen.timeline })
  let state: ExperimentState | undefined
  let queue: Promise<void> = Promise.resolve()
  let timer: TimerHandle | undefined
  let stopped = false
  let done: () => void = () => {}
  let probeRuns = 0
  // Whole ms, as a live controller's clock reads: message latencies make virtual time fractional.
  const stepNow = (): number => Math.floor(clock.now())
  // The live controller names a lease after the experiment's uid; the run's experiment has its name.
  const leaseOf = (fault: string, round: number): string => leaseIdOf(options.name, fault, round)

  const feed = (input: ExperimentInput): void => {
    queue = queue
      .then(() => (stopped || state === undefined ? undefined : carryOut(experimentStep(state, input, stepNow()))))
      .catch((error: unknown) => listen.timeline(`step failed: ${String(error)}`))
  }

  async function carryOut(step: ExperimentStep): Promise<void> {
    state = step.state
    for (const effect of step.effects) if (!stopped) await carryOutOne(effect)
    if (state.phase === 'Completed') done()
  }

  async function carryOutOne(effect: ExperimentEffect): Promise<void> {
    switch (effect.type) {
      case 'writeStatus':
        return listen.status(effect.status)
      case 'event':
        return listen.timeline(`${effect.eventType} ${effect.reason}: ${effect.message}`)
      case 'armTimer':
        if (timer !== undefined) clock.clearTimeout(timer)
        timer = clock.setTimeout(() => feed({ type: 'tick' }), Math.max(0, effect.at - clock.now()))
        return
      case 'resolveTargets':
        resolveCandidates(effect.fault, sources).then(
          (candidates) => feed({ type: 'targets', fault: effect.fault.name, candidates }),
          (error: unknown) => listen.timeline(`${effect.fault.name}: could not resolve targets: ${String(error)}`),
        )
        return
      case 'inject': {
        const fault = state!.plan.faults.find((f) => f.name === effect.fault)!
        return faults.inject(fault, leaseOf(effect.fault, effect.round), effect.targets, Math.max(0, effect.leaseExpiresAt - stepNow())).catch((error: unknown) => feed({ type: 'inject.failed', fault: effect.fault, error: error instanceof Error ? error.message : String(error) }))
      }
      case 'renew':
        return faults.renew(state!.plan.faults.find((f) => f.name === effect.fault)!, leaseOf(effect.fault, effect.round), Math.max(0, effect.leaseExpiresAt - stepNow()))
      case 'heal': {
        const fault = state!.plan.faults.find((f) => f.name === effect.fault)!
        return faults.heal(fault, leaseOf(effect.fault, effect.round), effect.targets).catch((error: unknown) => listen.timeline(`${effect.fault}: heal failed: ${String(error)}`))
      }
      case 'runProbe': {
        const spec = options.spec.steadyState?.probes?.find((p) => p.name === effect.probe.name)
        if (spec === undefined) return
        const run = spec.type === 'store' ? storeProbe(spec, effect.probe.timeoutMs, probeRuns++) : runProbe(spec, effect.probe.timeoutMs, api, clock)
        void run.then((result) => feed({ type: 'probe.result', probe: spec.name, ok: result.ok, ...(result.error !== undefined ? { error: result.error } : {}) }))
        return
      }
      case 'checkStore':
        void check().then((results) => feed({ type: 'store.checked', ...storeVerdict(results) }))
        return
    }
  }

  /** One put under the probe's prefix through the store's leader, within its timeout. */
  async function storeProbe(spec: ProbeSpec, timeoutMs: number, n: number): Promise<ProbeResult> {
    const key = `${spec.store?.keyPrefix ?? `/chaos/${options.name}/`}${spec.name}`
    try {
      await store.put(key, new TextEncoder().encode(String(n)), { deadlineMs: timeoutMs })
      return { ok: true }
    } catch (error) {
      return { ok: false, error: `put ${key}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  return {
    run(plan: ExperimentPlan, seed: number): Promise<void> {
      const finished = new Promise<void>((resolve) => (done = resolve))
      queue = queue.then(() => carryOut(startExperiment(plan, seed, stepNow(), SIM_EXPERIMENT_CONFIG)))
      return finished
    },
    stop(): void {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      requester.close()
      faults.close()
    },
  }
}

/** The store check's answer from the invariants: the history linearizable, how many acknowledged writes were lost. */
export function storeVerdict(results: readonly InvariantResult[]): { linearizable: boolean; ackedWritesLost: number } {
  const linearizable = results.find((r) => r.name === STORE_LINEARIZABLE)?.held ?? false
  const acked = results.find((r) => r.name === ACKNOWLEDGED_WRITES)
  return { linearizable, ackedWritesLost: acked === undefined || acked.held ? 0 : lostCount(acked.detail ?? '') }
}

/** Violations listed in a result's detail: one a line, the last maybe `... and N more`. */
function lostCount(detail: string): number {
  const lines = detail.split('\n').filter((l) => l !== '')
  const more = /^\.\.\. and (\d+) more$/.exec(lines.at(-1) ?? '')
  return more ? lines.length - 1 + Number(more[1]) : Math.max(1, lines.length)
}

/** Every host answering `chaos.status` now, with its roles and actors (as the live controller asks). */
async function listHosts(transport: MemoryTransport, cluster: SimCluster): Promise<readonly KnownHost[]> {
  const answers = await sendChaos(transport, cluster.sim.clock, { cluster: cluster.cluster, command: { type: 'chaos.status' }, collectMs: 300 })
  return answers
    .filter((a): a is WireEvent & { host: string } => a.type === 'chaos.status' && typeof a.host === 'string')
    .map((a) => ({ host: a.host, roles: Array.isArray(a.roles) ? (a.roles as string[]) : [], actors: Array.isArray(a.actors) ? (a.actors as string[]) : [] }))
    .sort((a, b) => a.host.localeCompare(b.host))
}
