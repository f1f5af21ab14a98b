/**
 * The whole cluster in one {@link Simulation}: the hosts `actorkube up` plans (runtime/cluster/
 * local-cluster.ts), three masters (store replica on a MemoryDisk, the apiserver's NATS side,
 * leader-elected scheduler and controller manager) and N hollow kubelet hosts of one node each,
 * with the node heartbeats and grace period at their fast defaults so that a node's death shows
 * within seconds of virtual time.
 */
import { ApiClient } from '../apiserver/api-client.ts'
import { planHosts, storeVoters, type ClusterShape } from '../cluster/local-cluster.ts'
import type { Logger } from '../log.ts'
import { randomClientId, seededRandom, type Random } from '../random.ts'
import { StoreClient } from '../store/store-client.ts'
import { hostOfIdentity } from './invariants/leader-acting.ts'
import { MemoryDisk } from './memory-disk.ts'
import { Simulation, type TraceKeeping } from './simulation.ts'

export interface SimClusterOptions {
  readonly seed: number
  /** Hollow kubelet hosts, one node each (default 5). */
  readonly nodes?: number
  readonly log?: Logger
  readonly trace?: TraceKeeping
}

export const DEFAULT_SIM_NODES = 5

/** What a master may lead: the store (Raft), the scheduler and the controller manager (Leases). */
export type LeaderRole = 'store' | 'scheduler' | 'controller-manager'
export const LEADER_ROLES: readonly LeaderRole[] = ['store', 'scheduler', 'controller-manager']

const LEASE_PATHS: Readonly<Record<Exclude<LeaderRole, 'store'>, string>> = {
  scheduler: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler',
  'controller-manager': '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager',
}

/** How long the leader lookup waits for an answer before the fault falls back to its drawn host. */
const LEADER_LOOKUP_MS = 1000

type Actor = { kind: string; id: string; options?: Record<string, unknown> }

/** What differs from `up`'s plan in the simulation: no sockets, no files outside the MemoryDisk, fast heartbeats. */
function simulated(actor: Actor): Actor {
  const options = { ...actor.options }
  if (actor.kind === 'apiserver') {
    options.https = false
    delete options.securityDir
  }
  if (actor.kind === 'kubelet') {
    options.readOnlyPort = null
    delete options.leaseDurationSeconds
    delete options.leaseRenewIntervalMs
  }
  if (actor.kind === 'controllermanager') {
    delete options.nodeGracePeriodMs
    // No CA without the apiserver's security dir: the root CA publisher stays idle.
    delete options.rootCaFile
  }
  return { ...actor, options }
}

export class SimCluster {
  readonly sim: Simulation
  readonly cluster: string
  /** Master hosts; each carries the store replica and apiserver of the same id. */
  readonly masters: readonly string[]
  /** Hollow kubelet hosts; each carries one node named after it. */
  readonly workers: readonly string[]
  readonly disks = new Map<string, MemoryDisk>()
  /** A stream of its own for the driver's choices (faults, workload), apart from the hosts'. */
  readonly random: Random
  #partition: readonly (readonly string[])[] | undefined
  #leaderLookup: { readonly store: StoreClient; readonly api: ApiClient } | undefined

  constructor(options: SimClusterOptions) {
    const nodes = options.nodes ?? DEFAULT_SIM_NODES
    if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes must be a whole number >= 1, got ${nodes}`)
    this.sim = new Simulation(options.seed, { ...(options.log ? { log: options.log } : {}), ...(options.trace ? { trace: options.trace } : {}) })
    this.random = seededRandom((options.seed ^ 0x5eed5eed) >>> 0)
    const shape: ClusterShape = { cluster: 'c1', masters: 3, workers: 0, hollowNodes: 1, hollowHosts: nodes }
    this.cluster = shape.cluster
    this.masters = storeVoters(shape)
    const plans = planHosts(shape, ['nats://simulated'], '/sim', 0)
    this.workers = plans.filter((p) => p.role === 'worker').map((p) => p.host)
    for (const plan of plans) {
      const config = plan.config as { actors: Actor[] }
      // The chaos controller stays out: a third elector per master would change every seed's schedule.
      // Experiments replay through its pure step, driven by experiment-run.ts (`--experiment FILE`).
      const simConfig = { ...plan.config, actors: config.actors.filter((a) => a.kind !== 'chaoscontroller').map(simulated) }
      if (plan.role === 'master') {
        const disk = new MemoryDisk(this.sim.clock, seededRandom(this.#streamSeed(`disk:${plan.host}`)))
        this.disks.set(plan.host, disk)
        this.sim.addHost(simConfig, { io: () => disk.incarnation() })
      } else {
        this.sim.addHost(simConfig)
      }
    }
  }

  get hosts(): readonly string[] {
    return [...this.masters, ...this.workers]
  }

  /** An API client on a connection of its own, as an outside caller (workload, probes) would have. */
  client(name: string, timeoutMs = 5000): ApiClient {
    return new ApiClient({ transport: this.sim.client(name), cluster: this.cluster, apiservers: this.masters, clock: this.sim.clock, timeoutMs, clientId: randomClientId('w', this.random) })
  }

  /** A random stream of its own for `name`, derived from the seed (drawing from it shifts no other stream). */
  stream(name: string): Random {
    return seededRandom(this.#streamSeed(name))
  }

  /**
   * The master that leads `role` now, as the cluster says: the replica a status round names, or
   * the host of the Lease's holder. Undefined when nobody answers in time (a partition, a kill).
   */
  async leaderOf(role: LeaderRole): Promise<string | undefined> {
    // Fixed client ids: the lookup draws nothing from the driver's stream.
    this.#leaderLookup ??= {
      store: new StoreClient({ transport: this.sim.client('leader-lookup'), clock: this.sim.clock, cluster: this.cluster, replicas: this.masters, clientId: 'leader-lookup', requestTimeoutMs: LEADER_LOOKUP_MS }),
      api: new ApiClient({ transport: this.sim.client('leader-lookup-api'), cluster: this.cluster, apiservers: this.masters, clock: this.sim.clock, timeoutMs: LEADER_LOOKUP_MS, clientId: 'leader-lookup' }),
    }
    const lookup = this.#leaderLookup
    const host =
      role === 'store'
        ? await lookup.store.leader().catch(() => undefined)
        : await lookup.api.get(LEASE_PATHS[role]).then(
            (lease) => hostOfIdentity((lease as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? ''),
            () => undefined,
          )
    return host !== undefined && this.masters.includes(host) ? host : undefined
  }

  /** Masters killed or paused now. */
  mastersOut(): string[] {
    return this.masters.filter((m) => !this.sim.isUp(m) || this.sim.isPaused(m))
  }

  /** kill -9 of a host: off the network at once; a master's disk loses what it had not synced. */
  kill(host: string): Promise<void> {
    const dying = this.sim.killHost(host)
    this.disks.get(host)?.crash()
    return dying
  }

  async restart(host: string): Promise<void> {
    const started = await this.sim.restartHost(host)
    // The network's faults are not the process's: a host that comes back into a partition is in it.
    if (this.#partition) started.faults.partition(this.#partition)
  }

  /** Splits the network into `groups` (on every host, as a partition is applied on ingress). */
  partition(groups: readonly (readonly string[])[]): void {
    this.#partition = groups
    for (const host of this.sim.hosts.values()) host.faults.partition(groups)
  }

  heal(): void {
    this.#partition = undefined
    for (const host of this.sim.hosts.values()) host.faults.heal()
  }

  #streamSeed(name: string): number {
    let h = this.sim.seed >>> 0
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
    return h
  }
}
