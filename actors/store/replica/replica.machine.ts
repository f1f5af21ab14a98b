/**
 * The store replica actor. It recovers its Raft log and state machine from its `disk` service,
 * then runs the Raft core (see replica.ts) on ticks, peer messages and client requests, and
 * carries out each input's effects in the order Raft needs: WAL write first, and only once it
 * is durable the messages and replies that depend on it (see effect-gate.ts).
 *
 * Both children are provided by the host: `network` (messages) and `disk` (the WAL and
 * snapshots). A failed disk write crashes the actor; its supervisor restarts it, and it
 * recovers from what is durable.
 */
import { assign, enqueueActions, fromCallback, sendTo, setup } from 'xstate'
import type { ActorInput } from '../../kit/actor-kind.ts'
import type { WireEvent } from '../../kit/event.ts'
import { NETWORK, respond, send, sendMany, type Inbound, type NetBatch, type NetCommand } from '../../kit/network.ts'
import { placeholderNetwork } from '../../kit/placeholder-network.ts'
import type { RangeRequest } from '../mvcc/commands.ts'
import { EffectGate } from './effect-gate.ts'
import { asPeerMessage } from './peer-message.ts'
import {
  DISK,
  replicaAddress,
  type ClientWrite,
  type DiskCommand,
  type DiskFailed,
  type DiskPersisted,
  type DiskRecovered,
  METRICS,
  type RaftSnapChunk,
  type ReplicaStats,
  type ReplicaReply,
  type WatchRequest,
} from './protocol.ts'
import { Replica, type Effects, type ReplicaOptions } from './replica.ts'
import { chunkSnap, SnapAssembler } from './snapshot-chunks.ts'
import type { PeerMessage } from '../raft/messages.ts'

export interface StoreOptions extends Omit<ReplicaOptions, 'id' | 'seed'> {
  /** Where the WAL and snapshots live (the host's disk service reads it). */
  readonly dataDir: string
  /** One Raft tick; election and heartbeat timeouts are counted in ticks. */
  readonly tickMs: number
}

export const STORE_ACCEPTS = new Set([
  'raft.msg',
  'raft.snapChunk',
  'store.write',
  'store.read',
  'store.watch',
  'store.watchKeepAlive',
  'store.watchCancel',
  'store.status',
  'store.transfer',
  'store.campaign',
])

/** Raft traffic arrives in bursts from the same few peers: handing a burst over at once saves transitions. */
export const STORE_BATCHABLE = new Set(['raft.msg'])

type Incoming = WireEvent & Inbound
type StoreEvent = Incoming | NetBatch | DiskRecovered | DiskPersisted | DiskFailed

interface StoreContext {
  readonly id: string
  readonly options: StoreOptions
  readonly input: ActorInput<StoreOptions>
  replica: Replica | undefined
  readonly gate: EffectGate
  readonly snaps: SnapAssembler
}

/** What the host provides as `disk` until it is provided: recovers nothing and never persists. */
const placeholderDisk = fromCallback<DiskCommand>(() => {})
const placeholderMetrics = fromCallback<ReplicaStats>(() => {})

/** Stats go to the metrics service every this many ticks. */
const STATS_EVERY_TICKS = 8

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Commands for the children, collected by the helpers below and enqueued by the action that ran them. */
type Child = typeof NETWORK | typeof DISK | typeof METRICS
type Outbox = { to: Child; command: NetCommand | DiskCommand | ReplicaStats }[]

function outbox(): Outbox & { sendTo(to: Child, command: NetCommand | DiskCommand | ReplicaStats): void } {
  const list: Outbox = []
  return Object.assign(list, { sendTo: (to: Child, command: NetCommand | DiskCommand | ReplicaStats) => void list.push({ to, command }) })
}

type Out = ReturnType<typeof outbox>

/**
 * Turns one input's effects into disk and network commands, honouring the gate. Heartbeats and
 * PreVotes go out at once, ahead of any write still syncing (see priority-lane.ts).
 */
function carryOut(context: StoreContext, effects: Effects, out: Out): void {
  if (effects.saveSnapshot) out.sendTo(DISK, { type: 'disk.saveSnapshot', snapshot: effects.saveSnapshot })
  sendPeers(effects.urgent, out)
  admit(context, effects, out)
  flushIfIdle(context, out)
}

