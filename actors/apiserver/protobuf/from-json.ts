/**
 * Kubernetes' JSON as a plain object protobufjs encodes, the inverse of to-json.ts. A JSON field
 * the schema does not know, or a value of the wrong JSON type, makes the object
 * {@link NotRepresentable}: the caller answers in JSON instead, so nothing is ever dropped.
 */
import protobuf from 'protobufjs'
import type { MessageType } from './registry.ts'
import { specialOf } from './special.ts'

export class NotRepresentable extends Error {}

type Json = Readonly<Record<string, unknown>>
const utf8 = new TextEncoder()

export function jsonToMessage(type: MessageType, json: unknown, path: string): Record<string, unknown> {
  if (!isObject(json)) throw new NotRepresentable(`${path}: not an object`)
  const out: Record<string, unknown> = {}
  const inlined = new Map<protobuf.Field, Record<string, unknown>>()
  for (const [key, value] of Object.entries(json)) {
    if (value === null || value === undefined) continue
    const direct = type.fields[key]
    if (direct !== undefined && direct.options?.['(inline)'] !== true) {
      out[key] = fieldFromJson(direct, value, `${path}.${key}`)
      continue
    }
    const via = inlineFieldHolding(type, key)
    if (via === undefined) throw new NotRepresentable(`${path}.${key}: not in the ${type.name} schema`)
    inlined.set(via, { ...inlined.get(via), [key]: value })
  }
  for (const [field, part] of inlined) out[field.name] = jsonToMessage(field.resolvedType as MessageType, part, path)
  return out
}

/** The `(inline)` field of `type` whose message (or its own inlined ones) has a field named `key`. */
function inlineFieldHolding(type: MessageType, key: string): protobuf.Field | undefined {
  for (const field of type.fieldsArray) {
    if (field.options?.['(inline)'] !== true || !(field.resolvedType instanceof protobuf.Type)) continue
    const inner = field.resolvedType
    if ((inner.fields[key] !== undefined && inner.fields[key].options?.['(inline)'] !== true) || inlineFieldHolding(inner, key) !== undefined) return field
  }
  return undefined
}

function fieldFromJson(field: protobuf.Field, value: unknown, path: string): unknown {
  if (field.map) {
    if (!isObject(value)) throw new NotRepresentable(`${path}: not an object`)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, valueFromJson(field, v, `${path}.${k}`)]))
  }
  if (field.repeated) {
    if (!Array.isArray(value)) throw new NotRepresentable(`${path}: not a list`)
    return value.map((v, i) => valueFromJson(field, v, `${path}[${i}]`))
  }
  return valueFromJson(field, value, path)
}

function valueFromJson(field: protobuf.Field, value: unknown, path: string): unknown {
  const type = field.resolvedType
  if (type instanceof protobuf.Type) return specialFromJson(type, value, path) ?? jsonToMessage(type, value, path)
  switch (field.type) {
    case 'string':
      if (typeof value === 'string') return value
      break
    case 'bool':
      if (typeof value === 'boolean') return value
      break
    case 'int32':
      if (Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31) return value
      break
    case 'int64':
      if (Number.isSafeInteger(value)) return value
      break
    case 'double':
    case 'float':
      if (typeof value === 'number') return value
      break
    case 'bytes':
      if (typeof value === 'string' && protobuf.util.base64.test(value)) return fromBase64(value)
      break
  }
  throw new NotRepresentable(`${path}: ${JSON.stringify(value)} is not a ${field.type}`)
}

/** The message for a special type's JSON (see to-json.ts); undefined for ordinary messages. */
function specialFromJson(type: MessageType, value: unknown, path: string): Record<string, unknown> | undefined {
  switch (specialOf(type)) {
    case 'time': {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN
      if (!Number.isFinite(ms)) throw new NotRepresentable(`${path}: ${JSON.stringify(value)} is not an RFC 3339 time`)
      // metav1.Time carries whole seconds only: a fraction would be lost.
      if (ms % 1000 !== 0) throw new NotRepresentable(`${path}: ${JSON.stringify(value)} has a fraction of a second`)
      return { seconds: ms / 1000 }
    }
    case 'microTime':
      return microTimeFromJson(value, path)
    case 'authenticationExtraValue':
    case 'authorizationExtraValue':
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return { items: value }
      throw new NotRepresentable(`${path}: ${JSON.stringify(value)} is not a list of strings`)
    case 'intOrString':
      if (Number.isInteger(value)) return { type: 0, intVal: value }
      if (typeof value === 'string') return { type: 1, strVal: value }
      throw new NotRepresentable(`${path}: ${JSON.stringify(value)} is neither an integer nor a string`)
    case 'quantity':
      if (typeof value === 'string' || typeof value === 'number') return { string: String(value) }
      throw new NotRepresentable(`${path}: ${JSON.stringify(value)} is not a quantity`)
    case 'fieldsV1':
      return { Raw: utf8.encode(JSON.stringify(value)) }
    default:
      return undefined
  }
}

/** metav1.MicroTime: RFC 3339 with up to six fractional digits (a seventh would be lost). */
function microTimeFromJson(value: unknown, path: string): Record<string, unknown> {
  const match = typeof value === 'string' ? /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/.exec(value) : null
  const ms = match === null ? NaN : Date.parse(`${match[1]}${match[3]}`)
  if (match === null || !Number.isFinite(ms)) throw new NotRepresentable(`${path}: ${JSON.stringify(value)} is not an RFC 3339 time to the microsecond`)
  const nanos = Number((match[2] ?? '').padEnd(6, '0')) * 1000
  return nanos === 0 ? { seconds: ms / 1000 } : { seconds: ms / 1000, nanos }
}

function fromBase64(text: string): Uint8Array {
  const bytes = new Uint8Array(protobuf.util.base64.length(text))
  const length = protobuf.util.base64.decode(text, bytes, 0)
  return bytes.subarray(0, length)
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
