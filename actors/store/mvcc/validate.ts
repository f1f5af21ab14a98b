/**
 * Checks that an untrusted value is a well-formed {@link Command}. Commands arrive decoded from
 * the Raft log, which anyone with write access could fill, so apply() validates everything before
 * it touches state: a malformed command becomes an error result on every replica alike.
 */
import type { Command, Compare, KeySelector, RangeRequest, TxnOp } from './commands.ts'
import type { ErrorCode } from './results.ts'
import { MAX_KEY_LENGTH, MAX_VALUE_BYTES } from './types.ts'

export type Validation = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly error: ErrorCode; readonly message: string }

/** Thrown only inside this module, to unwind a nested check; validateCommand turns it into a result. */
class Invalid {
  readonly error: ErrorCode
  readonly message: string
  constructor(error: ErrorCode, message: string) {
    this.error = error
    this.message = message
  }
}

const fail = (message: string, error: ErrorCode = 'bad-request'): never => {
  throw new Invalid(error, message)
}

type Fields = Readonly<Record<string, unknown>>

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

const TXN_MAX_OPS = 1024
const TXN_MAX_COMPARES = 1024

function key(fields: Fields, name = 'key'): string {
  const k = fields[name]
  if (typeof k !== 'string') fail(`${name} must be a string`)
  const s = k as string
  if (s.length > MAX_KEY_LENGTH) fail(`${name} is ${s.length} characters, over ${MAX_KEY_LENGTH}`)
  return s
}

function optionalBoolean(fields: Fields, name: string): boolean | undefined {
  const v = fields[name]
  if (v === undefined) return undefined
  if (typeof v !== 'boolean') fail(`${name} must be a boolean`)
  return v as boolean
}

/** Non-negative safe integer (ids, revisions, limits, times). */
function natural(fields: Fields, name: string, required: boolean): number | undefined {
  const v = fields[name]
  if (v === undefined && !required) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${name} must be a non-negative integer`)
  return v as number
}

function selector(fields: Fields): KeySelector {
  const k = key(fields)
  const rangeEnd = fields['rangeEnd']
  if (rangeEnd !== undefined && typeof rangeEnd !== 'string') fail('rangeEnd must be a string')
  const prefix = optionalBoolean(fields, 'prefix')
  if (prefix && rangeEnd !== undefined) fail('give rangeEnd or prefix, not both')
  if (rangeEnd === undefined && !prefix && k === '') fail('key must not be empty')
  const out: { key: string; rangeEnd?: string; prefix?: boolean } = { key: k }
  if (rangeEnd !== undefined) out.rangeEnd = rangeEnd as string
  if (prefix !== undefined) out.prefix = prefix
  return out
}

function value(fields: Fields): Uint8Array {
  const v = fields['value']
  if (!(v instanceof Uint8Array)) fail('value must be a Uint8Array')
  const bytes = v as Uint8Array
  if (bytes.length > MAX_VALUE_BYTES) fail(`value is ${bytes.length} bytes, over the ${MAX_VALUE_BYTES}-byte limit`, 'value-too-large')
  return bytes
}

function range(fields: Fields): RangeRequest {
  const out: RangeRequest = {
    type: 'range',
    ...selector(fields),
    limit: natural(fields, 'limit', false) ?? 0,
    revision: natural(fields, 'revision', false) ?? 0,
    keysOnly: optionalBoolean(fields, 'keysOnly') ?? false,
    countOnly: optionalBoolean(fields, 'countOnly') ?? false,
  }
  return out
}

function op(raw: unknown): TxnOp {
  if (!isRecord(raw)) return fail('txn op must be an object')
  switch (raw['type']) {
    case 'put': {
      const k = key(raw)
      if (k === '') fail('key must not be empty')
      return { type: 'put', key: k, value: value(raw), lease: natural(raw, 'lease', false) ?? 0, prevKv: optionalBoolean(raw, 'prevKv') ?? false }
    }
    case 'deleteRange':
      return { type: 'deleteRange', ...selector(raw), prevKv: optionalBoolean(raw, 'prevKv') ?? false }
    case 'range':
      return range(raw)
    default:
      return fail(`unknown txn op type ${JSON.stringify(raw['type'])}`)
  }
}

function ops(raw: unknown, name: string): TxnOp[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) return fail(`${name} must be an array`)
  if (raw.length > TXN_MAX_OPS) fail(`${name} has more than ${TXN_MAX_OPS} ops`)
  return raw.map(op)
}

function compare(raw: unknown): Compare {
  if (!isRecord(raw)) return fail('compare must be an object')
  const k = key(raw)
  const target = raw['target']
  const o = raw['op']
  if (o !== '=' && o !== '!=' && o !== '<' && o !== '>') return fail(`compare op must be one of = != < >`)
  const v = raw['value']
  switch (target) {
    case 'version':
    case 'createRevision':
    case 'modRevision':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`compare on ${target} needs an integer value`)
      break
    case 'value':
      if (!(v instanceof Uint8Array)) fail('compare on value needs a Uint8Array value')
      break
    case 'exists':
      if (typeof v !== 'boolean') fail('compare on exists needs a boolean value')
      if (o !== '=' && o !== '!=') fail('compare on exists takes = or !=')
      break
    default:
      return fail(`unknown compare target ${JSON.stringify(target)}`)
  }
  return { key: k, target, op: o, value: v as Compare['value'] }
}

function parse(raw: unknown): Command {
  if (!isRecord(raw)) return fail('command must be an object')
  switch (raw['type']) {
    case 'put':
    case 'deleteRange':
    case 'range':
      return op(raw)
    case 'txn': {
      const compares = raw['compare'] ?? []
      if (!Array.isArray(compares)) return fail('compare must be an array')
      if (compares.length > TXN_MAX_COMPARES) fail(`more than ${TXN_MAX_COMPARES} compares`)
      return { type: 'txn', compare: compares.map(compare), success: ops(raw['success'], 'success'), failure: ops(raw['failure'], 'failure') }
    }
    case 'leaseGrant': {
      const ttlMs = natural(raw, 'ttlMs', true) as number
      if (ttlMs === 0) fail('ttlMs must be positive')
      const id = natural(raw, 'id', false) ?? 0
      return { type: 'leaseGrant', id, ttlMs, now: natural(raw, 'now', true) as number }
    }
    case 'leaseRevoke':
      return { type: 'leaseRevoke', id: natural(raw, 'id', true) as number }
    case 'leaseKeepAlive':
      return { type: 'leaseKeepAlive', id: natural(raw, 'id', true) as number, now: natural(raw, 'now', true) as number }
    case 'leaseExpire': {
      const ids = raw['ids']
      if (ids !== undefined) {
        if (raw['now'] !== undefined) fail('leaseExpire takes now or ids, not both')
        if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id) && id > 0)) {
          return fail('ids must be an array of positive integers')
        }
        return { type: 'leaseExpire', ids: [...(ids as number[])] }
      }
      return { type: 'leaseExpire', now: natural(raw, 'now', true) as number }
    }
    case 'compact':
      return { type: 'compact', revision: natural(raw, 'revision', true) as number }
    default:
      return fail(`unknown command type ${JSON.stringify(raw['type'])}`)
  }
}

export function validateCommand(raw: unknown): Validation {
  try {
    return { ok: true, command: parse(raw) }
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.error, message: error.message }
    // A getter or proxy in hostile input; the codec never produces these, but stay total.
    return { ok: false, error: 'bad-request', message: error instanceof Error ? error.message : 'invalid command' }
  }
}
