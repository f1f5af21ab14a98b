/**
 * One store replica's logic: the Raft core, the MVCC state machine, recent request ids, watches
 * and the clients waiting for answers. Pure: time comes in with each input, and every input
 * yields {@link Effects} (what to persist, then what to send) for the actor to carry out.
 *
 * Writes are batched: while the leader's previous batch is being made durable, new writes wait
 * in `buffered` and go into the log together as one entry (see `flush`).
 */
import { validateCommand } from '../mvcc/validate.ts'
import type { Command, RangeRequest } from '../mvcc/commands.ts'
import { MvccStore } from '../mvcc/store.ts'
import { termAt } from '../raft/log.ts'
import type { Message, PeerMessage } from '../raft/messages.ts'
import type { Output } from '../raft/output.ts'
import { restore, type RaftState } from '../raft/state.ts'
import { step } from '../raft/step.ts'
import type { Config } from '../raft/config.ts'
import type { Entry, HardState, Snapshot } from '../raft/types.ts'
import { AppliedRequests, type StoredResult } from './applied-requests.ts'
import { decodeProposals, encodeProposals, packPlain, unpackPlain, type Proposal } from './proposals.ts'
import { isEmptyPersist, mergePersist, mustSync, type Persist } from './persist.ts'
import { travelsAhead } from './priority-lane.ts'
import type { ClientWrite, RedirectReply, ReplicaReply, ReplicaStats, StatusReply, WatchRequest } from './protocol.ts'
import { WatchHub, type Push } from './watch-hub.ts'

export interface ReplicaOptions {
  readonly id: string
  readonly voters: readonly string[]
  readonly seed: number
  readonly raft?: Partial<Config>
  /** Take a snapshot (and compact the log) after this many applied entries. */
  readonly snapshotEvery: number
  /** The leader compacts MVCC history older than this many revisions. */
  readonly retainRevisions: number
  /** Watches not kept alive for this long are dropped. */
  readonly watchLapseMs: number
  /** Rough cap on the bytes of writes batched into one log entry. */
  readonly maxBatchBytes: number
  readonly rememberedRequests?: number
}

export interface Recovered {
  readonly hardState?: HardState
  readonly snapshot?: Snapshot
  readonly entries: readonly Entry[]
}

export interface Reply {
  readonly replyTo: string
  readonly event: ReplicaReply
}

/** What one input asks of the actor: persist first (when `sync`), then send, reply and push. */
export interface Effects {
  readonly persist: Persist | undefined
  readonly sync: boolean
  /** Heartbeats and PreVotes that wait for no disk write (see priority-lane.ts): send them now. */
  readonly urgent: readonly PeerMessage[]
  readonly messages: readonly PeerMessage[]
  readonly replies: readonly Reply[]
  readonly pushes: readonly Push[]
  /** A snapshot this replica took of its own state: save it (its log was already compacted). */
  readonly saveSnapshot: Snapshot | undefined
}

interface SnapshotData {
  readonly mvcc: unknown
  readonly requests: unknown
}

/** Leader housekeeping runs every this many ticks. */
const HOUSEKEEPING_TICKS = 8

export class Replica {
  readonly options: ReplicaOptions
  raft: RaftState
  store: MvccStore
  applied: AppliedRequests
  readonly watches: WatchHub

  #pendingWrites = new Map<string, string[]>()
  #buffered: Proposal[] = []
  /** Priority writes waiting for the next flush; they go into the log before `#buffered`. */
  #prioritized: Proposal[] = []
  /** Proposal batch id -> its request ids, until the leader appends or rejects it. */
  #batches = new Map<string, readonly string[]>()
  #pendingReads = new Map<string, { replyTo: string; request: RangeRequest }>()
  #internal = new Set<string>()
  #seq = 0
  #lastSnapshotIndex: number
  #synced: { term: number; vote: string | undefined }
  #wasLeader = false
  #lastLead: string | undefined
  #leaderChanges = 0
  #batchSizes: number[] = []
  #now = 0

