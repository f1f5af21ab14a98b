/**
 * The echo actor: a diagnostic peer every host can carry. It answers pings, counts what it
 * receives, blasts a stream of pings at another actor (throughput runs), plays sequential
 * request/reply ping-pong with another actor (latency runs), and can be told to crash
 * (supervision drills).
 */
import { assign, enqueueActions, sendTo, setup } from 'xstate'
import type { ActorInput } from '../kit/actor-kind.ts'
import type { Address } from '../kit/address.ts'
import { NETWORK, request, respond, send, sendMany, type Inbound, type NetBatch, type NetCommand, type NetOutcome } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'

export interface EchoOptions {
  /** Pings sent per step of a blast before yielding, so inbound traffic is not starved. */
  readonly blastBatch: number
}

type Ping = { type: 'echo.ping'; seq: number; payload?: Uint8Array; report?: Address } & Inbound

export type EchoEvent =
  | Ping
  | ({ type: 'echo.stats' } & Inbound)
  | ({ type: 'echo.blast'; to: Address; count: number; payloadBytes?: number; report?: Address } & Inbound)
  | ({ type: 'echo.pingpong'; to: Address; count: number; timeoutMs?: number; report?: Address } & Inbound)
  | ({ type: 'echo.crash'; reason: string } & Inbound)
  | { type: 'echo.blast.continue' }

export const ECHO_ACCEPTS = new Set(['echo.ping', 'echo.stats', 'echo.blast', 'echo.pingpong', 'echo.crash'])

/** Sent to the `report` address of an `echo.pingpong` once every request has been answered or failed. */
export interface PingPongDone {
  readonly type: 'echo.pingpong.done'
  readonly by: string
  readonly count: number
  readonly replies: number
  readonly failed: number
}

interface Blast {
  readonly to: Address
  readonly remaining: number
  readonly next: number
  readonly payload: Uint8Array | undefined
  readonly report: Address | undefined
}

interface PingPong {
  readonly to: Address
  readonly count: number
  /** Requests answered (replied or failed) so far; the one in flight has sequence number `done`. */
  readonly done: number
  readonly failed: number
  readonly timeoutMs: number | undefined
  readonly report: Address | undefined
  /** Distinguishes this run's request ids from a previous run's late outcomes. */
  readonly run: number
}

interface EchoContext {
  readonly id: string
  readonly host: string
  readonly batch: number
  readonly received: number
  readonly lastSeq: number
  readonly blast: Blast | undefined
  readonly pingpong: PingPong | undefined
  readonly runs: number
}

const pingPongRequestId = (p: PingPong): string => `pp.${p.run}.${p.done}`

/** A count off the wire as a whole number >= 0; anything else (NaN would never finish a run) is 0. */
const wholeCount = (count: unknown): number => (typeof count === 'number' && Number.isFinite(count) ? Math.max(0, Math.floor(count)) : 0)

/** What a ping asks for: a pong to its requester and/or its report address, carrying the count so far. */
function answers(context: EchoContext, ping: Ping, received: number): NetCommand[] {
  if (ping.replyTo === undefined && ping.report === undefined) return []
  const pong = { type: 'echo.pong', seq: ping.seq, by: context.id, host: context.host, received }
  const commands: NetCommand[] = []
  if (ping.replyTo) commands.push(respond(ping.replyTo, pong))
  if (ping.report) commands.push(send(ping.report, pong))
  return commands
}

/** Blast payloads stay well under any host's message limit; a larger request is clamped, not obeyed. */
export const MAX_BLAST_PAYLOAD_BYTES = 64 * 1024

