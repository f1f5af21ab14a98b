/**
 * The bytes an object is stored as, per kube-apiserver's envelope format: an encrypted value is
 * `k8s:enc:<provider>:v1:<key name>:` then, for aesgcm, a 12-byte nonce and the AES-GCM sealed
 * text (tag last) with the store key as additional authenticated data (so a value copied under
 * another key does not open); for aescbc a 16-byte IV and the PKCS#7-padded CBC text. A write
 * uses the first provider of the first rule matching the key's resource; a read finds the
 * provider by the prefix, so values written before a key was added (identity) or under an older
 * key still read, as long as the configuration lists them.
 *
 * The cipher is a port: the runtime injects one (node:crypto), and with it the nonces' randomness.
 */
import type { EncryptionConfig, Provider } from './encryption-config.ts'

/** AES primitives and random bytes, injected by the runtime. */
export interface CipherPort {
  /** AES-GCM: the ciphertext with the 16-byte tag appended. */
  gcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, additionalData: Uint8Array): Uint8Array
  /** AES-GCM open; throws when the tag does not verify. */
  gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array): Uint8Array
  /** AES-CBC with PKCS#7 padding. */
  cbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array
  cbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array
  randomBytes(length: number): Uint8Array
}

/** How the object store turns an object's bytes into stored bytes and back. */
export interface StorageTransformer {
  toStorage(key: string, plain: Uint8Array): Uint8Array
  fromStorage(key: string, stored: Uint8Array): Uint8Array
}

export const IDENTITY_TRANSFORMER: StorageTransformer = { toStorage: (_key, plain) => plain, fromStorage: (_key, stored) => stored }

export const ENCRYPTED_PREFIX = 'k8s:enc:'
const GCM_NONCE_BYTES = 12
const CBC_IV_BYTES = 16

const encoder = new TextEncoder()
const prefixOf = (kind: string, keyName: string): Uint8Array => encoder.encode(`${ENCRYPTED_PREFIX}${kind}:v1:${keyName}:`)

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** `/registry/<group or core>/<resource>/...` -> the names a rule may list for it (`secrets`, `*.*`; `deployments.apps`, `*.apps`, `*.*`). */
function resourceNames(key: string): string[] {
  const [, , group = '', resource = ''] = key.split('/')
  if (group === 'core') return [resource, `${resource}.`, '*.', '*.*']
  return [`${resource}.${group}`, `*.${group}`, '*.*']
}

/** kube-apiserver's order: the first rule that names the resource. */
function providersFor(config: EncryptionConfig, key: string): readonly Provider[] | undefined {
  const names = resourceNames(key)
  return config.rules.find((rule) => rule.resources.some((r) => names.includes(r)))?.providers
}

function seal(provider: Provider, key: string, plain: Uint8Array, cipher: CipherPort): Uint8Array {
  if (provider.kind === 'identity') return plain
  const k = provider.keys[0]!
  if (provider.kind === 'aesgcm') {
    const nonce = cipher.randomBytes(GCM_NONCE_BYTES)
    return concat(prefixOf('aesgcm', k.name), nonce, cipher.gcmSeal(k.secret, nonce, plain, encoder.encode(key)))
  }
  const iv = cipher.randomBytes(CBC_IV_BYTES)
  return concat(prefixOf('aescbc', k.name), iv, cipher.cbcEncrypt(k.secret, iv, plain))
}

/** The plain bytes if one of `provider`'s keys wrote `stored`; undefined if none did. */
function open(provider: Provider, key: string, stored: Uint8Array, cipher: CipherPort): Uint8Array | undefined {
  if (provider.kind === 'identity') return undefined
  for (const k of provider.keys) {
    const prefix = prefixOf(provider.kind, k.name)
    if (!startsWith(stored, prefix)) continue
    const body = stored.subarray(prefix.length)
    if (provider.kind === 'aesgcm') return cipher.gcmOpen(k.secret, body.subarray(0, GCM_NONCE_BYTES), body.subarray(GCM_NONCE_BYTES), encoder.encode(key))
    return cipher.cbcDecrypt(k.secret, body.subarray(0, CBC_IV_BYTES), body.subarray(CBC_IV_BYTES))
  }
  return undefined
}

/** The transformer a configuration describes; keys of resources no rule names are stored plain. */
export function storageTransformer(config: EncryptionConfig, cipher: CipherPort): StorageTransformer {
  return {
    toStorage(key, plain) {
      const providers = providersFor(config, key)
      return providers === undefined ? plain : seal(providers[0]!, key, plain, cipher)
    },
    fromStorage(key, stored) {
      const providers = providersFor(config, key)
      if (providers === undefined) return stored
      for (const provider of providers) {
        const plain = open(provider, key, stored, cipher)
        if (plain !== undefined) return plain
      }
      const encrypted = startsWith(stored, encoder.encode(ENCRYPTED_PREFIX))
      if (!encrypted && providers.some((p) => p.kind === 'identity')) return stored
      throw new Error(encrypted ? `${key}: no configured key decrypts this value (its prefix names a provider or key not in the encryption configuration)` : `${key}: the value is not encrypted and the encryption configuration has no identity provider to read it`)
    },
  }
}
