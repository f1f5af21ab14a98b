/**
 * What the chaos bench writes to the store during every experiment, to measure the goals that
 * `.status` may not give:
 *
 * - a write stream: W writers, each putting a key of its own (`<prefix><writer>/<seq>`) one at a
 *   time, every call bounded to one short attempt, so that a write is sent at most one attempt
 *   after a kill (the store suite's failover trial does the same). Each acked write's send and
 *   ack times are kept: the gap from a kill to the first write sent after it that is acked is the
 *   time until writes commit again. At the end one range read of the prefix counts the acked
 *   writes that are not there (lost: must be 0).
 * - the simulation's store probe (runtime/sim/invariants/store-probe.ts: gets, puts, deletes and
 *   compare-and-swaps on a few keys, calls that fail recorded as unknown outcomes) on the real
 *   cluster and the wall clock, its history checked with the project's linearizability checker.
 */
import { seededRandom } from '../../runtime/random.ts'
import { checkStoreLinearizable } from '../../runtime/sim/invariants/store-linearizable.ts'
import { StoreProbe } from '../../runtime/sim/invariants/store-probe.ts'
import { StoreClient } from '../../runtime/store/store-client.ts'
import { systemClock } from '../../runtime/clock.ts'
import type { Transport } from '../../runtime/transport/transport.ts'
import { percentiles } from '../store/workload.ts'

export interface StoreStreamOptions {
  readonly transport: Transport
  readonly cluster: string
  readonly replicas: readonly string[]
  readonly prefix: string
  readonly writers: number
  /** Pause after each acked write (a failed one is followed at once by the next). */
  readonly pauseMs: number
  /** One attempt at one replica, and the whole call. */
  readonly attemptMs: number
  /** The store probe's operations at most (bounds the linearizability search). */
  readonly probeOperations: number
  readonly seed: number
}

interface AckedWrite {
  readonly key: string
  /** Wall clock (Date.now), comparable with `.status` times and the host watcher's. */
  readonly sentAt: number
  readonly ackedAt: number
}

export interface StoreStreamReport {
  readonly acked: number
  readonly failed: number
  /** Acked writes the final read did not find. */
  readonly ackedWritesLost: number
  readonly linearizable: boolean
  readonly linearizability: string
  readonly probeOperations: number
  /** Steady-state write latency (send -> ack) of the acked writes, ms. */
  readonly writeLatencyMs: { readonly p50: number; readonly p99: number }
}

const encoder = new TextEncoder()
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class StoreStream {
  readonly #options: StoreStreamOptions
  readonly #writer: StoreClient
  readonly #reader: StoreClient
  readonly #probe: StoreProbe
  readonly #acked: AckedWrite[] = []
  #failed = 0
  #running = false
  #loops: Promise<void>[] = []

  constructor(options: StoreStreamOptions) {
    this.#options = options
    const base = { transport: options.transport, cluster: options.cluster, replicas: options.replicas }
    this.#writer = new StoreClient({ ...base, requestTimeoutMs: options.attemptMs, deadlineMs: options.attemptMs })
    this.#reader = new StoreClient({ ...base, requestTimeoutMs: 1_000, deadlineMs: 30_000 })
    this.#probe = new StoreProbe(
      { transport: options.transport, clock: systemClock, random: seededRandom(options.seed), cluster: options.cluster, apiservers: [], storeReplicas: options.replicas },
      { maxOperations: options.probeOperations },
    )
  }

  start(): void {
    this.#running = true
    for (let w = 0; w < this.#options.writers; w++) this.#loops.push(this.#write(w))
    this.#probe.start()
  }

  /** ms from `at` (wall clock) to the ack of the first write sent at or after it; undefined if none was. */
  nextAckAfter(at: number): number | undefined {
    let best: number | undefined
    for (const w of this.#acked) if (w.sentAt >= at && (best === undefined || w.ackedAt < best)) best = w.ackedAt
    return best === undefined ? undefined : best - at
  }

  /** Send -> ack of the writes acked between `from` and `to` (wall clock). */
  latenciesBetween(from: number, to: number): number[] {
    return this.#acked.filter((w) => w.sentAt >= from && w.ackedAt <= to).map((w) => w.ackedAt - w.sentAt)
  }

  /** Stops writing, reads everything back and checks the probe's history. */
  async finish(): Promise<StoreStreamReport> {
    this.#running = false
    await Promise.all(this.#loops)
    await this.#probe.stop()
    await this.#probe.readAll()
    const found = new Set<string>()
    const read = await this.#reader.range({ key: this.#options.prefix, prefix: true, keysOnly: true })
    for (const kv of read.kvs) found.add(kv.key)
    const lost = this.#acked.filter((w) => !found.has(w.key)).length
    const history = this.#probe.history()
    const check = checkStoreLinearizable(history)
    const latencies = this.#acked.map((w) => w.ackedAt - w.sentAt)
    return {
      acked: this.#acked.length,
      failed: this.#failed,
      ackedWritesLost: lost,
      linearizable: check.held,
      linearizability: check.detail ?? '',
      probeOperations: history.length,
      writeLatencyMs: latencies.length > 0 ? percentiles(latencies) : { p50: Number.NaN, p99: Number.NaN },
    }
  }

  async close(): Promise<void> {
    await this.#probe.close().catch(() => {})
    await this.#writer.close().catch(() => {})
    await this.#reader.close().catch(() => {})
  }

  async #write(writer: number): Promise<void> {
    // Staggered, so that some writer sends soon after any instant.
    await sleep((writer * this.#options.pauseMs) / this.#options.writers)
    for (let seq = 0; this.#running; seq++) {
      const key = `${this.#options.prefix}${writer}/${seq}`
      const sentAt = Date.now()
      try {
        await this.#writer.put(key, encoder.encode(String(sentAt)))
        this.#acked.push({ key, sentAt, ackedAt: Date.now() })
        await sleep(this.#options.pauseMs)
      } catch {
        this.#failed++
      }
    }
  }
}
