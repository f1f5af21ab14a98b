/**
 * Plain JSON values and the result type shared by the PATCH content types (merge patch, JSON
 * patch, strategic merge patch). Pure: no I/O, runs under Node and Deno.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject
export interface JsonObject {
  [key: string]: Json
}

/** Why a patch was refused, with the HTTP code and metav1.Status reason the API server answers. */
export interface PatchError {
  /**
   * 400 BadRequest: the patch document itself is malformed; 422 Invalid: it cannot be applied;
   * 415 UnsupportedMediaType: no strategic merge schema for the kind.
   */
  readonly code: 400 | 415 | 422
  readonly reason: 'BadRequest' | 'UnsupportedMediaType' | 'Invalid'
  readonly message: string
}

export type PatchResult = { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly error: PatchError }

/** Nesting deeper than this is refused (hostile input would otherwise exhaust the stack). */
export const MAX_DEPTH = 512

/** Thrown inside the patch functions, caught at their entry point: callers never see a throw. */
export class PatchFailure extends Error {
  readonly code: 400 | 415 | 422
  constructor(code: 400 | 415 | 422, message: string) {
    super(message)
    this.code = code
  }
}

export const badRequest = (message: string): PatchFailure => new PatchFailure(400, message)
export const invalid = (message: string): PatchFailure => new PatchFailure(422, message)
export const unsupported = (message: string): PatchFailure => new PatchFailure(415, message)

const REASONS = { 400: 'BadRequest', 415: 'UnsupportedMediaType', 422: 'Invalid' } as const

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Own property only: `__proto__`, `constructor` etc. are ordinary keys here. */
export const getOwn = (o: JsonObject, k: string): Json | undefined => (Object.hasOwn(o, k) ? o[k] : undefined)

/** Sets an own enumerable property, also for the key `__proto__` (plain assignment would set the prototype). */
export function setOwn(o: JsonObject, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  else o[k] = v
}

export function checkDepth(depth: number): void {
  if (depth > MAX_DEPTH) throw badRequest(`patch nesting exceeds the maximum depth of ${MAX_DEPTH}`)
}

export function clone(v: Json, depth = 0): Json {
  checkDepth(depth)
  if (Array.isArray(v)) return v.map((x) => clone(x, depth + 1))
  if (isObject(v)) {
    const out: JsonObject = {}
    for (const k of Object.keys(v)) setOwn(out, k, clone(v[k] as Json, depth + 1))
    return out
  }
  return v
}

/** JSON equality: numbers by value, objects regardless of key order. */
export function jsonEqual(a: Json | undefined, b: Json | undefined, depth = 0): boolean {
  checkDepth(depth)
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => jsonEqual(x, b[i] as Json, depth + 1))
  }
  if (isObject(a)) {
    if (!isObject(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k], depth + 1))
  }
  return false
}

/** Runs a patch body, turning PatchFailure (and stack exhaustion) into a PatchResult. */
export function run(body: () => Json): PatchResult {
  try {
    return { ok: true, value: body() }
  } catch (e) {
    if (e instanceof PatchFailure) {
      return { ok: false, error: { code: e.code, reason: REASONS[e.code], message: e.message } }
    }
    if (e instanceof RangeError) return { ok: false, error: { code: 400, reason: 'BadRequest', message: `patch too deep: ${e.message}` } }
    throw e
  }
}

/** Short rendering of a value for error messages. */
export function show(v: Json | undefined): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v)
  return s.length > 200 ? `${s.slice(0, 200)}...` : s
}
