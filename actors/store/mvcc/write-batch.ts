/**
 * The writes of one command. Every write of a command shares one revision (etcd's main revision)
 * and gets its own sub-revision, so a txn with several writes is one revision whose events keep
 * their order. The revision only becomes the store's if something was written: a delete of nothing
 * or a txn of reads leaves the revision alone, as in etcd.
 */
import { latestKv } from './history.ts'
import type { KeyIndex } from './key-index.ts'
import type { LeaseTable } from './leases.ts'
import type { KeyValue, WatchEvent } from './types.ts'

const EMPTY = new Uint8Array(0)

export class WriteBatch {
  readonly revision: number
  readonly events: WatchEvent[] = []
  private readonly index: KeyIndex
  private readonly leases: LeaseTable

  constructor(currentRevision: number, index: KeyIndex, leases: LeaseTable) {
    this.revision = currentRevision + 1
    this.index = index
    this.leases = leases
  }

  get wrote(): boolean {
    return this.events.length > 0
  }

  /** Writes the key; the lease must exist (callers check first so a txn never half-applies). */
  put(key: string, value: Uint8Array, lease: number): KeyValue | null {
    const history = this.index.getOrCreate(key)
    const prev = latestKv(history)
    const kv: KeyValue = {
      key,
      value,
      createRevision: prev === null ? this.revision : prev.createRevision,
      modRevision: this.revision,
      version: prev === null ? 1 : prev.version + 1,
      lease,
    }
    const sub = this.events.length
    history.push({ revision: this.revision, sub, kv })
    if (prev !== null && prev.lease !== 0 && prev.lease !== lease) this.leases.detach(prev.lease, key)
    if (lease !== 0) this.leases.attach(lease, key)
    this.events.push({ type: 'PUT', kv, prevKv: prev, revision: this.revision, sub })
    return prev
  }

  /** Deletes the key if it exists; returns its last state, or null when there was nothing to delete. */
  delete(key: string): KeyValue | null {
    const history = this.index.get(key)
    const prev = history === undefined ? null : latestKv(history)
    if (history === undefined || prev === null) return null
    const sub = this.events.length
    history.push({ revision: this.revision, sub, kv: null })
    if (prev.lease !== 0) this.leases.detach(prev.lease, key)
    const kv: KeyValue = { key, value: EMPTY, createRevision: 0, modRevision: this.revision, version: 0, lease: 0 }
    this.events.push({ type: 'DELETE', kv, prevKv: prev, revision: this.revision, sub })
    return prev
  }
}
