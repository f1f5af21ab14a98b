/**
 * core/v1 Secret, LimitRange and ResourceQuota on the API server: defaulting (the Secret's
 * stringData folded into data and dropped, as its conversion does; SetDefaults_Secret,
 * SetDefaults_LimitRangeItem) and validation with field paths (ValidateSecret and its update,
 * ValidateLimitRange, ValidateResourceQuota). ServiceAccounts need nothing beyond ObjectMeta.
 */
import { FieldPath, duplicate, forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../field-errors.ts'
import { semanticEqual } from '../meta/object-meta.ts'
import type { KubeObject } from '../ports.ts'
import { immutableField, isObj, nonNegativeQuantities, objOf, quantityAt, type Obj } from './field-values.ts'

// ------------------------------------------------------------------ Secret

/** Kubernetes' cap on a Secret's data (MaxSecretSize). */
export const MAX_SECRET_SIZE = 1024 * 1024
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/
const CONFIG_KEY_MESSAGE = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
const REDACTED = '<secret contents redacted>'
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set'

/** Keys each built-in Secret type must hold (ValidateSecret's switch on type). */
const REQUIRED_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
}
const JSON_KEYS: Readonly<Record<string, string>> = { 'kubernetes.io/dockerconfigjson': '.dockerconfigjson', 'kubernetes.io/dockercfg': '.dockercfg' }
const SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name'

/** UTF-8 text as standard base64 (what a []byte field holds in JSON). */
export function base64Of(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** The decoded bytes of standard padded base64, or the offset of the first bad byte (as Go's "illegal base64 data at input byte N"). */
export function decodeBase64(text: string): { ok: true; bytes: Uint8Array } | { ok: false; at: number } {
  const bad = text.search(/[^A-Za-z0-9+/=]/)
  if (bad >= 0) return { ok: false, at: bad }
  const padding = text.indexOf('=')
  if (padding >= 0 && (padding < text.length - 2 || !/^=*$/.test(text.slice(padding)))) return { ok: false, at: padding }
  if (text.length % 4 !== 0) return { ok: false, at: text.length - (text.length % 4) }
  const binary = atob(text)
  return { ok: true, bytes: Uint8Array.from(binary, (c) => c.charCodeAt(0)) }
}

/** The Secret's conversion and SetDefaults_Secret: stringData overwrites data (base64 encoded) and is not kept; type Opaque. */
export function defaultSecret(o: KubeObject): KubeObject {
  const { stringData, ...rest } = o as Obj
  const folded = Object.fromEntries(Object.entries(objOf(stringData)).map(([k, v]) => [k, base64Of(String(v))]))
  const data = { ...objOf(rest.data), ...folded }
  return { ...rest, type: typeof rest.type === 'string' && rest.type !== '' ? rest.type : 'Opaque', ...(Object.keys(data).length > 0 ? { data } : {}) } as KubeObject
}

function secretData(data: Obj): { errors: FieldError[]; decoded: Map<string, Uint8Array> } {
  const errors: FieldError[] = []
  const decoded = new Map<string, Uint8Array>()
  let size = 0
  for (const [key, value] of Object.entries(data)) {
    const at = FieldPath.root('data').key(key)
    if (!CONFIG_KEY.test(key) || key.length > 253 || key === '.' || key === '..' || key.startsWith('..')) errors.push(invalid(at, key, CONFIG_KEY_MESSAGE))
    const bytes = typeof value === 'string' ? decodeBase64(value) : { ok: false as const, at: 0 }
    if (!bytes.ok) errors.push(invalid(at, REDACTED, `illegal base64 data at input byte ${bytes.at}`))
    else {
      decoded.set(key, bytes.bytes)
      size += bytes.bytes.length
    }
  }
  if (size > MAX_SECRET_SIZE) errors.push(tooLong(FieldPath.root('data'), MAX_SECRET_SIZE))
  return { errors, decoded }
}

/** ValidateSecret, and ValidateSecretUpdate when the stored one is given. */
export function validateSecret(o: KubeObject, old?: KubeObject): FieldError[] {
  const s = o as Obj
  const type = String(s.type ?? 'Opaque')
  const { errors, decoded } = secretData(objOf(s.data))
  for (const key of REQUIRED_KEYS[type] ?? []) if (!decoded.has(key) && !errors.some((e) => e.field === `data[${key}]`)) errors.push(required(FieldPath.root('data').key(key)))
  const jsonKey = JSON_KEYS[type]
  const json = jsonKey === undefined ? undefined : decoded.get(jsonKey)
  if (jsonKey !== undefined && json !== undefined && !parsesAsJson(json)) errors.push(invalid(FieldPath.root('data').key(jsonKey), REDACTED, 'must be valid JSON'))
  if (type === 'kubernetes.io/basic-auth' && !decoded.has('username') && !decoded.has('password')) errors.push(required(FieldPath.root('data').key('username')), required(FieldPath.root('data').key('password')))
  if (type === 'kubernetes.io/service-account-token' && !o.metadata?.annotations?.[SERVICE_ACCOUNT_NAME]) errors.push(required(FieldPath.root('metadata').child('annotations').key(SERVICE_ACCOUNT_NAME)))
  if (s.immutable !== undefined && typeof s.immutable !== 'boolean') errors.push(invalid(FieldPath.root('immutable'), s.immutable, 'must be a boolean'))
  return old === undefined ? errors : [...errors, ...secretUpdate(s, old as Obj)]
}

function secretUpdate(next: Obj, old: Obj): FieldError[] {
  const errors = immutableField(next.type ?? 'Opaque', old.type ?? 'Opaque', FieldPath.root('type'))
  if (old.immutable !== true) return errors
  if (next.immutable !== true) errors.push(forbidden(FieldPath.root('immutable'), IMMUTABLE_WHEN_SET))
  if (!semanticEqual(next.data, old.data)) errors.push(forbidden(FieldPath.root('data'), IMMUTABLE_WHEN_SET))
  return errors
}

function parsesAsJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    return true
  } catch {
    return false
  }
}