  #persist: Persist | undefined
  #sync = false
  #urgent: PeerMessage[] = []
  #messages: PeerMessage[] = []
  #replies: Reply[] = []
  #pushes: Push[] = []
  #saveSnapshot: Snapshot | undefined

  constructor(options: ReplicaOptions, recovered: Recovered) {
    this.options = options
    this.watches = new WatchHub(options.id)
    const restored = recovered.snapshot ? decodeSnapshot(recovered.snapshot, options) : undefined
    this.store = restored?.store ?? new MvccStore()
    this.applied = restored?.applied ?? new AppliedRequests(options.rememberedRequests)
    this.raft = restore({
      id: options.id,
      voters: options.voters,
      seed: options.seed,
      ...(options.raft ? { config: options.raft } : {}),
      ...(recovered.hardState ? { hardState: recovered.hardState } : {}),
      ...(recovered.snapshot ? { snapshot: recovered.snapshot } : {}),
      entries: recovered.entries,
    })
    this.#lastSnapshotIndex = recovered.snapshot?.meta.index ?? 0
    this.#synced = { term: recovered.hardState?.term ?? 0, vote: recovered.hardState?.vote }
  }

  get isLeader(): boolean {
    return this.raft.role === 'leader'
  }

  /** Writes waiting to be put in the log: the actor flushes them once nothing it wrote is still syncing. */
  get hasBuffered(): boolean {
    return this.#buffered.length > 0 || this.#prioritized.length > 0
  }

  get pendingCount(): number {
    return this.#pendingWrites.size + this.#pendingReads.size
  }

  tick(now: number): Effects {
    this.#now = now
    this.#step({ type: 'tick' })
    if (this.raft.ticks % HOUSEKEEPING_TICKS === 0) this.#housekeeping()
    return this.#drain()
  }

  peer(m: PeerMessage, now: number): Effects {
    this.#now = now
    this.#step(m)
    return this.#drain()
  }

  /** `priority`: proposed ahead of the writes already buffered, in an entry of its own (see `flush`). */
  write(requestId: string, command: ClientWrite, replyTo: string, now: number, priority = false): Effects {
    this.#now = now
    this.#acceptWrite(requestId, command, replyTo, priority)
    return this.#drain()
  }

  /**
   * Puts the buffered writes into the log as one entry per `maxBatchBytes`, priority writes first
   * in entries of their own: a lease renewal is never applied after (nor stuck behind the bytes of)
   * a bulk batch that arrived before it.
   */
  flush(now: number): Effects {
    this.#now = now
    this.#proposeAll(this.#prioritized)
    this.#proposeAll(this.#buffered)
    return this.#drain()
  }

  read(request: RangeRequest, serializable: boolean, replyTo: string, now: number): Effects {
    this.#now = now
    if (serializable) {
      this.#replies.push({ replyTo, event: { type: 'store.result', result: this.store.range(request) } })
    } else if (!this.isLeader) {
      this.#replies.push({ replyTo, event: this.#redirect('not-leader') })
    } else {
      const id = `r${++this.#seq}`
      this.#pendingReads.set(id, { replyTo, request })
      this.#step({ type: 'read', id })
    }
    return this.#drain()
  }

  watch(request: WatchRequest, replyTo: string, now: number): Effects {
    this.#now = now
    const backlog = request.fromRevision > 0
      ? this.store.watchEvents({ key: request.key, rangeEnd: request.rangeEnd, prefix: request.prefix, fromRevision: request.fromRevision })
      : { ok: true as const, events: [], revision: this.store.currentRevision, more: false }
    if (!backlog.ok) {
      this.#replies.push({ replyTo, event: { type: 'store.result', result: backlog } })
    } else {
      const revision = this.watches.open({ ...request, now, revision: this.store.currentRevision, backlog: backlog.events })
      this.#replies.push({ replyTo, event: { type: 'store.watching', watchId: request.watchId, revision } })
    }
    return this.#drain()
  }

