/**
 * A correct store and its clients, simulated: one MVCC key-value store with one global revision
 * counter, driven by concurrent clients over a lossy network on a virtual clock. A request
 * reaches the store after a random delay (or never), is applied there atomically, and its reply
 * comes back after another delay (or never); a client that waits longer than its deadline gives
 * up and records an unknown outcome, though its request may still be applied later. Everything
 * is recorded with the HistoryRecorder the integration tests use, so the checker must call every
 * history from here linearizable. Pure: the same seed gives the same history.
 */
import { HistoryRecorder } from '../../../runtime/check/history.ts'
import type { Expect, KvInput, KvOperation, KvOutput } from '../../../runtime/check/kv-model.ts'
import type { Random } from '../../../runtime/random.ts'

interface Entry {
  value: string
  modRevision: number
}

/** The store: what one replica applying commands in order would answer. */
export class MvccStore {
  revision = 1
  private readonly keys = new Map<string, Entry>()

  apply(input: KvInput): KvOutput {
    switch (input.op) {
      case 'get': {
        const entry = this.keys.get(input.key)
        return { value: entry?.value ?? null, modRevision: entry?.modRevision ?? 0, header: this.revision }
      }
      case 'put':
        this.commit([input])
        return { revision: this.revision, header: this.revision }
      case 'delete': {
        const deleted = this.commit([{ key: input.key, value: null }])
        return { deleted, header: this.revision }
      }
      case 'cas':
        return this.txn([{ key: input.key, expect: input.expect }], [{ key: input.key, value: input.value }])
      case 'txn':
        return this.txn(input.compares, input.writes)
    }
  }

  private txn(compares: readonly { key: string; expect: Expect }[], writes: readonly { key: string; value: string | null }[]): KvOutput {
    const holds = compares.every(({ key, expect }) => {
      const entry = this.keys.get(key)
      return 'value' in expect ? (entry?.value ?? null) === expect.value : (entry?.modRevision ?? 0) === expect.modRevision
    })
    if (!holds) return { succeeded: false, header: this.revision }
    this.commit(writes)
    return writes.some((w) => w.value !== null) ? { succeeded: true, revision: this.revision, header: this.revision } : { succeeded: true, header: this.revision }
  }

  /** Applies writes at one new revision, taken only if something changes; whether anything did. */
  private commit(writes: readonly { key: string; value: string | null }[]): boolean {
    if (!writes.some((w) => w.value !== null || this.keys.has(w.key))) return false
    this.revision++
    for (const { key, value } of writes) {
      if (value === null) this.keys.delete(key)
      else this.keys.set(key, { value, modRevision: this.revision })
    }
    return true
  }
}

export interface SimulationOptions {
  clients: number
  /** Operations each client issues. */
  operations: number
  keys: number
  /** Probability that a request, or its reply, is lost. */
  lossRate: number
  /** A client gives up on a reply after this long (network delays are 0..10). */
  deadline: number
}

/** Two keys that multi-key transactions tie together (the rest stay single-key groups). */
const PAIR = ['k0', 'k1'] as const

type Event = { time: number; seq: number; run: () => void }

/** Runs the simulation and returns its history (clients' call/return times on the virtual clock). */
export function simulate(random: Random, options: SimulationOptions): KvOperation[] {
  let now = 0
  let seq = 0
  const queue: Event[] = []
  const at = (time: number, run: () => void): void => {
    const event = { time, seq: seq++, run }
    let i = queue.length
    while (i > 0 && (queue[i - 1]!.time > time || (queue[i - 1]!.time === time && queue[i - 1]!.seq > event.seq))) i--
    queue.splice(i, 0, event)
  }
  const store = new MvccStore()
  const recorder = new HistoryRecorder<KvInput, KvOutput>(() => now)
  let uid = 0
  const delay = (): number => 0.5 + random() * 10

  const startClient = (clientId: number): void => {
    const seen = new Map<string, { value: string | null; modRevision: number }>()
    const recordsHeaders = clientId % 2 === 0
    let left = options.operations
    const next = (): void => {
      if (left-- === 0) return
      const input = chooseOperation(random, options.keys, seen, () => `c${clientId}.${uid++}`)
      const pending = recorder.invoke(clientId, input)
      let settled = false
      const finish = (): void => at(now + random() * 3, next)
      if (random() >= options.lossRate) {
        at(now + delay(), () => {
          const output = store.apply(input)
          if (random() < options.lossRate) return
          at(now + delay(), () => {
            if (settled) return
            settled = true
            learn(seen, input, output)
            pending.ok(recordsHeaders ? output : withoutHeader(output))
            finish()
          })
        })
      }
      at(now + options.deadline, () => {
        if (settled) return
        settled = true
        pending.unknown()
        for (const key of keysOf(input)) seen.delete(key)
        finish()
      })
    }
    at(random() * 5, next)
  }
  for (let c = 0; c < options.clients; c++) startClient(c)
  while (queue.length > 0) {
    const event = queue.shift()!
    now = event.time
    event.run()
  }
  return recorder.history()
}

function withoutHeader({ header: _, ...rest }: KvOutput): KvOutput {
  return rest
}

function keysOf(input: KvInput): string[] {
  return input.op === 'txn' ? input.writes.map((w) => w.key) : [input.key]
}

/** A client's last view of a key, from its own reads and writes: what its guards compare against. */
function learn(seen: Map<string, { value: string | null; modRevision: number }>, input: KvInput, output: KvOutput): void {
  if (input.op === 'get') seen.set(input.key, { value: output.value ?? null, modRevision: output.modRevision ?? 0 })
  else if (input.op === 'put') seen.set(input.key, { value: input.value, modRevision: output.revision! })
  else if (input.op === 'delete') seen.set(input.key, { value: null, modRevision: 0 })
  else if (output.succeeded === true) {
    const writes = input.op === 'cas' ? [{ key: input.key, value: input.value }] : input.writes
    for (const w of writes) seen.set(w.key, w.value === null ? { value: null, modRevision: 0 } : { value: w.value, modRevision: output.revision! })
  }
}

function chooseOperation(
  random: Random,
  keys: number,
  seen: ReadonlyMap<string, { value: string | null; modRevision: number }>,
  nextValue: () => string,
): KvInput {
  const key = `k${Math.floor(random() * keys)}`
  const known = seen.get(key) ?? { value: null, modRevision: 0 }
  const roll = random()
  if (roll < 0.35) return { op: 'get', key }
  if (roll < 0.6) return { op: 'put', key, value: nextValue() }
  if (roll < 0.68) return { op: 'delete', key }
  if (roll < 0.9) {
    const expect: Expect = known.value !== null && random() < 0.4 ? { value: known.value } : { modRevision: known.modRevision }
    return { op: 'cas', key, expect, value: random() < 0.1 ? null : nextValue() }
  }
  const compares = PAIR.map((k) => ({ key: k, expect: { modRevision: seen.get(k)?.modRevision ?? 0 } as Expect }))
  return { op: 'txn', compares, writes: PAIR.map((k) => ({ key: k, value: nextValue() as string | null })) }
}