// ------------------------------------------------------------------ LimitRange

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod']

/** SetDefaults_LimitRangeItem: a Container's default limit from max, its default request from the default limit or min. */
export function defaultLimitRange(o: KubeObject): KubeObject {
  const spec = objOf(o.spec)
  if (!Array.isArray(spec.limits)) return o
  const limits = spec.limits.map((item) => {
    if (!isObj(item) || item.type !== 'Container') return item
    const defaults = { ...objOf(item.max), ...objOf(item.default) }
    const defaultRequest = { ...objOf(item.min), ...defaults, ...objOf(item.defaultRequest) }
    return { ...item, ...(Object.keys(defaults).length > 0 ? { default: defaults } : {}), ...(Object.keys(defaultRequest).length > 0 ? { defaultRequest } : {}) }
  })
  return { ...o, spec: { ...spec, limits } }
}

type Bound = 'min' | 'max' | 'default' | 'defaultRequest'
/** The orderings ValidateLimitRange checks: [lower, upper, the field blamed, its message]. */
const ORDER: readonly (readonly [Bound, Bound, Bound, string])[] = [
  ['min', 'max', 'min', 'min value %l is greater than max value %u'],
  ['min', 'defaultRequest', 'defaultRequest', 'min value %l is greater than default request value %u'],
  ['defaultRequest', 'max', 'defaultRequest', 'default request value %l is greater than max value %u'],
  ['defaultRequest', 'default', 'defaultRequest', 'default request value %l is greater than default limit value %u'],
  ['min', 'default', 'default', 'min value %l is greater than default value %u'],
  ['default', 'max', 'default', 'default value %l is greater than max value %u'],
]

