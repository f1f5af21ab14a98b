/**
 * Request bodies: JSON objects (kubectl sends JSON, also for `apply --server-side`), refused
 * with a clear reason when they are not.
 */
export type ParsedBody = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly message: string }

const decoder = new TextDecoder('utf-8', { fatal: true })

export function parseJsonObject(body: Uint8Array | undefined): ParsedBody {
  if (body === undefined || body.length === 0) return { ok: false, message: 'the request body is empty' }
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(body))
  } catch (error) {
    return { ok: false, message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'the request body must be a JSON object' }
  return { ok: true, value: value as Record<string, unknown> }
}

/** Any JSON value (patches may be arrays). */
export function parseJson(body: Uint8Array | undefined): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } {
  if (body === undefined || body.length === 0) return { ok: false, message: 'the request body is empty' }
  try {
    return { ok: true, value: JSON.parse(decoder.decode(body)) }
  } catch (error) {
    return { ok: false, message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
}
