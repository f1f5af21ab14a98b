/**
 * One seed of the whole-cluster simulation, start to verdict: boot the cluster, start the
 * invariant probes, run the fault schedule and the workload side by side for the fault window,
 * heal everything, give the cluster a bounded quiet time to converge, then check every invariant.
 * Everything runs on virtual time from the seed: the same seed gives the same trace digest.
 */
import { randomClientId, seededRandom } from '../random.ts'
import type { Logger } from '../log.ts'
import { InvariantProbes, type InvariantResult } from './invariants/index.ts'
import { drawFaults, drawLeaderFaults, scheduleFaults } from './faults.ts'
import { pollUntil, readyNodes, unreadyDeployments } from './readiness.ts'
import { DEFAULT_SIM_NODES, SimCluster } from './sim-cluster.ts'
import type { TraceKeeping } from './simulation.ts'
import { runWorkload, type WorkloadStats } from './workload.ts'

export interface SimRunOptions {
  readonly seed: number
  readonly nodes?: number
  /** The run's virtual time budget after boot: half fault window, half (at most) convergence. Default 60. */
  readonly virtualSeconds?: number
  readonly trace?: TraceKeeping
  readonly log?: Logger
  /**
   * Faults aimed at the current leaders beside the others (default true). Off, a seed draws the
   * schedule it drew before they existed: the regression seeds found then replay their faults.
   */
  readonly leaderFaults?: boolean
}

export interface SimRunResult {
  readonly seed: number
  readonly nodes: number
  readonly results: readonly InvariantResult[]
  readonly held: boolean
  readonly virtualMs: number
  readonly wallMs: number
  readonly messages: number
  readonly digest: string
  /** The fault schedule and the workload's actions, one line each, in virtual time. */
  readonly events: readonly string[]
  readonly workload: WorkloadStats | undefined
  readonly cluster: SimCluster
}

/** The cluster gets this long (virtual) to boot: all nodes Ready. */
const BOOT_MS = 30_000
/** At least this long to converge after the faults, however short the run. */
const MIN_CONVERGE_MS = 20_000

export async function runSeed(options: SimRunOptions): Promise<SimRunResult> {
  const started = performance.now()
  const nodes = options.nodes ?? DEFAULT_SIM_NODES
  const budgetMs = (options.virtualSeconds ?? 60) * 1000
  const cluster = new SimCluster({ seed: options.seed, nodes, ...(options.trace ? { trace: options.trace } : {}), ...(options.log ? { log: options.log } : {}) })
  const { sim } = cluster
  const events: string[] = []
  const results: InvariantResult[] = []
  let workload: WorkloadStats | undefined
  const driver = cluster.client('driver')
  const finish = (): SimRunResult => ({
    seed: options.seed,
    nodes,
    results,
    held: results.every((r) => r.held),
    virtualMs: sim.clock.now(),
    wallMs: performance.now() - started,
    messages: sim.messages,
    digest: sim.digest(),
    events,
    workload,
    cluster,
  })

  const booted = await sim.drive(pollUntil(sim.clock, async () => (await readyNodes(driver)).length === nodes), BOOT_MS, 'boot').then(() => true, () => false)
  results.push({ name: 'cluster boots', held: booted, ...(booted ? {} : { detail: `not all ${nodes} nodes Ready within ${BOOT_MS} virtual ms`, at: sim.clock.now() }) })
  if (!booted) return finish()

  const probes = new InvariantProbes({ transport: sim.client('probes'), clock: sim.clock, random: seededRandom(Math.floor(cluster.random() * 2 ** 32)), cluster: cluster.cluster, apiservers: cluster.masters, storeReplicas: cluster.masters, trace: sim.trace })
  await sim.drive(probes.start(), 10_000, 'starting the probes')

  const faultStart = Math.ceil(sim.clock.now())
  const faultEnd = faultStart + budgetMs / 2
  const window = { startMs: faultStart, endMs: faultEnd }
  const faults = [...drawFaults(cluster.random, { masters: cluster.masters, workers: cluster.workers }, window), ...(options.leaderFaults === false ? [] : drawLeaderFaults(cluster.stream('leader-faults'), cluster.masters, window))]
  scheduleFaults(cluster, faults, (line) => events.push(`${sim.clock.now().toFixed(0)} ms fault: ${line}`))
  const workloadRandom = seededRandom(Math.floor(cluster.random() * 2 ** 32))
  const work = runWorkload(cluster, cluster.client(randomClientId('workload-', workloadRandom)), workloadRandom, { untilMs: faultEnd, onAction: (line) => events.push(line) })
  workload = await sim.drive(work, budgetMs, 'the workload')
  await sim.runUntil(faultEnd)
  // Quiet from here: whatever is still down or cut off comes back.
  cluster.heal()
  for (const host of cluster.hosts) if (sim.isPaused(host)) sim.resumeHost(host)
  for (const host of cluster.hosts) if (!sim.isUp(host)) await sim.drive(cluster.restart(host), 10_000, `restarting ${host}`)
  events.push(`${sim.clock.now().toFixed(0)} ms faults over`)

  const convergeMs = Math.max(MIN_CONVERGE_MS, budgetMs / 2)
  let behind: string[] = []
  const converged = await sim
    .drive(
      pollUntil(sim.clock, async () => {
        const ready = await readyNodes(driver)
        behind = [...cluster.workers.filter((w) => !ready.includes(w)).map((w) => `node ${w} not Ready`), ...(await unreadyDeployments(driver))]
        return behind.length === 0
      }, 500),
      convergeMs,
      'convergence',
    )
    .then(() => true, () => false)
  const checked = await sim.drive(probes.check({ convergeWithinMs: convergeMs }), 60_000, 'the invariant checks')
  // The probes' own convergence check, when they have one, says it better than the driver's wait.
  if (!converged || !checked.some((r) => r.name === 'convergence')) {
    results.push({ name: 'converges after faults', held: converged, ...(converged ? { detail: `in ${(sim.clock.now() - faultEnd).toFixed(0)} virtual ms` } : { detail: `within ${convergeMs} virtual ms still: ${behind.join('; ')}`, at: sim.clock.now() }) })
  }
  results.push(...checked)
  await sim.drive(probes.stop(), 10_000, 'stopping the probes').catch(() => {})
  return finish()
}
