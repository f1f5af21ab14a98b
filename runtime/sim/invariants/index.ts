/**
 * The whole-cluster simulation's invariant probes. `start()` (cluster up, before the faults) opens
 * the recording probes; `check()` (faults over) stops them, reads the final state and runs every
 * pure check, one result per invariant. Everything runs on the injected clock and random: a
 * seed's verdicts replay exactly.
 */
import { checkStoreLinearizable } from './store-linearizable.ts'
import { StoreProbe } from './store-probe.ts'
import type { InvariantResult, ProbeDeps } from './types.ts'

export type { InvariantResult, ProbeDeps } from './types.ts'

export interface CheckOptions {
  /** How long (virtual ms) Deployments get to become ready after the faults. */
  readonly convergeWithinMs?: number
}

export class InvariantProbes {
  readonly #deps: ProbeDeps
  readonly #store: StoreProbe
  #started = false

  constructor(deps: ProbeDeps) {
    if (deps.apiservers.length === 0) throw new RangeError('InvariantProbes: no apiservers')
    if (deps.storeReplicas.length === 0) throw new RangeError('InvariantProbes: no store replicas')
    this.#deps = deps
    this.#store = new StoreProbe(deps)
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('InvariantProbes: already started')
    this.#started = true
    this.#store.start()
  }

  async stop(): Promise<void> {
    await this.#store.stop()
    await this.#store.close()
  }

  async check(_options: CheckOptions = {}): Promise<InvariantResult[]> {
    if (!this.#started) throw new Error('InvariantProbes: check() before start()')
    await this.#store.stop()
    await this.#store.readAll()
    const history = this.#store.history()
    return [checkStoreLinearizable(history)]
  }
}
