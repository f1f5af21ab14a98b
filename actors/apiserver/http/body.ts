/**
 * Request bodies: JSON objects (kubectl sends JSON, also for `apply --server-side`), or
 * Kubernetes protobuf (kubectl's `create` generators send it), refused with a clear reason when
 * they are neither.
 */
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from '../protobuf/codec.ts'

/** `unsupported`: a protobuf body of a kind without a schema (a 415, where other refusals are 400s). */
export type ParsedBody = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly message: string; readonly unsupported?: true }

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Deeper than any Kubernetes object; deeper bodies are attacks on everything that walks them. */
export const MAX_BODY_DEPTH = 100

/** Depth of nested arrays/objects, counted on the text so that the parser never builds a hostile tree. */
function nestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) max = Math.max(max, ++depth)
    else if (c === 125 || c === 93) depth--
  }
  return max
}

function parseText(body: Uint8Array): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string
  try {
    text = decoder.decode(body)
  } catch {
    return { ok: false, message: 'the request body is not valid UTF-8' }
  }
  if (nestingDepth(text) > MAX_BODY_DEPTH) return { ok: false, message: `the request body is nested deeper than ${MAX_BODY_DEPTH} levels` }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
}

export function parseJsonObject(body: Uint8Array | undefined): ParsedBody {
  if (body === undefined || body.length === 0) return { ok: false, message: 'the request body is empty' }
  const parsed = parseText(body)
  if (!parsed.ok) return parsed
  const value = parsed.value
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'the request body must be a JSON object' }
  return { ok: true, value: value as Record<string, unknown> }
}

/** An object body in the request's Content-Type: protobuf, or JSON (the default, as before). */
export function parseObjectBody(body: Uint8Array | undefined, contentType: string): ParsedBody {
  if (contentType.split(';')[0]!.trim().toLowerCase() !== PROTOBUF_CONTENT_TYPE) return parseJsonObject(body)
  if (body === undefined || body.length === 0) return { ok: false, message: 'the request body is empty' }
  const decoded = decodeProtobufObject(body)
  if (decoded.ok) return decoded
  return decoded.reason === 'unsupported' ? { ok: false, message: decoded.message, unsupported: true } : { ok: false, message: decoded.message }
}

/** Any JSON value (patches may be arrays). */
export function parseJson(body: Uint8Array | undefined): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } {
  if (body === undefined || body.length === 0) return { ok: false, message: 'the request body is empty' }
  return parseText(body)
}
