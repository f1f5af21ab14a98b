/**
 * The whole-cluster simulation's invariant probes. `start()` (cluster up, before the faults) opens
 * the recording probes: a store workload, an API write workload, watches on pods, deployments,
 * nodes and the kube-system Leases, a store watch on the workload's prefix. `check()` (faults
 * over) waits for the Deployments to converge, stops the workloads, reads the final state and
 * runs every pure check, one result per invariant. Both make API and store calls: the driver must
 * keep virtual time moving while their promises are pending. Everything runs on the injected clock
 * and random, so a seed's verdicts replay exactly.
 */
import { storePrefix } from '../../../actors/apiserver/meta/keys.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { LEADER_DEFAULTS, SCHEDULER_LEADER_DEFAULTS } from '../../../actors/leader/leader-elected.machine.ts'
import type { LeaseRecord } from '../../../actors/leader/lease-election.ts'
import { ApiClient } from '../../apiserver/api-client.ts'
import { LEASES } from '../../leader/lease-elector.ts'
import { randomClientId } from '../../random.ts'
import { StoreClient } from '../../store/store-client.ts'
import { ACKNOWLEDGED_WRITES, checkAcknowledgedWrites } from './acknowledged-writes.ts'
import { ApiWatchRecorder, listCollection, type CollectionRecord } from './api-watch-recorder.ts'
import { API_PROBE_PATH, ApiWriteProbe } from './api-write-probe.ts'
import { awaitConvergence, checkConvergence, CONVERGENCE, DEPLOYMENTS } from './convergence.ts'
import { checkLeaderActing, LEADER_ACTING, type LeaseHistory, type TimedRecord } from './leader-acting.ts'
import { leaderActions, leaseWriteKey, leaseWriteTimes, revisionOf, type LeaderComponent } from './leader-actions.ts'
import { checkPodBindings, POD_BINDINGS } from './pod-bindings.ts'
import { checkStoreLinearizable, STORE_LINEARIZABLE } from './store-linearizable.ts'
import { STORE_PROBE_PREFIX, StoreProbe } from './store-probe.ts'
import { StoreWatchRecorder } from './store-watch-recorder.ts'
import type { InvariantResult, ProbeDeps } from './types.ts'
import { apiStreamObservation, storeStreamObservation, type ObservationTiming } from './watch-probe.ts'
import { checkWatchStreams, WATCH_STREAMS } from './watch-streams.ts'

export type { InvariantResult, ProbeDeps } from './types.ts'

export interface CheckOptions {
  /** How long (virtual ms) Deployments get to become ready after the faults (default 60 s). */
  readonly convergeWithinMs?: number
}

/** The API collections watched, with the store prefix their objects live under (for the replay). */
const WATCHED = {
  pods: { path: '/api/v1/pods', storePrefix: storePrefix({ resource: 'pods' }) },
  deployments: { path: DEPLOYMENTS, storePrefix: storePrefix({ group: 'apps', resource: 'deployments' }) },
  nodes: { path: '/api/v1/nodes', storePrefix: storePrefix({ resource: 'nodes' }) },
  leases: { path: LEASES, storePrefix: storePrefix({ group: 'coordination.k8s.io', resource: 'leases' }, 'kube-system') },
} as const
type Watched = keyof typeof WATCHED

/** The leader-elected components and their Leases (actors/scheduler, actors/controllers *.kind.ts). */
const LEADER_LEASES: readonly { readonly component: LeaderComponent; readonly lease: string; readonly renewDeadlineMs: number }[] = [
  { component: 'scheduler', lease: 'kube-scheduler', renewDeadlineMs: SCHEDULER_LEADER_DEFAULTS.renewDeadlineMs },
  { component: 'controller-manager', lease: 'kube-controller-manager', renewDeadlineMs: LEADER_DEFAULTS.renewDeadlineMs },
]

/** How long all streams together get to catch up with fresh lists (and replays to run) at check time. */
const STREAMS_BUDGET_MS = 15_000
const DEFAULT_CONVERGE_WITHIN_MS = 60_000

export class InvariantProbes {
  readonly #deps: ProbeDeps
  readonly #api: ApiClient
  readonly #storeClient: StoreClient
  readonly #store: StoreProbe
  readonly #apiWrites: ApiWriteProbe
  readonly #watches: Readonly<Record<Watched, ApiWatchRecorder>>
  readonly #storeWatch: StoreWatchRecorder
  #startedAt: number | undefined
  #stopped = false

