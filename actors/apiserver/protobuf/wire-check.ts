/**
 * A strict walk over protobuf bytes against a message type, before anything is decoded:
 * protobufjs (as every protobuf decoder) skips fields it does not know and reads a field in
 * whatever wire type it arrives, so an unknown field would be silently dropped and a wrong wire
 * type read as garbage. Here both are refused, as is text that is not UTF-8, with the field's
 * path in the message.
 */
import protobuf from 'protobufjs'
import type { MessageType } from './registry.ts'

/** A body that is not a valid encoding of its message (the answer is a 400). */
export class MalformedProtobuf extends Error {}

const VARINT = 0
const FIXED64 = 1
const LENGTH = 2
const FIXED32 = 5

const WIRE_TYPES: Readonly<Record<string, number>> = {
  int32: VARINT, int64: VARINT, uint32: VARINT, uint64: VARINT, sint32: VARINT, sint64: VARINT, bool: VARINT,
  fixed64: FIXED64, sfixed64: FIXED64, double: FIXED64,
  fixed32: FIXED32, sfixed32: FIXED32, float: FIXED32,
  string: LENGTH, bytes: LENGTH,
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Throws {@link MalformedProtobuf} unless `bytes` is `type` with only fields its schema knows. */
export function checkWire(type: MessageType, bytes: Uint8Array, path = ''): void {
  const reader = protobuf.Reader.create(bytes)
  try {
    while (reader.pos < reader.len) checkField(type, reader, path)
  } catch (error) {
    if (error instanceof MalformedProtobuf) throw error
    // protobufjs' reader throws a RangeError (or Error) when a length runs past the end.
    throw new MalformedProtobuf(`${where(path, type)}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function checkField(type: MessageType, reader: protobuf.Reader, path: string): void {
  const tag = reader.uint32()
  const id = tag >>> 3
  const wireType = tag & 7
  const field = type.fieldsById[id]
  if (field === undefined) throw new MalformedProtobuf(`unknown field number ${id} in ${where(path, type)}`)
  const fieldPath = path === '' ? field.name : `${path}.${field.name}`
  if (field instanceof protobuf.MapField) {
    expectWireType(wireType, LENGTH, fieldPath)
    return checkMapEntry(field, reader.bytes(), fieldPath)
  }
  const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined
  if (message !== undefined) {
    expectWireType(wireType, LENGTH, fieldPath)
    return checkWire(message, reader.bytes(), fieldPath)
  }
  const scalar = WIRE_TYPES[field.type]
  if (scalar === undefined) throw new MalformedProtobuf(`${fieldPath}: the schema's type ${field.type} is not supported`)
  // A repeated number may come packed (one length-delimited run), as proto3 writers do.
  if (field.repeated && scalar !== LENGTH && wireType === LENGTH) return void reader.bytes()
  expectWireType(wireType, scalar, fieldPath)
  if (field.type === 'string') return checkUtf8(reader.bytes(), fieldPath)
  reader.skipType(wireType)
}

/** A map entry: key (1) and value (2), each at most once in practice, nothing else. */
function checkMapEntry(field: protobuf.MapField, entry: Uint8Array, path: string): void {
  const reader = protobuf.Reader.create(entry)
  while (reader.pos < reader.len) {
    const tag = reader.uint32()
    const id = tag >>> 3
    const wireType = tag & 7
    if (id === 1) {
      expectWireType(wireType, LENGTH, `${path} (key)`)
      checkUtf8(reader.bytes(), `${path} (key)`)
    } else if (id === 2) {
      const value = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined
      if (value !== undefined) {
        expectWireType(wireType, LENGTH, `${path} (value)`)
        checkWire(value, reader.bytes(), path)
      } else {
        expectWireType(wireType, WIRE_TYPES[field.type] ?? -1, `${path} (value)`)
        if (field.type === 'string') checkUtf8(reader.bytes(), `${path} (value)`)
        else reader.skipType(wireType)
      }
    } else throw new MalformedProtobuf(`unknown field number ${id} in a map entry of ${path}`)
  }
}

function expectWireType(actual: number, expected: number, path: string): void {
  if (actual !== expected) throw new MalformedProtobuf(`${path}: wire type ${actual} where ${expected} belongs`)
}

function checkUtf8(bytes: Uint8Array, path: string): void {
  try {
    utf8.decode(bytes)
  } catch {
    throw new MalformedProtobuf(`${path}: the text is not valid UTF-8`)
  }
}

const where = (path: string, type: MessageType) => (path === '' ? type.name : `${path} (${type.name})`)
