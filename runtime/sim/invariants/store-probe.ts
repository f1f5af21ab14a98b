/**
 * The store probe: a few workers on one StoreClient of the probe's own issue gets, puts, deletes
 * and value-guarded compare-and-swaps on the probe's own keys, each recorded in a HistoryRecorder
 * on the injected clock (calls that fail count as unknown outcomes). The history feeds invariant 1
 * (linearizable) and invariant 3 (no acknowledged write lost). Half the workers call with a short
 * deadline, so that faults leave unknown outcomes (writes that may apply after the caller gave up)
 * in the history. It stops by itself after `maxOperations`, so the search behind the check stays small.
 */
import { HistoryRecorder } from '../../check/history.ts'
import type { KvInput, KvOperation, KvOutput } from '../../check/kv-model.ts'
import { randomClientId, seededRandom, type Random } from '../../random.ts'
import { StoreClient } from '../../store/store-client.ts'
import { FINAL_READER } from './acknowledged-writes.ts'
import { pause, type ProbeDeps } from './types.ts'

export const STORE_PROBE_PREFIX = '/sim-probe/'

export interface StoreProbeOptions {
  readonly workers?: number
  readonly keys?: number
  readonly maxOperations?: number
  /** Each worker waits up to this long (virtual ms) between its operations: the default spreads the bounded history over about half a minute, a fault window's length. */
  readonly maxGapMs?: number
}

const text = new TextEncoder()
const untext = new TextDecoder()
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

export class StoreProbe {
  /** A patient client (the final reads use it) and an impatient one. */
  readonly #clients: readonly [StoreClient, StoreClient]
  readonly keys: readonly string[]
  readonly #recorder: HistoryRecorder<KvInput, KvOutput>
  readonly #deps: ProbeDeps
  readonly #options: Required<StoreProbeOptions>
  #issued = 0
  #running = false
  #workers: Promise<void>[] = []

  constructor(deps: ProbeDeps, options: StoreProbeOptions = {}) {
    this.#deps = deps
    this.#options = { workers: 3, keys: 6, maxOperations: 240, maxGapMs: 700, ...options }
    this.keys = Array.from({ length: this.#options.keys }, (_, i) => `${STORE_PROBE_PREFIX}k${i}`)
    this.#recorder = new HistoryRecorder(() => deps.clock.now())
    const client = (prefix: string, requestTimeoutMs: number, deadlineMs: number) =>
      new StoreClient({ transport: deps.transport, clock: deps.clock, cluster: deps.cluster, replicas: deps.storeReplicas, clientId: randomClientId(prefix, deps.random), requestTimeoutMs, deadlineMs })
    this.#clients = [client('simstore', 500, 3000), client('simhasty', 250, 600)]
  }

  start(): void {
    this.#running = true
    for (let w = 0; w < this.#options.workers; w++) this.#workers.push(this.#work(`w${w}`, this.#clients[w % 2]!))
  }

  /** Stops issuing and waits for the calls in flight (each ends by its deadline). */
  async stop(): Promise<void> {
    this.#running = false
    await Promise.all(this.#workers)
  }

  history(): KvOperation[] {
    return this.#recorder.history()
  }

  /** One last acknowledged read of every key, joined to the history (the final state to check against). */
  async readAll(): Promise<void> {
    for (const key of this.keys) await this.#run(this.#clients[0], FINAL_READER, { op: 'get', key }).catch(() => undefined)
  }

  async close(): Promise<void> {
    for (const client of this.#clients) await client.close()
  }

  async #work(who: string, client: StoreClient): Promise<void> {
    // Each worker its own stream, drawn once from the probe's: choices do not depend on timing.
    const random = seededRandom(Math.floor(this.#deps.random() * 2 ** 31))
    let serial = 0
    while (this.#running && this.#issued < this.#options.maxOperations) {
      this.#issued++
      await this.#run(client, who, this.#nextInput(random, `${who}.${(serial++).toString(36)}`)).catch(() => undefined)
      await pause(this.#deps.clock, Math.floor(random() * this.#options.maxGapMs))
    }
  }

  #nextInput(random: Random, value: string): KvInput {
    const key = pick(random, this.keys)
    const roll = random()
    if (roll < 0.35) return { op: 'get', key }
    if (roll < 0.75) return { op: 'put', key, value }
    if (roll < 0.85) return { op: 'delete', key }
    return { op: 'cas', key, expect: { value: random() < 0.5 ? null : this.#lastValue(key) }, value }
  }

  /** The value this probe last acknowledged writing to `key`, so that some guards hold. */
  #lastValue(key: string): string | null {
    const writes = this.#recorder.history().filter((op) => op.return !== undefined && (op.input.op === 'put' || op.input.op === 'cas') && op.input.key === key)
    const last = writes.at(-1)?.input
    return last !== undefined && (last.op === 'put' || last.op === 'cas') ? last.value : null
  }

  /** Runs one recorded operation; a failed call is an unknown outcome and rethrows. */
  #run(client: StoreClient, who: string, input: KvInput): Promise<KvOutput> {
    return this.#recorder.record(who, input, () => call(client, input))
  }
}

async function call(client: StoreClient, input: KvInput): Promise<KvOutput> {
  switch (input.op) {
    case 'get': {
      const r = await client.get(input.key)
      return { value: r.kv ? untext.decode(r.kv.value) : null, modRevision: r.kv?.modRevision ?? 0, header: r.revision }
    }
    case 'put':
      return { revision: (await client.put(input.key, text.encode(input.value))).revision }
    case 'delete': {
      const r = await client.delete(input.key)
      return { deleted: r.deleted > 0, header: r.revision }
    }
    case 'cas': {
      const expected = 'value' in input.expect ? input.expect.value : null
      const compare = expected === null
        ? { key: input.key, target: 'modRevision' as const, op: '=' as const, value: 0 }
        : { key: input.key, target: 'value' as const, op: '=' as const, value: text.encode(expected) }
      const success = input.value === null ? [{ type: 'deleteRange' as const, key: input.key }] : [{ type: 'put' as const, key: input.key, value: text.encode(input.value) }]
      const r = await client.txn({ compare: [compare], success, failure: [] })
      return r.succeeded && input.value !== null ? { succeeded: true, revision: r.revision } : { succeeded: r.succeeded, header: r.revision }
    }
    case 'txn':
      throw new TypeError('the store probe issues no multi-key transactions')
  }
}