/** Issues the WAL write of `effects` (if any) and carries out whatever the gate releases. */
function admit(context: StoreContext, effects: Effects, out: Out): void {
  const { write, release } = context.gate.admit(effects)
  if (write) out.sendTo(DISK, { type: 'disk.persist', seq: write.seq, ...write.persist })
  for (const e of release) emit(e, out)
}

/** The leader batches client writes while its last batch syncs; as soon as nothing syncs, the batch goes out. */
function flushIfIdle(context: StoreContext, out: Out): void {
  const replica = context.replica
  if (replica === undefined || !replica.hasBuffered || context.gate.syncing) return
  admit(context, replica.flush(context.input.env.now()), out)
}

function emit(effects: Effects, out: Out): void {
  sendPeers(effects.messages, out)
  for (const r of effects.replies) out.sendTo(NETWORK, respond(r.replyTo, r.event))
  for (const p of effects.pushes) out.sendTo(NETWORK, send(p.to, p.event))
}

/** Peer messages, one `sendMany` per peer; snapshots in chunks. */
function sendPeers(messages: readonly PeerMessage[], out: Out): void {
  const byPeer = new Map<string, WireEvent[]>()
  for (const m of messages) {
    if (m.type === 'snap') {
      for (const chunk of chunkSnap(m)) out.sendTo(NETWORK, send(replicaAddress(m.to), chunk))
      continue
    }
    let list = byPeer.get(m.to)
    if (list === undefined) byPeer.set(m.to, (list = []))
    list.push({ type: 'raft.msg', m })
  }
  for (const [to, events] of byPeer) out.sendTo(NETWORK, events.length === 1 ? send(replicaAddress(to), events[0]!) : sendMany(replicaAddress(to), events))
}

function refuse(event: Incoming, reply: ReplicaReply, out: Out): void {
  if (event.replyTo) out.sendTo(NETWORK, respond(event.replyTo, reply))
}

/** Runs one input against the replica and carries out its effects. */
function handle(context: StoreContext, event: Incoming, out: Out): void {
  const replica = context.replica!
  const now = context.input.env.now()
  const run = (effects: Effects) => carryOut(context, effects, out)
  const bad = (message: string) => refuse(event, { type: 'store.refused', error: 'bad-request', message }, out)
  switch (event.type) {
    case 'raft.msg': {
      const m = asPeerMessage(event.m)
      return m ? run(replica.peer(m, now)) : undefined
    }
    case 'raft.snapChunk': {
      const chunk = event as unknown as RaftSnapChunk
      if (!(chunk.chunk instanceof Uint8Array) || !Number.isSafeInteger(chunk.offset) || !Number.isSafeInteger(chunk.total) || !isString(chunk.transfer)) return
      const whole = asPeerMessage(chunk.m) ? context.snaps.accept(chunk) : undefined
      const m = whole && asPeerMessage(whole)
      return m ? run(replica.peer(m as PeerMessage, now)) : undefined
    }
    case 'store.write':
      if (!event.replyTo) return
      if (!isString(event.requestId) || !isObject(event.command)) return bad('store.write needs a requestId and a command')
      return run(replica.write(event.requestId, event.command as unknown as ClientWrite, event.replyTo, now, event.priority === true))
    case 'store.read':
      if (!event.replyTo) return
      if (!isObject(event.request)) return bad('store.read needs a request')
      return run(replica.read({ ...(event.request as unknown as RangeRequest), type: 'range' }, event.serializable === true, event.replyTo, now))
    case 'store.watch': {
      if (!event.replyTo) return
      const w = event as unknown as WatchRequest
      if (!isString(w.clientId) || !/^[A-Za-z0-9_-]+$/.test(w.clientId) || !isString(w.watchId) || typeof w.key !== 'string' || !Number.isSafeInteger(w.fromRevision) || w.fromRevision < 0) {
        return bad('store.watch needs clientId (a subject token), watchId, key and fromRevision >= 0')
      }
      return run(replica.watch(w, event.replyTo, now))
    }
    case 'store.watchKeepAlive':
      if (!isString(event.clientId) || !Array.isArray(event.watchIds) || !event.watchIds.every(isString)) return bad('store.watchKeepAlive needs clientId and watchIds')
      return run(replica.watchKeepAlive(event.clientId, event.watchIds, event.replyTo, now))
    case 'store.watchCancel':
      return isString(event.watchId) ? run(replica.cancelWatch(event.watchId)) : undefined
    case 'store.status':
      return event.replyTo ? run(replica.reply(event.replyTo, replica.status())) : undefined
    case 'store.transfer':
      return run(replica.transfer(isString(event.to) ? event.to : undefined, event.replyTo, now))
    case 'store.campaign':
      return run(replica.campaign(now))
    case 'host.stopping':
      // Graceful shutdown: a leader hands over rather than leave the others to time out.
      return run(replica.transfer(undefined, undefined, now))
    default:
      return undefined
  }
}

