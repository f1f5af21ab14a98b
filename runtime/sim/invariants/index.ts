/**
 * The whole-cluster simulation's invariant probes. `start()` (cluster up, before the faults) opens
 * the recording probes: a store workload, an API write workload, watches on pods, deployments,
 * nodes and the leader Leases, a store watch. `check()` (faults over) stops the workloads, reads
 * the final state and runs every pure check, one result per invariant. Both make API and store
 * calls: the driver must keep virtual time moving while their promises are pending. Everything
 * runs on the injected clock and random, so a seed's verdicts replay exactly.
 */
import { ApiClient } from '../../apiserver/api-client.ts'
import { randomClientId } from '../../random.ts'
import { StoreClient } from '../../store/store-client.ts'
import { checkAcknowledgedWrites } from './acknowledged-writes.ts'
import { ApiWatchRecorder, listCollection } from './api-watch-recorder.ts'
import { API_PROBE_PATH, ApiWriteProbe } from './api-write-probe.ts'
import { checkStoreLinearizable } from './store-linearizable.ts'
import { STORE_PROBE_PREFIX, StoreProbe } from './store-probe.ts'
import { StoreWatchRecorder } from './store-watch-recorder.ts'
import type { InvariantResult, ProbeDeps } from './types.ts'
import { apiStreamObservation, storeStreamObservation, type ObservationTiming } from './watch-probe.ts'
import { checkWatchStreams } from './watch-streams.ts'

export type { InvariantResult, ProbeDeps } from './types.ts'

export interface CheckOptions {
  /** How long (virtual ms) Deployments get to become ready after the faults. */
  readonly convergeWithinMs?: number
}

/** The API collections watched, with the store prefix their objects live under (for the replay). */
const WATCHED = [
  { path: '/api/v1/pods', storePrefix: '/registry/core/pods/' },
  { path: '/apis/apps/v1/deployments', storePrefix: '/registry/apps/deployments/' },
] as const

/** How long a stream gets to catch up with a fresh list at check time. */
const CATCH_UP_MS = 10_000

export class InvariantProbes {
  readonly #deps: ProbeDeps
  readonly #api: ApiClient
  readonly #storeClient: StoreClient
  readonly #store: StoreProbe
  readonly #apiWrites: ApiWriteProbe
  readonly #watches: readonly { readonly recorder: ApiWatchRecorder; readonly storePrefix: string }[]
  readonly #storeWatch: StoreWatchRecorder
  #started = false
  #stopped = false

  constructor(deps: ProbeDeps) {
    if (deps.apiservers.length === 0) throw new RangeError('InvariantProbes: no apiservers')
    if (deps.storeReplicas.length === 0) throw new RangeError('InvariantProbes: no store replicas')
    this.#deps = deps
    this.#api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: deps.apiservers, clock: deps.clock, clientId: randomClientId('simapi', deps.random) })
    this.#storeClient = new StoreClient({ transport: deps.transport, clock: deps.clock, cluster: deps.cluster, replicas: deps.storeReplicas, clientId: randomClientId('simwatch', deps.random) })
    this.#store = new StoreProbe(deps)
    this.#apiWrites = new ApiWriteProbe(this.#api, deps)
    this.#watches = WATCHED.map((w) => ({ recorder: new ApiWatchRecorder(this.#api, w.path, deps.clock), storePrefix: w.storePrefix }))
    this.#storeWatch = new StoreWatchRecorder(this.#storeClient, STORE_PROBE_PREFIX, deps.clock)
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('InvariantProbes: already started')
    this.#started = true
    for (const w of this.#watches) await w.recorder.start()
    await this.#storeWatch.start()
    this.#store.start()
    this.#apiWrites.start()
  }

  /** Stops the workloads and closes every watch and client (check() first, if at all). */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await this.#stopWorkloads()
    for (const w of this.#watches) await w.recorder.stop()
    await this.#storeWatch.stop()
    await this.#store.close()
    await this.#storeClient.close()
    await this.#api.close()
  }

  async check(_options: CheckOptions = {}): Promise<InvariantResult[]> {
    if (!this.#started || this.#stopped) throw new Error('InvariantProbes: check() needs a started, not yet stopped probe')
    await this.#stopWorkloads()
    await this.#store.readAll()
    const history = this.#store.history()
    const timing: ObservationTiming = { clock: this.#deps.clock, timeoutMs: CATCH_UP_MS }
    const streams = [
      ...(await Promise.all(this.#watches.map((w) => apiStreamObservation(w.recorder, this.#api, this.#storeClient, w.storePrefix, timing)))),
      await storeStreamObservation(this.#storeWatch, this.#storeClient, timing),
    ]
    const configMaps = await listCollection(this.#api, API_PROBE_PATH)
    const uids = new Map([...configMaps.objects.values()].map((o) => [o.metadata?.name ?? '', o.metadata?.uid ?? '']))
    return [checkStoreLinearizable(history), checkWatchStreams(streams), checkAcknowledgedWrites(history, this.#apiWrites.writes, uids)]
  }

  async #stopWorkloads(): Promise<void> {
    await this.#store.stop()
    await this.#apiWrites.stop()
  }
}
