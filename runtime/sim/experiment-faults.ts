/**
 * A ChaosExperiment's faults carried out on the simulated cluster (`npm run sim -- --experiment`,
 * issue 14 item 8): the experiment step's `inject` / `heal` become what the simulation does to its
 * hosts. host-kill: kill -9 (a master's disk loses what it had not synced), restarted after `up`'s
 * backoff as `up` would; host-restart: stopped and started again, its disk intact; host-stop: its
 * link frozen until heal (Simulation.pauseHost); actor-pause: the actor paused in its host's
 * network; partition; message-*: a fault rule on the targets' published subjects; disk-latency /
 * disk-error: the replica's MemoryDisk slowed / failing writes; clock-skew: the host's clock
 * offset; pod-kill: the pods deleted through the API; kubelet-stop: the node's hollow kubelet host
 * killed until heal. What the simulation cannot do is refused before the run, with why.
 *
 * Nothing is leased: the driver that heals is the run itself, which cannot die mid-experiment.
 */
import { parseDuration } from '../../actors/chaos/duration.ts'
import type { PlannedFault } from '../../actors/chaos/experiment-plan.ts'
import { FAULT_KIND_NAMES } from '../../actors/chaos/fault-kinds.ts'
import { backoffDelay, DEFAULT_BACKOFF } from '../../actors/kit/supervisor.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { KnownHost } from '../chaos/chaos-targets.ts'
import { parseFaultRule, type FaultRule } from '../chaos/fault-rules.ts'
import type { SimCluster } from './sim-cluster.ts'

/** What the simulation does for a fault kind. */
export type SimFaultKind = 'kill' | 'restart' | 'pause' | 'actor-pause' | 'partition' | 'messages' | 'slow-disk' | 'disk-error' | 'skew' | 'pod-delete' | 'kubelet-kill'

export const SIM_FAULT_OF: Readonly<Record<string, SimFaultKind>> = {
  'host-kill': 'kill',
  'host-restart': 'restart',
  'host-stop': 'pause',
  'actor-pause': 'actor-pause',
  partition: 'partition',
  'message-drop': 'messages',
  'message-delay': 'messages',
  'message-duplicate': 'messages',
  'message-reorder': 'messages',
  'disk-latency': 'slow-disk',
  'disk-error': 'disk-error',
  'clock-skew': 'skew',
  'pod-kill': 'pod-delete',
  'kubelet-stop': 'kubelet-kill',
}

/** Why the simulation cannot carry out a kind (every kind is in exactly one of the two tables). */
export const NOT_SIMULATED: Readonly<Record<string, string>> = {
  'actor-crash': 'the simulation cannot fail one actor of a host yet (host-kill kills the whole host)',
  'container-kill': 'the hollow kubelets of the simulation run no containers',
  'pod-failure': 'the hollow kubelets of the simulation run no containers',
  'nats-kill': 'the simulation has no nats-server to kill: its in-memory network is one bus',
}

/** One line per fault of `faults` the simulation cannot carry out (empty: it can run them all). */
export function unsimulatedFaults(faults: readonly { readonly name: string; readonly kind: string }[]): string[] {
  return faults.flatMap((f, i) => {
    if (SIM_FAULT_OF[f.kind] !== undefined) return []
    const why = NOT_SIMULATED[f.kind] ?? `not a fault kind (known: ${FAULT_KIND_NAMES.join(', ')})`
    return [`spec.method.faults[${i}] (${f.name}): ${f.kind} cannot run in the simulation: ${why}`]
  })
}

const ms = (value: unknown): number | undefined => (typeof value === 'string' ? parseDuration(value) : undefined)

/** The fault rule a message-* fault puts on its hosts, with the same defaults as the hosts' fault layer. */
export function messageRule(fault: PlannedFault, id: string): FaultRule {
  const p = fault.params
  return parseFaultRule({ id, kind: fault.kind.replace('message-', ''), subject: p.subject, probability: p.probability ?? 1, ...(ms(p.latency) !== undefined ? { delayMs: ms(p.latency) } : {}), ...(ms(p.jitter) !== undefined ? { jitterMs: ms(p.jitter) } : {}) }, `${fault.name}.params`)
}

/** The partition's groups: the spec's `groups`, else the targets against every other host (as the live injector). */
export function partitionGroups(fault: PlannedFault, targets: readonly string[], hosts: readonly string[]): (readonly string[])[] {
  return fault.target.groups !== undefined ? [...fault.target.groups] : [[...targets], hosts.filter((h) => !targets.includes(h))]
}

/** MemoryDisk's default fsync latency is 0.5-3 ms: `latency` more, as a factor on it. */
const MEAN_FSYNC_MS = 1.75
export const slowFactor = (latencyMs: number): number => 1 + latencyMs / MEAN_FSYNC_MS

/** The hosts of targets that are hosts or actors (`component/id`), as the live injector reads them. */
export function hostsOf(targets: readonly string[], known: readonly KnownHost[]): string[] {
  return [...new Set(targets.flatMap((t) => (t.includes('/') ? known.filter((h) => h.actors.includes(t)).map((h) => h.host) : [t])))]
}

export interface SimFaultDeps {
  readonly cluster: SimCluster
  readonly api: ApiClient
  /** The hosts answering now, with their actors. */
  hosts(): Promise<readonly KnownHost[]>
  /** Hears what was done, one line each (the run's fault timeline). */
  readonly say: (line: string) => void
}

