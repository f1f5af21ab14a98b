// Shared by the replica-*.test.ts files (not a test itself: tap only runs *.test.ts).
// An in-memory cluster of pure `Replica` objects: persists count as instantly durable, messages
// go through a FIFO queue (delivered after the sender's effects), snaps travel in chunks like on
// the wire, and a virtual clock advances with each tick.
import { asPeerMessage } from '../../../actors/store/replica/peer-message.ts'
import type { ClientWrite, ReplicaReply, WatchEventsPush } from '../../../actors/store/replica/protocol.ts'
import { Replica, type Effects, type ReplicaOptions } from '../../../actors/store/replica/replica.ts'
import { chunkSnap, SnapAssembler } from '../../../actors/store/replica/snapshot-chunks.ts'
import type { PeerMessage } from '../../../actors/store/raft/messages.ts'

export const IDS = ['s1', 's2', 's3'] as const
export const TICK_MS = 10

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

export interface Sent { readonly from: string; readonly replyTo: string; readonly event: ReplicaReply }
export interface Pushed { readonly from: string; readonly clientId: string; readonly event: WatchEventsPush }

export type ClusterOptions = Partial<Omit<ReplicaOptions, 'id' | 'voters' | 'seed'>> & {
  /** Flush a replica's buffered writes after every input (the actor does so once nothing is syncing). */
  readonly autoFlush?: boolean
}

export class Cluster {
  readonly replicas = new Map<string, Replica>()
  now = 1_000
  /** Every reply and push any replica produced, in order. */
  readonly replies: Sent[] = []
  readonly pushes: Pushed[] = []
  /** Every peer message any replica produced (delivered or not). */
  readonly sent: PeerMessage[] = []
  /** Replicas cut off: messages from or to them are dropped. */
  readonly isolated = new Set<string>()
  autoFlush: boolean
  readonly #queue: PeerMessage[] = []
  readonly #assemblers = new Map<string, SnapAssembler>()

  constructor(options: ClusterOptions = {}) {
    this.autoFlush = options.autoFlush ?? true
    for (const [i, id] of IDS.entries()) {
      const { autoFlush: _, ...rest } = options
      this.replicas.set(
        id,
        new Replica(
          {
            id,
            voters: IDS,
            seed: 11 * (i + 1),
            snapshotEvery: 1_000,
            retainRevisions: 10_000,
            watchLapseMs: 60_000,
            maxBatchBytes: 64 * 1024,
            raft: { electionTimeout: 10, heartbeatTimeout: 1 },
            ...rest,
          },
          { entries: [] },
        ),
      )
      this.#assemblers.set(id, new SnapAssembler())
    }
  }

  r(id: string): Replica {
    const replica = this.replicas.get(id)
    if (replica === undefined) throw new Error(`no replica ${id}`)
    return replica
  }

  get leader(): Replica | undefined {
    const leaders = [...this.replicas.values()].filter((r) => r.isLeader && !this.isolated.has(r.options.id))
    return leaders.length === 1 ? leaders[0] : undefined
  }

  followers(): Replica[] {
    return [...this.replicas.values()].filter((r) => !r.isLeader)
  }

  /** Carries out one input's effects: records replies and pushes, queues messages, then flushes. */
  handle(id: string, effects: Effects): Effects {
    for (const r of effects.replies) this.replies.push({ from: id, replyTo: r.replyTo, event: r.event })
    for (const p of effects.pushes) this.pushes.push({ from: id, clientId: p.to.instance, event: p.event })
    for (const m of [...effects.urgent, ...effects.messages]) {
      // The core's own messages must pass the wire check its peers apply.
      if (asPeerMessage(m) === undefined) throw new Error(`${id} sent a message its peers would drop: ${JSON.stringify(m)}`)
      this.sent.push(m)
      this.#queue.push(m)
    }
    const replica = this.r(id)
    if (this.autoFlush && replica.hasBuffered) this.handle(id, replica.flush(this.now))
    return effects
  }

  /** Delivers queued messages (and what they cause) until none is left. */
  deliver(limit = 100_000): void {
    for (let n = 0; this.#queue.length > 0; n++) {
      if (n > limit) throw new Error('messages never settle')
      const m = this.#queue.shift()!
      if (this.isolated.has(m.from) || this.isolated.has(m.to)) continue
      if (m.type === 'snap') {
        // As the actor does: through chunks and the receiver's assembler.
        let whole: PeerMessage | undefined
        for (const chunk of chunkSnap(m, 1024)) whole = this.#assemblers.get(m.to)!.accept(chunk)
        if (whole === undefined) throw new Error('snapshot did not reassemble')
        this.handle(m.to, this.r(m.to).peer(whole, this.now))
        continue
      }
      this.handle(m.to, this.r(m.to).peer(m, this.now))
    }
  }

  /** Advances the clock one tick on every replica, then delivers. */
  tick(times = 1): void {
    for (let k = 0; k < times; k++) {
      this.now += TICK_MS
      for (const [id, r] of this.replicas) this.handle(id, r.tick(this.now))
      this.deliver()
    }
  }

  /** Ticks until exactly one reachable replica leads and the others follow it. */
  elect(maxTicks = 500): Replica {
    for (let k = 0; k < maxTicks; k++) {
      const leader = this.leader
      if (leader && [...this.replicas.values()].every((r) => this.isolated.has(r.options.id) || r.raft.lead === leader.options.id)) {
        // Let the new leader commit its first entry, so its term is settled everywhere.
        this.tick(3)
        return leader
      }
      this.tick()
    }
    throw new Error('no leader elected')
  }

  write(id: string, requestId: string, command: ClientWrite, replyTo: string, priority = false): Effects {
    return this.handle(id, this.r(id).write(requestId, command, replyTo, this.now, priority))
  }

  put(id: string, requestId: string, key: string, value: string, replyTo = `reply.${requestId}`, priority = false): Effects {
    return this.write(id, requestId, { type: 'put', key, value: bytes(value) }, replyTo, priority)
  }

  repliesTo(replyTo: string): ReplicaReply[] {
    return this.replies.filter((r) => r.replyTo === replyTo).map((r) => r.event)
  }

  pushesFor(watchId: string): WatchEventsPush[] {
    return this.pushes.filter((p) => p.event.watchId === watchId).map((p) => p.event)
  }

  /** Keys (with values) a replica holds, for comparing replicas. */
  contents(id: string): string[] {
    const r = this.r(id).store.range({ type: 'range', key: '', prefix: true })
    if (!r.ok) throw new Error(r.message)
    return r.kvs.map((kv) => `${kv.key}=${new TextDecoder().decode(kv.value)}@${kv.modRevision}`)
  }
}
