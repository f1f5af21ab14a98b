/**
 * OpenAPI v3 component schemas of the built-in kinds, generated from our protobuf schema
 * (protobuf/schema/*.ts: Kubernetes' messages and field names) so the two cannot drift: one
 * component per message, named as upstream (`k8s.io.api.apps.v1.Deployment` ->
 * `io.k8s.api.apps.v1.Deployment`), fields typed as Kubernetes' JSON has them (int32/int64
 * integers, maps as `additionalProperties`, repeated as arrays, `(inline)` structs flattened,
 * metav1.Time a date-time string, IntOrString and Quantity as upstream's one-ofs, bytes base64),
 * `$ref`s between them, and the list and patch metadata of openapi-facts.ts that kubectl's
 * strategic merge patches (`apply`, `diff`) read. Pure.
 */
import protobuf from 'protobufjs'
import { messageNamed, SPECIAL, type MessageType } from '../protobuf/registry.ts'
import { ATOMIC_STRUCTS, FIELD_META, REQUIRED, type FieldMeta } from './openapi-facts.ts'

export type Schema = { [key: string]: unknown }

const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension'

/** `k8s.io.api.core.v1.PodSpec` -> `io.k8s.api.core.v1.PodSpec`. */
export const componentName = (fullName: string): string => `io.k8s.${fullName.replace(/^\./, '').replace(/^k8s\.io\./, '')}`

/** The key of openapi-facts.ts: `core.v1.PodSpec`, `meta.v1.ObjectMeta`. */
const factsKey = (fullName: string): string => fullName.replace(/^\./, '').replace(/^k8s\.io\.api\./, '').replace(/^k8s\.io\.apimachinery\.pkg\.apis\./, '')

export const componentRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })

/** The components of messages whose JSON is not their fields (to-json.ts), by full name. */
const SPECIAL_SCHEMAS: Readonly<Record<string, Schema>> = {
  [SPECIAL.time]: { type: 'string', format: 'date-time', description: 'An RFC 3339 date and time, to the second (UTC).' },
  [SPECIAL.microTime]: { type: 'string', format: 'date-time', description: 'An RFC 3339 date and time, to the microsecond (UTC).' },
  [SPECIAL.authenticationExtraValue]: { type: 'array', items: { type: 'string', default: '' } },
  [SPECIAL.authorizationExtraValue]: { type: 'array', items: { type: 'string', default: '' } },
  [SPECIAL.fieldsV1]: { type: 'object', description: 'The set of fields a manager owns, in the fieldsV1 format.' },
  [SPECIAL.intOrString]: {
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    description: 'An integer or a string (a number or a name; a count or a percentage).',
  },
  [SPECIAL.quantity]: {
    oneOf: [{ type: 'string' }, { type: 'number' }],
    description: "A fixed-point quantity: a number with an optional suffix ('100m', '1Gi', '2').",
  },
  [RAW_EXTENSION]: { type: 'object', description: 'An embedded object, as JSON.' },
}

const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32'])
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'])

/** The schema of a scalar protobuf type, as Kubernetes' JSON carries it. */
const scalarSchema = (type: string): Schema => {
  if (type === 'string') return { type: 'string' }
  if (type === 'bool') return { type: 'boolean' }
  if (type === 'bytes') return { type: 'string', format: 'byte' }
  if (INT32.has(type)) return { type: 'integer', format: 'int32' }
  if (INT64.has(type)) return { type: 'integer', format: 'int64' }
  if (type === 'double' || type === 'float') return { type: 'number', format: 'double' }
  throw new Error(`openapi-schemas: no schema for protobuf type ${type}`)
}

/** A value of a field (an element, for repeated fields and maps): a scalar, or a reference to its message's component. */
const valueSchema = (field: protobuf.Field, visit: (type: MessageType) => string): Schema => {
  const type = field.resolvedType
  if (type instanceof protobuf.Type) return componentRef(visit(type))
  if (type instanceof protobuf.Enum) return { type: 'string' }
  return scalarSchema(field.type)
}

const isMessage = (field: protobuf.Field): boolean => field.resolvedType instanceof protobuf.Type

