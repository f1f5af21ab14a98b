/**
 * The replicated state machine: an MVCC key-value store like etcd's. Pure and deterministic:
 * the same commands in the same order give the same results, events and snapshot on every replica
 * (no clock, no randomness, no iteration over anything unordered that reaches the output).
 *
 * Revisions: the store starts at revision 1 (as etcd does); each command that writes anything
 * advances it by exactly one. Reads, lease grants/keepalives and compaction do not.
 */
import type { Command, DeleteRangeCommand, LeaseExpireCommand, PutCommand, RangeRequest, TxnCommand, TxnOp } from './commands.ts'
import { evaluateCompare } from './compare.ts'
import { EventLog } from './event-log.ts'
import { compactHistory, latestKv } from './history.ts'
import { KeyIndex } from './key-index.ts'
import { toKeyRange } from './key-range.ts'
import { LeaseTable } from './leases.ts'
import { checkReadRevision, readRange } from './range.ts'
import type {
  ApplyOutput,
  CommandResult,
  DeleteRangeResult,
  ErrorResult,
  PutResult,
  RangeResult,
  TxnOpResult,
  WatchQueryResult,
} from './results.ts'
import { buildSnapshot, parseSnapshot, type StoreSnapshot } from './snapshot.ts'
import type { KeyValue } from './types.ts'
import { validateCommand } from './validate.ts'
import { WriteBatch } from './write-batch.ts'

export interface WatchQuery {
  readonly key: string
  readonly rangeEnd?: string
  readonly prefix?: boolean
  /** First revision wanted (inclusive); 0 means "from the next write" and returns nothing now. */
  readonly fromRevision: number
  /** Cap on events returned (0: no cap); a revision is never split, so a few more may come. */
  readonly limit?: number
}

export class MvccStore {
  private revision = 1
  private compactRevision = 0
  private index = new KeyIndex()
  private log = new EventLog()
  private leases = new LeaseTable()

  get currentRevision(): number {
    return this.revision
  }

  /** Oldest revision still readable (0: never compacted). */
  get compactedRevision(): number {
    return this.compactRevision
  }

  /** Applies one command from the log. Never throws: bad input is an error result on every replica. */
  apply(raw: unknown): ApplyOutput {
    const validation = validateCommand(raw)
    if (!validation.ok) return { result: this.error(validation.error, validation.message), events: [] }
    const command = validation.command
    const batch = new WriteBatch(this.revision, this.index, this.leases)
    const result = this.dispatch(command, batch)
    if (batch.wrote) this.revision = batch.revision
    for (const event of batch.events) this.log.append(event)
    return { result: result.ok ? { ...result, revision: this.revision } : result, events: batch.events }
  }

  /** A read served straight from the state (after ReadIndex), without going through the log. */
  range(raw: unknown): RangeResult | ErrorResult {
    const validation = validateCommand(raw)
    if (!validation.ok) return this.error(validation.error, validation.message)
    if (validation.command.type !== 'range') return this.error('bad-request', 'range expects a command of type "range"')
    return readRange(this.index, validation.command, this.revision, this.compactRevision)
  }

  /** Changes in the key range with revision >= fromRevision, oldest first; `compacted` if they are gone. */
  watchEvents(query: WatchQuery): WatchQueryResult {
    const probe = validateCommand({ type: 'range', key: query.key, rangeEnd: query.rangeEnd, prefix: query.prefix, limit: query.limit, revision: query.fromRevision })
    if (!probe.ok) return this.error(probe.error, probe.message)
    if (query.fromRevision === 0 || query.fromRevision > this.revision) return { ok: true, revision: this.revision, events: [], more: false }
    const refused = checkReadRevision(query.fromRevision, this.revision, this.compactRevision)
    if (refused) return refused
    const { events, more } = this.log.query(toKeyRange(query.key, query.rangeEnd, query.prefix), query.fromRevision, query.limit ?? 0)
    return { ok: true, revision: this.revision, events, more }
  }

  /** Leases whose deadline is at or before `now`: what the leader proposes to expire. */
  expiredLeases(now: number): number[] {
    return this.leases.expired(now)
  }

  /** A lease's state, for TimeToLive queries. */
  lease(id: number): { id: number; ttlMs: number; expiresAt: number; keys: string[] } | undefined {
    const lease = this.leases.get(id)
    return lease && { id: lease.id, ttlMs: lease.ttlMs, expiresAt: lease.expiresAt, keys: [...lease.keys].sort() }
  }

  /** The whole state as plain data, in a canonical order (equal states give equal encodings). */
  snapshot(): StoreSnapshot {
    return buildSnapshot(this.revision, this.compactRevision, this.leases, this.index, this.log)
  }

  /** A store holding a snapshot's state, or an error result when the data is not a valid snapshot. */
  static restore(data: unknown): MvccStore | ErrorResult {
    const parsed = parseSnapshot(data)
    if (!parsed.ok) return { ok: false, error: 'bad-request', message: `bad snapshot: ${parsed.message}`, revision: 0 }
    const store = new MvccStore()
    const snap = parsed.snapshot
    store.revision = snap.revision
    store.compactRevision = snap.compactRevision
    for (const lease of snap.leases) store.leases.grant(lease.id, lease.ttlMs, 0).expiresAt = lease.expiresAt
    store.leases.nextId = snap.nextLeaseId
    for (const kv of snap.baseline) store.index.getOrCreate(kv.key).push({ revision: kv.modRevision, sub: 0, kv })
    for (const event of snap.events) {
      store.index.getOrCreate(event.kv.key).push({ revision: event.revision, sub: event.sub, kv: event.type === 'PUT' ? event.kv : null })
      store.log.append(event)
    }
    for (const [key, history] of store.index.entries()) {
      const kv = latestKv(history)
      if (kv !== null && kv.lease !== 0) store.leases.attach(kv.lease, key)
    }
    return store
  }

