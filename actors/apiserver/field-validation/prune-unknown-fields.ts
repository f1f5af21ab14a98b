/**
 * Unknown fields out of an object, as kube-apiserver's strict JSON decoder finds them: every
 * field its kind's schema (kind-fields.ts) does not have, at any depth, named by its path
 * (`spec.template.spec.containers[0].imagePullPolcy`), and dropped from what is returned:
 * Kubernetes never stores them, whatever the client's fieldValidation. Bytes fields (a Secret's
 * data) must be base64, or the object cannot be decoded at all. Pure.
 */
import protobuf from 'protobufjs'
import type { MessageType } from '../protobuf/registry.ts'
import { specialOf } from '../protobuf/special.ts'
import { decodeBase64 } from '../validation/core-kinds.ts'
import { kindFieldsOf, OPEN, TYPE_META_FIELDS, type KindFields } from './kind-fields.ts'

export interface Pruned {
  /** The object without its unknown fields. */
  readonly object: Record<string, unknown>
  /** Paths of the fields dropped, in the body's order. */
  readonly unknown: readonly string[]
  /** Why the object cannot be decoded (bad base64), as Go's decoder says it. */
  readonly undecodable?: string
}

type Json = Record<string, unknown>

const RAW_EXTENSION = '.k8s.io.apimachinery.pkg.runtime.RawExtension'

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`)

/** `object` checked against its kind; undefined when the kind has no schema to check against. */
export function pruneUnknownFields(object: Json, apiVersion: string, kind: string): Pruned | undefined {
  const fields = kindFieldsOf(apiVersion, kind)
  if (fields === undefined) return undefined
  const walk = new Walk()
  const pruned = walk.top(object, fields)
  return walk.undecodable === undefined ? { object: pruned, unknown: walk.unknown } : { object: pruned, unknown: walk.unknown, undecodable: walk.undecodable }
}

/** Fields of a message by JSON name, `(inline)` structs' fields flattened in (as to-json.ts writes them). */
const byName = new WeakMap<MessageType, ReadonlyMap<string, protobuf.Field>>()
function fieldsOf(type: MessageType): ReadonlyMap<string, protobuf.Field> {
  let fields = byName.get(type)
  if (fields !== undefined) return fields
  const map = new Map<string, protobuf.Field>()
  for (const field of type.fieldsArray) {
    field.resolve()
    if (field.options?.['(inline)'] === true && field.resolvedType instanceof protobuf.Type) for (const [name, inner] of fieldsOf(field.resolvedType)) map.set(name, inner)
    else map.set(field.name, field)
  }
  byName.set(type, map)
  return map
}

class Walk {
  readonly unknown: string[] = []
  undecodable: string | undefined

  top(object: Json, kind: KindFields): Json {
    if (kind.type === 'message') return this.message(object, kind.message, '', TYPE_META_FIELDS)
    const out: Json = {}
    for (const [name, value] of Object.entries(object)) {
      const shape = kind.fields.get(name)
      if (TYPE_META_FIELDS.has(name) || shape === OPEN) out[name] = value
      else if (shape === undefined) this.unknown.push(name)
      else out[name] = this.messageValue(value, shape, name)
    }
    return out
  }

  private message(object: Json, type: MessageType, path: string, extra: ReadonlySet<string> = new Set()): Json {
    const fields = fieldsOf(type)
    const out: Json = {}
    for (const [name, value] of Object.entries(object)) {
      const field = fields.get(name)
      if (field !== undefined) out[name] = this.field(value, field, join(path, name))
      else if (extra.has(name)) out[name] = value
      else this.unknown.push(join(path, name))
    }
    return out
  }

  private field(value: unknown, field: protobuf.Field, path: string): unknown {
    if (field.map && isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, this.element(v, field, `${path}[${key}]`)]))
    if (field.repeated && Array.isArray(value)) return value.map((v, i) => this.element(v, field, `${path}[${i}]`))
    return this.element(value, field, path)
  }

  /** One value of a field's type (an element of a list or map). */
  private element(value: unknown, field: protobuf.Field, path: string): unknown {
    if (field.resolvedType instanceof protobuf.Type) return this.messageValue(value, field.resolvedType, path)
    if (field.type === 'bytes' && typeof value === 'string' && this.undecodable === undefined) {
      const decoded = decodeBase64(value)
      if (!decoded.ok) this.undecodable = `illegal base64 data at input byte ${decoded.at}`
    }
    return value
  }

  private messageValue(value: unknown, type: MessageType, path: string): unknown {
    // Time, Quantity, IntOrString and FieldsV1 have JSON of their own; RawExtension is any object.
    if (!isObject(value) || specialOf(type) !== 'ordinary' || type.fullName === RAW_EXTENSION) return value
    return this.message(value, type, path)
  }
}
