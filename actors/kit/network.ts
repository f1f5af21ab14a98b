/**
 * The protocol between an actor and its `network` child, which the host provides. Machines
 * invoke `network` at their root and talk to the world only through it: commands go in with
 * `sendTo(NETWORK, ...)`, inbound messages and request outcomes come back as events.
 */
import type { Address } from './address.ts'
import type { OutboundEvent, WireEvent } from './event.ts'

/** The id under which every machine invokes its host-provided network actor. */
export const NETWORK = 'network'

export interface NetSend {
  readonly type: 'net.send'
  readonly to: Address
  readonly event: OutboundEvent
}

/** Many one-way messages to one address in one command: one XState action instead of one each. */
export interface NetSendMany {
  readonly type: 'net.sendMany'
  readonly to: Address
  readonly events: readonly OutboundEvent[]
}

export interface NetRequest {
  readonly type: 'net.request'
  /** Chosen by the caller; echoed in the outcome event. */
  readonly requestId: string
  readonly to: Address
  readonly event: OutboundEvent
  readonly timeoutMs?: number
  /** Total tries; every try carries the same message id, so the receiver acts once. */
  readonly attempts?: number
}

export interface NetRespond {
  readonly type: 'net.respond'
  readonly replyTo: string
  readonly event: OutboundEvent
}

export type NetCommand = NetSend | NetSendMany | NetRequest | NetRespond

export interface NetReply {
  readonly type: 'net.reply'
  readonly requestId: string
  readonly event: WireEvent
}

export type NetFailureReason = 'timeout' | 'no-responders' | 'refused'

export interface NetFailed {
  readonly type: 'net.failed'
  readonly requestId: string
  readonly reason: NetFailureReason
  readonly message: string
}

export type NetOutcome = NetReply | NetFailed

/**
 * One-way inbound events of the types an actor kind declares `batchable`, arriving together, in
 * arrival order. Only such types ever appear in `events`, and never a request (no `replyTo`).
 */
export interface NetBatch {
  readonly type: 'net.batch'
  readonly events: readonly WireEvent[]
}

/** Present on an inbound event that was sent as a request: pass it to {@link respond}. */
export interface Inbound {
  readonly replyTo?: string
}

export const send = <E extends OutboundEvent>(to: Address, event: E): NetSend => ({ type: 'net.send', to, event })

export const sendMany = (to: Address, events: readonly OutboundEvent[]): NetSendMany => ({ type: 'net.sendMany', to, events })

export const request = <E extends OutboundEvent>(
  requestId: string,
  to: Address,
  event: E,
  options: { timeoutMs?: number; attempts?: number } = {},
): NetRequest => ({ type: 'net.request', requestId, to, event, ...options })

export const respond = <E extends OutboundEvent>(replyTo: string, event: E): NetRespond => ({ type: 'net.respond', replyTo, event })
