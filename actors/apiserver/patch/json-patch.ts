/**
 * JSON Patch (RFC 6902), `application/json-patch+json`, with JSON Pointer (RFC 6901). Operations
 * apply in order to a copy of the document; the first failure aborts the whole patch (atomic).
 * A malformed patch document is a 400; a failed `test` or a missing path is a 422 (what the
 * apiserver answers). Pure; never mutates its inputs.
 */
import { badRequest, clone, getOwn, invalid, isObject, jsonEqual, run, setOwn, show, type Json, type JsonObject, type PatchResult } from './json.ts'

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json'

/** Refuse patches with more operations than this (hostile input). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000

export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: Json }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string }

export interface JsonPatchOptions {
  readonly maxOperations?: number
}

/**
 * Parses an RFC 6901 pointer into reference tokens (`~1` -> `/`, `~0` -> `~`). `""` is the
 * whole document. Returns undefined for an invalid pointer.
 */
export function parseJsonPointer(pointer: string): string[] | undefined {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) return undefined
  const tokens: string[] = []
  for (const raw of pointer.slice(1).split('/')) {
    if (/~(?![01])/.test(raw)) return undefined
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'))
  }
  return tokens
}

/** Validates a JSON Patch document (an array of operation objects). */
export function parseJsonPatch(patch: Json, options: JsonPatchOptions = {}): JsonPatchOperation[] {
  const max = options.maxOperations ?? MAX_JSON_PATCH_OPERATIONS
  if (!Array.isArray(patch)) throw badRequest('json patch must be an array of operations')
  if (patch.length > max) throw badRequest(`json patch has ${patch.length} operations, more than the maximum of ${max}`)
  return patch.map((raw, i): JsonPatchOperation => {
    if (!isObject(raw)) throw badRequest(`json patch operation ${i} is not an object`)
    const op = getOwn(raw, 'op')
    const path = getOwn(raw, 'path')
    if (typeof path !== 'string') throw badRequest(`json patch operation ${i}: missing or non-string "path"`)
    switch (op) {
      case 'add':
      case 'replace':
      case 'test': {
        if (!Object.hasOwn(raw, 'value')) throw badRequest(`json patch operation ${i} (${op}): missing "value"`)
        return { op, path, value: raw['value'] as Json }
      }
      case 'remove':
        return { op, path }
      case 'move':
      case 'copy': {
        const from = getOwn(raw, 'from')
        if (typeof from !== 'string') throw badRequest(`json patch operation ${i} (${op}): missing or non-string "from"`)
        return { op, from, path }
      }
      default:
        throw badRequest(`json patch operation ${i}: unknown op ${show(op)}`)
    }
  })
}

/** Applies an RFC 6902 patch (given as the parsed JSON body) to `doc`. */
export function applyJsonPatch(doc: Json, patch: Json, options: JsonPatchOptions = {}): PatchResult {
  return run(() => {
    const ops = parseJsonPatch(patch, options)
    let root = clone(doc)
    for (const [i, op] of ops.entries()) {
      try {
        root = applyOperation(root, op)
      } catch (e) {
        if (e instanceof Error && 'code' in e) e.message = `json patch operation ${i} (${op.op} ${op.path}): ${e.message}`
        throw e
      }
    }
    return root
  })
}

function pointer(path: string): string[] {
  const tokens = parseJsonPointer(path)
  if (tokens === undefined) throw badRequest(`invalid JSON pointer ${show(path)}`)
  return tokens
}

/** An array index per RFC 6901: `0` or no leading zeros; `-` is handled by the caller. */
function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw invalid(`invalid array index ${show(token)}`)
  const n = Number(token)
  if (n > length || (n === length && !allowEnd)) throw invalid(`array index ${n} out of bounds (length ${length})`)
  return n
}

/** The value at `tokens`, or throws 422 when missing. */
function resolve(root: Json, tokens: readonly string[], path: string): Json {
  let cur: Json = root
  for (const token of tokens) {
    if (Array.isArray(cur)) {
      if (token === '-') throw invalid(`path ${show(path)} does not exist`)
      cur = cur[arrayIndex(token, cur.length, false)] as Json
    } else if (isObject(cur)) {
      const next = getOwn(cur, token)
      if (next === undefined) throw invalid(`path ${show(path)} does not exist`)
      cur = next
    } else {
      throw invalid(`path ${show(path)} does not exist`)
    }
  }
  return cur
}

function parentOf(root: Json, tokens: readonly string[], path: string): { parent: Json[] | JsonObject; last: string } {
  const parent = resolve(root, tokens.slice(0, -1), path)
  if (!Array.isArray(parent) && !isObject(parent)) throw invalid(`path ${show(path)}: parent is not an object or array`)
  return { parent, last: tokens[tokens.length - 1] as string }
}

function add(root: Json, tokens: readonly string[], path: string, value: Json): Json {
  if (tokens.length === 0) return value
  const { parent, last } = parentOf(root, tokens, path)
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value)
    else parent.splice(arrayIndex(last, parent.length, true), 0, value)
  } else {
    setOwn(parent, last, value)
  }
  return root
}

function remove(root: Json, tokens: readonly string[], path: string): { root: Json; removed: Json } {
  if (tokens.length === 0) throw invalid('cannot remove the whole document')
  const { parent, last } = parentOf(root, tokens, path)
  if (Array.isArray(parent)) {
    if (last === '-') throw invalid(`path ${show(path)} does not exist`)
    const [removed] = parent.splice(arrayIndex(last, parent.length, false), 1)
    return { root, removed: removed as Json }
  }
  const removed = getOwn(parent, last)
  if (removed === undefined) throw invalid(`path ${show(path)} does not exist`)
  delete parent[last]
  return { root, removed }
}

function applyOperation(root: Json, op: JsonPatchOperation): Json {
  const tokens = pointer(op.path)
  switch (op.op) {
    case 'add':
      return add(root, tokens, op.path, clone(op.value))
    case 'remove':
      return remove(root, tokens, op.path).root
    case 'replace': {
      if (tokens.length === 0) return clone(op.value)
      const { parent, last } = parentOf(root, tokens, op.path)
      if (Array.isArray(parent)) {
        if (last === '-') throw invalid(`path ${show(op.path)} does not exist`)
        parent[arrayIndex(last, parent.length, false)] = clone(op.value)
      } else {
        if (getOwn(parent, last) === undefined) throw invalid(`path ${show(op.path)} does not exist`)
        setOwn(parent, last, clone(op.value))
      }
      return root
    }
    case 'test': {
      const actual = resolve(root, tokens, op.path)
      if (!jsonEqual(actual, op.value)) throw invalid(`test failed: value at ${show(op.path)} is ${show(actual)}, not ${show(op.value)}`)
      return root
    }
    case 'move': {
      const from = pointer(op.from)
      if (from.length < tokens.length && from.every((t, i) => tokens[i] === t)) {
        throw invalid(`cannot move ${show(op.from)} into its own child ${show(op.path)}`)
      }
      if (op.from === op.path) {
        resolve(root, from, op.from)
        return root
      }
      const { root: after, removed } = remove(root, from, op.from)
      return add(after, tokens, op.path, removed)
    }
    case 'copy':
      return add(root, tokens, op.path, clone(resolve(root, pointer(op.from), op.from)))
  }
}
