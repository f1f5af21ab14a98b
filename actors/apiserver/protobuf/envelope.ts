/**
 * Kubernetes' protobuf framing: the 4-byte magic `k8s\0`, then a runtime.Unknown holding the
 * object's TypeMeta (apiVersion, kind) and its message bytes (raw). Unknown's contentEncoding and
 * contentType are empty in everything Kubernetes writes; anything else is refused.
 */
import { unknownType } from './registry.ts'
import { checkWire, MalformedProtobuf } from './wire-check.ts'

export const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00)

export interface Envelope {
  readonly apiVersion: string
  readonly kind: string
  readonly raw: Uint8Array
}

interface UnknownMessage {
  readonly typeMeta?: { readonly apiVersion?: string; readonly kind?: string }
  readonly raw?: Uint8Array
  readonly contentEncoding?: string
  readonly contentType?: string
}

/** The envelope of a protobuf body; throws {@link MalformedProtobuf} for anything else. */
export function openEnvelope(body: Uint8Array): Envelope {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) throw new MalformedProtobuf('the body does not start with the protobuf magic k8s\\0')
  const bytes = body.subarray(MAGIC.length)
  const envelope = unknownType()
  checkWire(envelope, bytes)
  const unknown = envelope.decode(bytes) as unknown as UnknownMessage
  if ((unknown.contentEncoding ?? '') !== '') throw new MalformedProtobuf(`contentEncoding ${JSON.stringify(unknown.contentEncoding)} is not supported`)
  const contentType = unknown.contentType ?? ''
  if (contentType !== '' && contentType !== 'application/vnd.kubernetes.protobuf') throw new MalformedProtobuf(`contentType ${JSON.stringify(contentType)} is not supported in a protobuf envelope`)
  const apiVersion = unknown.typeMeta?.apiVersion ?? ''
  const kind = unknown.typeMeta?.kind ?? ''
  if (apiVersion === '' || kind === '') throw new MalformedProtobuf('the envelope does not name the object\'s apiVersion and kind')
  return { apiVersion, kind, raw: unknown.raw ?? new Uint8Array(0) }
}

/** The body for a message: magic + Unknown with all four fields, as Go writes them. */
export function sealEnvelope(envelope: Envelope): Uint8Array {
  const unknown = unknownType().encode({ typeMeta: { apiVersion: envelope.apiVersion, kind: envelope.kind }, raw: envelope.raw, contentEncoding: '', contentType: '' }).finish()
  const body = new Uint8Array(MAGIC.length + unknown.length)
  body.set(MAGIC)
  body.set(unknown, MAGIC.length)
  return body
}
