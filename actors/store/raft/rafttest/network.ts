/**
 * An in-memory cluster for tests (etcd's rafttest, in spirit): every replica's core, a simulated
 * disk that honours the Output contract, a message queue with drop/cut/isolate/partition, and
 * crash-restart from what was persisted. A replica's state machine is the list of entries it
 * applied, so safety checks compare those lists. Deterministic given its seed.
 */
import type { Config } from '../config.ts'
import { lastIndex } from '../log.ts'
import type { Message, PeerMessage } from '../messages.ts'
import type { Output } from '../output.ts'
import { nextRandom } from '../rand.ts'
import { restore, type RaftState } from '../state.ts'
import { step } from '../step.ts'
import type { Entry, HardState, ReplicaId, Snapshot } from '../types.ts'

export interface Disk {
  hardState: HardState | undefined
  snapshot: Snapshot | undefined
  entries: Entry[]
}

/** What a replica's state machine holds: one line per applied entry, `index:term:kind:data`. */
export type Applied = string[]

export interface Replica {
  readonly id: ReplicaId
  /** undefined while crashed. */
  state: RaftState | undefined
  readonly disk: Disk
  applied: Applied
  restarts: number
}

const text = new TextEncoder()
const untext = new TextDecoder()
export const bytes = (s: string): Uint8Array => text.encode(s)
export const describe = (e: Entry): string => `${e.index}:${e.term}:${e.kind}:${untext.decode(e.data)}`

export interface NetworkOptions {
  readonly config?: Partial<Config>
  readonly seed?: number
  /** Per-replica seeds override (to force who times out first). */
  readonly seeds?: Readonly<Record<ReplicaId, number>>
}

export class Network {
  readonly ids: readonly ReplicaId[]
  readonly replicas = new Map<ReplicaId, Replica>()
  queue: PeerMessage[] = []
  /** Every message ever handed to the network, for tests that count traffic. */
  readonly log: PeerMessage[] = []
  /** Every output, in order; tests inspect rejections, proposals, reads. */
  readonly outputs: { id: ReplicaId; out: Output }[] = []
  /** index -> the entry first seen applied there; nobody may ever apply anything else there. */
  readonly committed = new Map<number, string>()
  private readonly cuts = new Set<string>()
  /** Extra drop rule (e.g. a random drop rate in the fuzz). */
  dropIf: (m: PeerMessage) => boolean = () => false
  private readonly options: NetworkOptions

  constructor(ids: readonly ReplicaId[], options: NetworkOptions = {}) {
    this.ids = ids
    this.options = options
    for (const id of ids) {
      const replica: Replica = { id, state: undefined, disk: { hardState: undefined, snapshot: undefined, entries: [] }, applied: [], restarts: 0 }
      this.replicas.set(id, replica)
      this.boot(replica)
    }
  }

  private boot(r: Replica): void {
    const base = this.options.seeds?.[r.id] ?? (this.options.seed ?? 1) * 7919 + this.ids.indexOf(r.id) * 104729
    r.state = restore({
      id: r.id,
      voters: this.ids,
      seed: base + r.restarts * 31,
      ...(this.options.config !== undefined ? { config: this.options.config } : {}),
      ...(r.disk.hardState !== undefined ? { hardState: r.disk.hardState } : {}),
      ...(r.disk.snapshot !== undefined ? { snapshot: r.disk.snapshot } : {}),
      entries: r.disk.entries,
    })
    r.applied = r.disk.snapshot !== undefined ? decodeApplied(r.disk.snapshot.data) : []
  }

  replica(id: ReplicaId): Replica {
    const r = this.replicas.get(id)
    if (r === undefined) throw new RangeError(`no replica ${id}`)
    return r
  }

  state(id: ReplicaId): RaftState {
    const s = this.replica(id).state
    if (s === undefined) throw new Error(`replica ${id} is down`)
    return s
  }

  /** Feeds one message to a replica and carries out its output per the contract. */
  step(id: ReplicaId, m: Message): Output | undefined {
    const r = this.replica(id)
    if (r.state === undefined) return undefined
    const out = step(r.state, m)
    this.outputs.push({ id, out })
    // 1. persist
    const { disk } = r
    if (out.persist.snapshot !== undefined) {
      disk.snapshot = out.persist.snapshot
      disk.entries = []
    }
    if (out.persist.entries !== undefined && out.persist.entries.length > 0) {
      const first = out.persist.entries[0]!.index
      const base = disk.snapshot?.meta.index ?? 0
      disk.entries.length = Math.max(0, Math.min(disk.entries.length, first - base - 1))
      disk.entries.push(...out.persist.entries)
    }
    if (out.persist.hardState !== undefined) disk.hardState = out.persist.hardState
    // 2. send
    for (const msg of out.send) {
      this.queue.push(msg)
      this.log.push(msg)
    }
    // 3. apply
    if (out.applySnapshot !== undefined) r.applied = decodeApplied(out.applySnapshot.data)
    for (const e of out.apply) {
      if (e.index !== r.applied.length + 1) throw new Error(`${id} applies ${e.index} after ${r.applied.length}`)
      const line = describe(e)
      r.applied.push(line)
      const seen = this.committed.get(e.index)
      if (seen === undefined) this.committed.set(e.index, line)
      else if (seen !== line) throw new Error(`state machine safety: ${id} applied ${line} where ${seen} was applied`)
    }
    return out
  }

