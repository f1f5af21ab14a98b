/**
 * Kubernetes objects as `application/vnd.kubernetes.protobuf` bodies and back, for the kinds
 * with a schema (registry.ts). Decoding is strict: a malformed body or an unknown field is an
 * error naming the field, never a silently smaller object. Encoding answers undefined when the
 * object holds anything the schema cannot carry, so the caller falls back to JSON.
 */
import { openEnvelope, sealEnvelope } from './envelope.ts'
import { jsonToMessage, NotRepresentable } from './from-json.ts'
import { messageTypeOf } from './registry.ts'
import { messageToJson } from './to-json.ts'
import { checkWire, MalformedProtobuf } from './wire-check.ts'

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf'

export type DecodedObject =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  /** `unsupported`: a well-formed envelope of a kind without a schema (415, as for a CRD). */
  | { readonly ok: false; readonly reason: 'malformed' | 'unsupported'; readonly message: string }

export function decodeProtobufObject(body: Uint8Array): DecodedObject {
  try {
    const { apiVersion, kind, raw } = openEnvelope(body)
    const type = messageTypeOf(apiVersion, kind)
    if (type === undefined) return { ok: false, reason: 'unsupported', message: `${apiVersion}, Kind=${kind} is not served as ${PROTOBUF_CONTENT_TYPE}` }
    checkWire(type, raw)
    const message = type.decode(raw) as unknown as Record<string, unknown>
    return { ok: true, value: { kind, apiVersion, ...messageToJson(type, message) } }
  } catch (error) {
    if (error instanceof MalformedProtobuf) return { ok: false, reason: 'malformed', message: `the protobuf body is malformed: ${error.message}` }
    // protobufjs' own decode errors (it found what the wire check let through).
    return { ok: false, reason: 'malformed', message: `the protobuf body is malformed: ${error instanceof Error ? error.message : String(error)}` }
  }
}

/** The protobuf body of a Kubernetes object (apiVersion and kind set), or undefined when it has no exact one. */
export function encodeProtobufObject(object: unknown): Uint8Array | undefined {
  if (typeof object !== 'object' || object === null) return undefined
  const { apiVersion, kind, ...fields } = object as Record<string, unknown>
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined
  const type = messageTypeOf(apiVersion, kind)
  if (type === undefined) return undefined
  try {
    const message = jsonToMessage(type, fields, kind)
    return sealEnvelope({ apiVersion, kind, raw: type.encode(message).finish() })
  } catch (error) {
    if (error instanceof NotRepresentable) return undefined
    throw error
  }
}
