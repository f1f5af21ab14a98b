/**
 * A decoded protobuf message as Kubernetes' JSON, the way kube-apiserver's Go structs would
 * marshal it: zero scalars dropped unless the schema marks them `(keep_zero)` (a Go pointer, or
 * no omitempty), `(inline)` structs flattened into their parent, metav1.Time as RFC 3339 seconds
 * (an empty Time, Go's zero time, is left out), MicroTime with six fractional digits, ExtraValue as its list, IntOrString as a number or a string, Quantity as
 * its string, bytes as base64, FieldsV1 as the JSON it carries.
 */
import protobuf from 'protobufjs'
import type { MessageType } from './registry.ts'
import { specialOf } from './special.ts'
import { MalformedProtobuf } from './wire-check.ts'

type Message = Readonly<Record<string, unknown>>
const utf8 = new TextDecoder('utf-8', { fatal: true })

export function messageToJson(type: MessageType, message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of type.fieldsArray) {
    const value = message[field.name]
    if (field.map) {
      const entries = Object.entries((value ?? {}) as Message)
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v)]))
    } else if (field.repeated) {
      const items = (value ?? []) as readonly unknown[]
      if (items.length > 0) out[field.name] = items.map((v) => valueToJson(field, v))
    } else if (Object.hasOwn(message, field.name) && value !== null && value !== undefined) {
      if (field.options?.['(inline)'] === true && field.resolvedType instanceof protobuf.Type) Object.assign(out, messageToJson(field.resolvedType, value as Message))
      else {
        const json = valueToJson(field, value)
        if (json !== undefined && (field.options?.['(keep_zero)'] === true || !isZero(json))) out[field.name] = json
      }
    }
  }
  return out
}

/** One value of a field (an element, for repeated fields and maps); undefined when JSON leaves it out. */
function valueToJson(field: protobuf.Field, value: unknown): unknown {
  const type = field.resolvedType
  if (type instanceof protobuf.Type) {
    const special = specialToJson(type, value as Message)
    return special === ORDINARY ? messageToJson(type, value as Message) : special
  }
  switch (field.type) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return longToNumber(value)
    case 'bytes':
      return base64(value as Uint8Array)
    default:
      return value
  }
}

const ORDINARY = Symbol('ordinary message')

/** The JSON of a message that is not its fields ({@link ORDINARY} for the others); Time's zero is undefined. */
function specialToJson(type: MessageType, message: Message): unknown {
  switch (specialOf(type)) {
    case 'time':
      // Go's Time.Unmarshal: an empty message is the zero time, otherwise the seconds (nanos dropped).
      if (!Object.hasOwn(message, 'seconds') && !Object.hasOwn(message, 'nanos')) return undefined
      return rfc3339(longToNumber(message.seconds ?? 0))
    case 'microTime':
      // Go's MicroTime: RFC 3339 with six fractional digits (nanoseconds past the micro dropped).
      if (!Object.hasOwn(message, 'seconds') && !Object.hasOwn(message, 'nanos')) return undefined
      return rfc3339(longToNumber(message.seconds ?? 0)).replace(/Z$/, `.${String(Math.floor(Number(message.nanos ?? 0) / 1000)).padStart(6, '0')}Z`)
    case 'authenticationExtraValue':
    case 'authorizationExtraValue':
      return [...((message.items ?? []) as readonly string[])]
    case 'intOrString':
      return longToNumber(message.type ?? 0) === 1 ? String(message.strVal ?? '') : Number(message.intVal ?? 0)
    case 'quantity':
      return String(message.string ?? '')
    case 'fieldsV1':
      return fieldsV1(message.Raw as Uint8Array | undefined)
    default:
      return ORDINARY
  }
}

function fieldsV1(raw: Uint8Array | undefined): unknown {
  if (raw === undefined || raw.length === 0) return {}
  try {
    return JSON.parse(utf8.decode(raw))
  } catch {
    throw new MalformedProtobuf('metadata.managedFields: fieldsV1 is not JSON')
  }
}

/** Seconds since the epoch as Go's metav1.Time marshals them (UTC, no fraction). */
function rfc3339(seconds: number): string {
  const date = new Date(seconds * 1000)
  if (Number.isNaN(date.getTime())) throw new MalformedProtobuf(`time ${seconds} is out of range`)
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value
  return protobuf.util.LongBits.from(value as protobuf.Long).toNumber()
}

const base64 = (bytes: Uint8Array): string => protobuf.util.base64.encode(bytes, 0, bytes.length)

const isZero = (json: unknown): boolean => json === '' || json === 0 || json === false
