/**
 * Compact JSON Web Signatures (RFC 7515), the form of Kubernetes' service account tokens:
 * `base64url(header).base64url(payload).base64url(signature)`. The signature itself is a port the
 * host injects ({@link JwsSigner}, {@link JwsVerifier}: node:crypto in runtime/), so this file only
 * frames and parses, and refuses what is not a well-formed token before any crypto runs.
 */

/** Signs the signing input (`header.payload` as ASCII bytes) with the apiserver's private key. */
export interface JwsSigner {
  /** The JWS `alg`: ES256 (ECDSA P-256, the signature as r||s) or RS256. */
  readonly algorithm: 'ES256' | 'RS256'
  /** The JWS `kid`: which key signed (Kubernetes: base64url of the SHA-256 of the public key's DER). */
  readonly keyId: string
  sign(signingInput: Uint8Array): Uint8Array
}

/** Checks a signature made by a key this apiserver trusts (the one `kid` names, if it names one). */
export interface JwsVerifier {
  verify(header: JwsHeader, signingInput: Uint8Array, signature: Uint8Array): boolean
}

export interface JwsHeader {
  readonly alg: string
  readonly kid?: string
  readonly typ?: string
}

export type ParsedJws =
  | { readonly ok: true; readonly header: JwsHeader; readonly payload: Record<string, unknown>; readonly signingInput: Uint8Array; readonly signature: Uint8Array }
  | { readonly ok: false; readonly reason: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Bytes as base64url without padding (RFC 7515 section 2). */
export function base64UrlOf(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** The bytes of unpadded base64url, or undefined for anything else. */
export function bytesOfBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const padded = text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(padded)
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

const jsonPart = (value: unknown): string => base64UrlOf(encoder.encode(JSON.stringify(value)))

/** A signed token for `payload`. */
export function signJws(payload: Record<string, unknown>, signer: JwsSigner): string {
  const signingInput = `${jsonPart({ alg: signer.algorithm, kid: signer.keyId })}.${jsonPart(payload)}`
  return `${signingInput}.${base64UrlOf(signer.sign(encoder.encode(signingInput)))}`
}

/** Whether `token` has the shape of a compact JWS (three base64url parts): other bearer tokens are not ours to judge. */
export const looksLikeJws = (token: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)

function jsonObjectOf(part: string): Record<string, unknown> | undefined {
  const bytes = bytesOfBase64Url(part)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Splits and decodes a compact JWS; the signature is not checked here ({@link verifyJws}). */
export function parseJws(token: string): ParsedJws {
  const parts = token.split('.')
  if (parts.length !== 3) return { ok: false, reason: 'not a compact JWS' }
  const [head = '', body = '', sig = ''] = parts
  const header = jsonObjectOf(head)
  if (header === undefined || typeof header.alg !== 'string') return { ok: false, reason: 'malformed JWS header' }
  if (header.kid !== undefined && typeof header.kid !== 'string') return { ok: false, reason: 'malformed JWS header' }
  const payload = jsonObjectOf(body)
  if (payload === undefined) return { ok: false, reason: 'malformed JWS payload' }
  const signature = bytesOfBase64Url(sig)
  if (signature === undefined) return { ok: false, reason: 'malformed JWS signature' }
  return { ok: true, header: header as unknown as JwsHeader, payload, signingInput: encoder.encode(`${head}.${body}`), signature }
}

/** The payload of a token whose signature `verifier` accepts, or why not. `alg: none` is never accepted. */
export function verifyJws(token: string, verifier: JwsVerifier): { readonly ok: true; readonly payload: Record<string, unknown> } | { readonly ok: false; readonly reason: string } {
  const parsed = parseJws(token)
  if (!parsed.ok) return parsed
  if (parsed.header.alg === 'none' || parsed.header.alg === '') return { ok: false, reason: 'unsigned token' }
  if (!verifier.verify(parsed.header, parsed.signingInput, parsed.signature)) return { ok: false, reason: 'invalid signature' }
  return { ok: true, payload: parsed.payload }
}
