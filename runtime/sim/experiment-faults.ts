/**
 * A ChaosExperiment's faults carried out on the simulated cluster (`npm run sim -- --experiment`,
 * issue 14 item 8). The simulated hosts are the real Host, serving the same chaos control
 * subjects, so every fault the live chaos controller grants to the hosts as a lease (message-*,
 * partition, actor-pause, actor-crash, clock-skew, disk-latency, disk-error, container-kill,
 * pod-failure, kubelet-stop) and pod-kill go through the live FaultInjector
 * (runtime/chaos/fault-injector.ts) over the simulated network: the grants, renewals and heals
 * are messages of the run, in its digest. What `up` or the operating system does to a host
 * process the simulation does itself: host-kill is kill -9 (a master's disk loses what it had not
 * synced) and a restart after `up`'s back-off, as `up` would; host-restart a stop with the disk
 * intact and the same restart; host-stop freezes the host's link until heal (Simulation.pauseHost).
 * nats-kill is refused before the run: the in-memory network has no nats-server.
 */
import type { PlannedFault } from '../../actors/chaos/experiment-plan.ts'
import { FAULT_KIND_NAMES } from '../../actors/chaos/fault-kinds.ts'
import { backoffDelay, DEFAULT_BACKOFF } from '../../actors/kit/supervisor.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { KnownHost } from '../chaos/chaos-targets.ts'
import { FaultInjector } from '../chaos/fault-injector.ts'
import { Requester } from '../transport/requester.ts'
import type { SimCluster } from './sim-cluster.ts'

/** What the simulation does itself to a host process, in place of `up` or a signal. */
export type ProcessFault = 'kill' | 'restart' | 'pause'

export const PROCESS_FAULTS: Readonly<Record<string, ProcessFault>> = { 'host-kill': 'kill', 'host-restart': 'restart', 'host-stop': 'pause' }

/** Why the simulation cannot carry out a kind. */
export const NOT_SIMULATED: Readonly<Record<string, string>> = {
  'nats-kill': 'the simulation has no nats-server to kill: its in-memory network is one bus',
}

/** One line per fault of `faults` the simulation cannot carry out (empty: it can run them all). */
export function unsimulatedFaults(faults: readonly { readonly name: string; readonly kind: string }[]): string[] {
  return faults.flatMap((f, i) => {
    const why = NOT_SIMULATED[f.kind] ?? (FAULT_KIND_NAMES.includes(f.kind) ? undefined : `not a fault kind (known: ${FAULT_KIND_NAMES.join(', ')})`)
    return why === undefined ? [] : [`spec.method.faults[${i}] (${f.name}): ${f.kind} cannot run in the simulation: ${why}`]
  })
}

/** How the simulation carries out a kind: itself (a process fault), or through the live injector. */
export const simulatedBy = (kind: string): 'simulation' | 'injector' | 'refused' => (PROCESS_FAULTS[kind] !== undefined ? 'simulation' : NOT_SIMULATED[kind] !== undefined || !FAULT_KIND_NAMES.includes(kind) ? 'refused' : 'injector')

export interface SimFaultDeps {
  readonly cluster: SimCluster
  readonly api: ApiClient
  /** The hosts answering now, with their roles and actors. */
  hosts(): Promise<readonly KnownHost[]>
  /** Hears what was done, one line each (the run's fault timeline). */
  readonly say: (line: string) => void
}

export class SimFaults {
  readonly #deps: SimFaultDeps
  readonly #requester: Requester
  readonly #injector: FaultInjector
  /** Deaths per host so far: `up` backs off its restarts by them. */
  readonly #deaths = new Map<string, number>()

  constructor(deps: SimFaultDeps) {
    this.#deps = deps
    const { sim } = deps.cluster
    this.#requester = new Requester(sim.client('chaos-injector-requests'), sim.clock)
    this.#injector = new FaultInjector({ transport: sim.client('chaos-injector'), requester: this.#requester, cluster: deps.cluster.cluster, api: deps.api, hosts: () => deps.hosts() })
  }

  /** Applies the fault to its targets for `ttlMs` (a lease, where it is one); throws (the step hears `inject.failed`) when it cannot. */
  async inject(fault: PlannedFault, lease: string, targets: readonly string[], ttlMs: number): Promise<void> {
    const { cluster, say } = this.#deps
    const sim = cluster.sim
    switch (PROCESS_FAULTS[fault.kind]) {
      case 'kill':
        for (const host of targets) {
          const delay = this.#died(host)
          say(`${fault.name}: kill -9 ${host}; up restarts it in ${delay} ms`)
          void cluster.kill(host)
          sim.clock.setTimeout(() => void cluster.restart(host), delay)
        }
        return
      case 'restart':
        for (const host of targets) {
          const delay = this.#died(host)
          say(`${fault.name}: restart ${host} (stopped with its disk intact, up starts it in ${delay} ms)`)
          void sim.killHost(host)
          sim.clock.setTimeout(() => void cluster.restart(host), delay)
        }
        return
      case 'pause':
        for (const host of targets) sim.pauseHost(host)
        return say(`${fault.name}: ${targets.join(', ')} stopped (link frozen)`)
      case undefined:
        if (NOT_SIMULATED[fault.kind] !== undefined) throw new Error(`fault kind ${fault.kind} cannot run in the simulation: ${NOT_SIMULATED[fault.kind]}`)
        await this.#injector.inject(fault, lease, targets, ttlMs)
        return say(`${fault.name}: ${fault.kind} on ${targets.join(', ')} granted by the live injector (lease ${lease}, ${ttlMs} ms)`)
    }
  }

  renew(fault: PlannedFault, lease: string, ttlMs: number): void {
    if (PROCESS_FAULTS[fault.kind] === undefined) this.#injector.renew(fault.kind, lease, ttlMs)
  }

  async heal(fault: PlannedFault, lease: string, targets: readonly string[]): Promise<void> {
    const { cluster, say } = this.#deps
    const process = PROCESS_FAULTS[fault.kind]
    // kill, restart: over once done (`up` restarted the host); heal only ends the window.
    if (process === 'kill' || process === 'restart') return
    if (process === 'pause') for (const host of targets) if (cluster.sim.isUp(host)) cluster.sim.resumeHost(host)
    if (process === undefined) await this.#injector.heal(fault.kind, lease, targets)
    say(`${fault.name}: healed`)
  }

  close(): void {
    this.#requester.close()
  }

  #died(host: string): number {
    const deaths = (this.#deaths.get(host) ?? 0) + 1
    this.#deaths.set(host, deaths)
    return backoffDelay(DEFAULT_BACKOFF, deaths)
  }
}
