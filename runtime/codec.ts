/**
 * Message bodies: one msgpack-encoded XState event `{ type, ... }` per message.
 * Decoding never throws past this module: bad input becomes a typed {@link DecodeFailure}
 * so that a host can log and drop it without disturbing the receiving actor.
 */
import { C1, Packr } from 'msgpackr'

import type { OutboundEvent, WireEvent } from '../actors/kit/event.ts'

export type { OutboundEvent, WireEvent }

/** NATS' own default max_payload; bodies above it would be refused by the server anyway. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024

// Plain maps (no record extension) so that any msgpack implementation can read our messages.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })

export type DecodeFailureReason = 'oversized' | 'malformed' | 'not-an-event'

export class DecodeFailure {
  readonly reason: DecodeFailureReason
  readonly detail: string

  constructor(reason: DecodeFailureReason, detail: string) {
    this.reason = reason
    this.detail = detail
  }
}

export class EncodeError extends RangeError {}

export function encodeEvent<E extends OutboundEvent>(event: E, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Uint8Array {
  const bytes: Uint8Array = packr.pack(event)
  if (bytes.length > maxBytes) {
    throw new EncodeError(`event ${JSON.stringify(event.type)} is ${bytes.length} bytes, over the ${maxBytes}-byte limit`)
  }
  return bytes
}

export function decodeEvent(bytes: Uint8Array, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): WireEvent | DecodeFailure {
  if (bytes.length > maxBytes) {
    return new DecodeFailure('oversized', `${bytes.length} bytes, over the ${maxBytes}-byte limit`)
  }
  let value: unknown
  try {
    value = packr.unpack(bytes)
  } catch (error) {
    return new DecodeFailure('malformed', error instanceof Error ? error.message : String(error))
  }
  // 0xc1 is "never used" in msgpack; msgpackr decodes it to a marker object instead of failing.
  if (value === C1) return new DecodeFailure('malformed', 'reserved byte 0xc1')
  if (!isWireEvent(value)) {
    return new DecodeFailure('not-an-event', 'body is not an object with a string "type"')
  }
  return value
}

export function isWireEvent(value: unknown): value is WireEvent {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.length > 0
  )
}
