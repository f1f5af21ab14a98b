/**
 * kube-apiserver's EncryptionConfiguration (apiserver.config.k8s.io/v1), the file
 * `--encryption-provider-config` names: for each group of resources, the providers in order;
 * the first encrypts new writes, every one of them may read. Providers here: `aesgcm` and
 * `aescbc` (keys named, base64 secrets) and `identity` (plain text). A resource is `secrets`
 * (core) or `<resource>.<group>`; `*.<group>` and `*.*` match every resource of a group / all.
 */

/** One provider, keys decoded. */
export type Provider =
  | { readonly kind: 'aesgcm' | 'aescbc'; readonly keys: readonly { readonly name: string; readonly secret: Uint8Array }[] }
  | { readonly kind: 'identity' }

export interface EncryptionRule {
  /** `secrets`, `deployments.apps`, `*.apps`, `*.*` */
  readonly resources: readonly string[]
  readonly providers: readonly Provider[]
}

export interface EncryptionConfig {
  readonly rules: readonly EncryptionRule[]
}

export const ENCRYPTION_CONFIG_KIND = 'EncryptionConfiguration'
export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1'

/** Key sizes Kubernetes accepts: AES-GCM 16, 24 or 32 bytes; AES-CBC 32. */
const KEY_BYTES: Readonly<Record<'aesgcm' | 'aescbc', readonly number[]>> = { aesgcm: [16, 24, 32], aescbc: [32] }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined
  const binary = atob(text)
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseKeys(kind: 'aesgcm' | 'aescbc', value: unknown, at: string): Provider {
  const keys = isObject(value) ? value.keys : undefined
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError(`${at}.${kind}.keys: at least one key is required`)
  const names = new Set<string>()
  return {
    kind,
    keys: keys.map((k: unknown, i) => {
      const where = `${at}.${kind}.keys[${i}]`
      if (!isObject(k) || typeof k.name !== 'string' || k.name === '' || k.name.includes(':')) throw new TypeError(`${where}.name: a non-empty name without ':' is required`)
      if (names.has(k.name)) throw new TypeError(`${where}.name: duplicate key name ${k.name}`)
      names.add(k.name)
      const secret = typeof k.secret === 'string' ? decodeBase64(k.secret) : undefined
      if (secret === undefined) throw new TypeError(`${where}.secret: base64 key data is required`)
      if (!KEY_BYTES[kind].includes(secret.length)) throw new TypeError(`${where}.secret: key is ${secret.length} bytes; ${kind} takes ${KEY_BYTES[kind].join(', ')}`)
      return { name: k.name, secret }
    }),
  }
}

function parseProvider(value: unknown, at: string): Provider {
  if (!isObject(value) || Object.keys(value).length !== 1) throw new TypeError(`${at}: exactly one of aesgcm, aescbc, identity`)
  const [kind, body] = Object.entries(value)[0]!
  if (kind === 'identity') return { kind: 'identity' }
  if (kind === 'aesgcm' || kind === 'aescbc') return parseKeys(kind, body, at)
  throw new TypeError(`${at}: provider ${kind} is not supported (aesgcm, aescbc, identity)`)
}

/** The configuration from the file's parsed YAML/JSON; a TypeError names the bad field. */
export function parseEncryptionConfig(document: unknown): EncryptionConfig {
  if (!isObject(document) || document.kind !== ENCRYPTION_CONFIG_KIND) throw new TypeError(`kind: expected ${ENCRYPTION_CONFIG_KIND}`)
  if (document.apiVersion !== ENCRYPTION_CONFIG_API_VERSION) throw new TypeError(`apiVersion: expected ${ENCRYPTION_CONFIG_API_VERSION}`)
  if (!Array.isArray(document.resources)) throw new TypeError('resources: a list is required')
  return {
    rules: document.resources.map((rule: unknown, i) => {
      const at = `resources[${i}]`
      if (!isObject(rule) || !Array.isArray(rule.resources) || rule.resources.length === 0 || !rule.resources.every((r) => typeof r === 'string' && r !== '')) {
        throw new TypeError(`${at}.resources: a non-empty list of resource names is required`)
      }
      if (!Array.isArray(rule.providers) || rule.providers.length === 0) throw new TypeError(`${at}.providers: at least one provider is required`)
      return { resources: rule.resources as string[], providers: rule.providers.map((p: unknown, j) => parseProvider(p, `${at}.providers[${j}]`)) }
    }),
  }
}

/** A fresh configuration: Secrets under AES-GCM with `secret` (32 bytes) as `name`, identity to read what was stored before. */
export function secretsEncryptionDocument(name: string, secret: Uint8Array): Record<string, unknown> {
  const base64 = btoa(String.fromCharCode(...secret))
  return {
    apiVersion: ENCRYPTION_CONFIG_API_VERSION,
    kind: ENCRYPTION_CONFIG_KIND,
    resources: [{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name, secret: base64 }] } }, { identity: {} }] }],
  }
}
