/**
 * The chaos controller's store probes: each run of a `type: store` probe puts one value and reads
 * one key under the probe's own prefix (actors/chaos/store-probe-plan.ts says which), through a
 * StoreClient of its own, recording both in a history with their invoke and complete times. A put
 * or get that fails or outlives the probe's timeout fails the run (its outcome stays unknown in
 * the history: it may still apply). After the experiment `check` reads every key one last time,
 * checks the history with the project's linearizability checker (runtime/check/kv-check.ts) and
 * counts the acknowledged writes the final reads do not show (the simulation's invariant,
 * runtime/sim/invariants/acknowledged-writes.ts), then deletes the probe's keys.
 *
 * The history lives in this controller's memory: a controller that takes over mid-experiment
 * checks only what it recorded itself (its own runs, from the takeover on).
 */
import type { ProbeSpec } from '../../actors/chaos/api.ts'
import { storeProbeKeys, storeProbePrefix, storeProbeRun, type StoreProbeCheck } from '../../actors/chaos/store-probe-plan.ts'
import { HistoryRecorder } from '../check/history.ts'
import { checkKvHistory } from '../check/kv-check.ts'
import type { KvInput, KvOutput } from '../check/kv-model.ts'
import type { Clock } from '../clock.ts'
import { randomClientId, type Random } from '../random.ts'
import { FINAL_READER, storeWritesLost } from '../sim/invariants/acknowledged-writes.ts'
import { StoreClient } from '../store/store-client.ts'
import type { Transport } from '../transport/transport.ts'
import type { ProbeResult } from './chaos-probes.ts'

export interface StoreProbeDeps {
  readonly transport: Transport
  readonly clock: Clock
  readonly cluster: string
  /** The store's replica ids. */
  readonly replicas: readonly string[]
  /** The host's Random, for the clients' ids (the simulation replays them). */
  readonly random: Random
  /** This controller's term (its host and when it began leading): its probes' keys are its own. */
  readonly term: string
}

/** The experiment a probe runs for. */
export interface ProbedExperiment {
  readonly namespace: string
  readonly name: string
  readonly uid: string
}

/** How long the final reads may keep trying (the store may still be electing). */
const FINAL_READS_MS = 15_000
/** The linearizability search gives up (verdict unknown: reported as not linearizable) after this. */
const CHECK_TIMEOUT_MS = 10_000

const text = new TextEncoder()
const untext = new TextDecoder()

/** One store probe of one experiment: its client, its history. */
export class StoreProbe {
  readonly prefix: string
  readonly #client: StoreClient
  readonly #recorder: HistoryRecorder<KvInput, KvOutput>
  readonly #clock: Clock
  #runs = 0
  /** The run in flight: the check waits for it, so no write of it lands after the final reads. */
  #running: Promise<ProbeResult> | undefined

  constructor(deps: StoreProbeDeps, prefix: string) {
    this.prefix = prefix
    this.#clock = deps.clock
    this.#client = new StoreClient({ transport: deps.transport, clock: deps.clock, cluster: deps.cluster, replicas: deps.replicas, requestTimeoutMs: 500, clientId: randomClientId('c', deps.random) })
    this.#recorder = new HistoryRecorder(() => deps.clock.now())
  }

  /** One run: a put, then a get, each within `timeoutMs` in all. */
  run(timeoutMs: number): Promise<ProbeResult> {
    const running = this.#runOnce(timeoutMs)
    this.#running = running
    return running
  }

