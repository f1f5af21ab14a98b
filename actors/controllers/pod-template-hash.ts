/**
 * The `pod-template-hash` of a Deployment's pod template (controller.ComputeHash): FNV-32a over
 * a stable rendering of the template (JSON with sorted keys, where Kubernetes uses spew's
 * printout), the collision count mixed in as four little-endian bytes, and the decimal
 * value rendered through rand.SafeEncodeString's alphabet (no vowels, no 0/1/3, so a hash never
 * spells a word).
 */
import { GENERATE_NAME_ALPHABET } from '../apiserver/meta/names.ts'

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash'

/** JSON with object keys sorted at every level; `undefined` members dropped. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`
}

const FNV32_OFFSET = 0x811c9dc5
const FNV32_PRIME = 0x01000193

/** FNV-1a, 32 bits, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0
  for (const b of bytes) {
    h ^= b
    h = Math.imul(h, FNV32_PRIME) >>> 0
  }
  return h >>> 0
}

/** rand.SafeEncodeString: each byte of `s` picks `alphabet[byte % 27]`. */
export function safeEncodeString(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) out += GENERATE_NAME_ALPHABET[s.charCodeAt(i) % GENERATE_NAME_ALPHABET.length]
  return out
}

/** The pod-template-hash label value of `template` (with `collisionCount` when the Deployment has seen collisions). */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableStringify(template)))
  if (collisionCount !== undefined && collisionCount !== null) {
    const n = collisionCount >>> 0
    h = fnv32a(new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]), h)
  }
  return safeEncodeString(String(h))
}