export const echoMachine = setup({
  types: {
    input: {} as ActorInput<EchoOptions>,
    context: {} as EchoContext,
    events: {} as EchoEvent | NetOutcome | NetBatch,
  },
  actors: { network: placeholderNetwork },
}).createMachine({
  id: 'echo',
  context: ({ input }) => ({
    id: input.id,
    host: input.host,
    batch: input.options.blastBatch,
    received: 0,
    lastSeq: -1,
    blast: undefined,
    pingpong: undefined,
    runs: 0,
  }),
  invoke: { id: NETWORK, src: 'network' },
  initial: 'idle',
  on: {
    'echo.ping': [
      // Most pings of a blast want no answer: one assign is all they cost (this is the hot path).
      {
        guard: ({ event }) => event.replyTo === undefined && event.report === undefined,
        actions: assign(({ context, event }) => ({ received: context.received + 1, lastSeq: event.seq })),
      },
      {
        actions: [
          assign(({ context, event }) => ({ received: context.received + 1, lastSeq: event.seq })),
          enqueueActions(({ context, event, enqueue }) => {
            for (const command of answers(context, event, context.received)) enqueue.sendTo(NETWORK, command)
          }),
        ],
      },
    ],
    // A stream of pings handed over at once (the kind declares echo.ping batchable): one transition.
    'net.batch': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        // The host batches only the types echo's kind declares batchable: echo.ping.
        const pings = event.events as unknown as readonly Ping[]
        const last = pings[pings.length - 1]
        if (!last) return
        const received = context.received + pings.length
        enqueue.assign({ received, lastSeq: last.seq })
        let count = context.received
        for (const ping of pings) {
          count++
          for (const command of answers(context, ping, count)) enqueue.sendTo(NETWORK, command)
        }
      }),
    },
    'echo.stats': {
      guard: ({ event }) => event.replyTo !== undefined,
      actions: sendTo(NETWORK, ({ context, event }) =>
        respond(event.replyTo!, { type: 'echo.stats', id: context.id, host: context.host, received: context.received, lastSeq: context.lastSeq }),
      ),
    },
    'echo.crash': {
      actions: ({ event }) => {
        throw new Error(`echo told to crash: ${event.reason}`)
      },
    },
  },
  states: {
    idle: {
      on: {
        'echo.blast': {
          target: 'blasting',
          actions: [
            assign(({ event }) => ({
              blast: {
                to: event.to,
                remaining: wholeCount(event.count),
                next: 0,
                payload: wholeCount(event.payloadBytes) > 0 ? new Uint8Array(Math.min(wholeCount(event.payloadBytes), MAX_BLAST_PAYLOAD_BYTES)) : undefined,
                report: event.report,
              },
            })),
            enqueueActions(({ event, enqueue }) => {
              if (event.replyTo) enqueue.sendTo(NETWORK, respond(event.replyTo, { type: 'echo.blast.started', count: event.count }))
            }),
          ],
        },
        'echo.pingpong': {
          target: 'pingponging',
          actions: [
            assign(({ context, event }) => ({
              runs: context.runs + 1,
              pingpong: {
                to: event.to,
                count: wholeCount(event.count),
                done: 0,
                failed: 0,
                timeoutMs: event.timeoutMs,
                report: event.report,
                run: context.runs + 1,
              },
            })),
            enqueueActions(({ event, enqueue }) => {
              if (event.replyTo) enqueue.sendTo(NETWORK, respond(event.replyTo, { type: 'echo.pingpong.started', count: event.count }))
            }),
          ],
        },
      },
    },
    // One request in flight at a time: the next ping goes out when the previous one's outcome arrives.
    pingponging: {
      entry: enqueueActions(({ context, enqueue }) => {
        const p = context.pingpong
        if (!p || p.done >= p.count) return
        const options = p.timeoutMs === undefined ? {} : { timeoutMs: p.timeoutMs }
        enqueue.sendTo(NETWORK, request(pingPongRequestId(p), p.to, { type: 'echo.ping', seq: p.done }, options))
      }),
      always: {
        guard: ({ context }) => context.pingpong === undefined || context.pingpong.done >= context.pingpong.count,
        target: 'idle',
        actions: enqueueActions(({ context, enqueue }) => {
          const p = context.pingpong
          if (p?.report) {
            const done: PingPongDone = { type: 'echo.pingpong.done', by: context.id, count: p.count, replies: p.done - p.failed, failed: p.failed }
            enqueue.sendTo(NETWORK, send(p.report, done))
          }
          enqueue.assign({ pingpong: undefined })
        }),
      },
      on: {
        'net.reply': {
          guard: ({ context, event }) => context.pingpong !== undefined && event.requestId === pingPongRequestId(context.pingpong),
          target: 'pingponging',
          reenter: true,
          actions: assign(({ context }) => ({ pingpong: { ...context.pingpong!, done: context.pingpong!.done + 1 } })),
        },
        'net.failed': {
          guard: ({ context, event }) => context.pingpong !== undefined && event.requestId === pingPongRequestId(context.pingpong),
          target: 'pingponging',
          reenter: true,
          actions: assign(({ context }) => ({
            pingpong: { ...context.pingpong!, done: context.pingpong!.done + 1, failed: context.pingpong!.failed + 1 },
          })),
        },
      },
    },
    blasting: {
      entry: enqueueActions(({ context, enqueue }) => {
        const blast = context.blast
        if (!blast) return
        const n = Math.min(blast.remaining, context.batch)
        const pings: Ping[] = []
        for (let i = 0; i < n; i++) {
          const last = blast.remaining - i === 1
          pings.push({
            type: 'echo.ping',
            seq: blast.next + i,
            ...(blast.payload ? { payload: blast.payload } : {}),
            ...(last && blast.report ? { report: blast.report } : {}),
          })
        }
        if (n > 0) enqueue.sendTo(NETWORK, sendMany(blast.to, pings))
        enqueue.assign({ blast: { ...blast, remaining: blast.remaining - n, next: blast.next + n } })
      }),
      always: { guard: ({ context }) => (context.blast?.remaining ?? 0) === 0, target: 'idle', actions: assign({ blast: undefined }) },
      // Yield to the event loop between batches so the host can flush and deliver inbound messages.
      after: { 0: { target: 'blasting', reenter: true } },
    },
  },
})