  async #runOnce(timeoutMs: number): Promise<ProbeResult> {
    const { put, get } = storeProbeRun(this.prefix, this.#runs++)
    const deadline = this.#clock.now() + timeoutMs
    const left = (): number => Math.max(1, deadline - this.#clock.now())
    try {
      await this.#call('probe', { op: 'put', key: put.key, value: put.value }, left())
      await this.#call('probe', { op: 'get', key: get }, left())
      return { ok: true }
    } catch (error) {
      return { ok: false, error: `store: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  /** The final reads, the check, and the probe's keys deleted. */
  async check(name: string): Promise<StoreProbeCheck> {
    await this.#running
    await this.#finalReads()
    const history = this.#recorder.history()
    const report = checkKvHistory(history, { timeoutMs: CHECK_TIMEOUT_MS })
    const lost = storeWritesLost(history)
    const detail = [report.verdict === 'ok' ? undefined : report.message, ...lost.slice(0, 3).map((v) => v.message)].filter((d) => d !== undefined).join('; ')
    await this.#client.delete({ key: this.prefix, prefix: true }, { deadlineMs: 5_000 }).catch(() => undefined)
    return { name, linearizable: report.verdict === 'ok', operations: history.length, ackedWritesLost: lost.length, ...(detail !== '' ? { detail } : {}) }
  }

  close(): Promise<void> {
    return this.#client.close()
  }

  /** One acknowledged read of every key (retried until it answers, or FINAL_READS_MS). */
  async #finalReads(): Promise<void> {
    const until = this.#clock.now() + FINAL_READS_MS
    for (const key of storeProbeKeys(this.prefix)) {
      while (this.#clock.now() < until) {
        const answered = await this.#call(FINAL_READER, { op: 'get', key }, 2_000).then(() => true, () => false)
        if (answered) break
      }
    }
  }

  #call(who: string, input: KvInput, deadlineMs: number): Promise<KvOutput> {
    return this.#recorder.record(who, input, () => call(this.#client, input, deadlineMs))
  }
}

async function call(client: StoreClient, input: KvInput, deadlineMs: number): Promise<KvOutput> {
  if (input.op === 'put') return { revision: (await client.put(input.key, text.encode(input.value), { deadlineMs })).revision }
  if (input.op === 'get') {
    const r = await client.get(input.key, { deadlineMs })
    return { value: r.kv ? untext.decode(r.kv.value) : null, modRevision: r.kv?.modRevision ?? 0, header: r.revision }
  }
  throw new TypeError(`the chaos store probe issues no ${input.op}`)
}

/** The store probes of every running experiment, by experiment uid and probe name. */
export class StoreProbes {
  readonly #deps: StoreProbeDeps
  readonly #probes = new Map<string, StoreProbe>()

  constructor(deps: StoreProbeDeps) {
    this.#deps = deps
  }

  /** The probe for this experiment and spec, made on its first run. */
  of(experiment: ProbedExperiment, spec: ProbeSpec): StoreProbe {
    const key = `${experiment.uid}/${spec.name}`
    let probe = this.#probes.get(key)
    if (probe === undefined) {
      probe = new StoreProbe(this.#deps, storeProbePrefix(experiment, spec.name, this.#deps.term, spec.store?.keyPrefix))
      this.#probes.set(key, probe)
    }
    return probe
  }

  /** Checks the named probes of an experiment (one never run has an empty history), then forgets them. */
  async check(experiment: ProbedExperiment, specs: readonly ProbeSpec[]): Promise<StoreProbeCheck[]> {
    const checks: StoreProbeCheck[] = []
    for (const spec of specs) {
      const probe = this.of(experiment, spec)
      checks.push(await probe.check(spec.name))
    }
    await this.forget(experiment.uid)
    return checks
  }

  /** Closes an experiment's probes (checked, deleted, or this controller stops leading). */
  async forget(uid: string): Promise<void> {
    const mine = [...this.#probes.entries()].filter(([key]) => key.startsWith(`${uid}/`))
    for (const [key] of mine) this.#probes.delete(key)
    await Promise.all(mine.map(([, probe]) => probe.close()))
  }

  async close(): Promise<void> {
    const all = [...this.#probes.values()]
    this.#probes.clear()
    await Promise.all(all.map((p) => p.close()))
  }
}