function limitRangeItem(item: unknown, at: FieldPath, seenTypes: Set<string>): FieldError[] {
  if (!isObj(item)) return [invalid(at, item ?? null, 'must be an object')]
  const errors: FieldError[] = []
  const type = item.type
  if (typeof type !== 'string' || type === '') errors.push(required(at.child('type')))
  else if (!LIMIT_TYPES.includes(type)) errors.push(notSupported(at.child('type'), type, LIMIT_TYPES))
  else if (seenTypes.has(type)) errors.push(duplicate(at.child('type'), type))
  else seenTypes.add(type)
  if (type === 'Pod') for (const field of ['default', 'defaultRequest']) if (Object.keys(objOf(item[field])).length > 0) errors.push(forbidden(at.child(field), "may not be specified when `type` is 'Pod'"))
  const values = new Map<string, number>()
  for (const bound of ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
    for (const [resource, value] of Object.entries(objOf(item[bound]))) {
      const q = quantityAt(value, at.child(bound).key(resource))
      if (!q.ok) errors.push(q.error)
      else values.set(`${bound}/${resource}`, q.value)
    }
  }
  const resources = new Set([...values.keys()].map((k) => k.slice(k.indexOf('/') + 1)))
  for (const resource of resources) {
    for (const [lower, upper, blamed, message] of ORDER) {
      const l = values.get(`${lower}/${resource}`)
      const u = values.get(`${upper}/${resource}`)
      if (l === undefined || u === undefined || l <= u) continue
      const text = (b: Bound) => String(objOf(item[b])[resource])
      errors.push(invalid(at.child(blamed).key(resource), text(blamed), message.replace('%l', text(lower)).replace('%u', text(upper))))
    }
    const ratio = values.get(`maxLimitRequestRatio/${resource}`)
    if (ratio !== undefined && ratio < 1) errors.push(invalid(at.child('maxLimitRequestRatio').key(resource), String(objOf(item.maxLimitRequestRatio)[resource]), `ratio ${String(objOf(item.maxLimitRequestRatio)[resource])} is less than 1`))
  }
  return errors
}

export function validateLimitRange(o: KubeObject): FieldError[] {
  const limits = objOf(o.spec).limits
  if (limits === undefined) return []
  if (!Array.isArray(limits)) return [invalid(FieldPath.root('spec').child('limits'), limits, 'must be a list')]
  const seen = new Set<string>()
  return limits.flatMap((item, i) => limitRangeItem(item, FieldPath.root('spec').child('limits').index(i), seen))
}

// ------------------------------------------------------------------ ResourceQuota

const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating']

/** ValidateResourceQuota: hard and used quantities at least 0, known scopes. */
export function validateResourceQuota(o: KubeObject): FieldError[] {
  const spec = objOf(o.spec)
  const errors = nonNegativeQuantities(spec.hard, FieldPath.root('spec').child('hard'))
  const status = objOf(o.status)
  errors.push(...nonNegativeQuantities(status.hard, FieldPath.root('status').child('hard')), ...nonNegativeQuantities(status.used, FieldPath.root('status').child('used')))
  const scopes = Array.isArray(spec.scopes) ? spec.scopes : []
  scopes.forEach((scope, i) => {
    if (!QUOTA_SCOPES.includes(String(scope))) errors.push(notSupported(FieldPath.root('spec').child('scopes').index(i), scope, QUOTA_SCOPES))
  })
  return errors
}

/** By kind, as VALIDATORS and DEFAULTERS key them. */
export const CORE_KIND_VALIDATORS: Readonly<Record<string, (o: KubeObject, old?: KubeObject) => FieldError[]>> = {
  Secret: validateSecret,
  LimitRange: validateLimitRange,
  ResourceQuota: validateResourceQuota,
}

export const CORE_KIND_DEFAULTERS: Readonly<Record<string, (o: KubeObject) => KubeObject>> = {
  Secret: defaultSecret,
  LimitRange: defaultLimitRange,
}
