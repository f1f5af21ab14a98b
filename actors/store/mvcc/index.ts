/**
 * The cluster store's replicated state machine: an MVCC key-value store like etcd's.
 *
 * What a replica actor does with it:
 * - `store.apply(command)` for every committed log entry's decoded command, in log order. Returns
 *   `{ result, events }`: the reply for the client (plain data, `ok: false` with an `error` code
 *   for any bad or refused command; it never throws) and the watch events the command produced,
 *   in (revision, sub) order, to hand to the watch hub.
 * - `store.range(request)` for linearizable reads after ReadIndex (no log entry needed).
 * - `store.watchEvents({ key, prefix | rangeEnd, fromRevision, limit })` to catch a watcher up
 *   from a revision; `{ ok: false, error: 'compacted' }` when that history is gone.
 * - `store.expiredLeases(now)` on the leader, to propose `{ type: 'leaseExpire', ids }` (or
 *   propose `{ type: 'leaseExpire', now }` and let every replica compute the same set).
 * - `store.snapshot()` (plain data; encode it with the codec) for Raft snapshots, and
 *   `MvccStore.restore(decoded)` (a store, or an error result for invalid data).
 *
 * Conventions: keys are strings, values Uint8Array; time is ms supplied by commands. Returned kvs
 * share their value bytes with the store: callers must not mutate them.
 */
export { MvccStore, type WatchQuery } from './store.ts'
export type * from './commands.ts'
export type * from './results.ts'
export type { KeyValue, WatchEvent, EventType } from './types.ts'
export { MAX_VALUE_BYTES, MAX_KEY_LENGTH } from './types.ts'
export type { StoreSnapshot } from './snapshot.ts'
export { validateCommand } from './validate.ts'
