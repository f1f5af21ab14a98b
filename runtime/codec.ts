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

/** Deeper than any event we send: a deeper body is an attack on the decoder's callers. */
export const MAX_EVENT_DEPTH = 32

export class DecodeFailure {
  readonly reason: DecodeFailureReason
  readonly detail: string

  constructor(reason: DecodeFailureReason, detail: string) {
    this.reason = reason
    this.detail = detail
  }
}

export class EncodeError extends RangeError {
  override readonly name = 'EncodeError'
}

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
  const impurity = findNonPlainData(value, 0)
  if (impurity) return new DecodeFailure('malformed', impurity)
  return value
}

/**
 * Events are plain data: msgpackr would also hand us Sets, Maps, Dates, RegExps and Errors from
 * its extension types, which a sender could use to smuggle behaviour-bearing objects into an
 * actor. Returns what is wrong, or undefined when the value is plain.
 */
function findNonPlainData(value: unknown, depth: number): string | undefined {
  // undefined is what a sender's optional field held; msgpackr carries it, and it means "absent".
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return undefined
  if (depth >= MAX_EVENT_DEPTH) return `nested deeper than ${MAX_EVENT_DEPTH} levels`
  if (value instanceof Uint8Array) return undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findNonPlainData(item, depth + 1)
      if (found) return found
    }
    return undefined
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key in value) {
      const found = findNonPlainData((value as Record<string, unknown>)[key], depth + 1)
      if (found) return found
    }
    return undefined
  }
  if (value === C1) return 'reserved byte 0xc1'
  return `contains a non-plain value (${Object.prototype.toString.call(value)})`
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
