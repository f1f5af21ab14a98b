import type { ActorKind } from '../../kit/actor-kind.ts'
import { optionsObject, positiveNumber } from '../../kit/options.ts'
import { STORE_COMPONENT } from './protocol.ts'
import { STORE_ACCEPTS, STORE_BATCHABLE, storeMachine, type StoreOptions } from './replica.machine.ts'

const TOKEN = /^[A-Za-z0-9_-]+$/

const positiveInteger = (value: unknown, field: string, fallback: number): number => {
  const n = positiveNumber(value, field, fallback)
  if (!Number.isInteger(n)) throw new TypeError(`${field}: expected a whole number, got ${n}`)
  return n
}

export const storeKind: ActorKind<StoreOptions> = {
  component: STORE_COMPONENT,
  logic: storeMachine,
  accepts: STORE_ACCEPTS,
  batchable: STORE_BATCHABLE,
  stopGraceMs: 300,
  parseOptions(raw) {
    const o = optionsObject(raw, 'store')
    if (typeof o.dataDir !== 'string' || o.dataDir === '') throw new TypeError('store.dataDir: expected a directory path')
    const voters = o.voters
    if (!Array.isArray(voters) || voters.length === 0 || !voters.every((v) => typeof v === 'string' && TOKEN.test(v))) {
      throw new TypeError("store.voters: expected a list of replica ids (letters, digits, '-' or '_')")
    }
    if (new Set(voters).size !== voters.length) throw new TypeError('store.voters: ids must be unique')
    // 15 ticks of 10 ms: a 150-300 ms election timeout, heartbeats every 30 ms. It was 500-1000 ms
    // while a busy leader's heartbeats waited behind the fsync of its last batch (the effect gate)
    // and followers kept unseating it; heartbeats and PreVotes now travel ahead of the gate
    // (priority-lane.ts), and PreVote plus CheckQuorum keep one lagging follower from deposing a
    // leader the others still hear. Ticks are events, not wall time: a stalled follower counts
    // fewer of them, so its own stalls lengthen its timeout instead of shortening it.
    const electionTicks = positiveInteger(o.electionTicks, 'store.electionTicks', 15)
    const heartbeatTicks = positiveInteger(o.heartbeatTicks, 'store.heartbeatTicks', 3)
    if (heartbeatTicks >= electionTicks) throw new TypeError('store.heartbeatTicks: must be below store.electionTicks')
    return {
      dataDir: o.dataDir,
      voters: voters as string[],
      tickMs: positiveNumber(o.tickMs, 'store.tickMs', 10),
      raft: { electionTimeout: electionTicks, heartbeatTimeout: heartbeatTicks, maxBytesPerMsg: 512 * 1024 },
      snapshotEvery: positiveInteger(o.snapshotEvery, 'store.snapshotEvery', 10_000),
      retainRevisions: positiveInteger(o.retainRevisions, 'store.retainRevisions', 50_000),
      watchLapseMs: positiveNumber(o.watchLapseMs, 'store.watchLapseMs', 10_000),
      maxBatchBytes: positiveInteger(o.maxBatchBytes, 'store.maxBatchBytes', 256 * 1024),
    }
  },
}