/**
 * Runs `work` and enqueues what it produced: the one place helpers' commands become XState
 * actions. (Cast because a standalone enqueueActions cannot name the machine's child types.)
 */
const act = (work: (context: StoreContext, event: StoreEvent, out: Out) => void): never =>
  enqueueActions(({ context, event, enqueue }: { context: StoreContext; event: StoreEvent; enqueue: { sendTo(to: string, command: unknown): void } }) => {
    const out = outbox()
    work(context, event, out)
    for (const { to, command } of out) enqueue.sendTo(to, command)
  }) as never

export const storeMachine = setup({
  types: {
    context: {} as StoreContext,
    events: {} as StoreEvent,
    input: {} as ActorInput<StoreOptions>,
  },
  actors: { network: placeholderNetwork, disk: placeholderDisk, metrics: placeholderMetrics },
  delays: { tick: ({ context }) => context.options.tickMs },
  actions: {
    // A write or fsync failed: what the WAL holds is unknown, so the replica fails and its
    // supervisor restarts it from what is on disk, as etcd panics; its pending proposals fail
    // with it (clients retry). Each state names it: their '*' handlers would take it otherwise,
    // and did, leaving a replica that persisted nothing more and never caught up.
    failOnDisk: ({ event }) => {
      throw new Error(`store: disk failed: ${(event as DiskFailed).message}`)
    },
  },
}).createMachine({
  id: 'store',
  context: ({ input }) => ({
    id: input.id,
    options: input.options,
    input,
    replica: undefined,
    gate: new EffectGate(),
    snaps: new SnapAssembler(),
  }),
  invoke: [
    { id: NETWORK, src: 'network' },
    { id: DISK, src: 'disk' },
    { id: METRICS, src: 'metrics' },
  ],
  initial: 'recovering',
  states: {
    recovering: {
      entry: sendTo(DISK, { type: 'disk.recover' } satisfies DiskCommand),
      on: {
        'disk.failed': { actions: 'failOnDisk' },
        'disk.recovered': {
          target: 'running',
          actions: assign({
            replica: ({ context, event }) => {
              const seed = [...context.id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7) ^ Math.floor(context.input.env.random() * 2 ** 31)
              return new Replica({ ...context.options, id: context.id, seed }, event as DiskRecovered)
            },
          }),
        },
        // Clients retry elsewhere or later; peers resend.
        '*': {
          actions: act((_, event, out) => {
            if (event.type.startsWith('store.')) refuse(event as Incoming, { type: 'store.refused', error: 'unavailable', message: 'replica is recovering' }, out)
          }),
        },
      },
    },
    running: {
      after: {
        tick: {
          target: 'running',
          reenter: true,
          actions: act((context, _, out) => {
            const replica = context.replica!
            carryOut(context, replica.tick(context.input.env.now()), out)
            if (replica.raft.ticks % STATS_EVERY_TICKS === 0) out.sendTo(METRICS, replica.stats())
          }),
        },
      },
      on: {
        'disk.failed': { actions: 'failOnDisk' },
        'disk.persisted': {
          actions: act((context, event, out) => {
            for (const effects of context.gate.persisted((event as DiskPersisted).seq)) emit(effects, out)
            flushIfIdle(context, out)
          }),
        },
        '*': {
          actions: act((context, event, out) => {
            if (event.type === 'net.batch') for (const e of (event as NetBatch).events) handle(context, e as Incoming, out)
            else handle(context, event as Incoming, out)
          }),
        },
      },
    },
  },
})