export class SimFaults {
  readonly #deps: SimFaultDeps
  /** Deaths per host so far: `up` backs off its restarts by them. */
  readonly #deaths = new Map<string, number>()

  constructor(deps: SimFaultDeps) {
    this.#deps = deps
  }

  /** Applies the fault to its targets; throws (the step hears `inject.failed`) when it cannot. */
  async inject(fault: PlannedFault, id: string, targets: readonly string[]): Promise<void> {
    const { cluster, say } = this.#deps
    const sim = cluster.sim
    const what = SIM_FAULT_OF[fault.kind]
    const hosts = () => this.#hosts(targets)
    switch (what) {
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
          say(`${fault.name}: restart ${host} (stopped with its disk intact, started in ${delay} ms)`)
          void sim.killHost(host)
          sim.clock.setTimeout(() => void cluster.restart(host), delay)
        }
        return
      case 'pause':
        for (const host of targets) sim.pauseHost(host)
        return say(`${fault.name}: ${targets.join(', ')} stopped (link frozen)`)
      case 'actor-pause':
        for (const actor of targets) for (const host of await hosts()) sim.hosts.get(host)?.network.pause(actor)
        return say(`${fault.name}: ${targets.join(', ')} paused`)
      case 'partition': {
        const groups = partitionGroups(fault, targets, cluster.hosts)
        cluster.partition(groups)
        return say(`${fault.name}: partition ${groups.map((g) => `[${g.join(' ')}]`).join(' | ')}`)
      }
      case 'messages': {
        const rule = messageRule(fault, id)
        const on = await hosts()
        if (on.length === 0) throw new Error('no host answers for the targets')
        for (const host of on) sim.hosts.get(host)?.faults.setRule(rule)
        return say(`${fault.name}: ${rule.kind} p=${rule.probability} of ${rule.subject} from ${on.join(', ')}`)
      }
      case 'slow-disk':
      case 'disk-error': {
        const disks = (await hosts()).map((host) => ({ host, disk: cluster.disks.get(host) }))
        const missing = disks.filter((d) => d.disk === undefined).map((d) => d.host)
        if (missing.length > 0) throw new Error(`no store replica on ${missing.join(', ')}`)
        const factor = slowFactor(ms(fault.params.latency) ?? 0)
        for (const { disk } of disks) if (what === 'slow-disk') disk!.slow(factor)
        else disk!.failWrites(true)
        return say(`${fault.name}: ${what === 'slow-disk' ? `fsync x${factor.toFixed(0)}` : 'every write fails (the simulated disk fails all or none)'} on ${disks.map((d) => d.host).join(', ')}`)
      }
      case 'skew': {
        const offset = ms(fault.params.offset) ?? 0
        for (const host of await hosts()) sim.clockOf(host).offsetMs = offset
        return say(`${fault.name}: clock of ${(await hosts()).join(', ')} ${offset >= 0 ? '+' : ''}${offset} ms`)
      }
      case 'pod-delete':
        for (const pod of targets) await this.#deps.api.delete(`/api/v1/namespaces/${pod.split('/')[0]}/pods/${pod.split('/')[1]}`)
        return say(`${fault.name}: deleted pods ${targets.join(', ')}`)
      case 'kubelet-kill':
        for (const node of targets) void cluster.kill(node)
        return say(`${fault.name}: kubelet hosts ${targets.join(', ')} killed until heal`)
      case undefined:
        throw new Error(`fault kind ${fault.kind} cannot run in the simulation`)
    }
  }

  async heal(fault: PlannedFault, id: string, targets: readonly string[]): Promise<void> {
    const { cluster, say } = this.#deps
    const sim = cluster.sim
    switch (SIM_FAULT_OF[fault.kind]) {
      case 'pause':
        for (const host of targets) if (sim.isUp(host)) sim.resumeHost(host)
        break
      case 'actor-pause':
        for (const actor of targets) for (const host of await this.#hosts(targets)) sim.hosts.get(host)?.network.resume(actor)
        break
      case 'partition':
        cluster.heal()
        break
      case 'messages':
        for (const host of cluster.hosts) sim.hosts.get(host)?.faults.clearRules(id)
        break
      case 'slow-disk':
      case 'disk-error':
        for (const host of await this.#hosts(targets)) {
          cluster.disks.get(host)?.slow(1)
          cluster.disks.get(host)?.failWrites(false)
        }
        break
      case 'skew':
        for (const host of await this.#hosts(targets)) sim.clockOf(host).offsetMs = 0
        break
      case 'kubelet-kill':
        for (const node of targets) await cluster.restart(node)
        break
      default:
        // kill, restart, pod-delete: over once done (`up` restarted the host, the controller made new pods).
        return
    }
    say(`${fault.name}: healed`)
  }

  #died(host: string): number {
    const deaths = (this.#deaths.get(host) ?? 0) + 1
    this.#deaths.set(host, deaths)
    return backoffDelay(DEFAULT_BACKOFF, deaths)
  }

  async #hosts(targets: readonly string[]): Promise<string[]> {
    return targets.some((t) => t.includes('/')) ? hostsOf(targets, await this.#deps.hosts()) : [...targets]
  }
}