  private dispatch(command: Command, batch: WriteBatch): CommandResult {
    switch (command.type) {
      case 'put':
      case 'deleteRange':
      case 'range': {
        const refused = this.precheck([command])
        return refused ?? this.applyOp(command, batch)
      }
      case 'txn':
        return this.txn(command, batch)
      case 'leaseGrant': {
        const id = command.id || this.leases.allocateId()
        if (this.leases.get(id)) return this.error('lease-exists', `lease ${id} already exists`)
        const lease = this.leases.grant(id, command.ttlMs, command.now)
        return { ok: true, type: 'leaseGrant', revision: this.revision, id, ttlMs: lease.ttlMs, expiresAt: lease.expiresAt }
      }
      case 'leaseKeepAlive': {
        const lease = this.leases.get(command.id)
        if (!lease) return this.error('lease-not-found', `lease ${command.id} not found`)
        lease.expiresAt = command.now + lease.ttlMs
        return { ok: true, type: 'leaseKeepAlive', revision: this.revision, id: lease.id, ttlMs: lease.ttlMs, expiresAt: lease.expiresAt }
      }
      case 'leaseRevoke': {
        if (!this.leases.get(command.id)) return this.error('lease-not-found', `lease ${command.id} not found`)
        return { ok: true, type: 'leaseRevoke', revision: this.revision, deleted: this.revoke(command.id, batch) }
      }
      case 'leaseExpire':
        return this.expire(command, batch)
      case 'compact':
        return this.compact(command.revision)
    }
  }

  /** Deletes the lease's keys (in key order) within the batch and forgets the lease. */
  private revoke(id: number, batch: WriteBatch): number {
    const keys = [...this.leases.get(id)!.keys].sort()
    let deleted = 0
    for (const key of keys) if (batch.delete(key) !== null) deleted++
    this.leases.remove(id)
    return deleted
  }

  /** All expiring leases go in one revision: one command, one revision. */
  private expire(command: LeaseExpireCommand, batch: WriteBatch): CommandResult {
    const ids = 'now' in command ? this.leases.expired(command.now) : [...new Set(command.ids)].sort((a, b) => a - b).filter((id) => this.leases.get(id))
    let deleted = 0
    for (const id of ids) deleted += this.revoke(id, batch)
    return { ok: true, type: 'leaseExpire', revision: this.revision, expired: ids, deleted }
  }

  private compact(revision: number): CommandResult {
    if (revision > this.revision) return this.error('future-revision', `cannot compact at ${revision}, ahead of the store's ${this.revision}`)
    if (revision <= this.compactRevision) {
      return { ok: false, error: 'compacted', message: `already compacted at ${this.compactRevision}`, revision: this.revision, compactRevision: this.compactRevision }
    }
    this.index.replaceAll((_key, history) => compactHistory(history, revision))
    this.log.dropBefore(revision)
    this.compactRevision = revision
    return { ok: true, type: 'compact', revision: this.revision, compactRevision: revision }
  }

  private txn(command: TxnCommand, batch: WriteBatch): CommandResult {
    const succeeded = command.compare.every((c) => {
      const history = this.index.get(c.key)
      return evaluateCompare(c, history === undefined ? null : latestKv(history))
    })
    const ops = succeeded ? command.success : command.failure
    // Refuse before writing anything: a txn applies whole or not at all.
    const refused = this.precheck(ops)
    if (refused) return refused
    const responses = ops.map((op) => this.applyOp(op, batch) as TxnOpResult)
    // Every response reports the revision the txn ends at, as etcd's single header does.
    const revision = batch.wrote ? batch.revision : this.revision
    return { ok: true, type: 'txn', revision, succeeded, responses: responses.map((r) => ({ ...r, revision })) }
  }

  /** The failures an op can have, checked against the state before any of the command's writes. */
  private precheck(ops: readonly TxnOp[]): ErrorResult | undefined {
    for (const op of ops) {
      if (op.type === 'put' && op.lease && !this.leases.get(op.lease)) return this.error('lease-not-found', `lease ${op.lease} not found`)
      if (op.type === 'range') {
        const refused = checkReadRevision(op.revision ?? 0, this.revision, this.compactRevision)
        if (refused) return refused
      }
    }
    return undefined
  }

  private applyOp(op: PutCommand | DeleteRangeCommand | RangeRequest, batch: WriteBatch): PutResult | DeleteRangeResult | RangeResult | ErrorResult {
    switch (op.type) {
      case 'put': {
        const prev = batch.put(op.key, op.value, op.lease ?? 0)
        return op.prevKv ? { ok: true, type: 'put', revision: batch.revision, prevKv: prev } : { ok: true, type: 'put', revision: batch.revision }
      }
      case 'deleteRange': {
        const keys = [...this.index.keysIn(toKeyRange(op.key, op.rangeEnd, op.prefix))]
        const prevKvs: KeyValue[] = []
        for (const key of keys) {
          const prev = batch.delete(key)
          if (prev !== null) prevKvs.push(prev)
        }
        const revision = batch.wrote ? batch.revision : this.revision
        return op.prevKv
          ? { ok: true, type: 'deleteRange', revision, deleted: prevKvs.length, prevKvs }
          : { ok: true, type: 'deleteRange', revision, deleted: prevKvs.length }
      }
      case 'range':
        // Inside a txn this sees the txn's earlier writes; they are in the index at batch.revision.
        return readRange(this.index, op.revision ? op : { ...op, revision: 0 }, batch.wrote ? batch.revision : this.revision, this.compactRevision)
    }
  }

  private error(error: ErrorResult['error'], message: string): ErrorResult {
    return { ok: false, error, message, revision: this.revision }
  }
}
