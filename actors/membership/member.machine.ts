/**
 * Membership: one member actor per host beats on a shared topic and keeps the view of which hosts
 * are alive (seen within `timeoutMs`). `actorkube up` waits on these beats to say the cluster is
 * ready, and anyone may ask a member for its view.
 */
import { assign, enqueueActions, sendTo, setup } from 'xstate'
import type { ActorInput } from '../kit/actor-kind.ts'
import type { Address } from '../kit/address.ts'
import { NETWORK, respond, send, type Inbound, type NetOutcome } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'

export interface MemberOptions {
  readonly intervalMs: number
  readonly timeoutMs: number
  /** Roles this host plays (master, worker), announced with every beat. */
  readonly roles: readonly string[]
}

export const BEAT_TOPIC: Address = { component: 'member', instance: 'all', verb: 'beat' }

export interface Beat {
  readonly type: 'member.beat'
  readonly host: string
  readonly roles: readonly string[]
  readonly startedAt: number
  readonly seq: number
}

export type MemberEvent = Beat | ({ type: 'member.view' } & Inbound)

export const MEMBER_ACCEPTS = new Set(['member.beat', 'member.view'])

export interface Peer {
  readonly roles: readonly string[]
  readonly startedAt: number
  readonly lastSeen: number
}

interface MemberContext {
  readonly host: string
  readonly options: MemberOptions
  readonly startedAt: number
  readonly seq: number
  readonly peers: Readonly<Record<string, Peer>>
  readonly now: () => number
}

/** The peers still alive at `now`. */
export function livePeers(peers: Readonly<Record<string, Peer>>, now: number, timeoutMs: number): Record<string, Peer> {
  return Object.fromEntries(Object.entries(peers).filter(([, peer]) => now - peer.lastSeen <= timeoutMs))
}

export const memberMachine = setup({
  types: {
    input: {} as ActorInput<MemberOptions>,
    context: {} as MemberContext,
    events: {} as MemberEvent | NetOutcome,
  },
  actors: { network: placeholderNetwork },
  delays: { interval: ({ context }) => context.options.intervalMs },
  actions: {
    beat: enqueueActions(({ context, enqueue }) => {
      const beat: Beat = { type: 'member.beat', host: context.host, roles: context.options.roles, startedAt: context.startedAt, seq: context.seq }
      enqueue.sendTo(NETWORK, send(BEAT_TOPIC, beat))
      enqueue.assign({
        seq: context.seq + 1,
        peers: livePeers(context.peers, context.now(), context.options.timeoutMs),
      })
    }),
  },
}).createMachine({
  id: 'member',
  context: ({ input }) => ({
    host: input.host,
    options: input.options,
    startedAt: input.env.now(),
    seq: 0,
    peers: {},
    now: input.env.now,
  }),
  invoke: { id: NETWORK, src: 'network' },
  initial: 'beating',
  on: {
    'member.beat': {
      actions: assign(({ context, event }) => ({
        peers: { ...context.peers, [event.host]: { roles: event.roles, startedAt: event.startedAt, lastSeen: context.now() } },
      })),
    },
    'member.view': {
      guard: ({ event }) => event.replyTo !== undefined,
      actions: sendTo(NETWORK, ({ context, event }) =>
        respond(event.replyTo!, {
          type: 'member.view',
          host: context.host,
          peers: livePeers(context.peers, context.now(), context.options.timeoutMs),
        }),
      ),
    },
  },
  states: {
    beating: {
      entry: 'beat',
      after: { interval: { target: 'beating', reenter: true } },
    },
  },
})