  tick(id: ReplicaId, n = 1): void {
    for (let k = 0; k < n; k++) this.step(id, { type: 'tick' })
  }

  tickAll(n = 1): void {
    for (let k = 0; k < n; k++) for (const id of this.ids) this.tick(id)
  }

  propose(id: ReplicaId, data: string, reqId = data): Output | undefined {
    return this.step(id, { type: 'propose', id: reqId, data: bytes(data) })
  }

  /** The caller snapshots replica `id` at its applied index and tells the core (and its disk). */
  compact(id: ReplicaId): Snapshot {
    const r = this.replica(id)
    const s = this.state(id)
    const index = s.log.applied
    const term = index === s.log.offset ? s.log.offsetTerm : s.log.entries[index - s.log.offset - 1]!.term
    const snapshot: Snapshot = { meta: { index, term, voters: s.voters }, data: encodeApplied(r.applied.slice(0, index)) }
    this.step(id, { type: 'compact', snapshot })
    r.disk.snapshot = snapshot
    r.disk.entries = r.disk.entries.filter((e) => e.index > index)
    return snapshot
  }

  blocked(m: PeerMessage): boolean {
    return this.cuts.has(`${m.from}>${m.to}`) || this.dropIf(m)
  }

  /** Delivers queued messages (including ones they cause) up to `max`; returns how many. */
  deliver(max = Number.POSITIVE_INFINITY, filter?: (m: PeerMessage) => boolean): number {
    let n = 0
    while (n < max && this.queue.length > 0) {
      const m = this.queue.shift()!
      n++
      if (this.blocked(m) || (filter !== undefined && !filter(m))) continue
      this.step(m.to, m)
    }
    return n
  }

  /** Delivers until the network is quiet. */
  stabilize(limit = 100_000): void {
    if (this.deliver(limit) >= limit) throw new Error('network did not stabilize')
  }

  /** Ticks everyone and delivers, `rounds` times. */
  run(rounds: number): void {
    for (let k = 0; k < rounds; k++) {
      this.tickAll()
      this.stabilize()
    }
  }

  cut(a: ReplicaId, b: ReplicaId): void {
    this.cuts.add(`${a}>${b}`)
    this.cuts.add(`${b}>${a}`)
  }

  isolate(a: ReplicaId): void {
    for (const b of this.ids) if (b !== a) this.cut(a, b)
  }

  partition(...groups: ReplicaId[][]): void {
    this.heal()
    for (const g of groups) for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut(a, b)
  }

  heal(): void {
    this.cuts.clear()
  }

  /** Loses the replica's volatile state (and messages to it); its disk survives. */
  crash(id: ReplicaId): void {
    this.replica(id).state = undefined
    this.queue = this.queue.filter((m) => m.to !== id)
  }

  restart(id: ReplicaId): void {
    const r = this.replica(id)
    r.restarts++
    this.boot(r)
  }

  /** The leader with the highest term among live replicas. */
  leader(): ReplicaId | undefined {
    let best: RaftState | undefined
    for (const r of this.replicas.values()) {
      if (r.state?.role === 'leader' && (best === undefined || r.state.term > best.term)) best = r.state
    }
    return best?.id
  }

  /** Ticks everyone until a leader exists; fails after `maxRounds`. */
  electLeader(maxRounds = 200): ReplicaId {
    for (let k = 0; k < maxRounds; k++) {
      const l = this.leader()
      if (l !== undefined) return l
      this.run(1)
    }
    throw new Error('no leader elected')
  }

  lastIndex(id: ReplicaId): number {
    return lastIndex(this.state(id).log)
  }

  /** Every entry in a replica's log, compacted ones excluded, described. */
  entries(id: ReplicaId): string[] {
    return this.state(id).log.entries.map(describe)
  }
}

export const encodeApplied = (a: Applied): Uint8Array => bytes(JSON.stringify(a))
export const decodeApplied = (b: Uint8Array): Applied => JSON.parse(untext.decode(b)) as Applied

/** A tiny seeded PRNG for test scenarios. */
export class Rng {
  private seed: number
  constructor(seed: number) {
    this.seed = seed | 0
  }
  next(): number {
    const r = nextRandom(this.seed)
    this.seed = r.seed
    return r.value
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
}