  constructor(deps: ProbeDeps) {
    if (deps.apiservers.length === 0) throw new RangeError('InvariantProbes: no apiservers')
    if (deps.storeReplicas.length === 0) throw new RangeError('InvariantProbes: no store replicas')
    this.#deps = deps
    this.#api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: deps.apiservers, clock: deps.clock, clientId: randomClientId('simapi', deps.random) })
    this.#storeClient = new StoreClient({ transport: deps.transport, clock: deps.clock, cluster: deps.cluster, replicas: deps.storeReplicas, clientId: randomClientId('simwatch', deps.random) })
    this.#store = new StoreProbe(deps)
    this.#apiWrites = new ApiWriteProbe(this.#api, deps)
    const recorder = (name: Watched) => new ApiWatchRecorder(this.#api, WATCHED[name].path, deps.clock)
    this.#watches = { pods: recorder('pods'), deployments: recorder('deployments'), nodes: recorder('nodes'), leases: recorder('leases') }
    this.#storeWatch = new StoreWatchRecorder(this.#storeClient, STORE_PROBE_PREFIX, deps.clock)
  }

  async start(): Promise<void> {
    if (this.#startedAt !== undefined) throw new Error('InvariantProbes: already started')
    this.#startedAt = this.#deps.clock.now()
    for (const recorder of Object.values(this.#watches)) await recorder.start()
    await this.#storeWatch.start()
    this.#store.start()
    this.#apiWrites.start()
  }

  /** Stops the workloads and closes every watch and client (after check(), if that is wanted). */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await this.#stopWorkloads()
    for (const recorder of Object.values(this.#watches)) await recorder.stop()
    await this.#storeWatch.stop()
    await this.#store.close()
    await this.#storeClient.close()
    await this.#api.close()
  }

  async check(options: CheckOptions = {}): Promise<InvariantResult[]> {
    if (this.#startedAt === undefined || this.#stopped) throw new Error('InvariantProbes: check() needs a started, not yet stopped probe')
    const clock = this.#deps.clock
    // Convergence is timed from the faults' end, while the workloads wind down beside it.
    const converging = awaitConvergence(this.#api, clock, clock.now(), options.convergeWithinMs ?? DEFAULT_CONVERGE_WITHIN_MS)
    await this.#stopWorkloads()
    await this.#store.readAll()
    const convergence = await guarded(CONVERGENCE, async () => checkConvergence(await converging))
    const history = this.#store.history()
    return [
      await guarded(STORE_LINEARIZABLE, async () => checkStoreLinearizable(history)),
      await guarded(WATCH_STREAMS, () => this.#checkStreams()),
      await guarded(ACKNOWLEDGED_WRITES, async () => {
        const configMaps = await listCollection(this.#api, API_PROBE_PATH)
        const uids = new Map([...configMaps.objects.values()].map((o) => [o.metadata?.name ?? '', o.metadata?.uid ?? '']))
        return checkAcknowledgedWrites(history, this.#apiWrites.writes, uids)
      }),
      await guarded(LEADER_ACTING, async () => this.#checkLeaders()),
      await guarded(POD_BINDINGS, async () => checkPodBindings(this.#watches.pods.record(), this.#watches.nodes.record())),
      convergence,
    ]
  }

  async #checkStreams(): Promise<InvariantResult> {
    const clock = this.#deps.clock
    const deadline = clock.now() + STREAMS_BUDGET_MS
    // One budget for all: a cluster that never answers must not keep the check waiting per stream.
    const timing = (): ObservationTiming => ({ clock, timeoutMs: Math.max(500, deadline - clock.now()) })
    const streams = []
    for (const name of Object.keys(WATCHED) as Watched[]) streams.push(await apiStreamObservation(this.#watches[name], this.#api, this.#storeClient, WATCHED[name].storePrefix, timing()))
    streams.push(await storeStreamObservation(this.#storeWatch, this.#storeClient, timing()))
    return checkWatchStreams(streams)
  }

  #checkLeaders(): InvariantResult {
    const until = this.#deps.clock.now()
    const leases = this.#watches.leases.record()
    const sent = this.#deps.trace === undefined ? new Map<string, number>() : leaseWriteTimes(this.#deps.trace, this.#deps.cluster, LEASES)
    const histories: LeaseHistory[] = LEADER_LEASES.map(({ component, lease, renewDeadlineMs }) => ({
      component,
      lease,
      records: leaseRecords(leases, lease, this.#startedAt!).map((r) => ({ ...r, at: sent.get(leaseWriteKey(r.record.holderIdentity, r.record.renewTime)) ?? r.at })),
      renewDeadlineMs: this.#deps.renewDeadlineMs ?? renewDeadlineMs,
      hosts: [...this.#deps.apiservers, ...(this.#deps.leaderHosts ?? [])],
    }))
    const actions = this.#deps.trace === undefined ? [] : leaderActions(this.#deps.trace, this.#deps.cluster)
    // A cluster's leaders always write (Leases aside: bindings, replica sets, pods); none seen means
    // the trace kept nothing to judge, and a check that judged nothing must not pass.
    if (this.#deps.trace !== undefined && actions.length === 0) {
      return { name: LEADER_ACTING, held: false, detail: 'no leader write in the trace: it kept no messages to judge (run with trace keeping "all")' }
    }
    const result = checkLeaderActing(histories, actions, { from: this.#startedAt!, until, traced: this.#deps.trace !== undefined })
    return this.#deps.trace === undefined && result.held ? { ...result, detail: `${result.detail} (no trace given: only the terms were checked)` } : result
  }

  async #stopWorkloads(): Promise<void> {
    await this.#store.stop()
    await this.#apiWrites.stop()
  }
}

/** The records one Lease held while watched, in order (the listed one, then every write), each when the probe saw it and at which store revision. */
function leaseRecords(record: CollectionRecord, name: string, listedAt: number): TimedRecord[] {
  const timed = (o: KubeObject, at: number): TimedRecord => {
    const revision = revisionOf(o)
    return { record: (o.spec ?? {}) as LeaseRecord, at, ...(revision !== undefined ? { revision } : {}) }
  }
  const listed = [...record.listed.values()].filter((o) => o.metadata?.name === name).map((o) => timed(o, listedAt))
  const written = record.events.filter((e) => e.type !== 'DELETED' && e.object.metadata?.name === name).map((e) => timed(e.object, e.at))
  return [...listed, ...written]
}

/** A check that threw (an API call that never answered, say) is reported as not holding, with why. */
async function guarded(name: string, check: () => Promise<InvariantResult>): Promise<InvariantResult> {
  try {
    return await check()
  } catch (error) {
    return { name, held: false, detail: `could not be checked: ${error instanceof Error ? error.message : String(error)}` }
  }
}