const withMeta = (schema: Schema, meta: FieldMeta | undefined): Schema => {
  if (meta === undefined) return schema
  const out: Schema = { ...schema }
  if (meta.listType !== undefined) out['x-kubernetes-list-type'] = meta.listType
  if (meta.mapKeys !== undefined) out['x-kubernetes-list-map-keys'] = [...meta.mapKeys]
  if (meta.mapType !== undefined) out['x-kubernetes-map-type'] = meta.mapType
  if (meta.mergeKey !== undefined) out['x-kubernetes-patch-merge-key'] = meta.mergeKey
  if (meta.strategy !== undefined) out['x-kubernetes-patch-strategy'] = meta.strategy
  return out
}

/** The schema of one field of a message (not inline). */
const fieldSchema = (field: protobuf.Field, meta: FieldMeta | undefined, visit: (type: MessageType) => string): Schema => {
  if (field.map) {
    // protobufjs keeps a map's value type in `type`; resolvedType is the value's message, if any.
    return withMeta({ type: 'object', additionalProperties: isMessage(field) ? valueSchema(field, visit) : { ...valueSchema(field, visit), default: '' } }, meta)
  }
  if (field.repeated) {
    const items = isMessage(field) ? { allOf: [valueSchema(field, visit)], default: {} } : { ...valueSchema(field, visit), default: '' }
    return withMeta({ type: 'array', items }, meta)
  }
  // A message field: upstream wraps the $ref in allOf so it can carry the patch metadata beside it.
  if (isMessage(field)) return withMeta({ allOf: [valueSchema(field, visit)] }, meta)
  return withMeta(valueSchema(field, visit), meta)
}

interface Properties {
  readonly properties: Record<string, Schema>
  readonly required: string[]
}

/** A message's JSON properties: its fields, with `(inline)` messages' fields flattened in. */
const propertiesOf = (type: MessageType, visit: (type: MessageType) => string): Properties => {
  const key = factsKey(type.fullName)
  const facts = FIELD_META[key] ?? {}
  const properties: Record<string, Schema> = {}
  const required = [...(REQUIRED[key] ?? [])]
  for (const field of type.fieldsArray) {
    if (field.options?.['(inline)'] === true && field.resolvedType instanceof protobuf.Type) {
      const inner = propertiesOf(field.resolvedType, visit)
      Object.assign(properties, inner.properties)
      required.push(...inner.required)
      continue
    }
    properties[field.name] = fieldSchema(field, Object.hasOwn(facts, field.name) ? facts[field.name] : undefined, visit)
  }
  return { properties, required }
}

const sortedKeys = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k] as T]))

/** The component of one message (its properties only; referenced messages are visited). */
const messageSchema = (type: MessageType, visit: (type: MessageType) => string): Schema => {
  const special = SPECIAL_SCHEMAS[type.fullName.replace(/^\./, '')]
  if (special !== undefined) return special
  const { properties, required } = propertiesOf(type, visit)
  const schema: Schema = { type: 'object', properties: sortedKeys(properties) }
  const present = required.filter((name) => Object.hasOwn(properties, name))
  if (present.length > 0) schema['required'] = present
  if (ATOMIC_STRUCTS.has(factsKey(type.fullName))) schema['x-kubernetes-map-type'] = 'atomic'
  return schema
}

/**
 * The components of the messages named (full protobuf names: `k8s.io.api.apps.v1.Deployment`)
 * and of every message they reach, by component name.
 */
export const componentSchemas = (roots: readonly string[]): Record<string, Schema> => {
  const schemas: Record<string, Schema> = {}
  const pending: MessageType[] = []
  const visit = (type: MessageType): string => {
    const name = componentName(type.fullName)
    if (!Object.hasOwn(schemas, name)) {
      schemas[name] = {} // claimed, so a message reaching itself is not queued twice
      pending.push(type)
    }
    return name
  }
  for (const root of roots) visit(messageNamed(root))
  for (let type = pending.shift(); type !== undefined; type = pending.shift()) schemas[componentName(type.fullName)] = messageSchema(type, visit)
  return schemas
}