  watchKeepAlive(clientId: string, watchIds: readonly string[], replyTo: string | undefined, now: number): Effects {
    this.#now = now
    const { missing, lastSeqs } = this.watches.keepAlive(clientId, watchIds, now)
    if (replyTo) this.#replies.push({ replyTo, event: { type: 'store.watchAlive', missing, lastSeqs } })
    return this.#drain()
  }

  cancelWatch(watchId: string): Effects {
    this.watches.cancel(watchId)
    return this.#drain()
  }

  /** Hands leadership to `to`, or to the most up-to-date follower. */
  transfer(to: string | undefined, replyTo: string | undefined, now: number): Effects {
    this.#now = now
    const target = to ?? this.#bestFollower()
    if (this.isLeader && target !== undefined) this.#step({ type: 'transfer', to: target })
    if (replyTo) this.#replies.push({ replyTo, event: this.status() })
    return this.#drain()
  }

  /** Starts an election now (tests, operators). */
  campaign(now: number): Effects {
    this.#now = now
    this.#step({ type: 'campaign' })
    return this.#drain()
  }

  status(): StatusReply {
    const s = this.raft
    return {
      type: 'store.statusReply',
      id: s.id,
      role: s.role,
      term: s.term,
      ...(s.lead !== undefined ? { leader: s.lead } : {}),
      commit: s.log.commit,
      applied: s.log.applied,
      lastIndex: s.log.offset + s.log.entries.length,
      snapshotIndex: s.log.offset,
      revision: this.store.currentRevision,
      compactRevision: this.store.compactedRevision,
      watchers: this.watches.size,
    }
  }

  /** What the metrics report; batch sizes are handed over once. */
  stats(): ReplicaStats {
    const batchSizes = this.#batchSizes
    this.#batchSizes = []
    return { type: 'stats.replica', status: this.status(), pendingRequests: this.pendingCount, leaderChanges: this.#leaderChanges, batchSizes }
  }

  /** Effects for a reply decided outside the core (bad requests). */
  reply(replyTo: string, event: ReplicaReply): Effects {
    this.#replies.push({ replyTo, event })
    return this.#drain()
  }

  #acceptWrite(requestId: string, command: ClientWrite, replyTo: string, priority: boolean): void {
    const done = this.applied.get(requestId)
    if (done !== undefined) return void this.#replies.push({ replyTo, event: { type: 'store.result', result: done } })
    if (!this.isLeader) return void this.#replies.push({ replyTo, event: this.#redirect('not-leader') })
    const waiting = this.#pendingWrites.get(requestId)
    if (waiting !== undefined) return void waiting.push(replyTo)
    const stamped = stampTime(command, this.#now)
    const valid = validateCommand(stamped)
    if (!valid.ok || valid.command.type === 'range' || valid.command.type === 'leaseExpire') {
      const error = valid.ok ? 'bad-request' : valid.error === 'value-too-large' ? 'value-too-large' : 'bad-request'
      const message = valid.ok ? `${valid.command.type} is not a client write` : valid.message
      return void this.#replies.push({ replyTo, event: { type: 'store.refused', error, message } })
    }
    this.#pendingWrites.set(requestId, [replyTo])
    this.#enqueue({ requestId, command: valid.command }, priority)
  }

  #enqueue(proposal: Proposal, priority = false): void {
    ;(priority ? this.#prioritized : this.#buffered).push(proposal)
  }

  /** Empties `queue` into the log, one entry per `maxBatchBytes`. */
  #proposeAll(queue: Proposal[]): void {
    while (queue.length > 0) {
      let bytes = 0
      let n = 0
      while (n < queue.length && (n === 0 || bytes < this.options.maxBatchBytes)) bytes += proposalBytes(queue[n++]!)
      const batch = queue.splice(0, n)
      this.#batchSizes.push(batch.length)
      const id = `b${++this.#seq}`
      this.#batches.set(id, batch.map((p) => p.requestId))
      this.#step({ type: 'propose', id, data: encodeProposals(batch) })
      this.#batches.delete(id)
    }
  }

