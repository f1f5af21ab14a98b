/**
 * The pure Raft core of the cluster store (etcd's role): no I/O, no clock, no global randomness.
 *
 * A replica actor drives it like this:
 *
 *   let state = restore({ id, voters, seed, config, ...walContents })  // after reading the WAL
 *   on every input (a tick, a client proposal or read, a peer message):
 *     const out = step(state, input)          // mutates and returns `state` (see state.ts)
 *     await wal.save(out.persist)             // 1. durable before anything is sent
 *     for (const m of out.send) publish(m)    // 2. to `m.to`
 *     applyToMvcc(out.applySnapshot, out.apply)   // 3. in order; then answer clients:
 *     out.readStates -> serve those reads; out.proposed -> remember id -> (index, term);
 *     out.rejected -> redirect the client to `leader` (or retry later)
 *   after taking a state-machine snapshot at an applied index: step(state, { type: 'compact', snapshot })
 *
 * The WAL stores what `persist` holds (see output.ts for the exact rules): a snapshot replaces
 * the log; entries overwrite from their first index; the hard state is the latest one. On
 * start it returns { hardState, snapshot, entries after the snapshot } for `restore`.
 *
 * Steps must be serialized per replica (one at a time, each output handled in order); the
 * XState machine that wraps this holds the role as its state for observability only.
 */
export type { Entry, HardState, ReplicaId, Snapshot, SnapshotMeta } from './types.ts'
export type { Config } from './config.ts'
export { defaultConfig, makeConfig } from './config.ts'
export type * from './messages.ts'
export type { Output, Proposed, ReadState, Rejection } from './output.ts'
export type { RaftState, RestoreOptions, Role, Status } from './state.ts'
export { restore, status } from './state.ts'
export { step } from './step.ts'
