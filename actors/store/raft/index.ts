/** The pure Raft core of the cluster store. See step.ts for the entry point, output.ts for the contract. */
export type { Entry, HardState, ReplicaId, Snapshot, SnapshotMeta } from './types.ts'
export type { Config } from './config.ts'
export { defaultConfig, makeConfig } from './config.ts'
export type * from './messages.ts'
export type { Output, Proposed, ReadState, Rejection } from './output.ts'
export type { RaftState, RestoreOptions, Role, Status } from './state.ts'
export { restore, status } from './state.ts'
export { step } from './step.ts'