  #step(m: Message): void {
    this.#collect(step(this.raft, m))
  }

  #collect(out: Output): void {
    // A step that moved the term or the vote sends nothing ahead of that write.
    const movedTermOrVote = out.persist.hardState !== undefined && mustSync({ hardState: out.persist.hardState }, this.#synced)
    if (!isEmptyPersist(out.persist)) {
      this.#persist = this.#persist ? mergePersist(this.#persist, out.persist) : out.persist
      if (mustSync(out.persist, this.#synced)) this.#sync = true
      if (out.persist.hardState) this.#synced = { term: out.persist.hardState.term, vote: out.persist.hardState.vote }
    }
    for (const m of out.send) (!movedTermOrVote && travelsAhead(m) ? this.#urgent : this.#messages).push(m)
    if (out.applySnapshot) this.#restoreFrom(out.applySnapshot)
    for (const entry of out.apply) this.#applyEntry(entry)
    for (const rs of out.readStates) {
      const read = this.#pendingReads.get(rs.id)
      if (read === undefined) continue
      this.#pendingReads.delete(rs.id)
      this.#replies.push({ replyTo: read.replyTo, event: { type: 'store.result', result: this.store.range(read.request) } })
    }
    for (const r of out.rejected) {
      const redirect: RedirectReply = { type: 'store.redirect', reason: r.reason, ...(r.leader !== undefined ? { leader: r.leader } : {}) }
      if (r.kind === 'read') {
        const read = this.#pendingReads.get(r.id)
        this.#pendingReads.delete(r.id)
        if (read) this.#replies.push({ replyTo: read.replyTo, event: redirect })
      } else {
        for (const requestId of this.#batches.get(r.id) ?? []) this.#answer(requestId, redirect)
      }
    }
    this.#noticeRoleChange()
    this.#maybeSnapshot()
  }

  #applyEntry(entry: Entry): void {
    if (entry.kind !== 'command') return
    for (const p of decodeProposals(entry.data)) {
      let result = this.applied.get(p.requestId)
      if (result === undefined) {
        const out = this.store.apply(p.command)
        result = out.result
        this.applied.remember(p.requestId, result)
        this.watches.offer(out.events)
      }
      this.#answer(p.requestId, { type: 'store.result', result })
    }
  }

  #answer(requestId: string, event: ReplicaReply): void {
    // An internal write answered (applied or refused) may be proposed again by the next housekeeping.
    this.#internal.delete(requestId)
    const waiting = this.#pendingWrites.get(requestId)
    if (waiting === undefined) return
    this.#pendingWrites.delete(requestId)
    for (const replyTo of waiting) if (replyTo !== '') this.#replies.push({ replyTo, event })
  }

  /** A deposed leader cannot answer what it was waiting for: clients retry at the new leader (ids make that safe). */
  #noticeRoleChange(): void {
    if (this.raft.lead !== this.#lastLead) {
      if (this.raft.lead !== undefined) this.#leaderChanges++
      this.#lastLead = this.raft.lead
    }
    const leader = this.isLeader
    if (this.#wasLeader && !leader) {
      const redirect = this.#redirect('stepped-down')
      for (const requestId of [...this.#pendingWrites.keys()]) this.#answer(requestId, redirect)
      for (const read of this.#pendingReads.values()) this.#replies.push({ replyTo: read.replyTo, event: redirect })
      this.#pendingReads.clear()
      this.#buffered = []
      this.#prioritized = []
      this.#internal.clear()
    }
    this.#wasLeader = leader
  }

  #restoreFrom(snapshot: Snapshot): void {
    const restored = decodeSnapshot(snapshot, this.options)
    if (restored === undefined) throw new Error(`store: snapshot at index ${snapshot.meta.index} is not readable`)
    this.store = restored.store
    this.applied = restored.applied
    this.#lastSnapshotIndex = snapshot.meta.index
    // The history between our old state and the snapshot never passed through this replica.
    for (const push of this.watches.loseAll('snapshot', this.store.currentRevision)) this.#pushes.push(push)
  }

  #maybeSnapshot(): void {
    const applied = this.raft.log.applied
    if (applied - this.#lastSnapshotIndex < this.options.snapshotEvery) return
    const term = termAt(this.raft.log, applied)
    if (term === undefined) return
    const data: SnapshotData = { mvcc: this.store.snapshot(), requests: this.applied.toPlain() }
    const snapshot: Snapshot = { meta: { index: applied, term, voters: [...this.raft.voters] }, data: packPlain(data) }
    this.#lastSnapshotIndex = applied
    this.#collect(step(this.raft, { type: 'compact', snapshot }))
    this.#saveSnapshot = snapshot
  }

  /** Leader duties that are themselves replicated commands: lease expiry and history compaction. */
  #housekeeping(): void {
    if (this.isLeader) {
      const expired = this.store.expiredLeases(this.#now)
      if (expired.length > 0) this.#internalWrite('expire', { type: 'leaseExpire', ids: expired })
      const { retainRevisions } = this.options
      const revision = this.store.currentRevision
      if (revision - this.store.compactedRevision > retainRevisions * 1.25 && revision > retainRevisions) {
        this.#internalWrite('compact', { type: 'compact', revision: revision - retainRevisions })
      }
    }
    for (const push of this.watches.lapse(this.#now - this.options.watchLapseMs, this.store.currentRevision)) this.#pushes.push(push)
  }

  #internalWrite(what: string, command: Command): void {
    if ([...this.#internal].some((id) => id.startsWith(`${what}.`))) return
    const requestId = `${what}.${this.raft.id}.${this.raft.term}.${++this.#seq}`
    this.#internal.add(requestId)
    this.#pendingWrites.set(requestId, [''])
    this.#enqueue({ requestId, command })
  }

  #redirect(reason: RedirectReply['reason']): RedirectReply {
    const lead = this.raft.lead
    if (lead === undefined) return { type: 'store.redirect', reason: reason === 'not-leader' ? 'no-leader' : reason }
    return { type: 'store.redirect', reason, ...(lead !== this.raft.id ? { leader: lead } : {}) }
  }

  #bestFollower(): string | undefined {
    let best: string | undefined
    let match = -1
    for (const [id, pr] of this.raft.progress) if (pr.match > match) [best, match] = [id, pr.match]
    return best
  }

  #drain(): Effects {
    for (const push of this.watches.drain(this.store.currentRevision)) this.#pushes.push(push)
    const effects: Effects = {
      persist: this.#persist,
      sync: this.#sync,
      urgent: this.#urgent,
      messages: this.#messages,
      replies: this.#replies,
      pushes: this.#pushes,
      saveSnapshot: this.#saveSnapshot,
    }
    this.#persist = undefined
    this.#sync = false
    this.#urgent = []
    this.#messages = []
    this.#replies = []
    this.#pushes = []
    this.#saveSnapshot = undefined
    return effects
  }
}

/** Lease commands carry the leader's clock, so every replica computes the same deadlines. */
function stampTime(command: ClientWrite, now: number): unknown {
  if (command.type === 'leaseGrant' || command.type === 'leaseKeepAlive') return { ...command, now }
  return command
}

function proposalBytes(p: Proposal): number {
  const c = p.command as { value?: Uint8Array }
  return 64 + p.requestId.length + (c.value instanceof Uint8Array ? c.value.length : 0)
}

function decodeSnapshot(snapshot: Snapshot, options: ReplicaOptions): { store: MvccStore; applied: AppliedRequests } | undefined {
  let data: unknown
  try {
    data = unpackPlain(snapshot.data)
  } catch {
    return undefined
  }
  if (typeof data !== 'object' || data === null) return undefined
  const { mvcc, requests } = data as SnapshotData
  const store = MvccStore.restore(mvcc)
  if (!(store instanceof MvccStore)) return undefined
  return { store, applied: AppliedRequests.fromPlain(requests, options.rememberedRequests) }
}
