/**
 * Strategic merge patch, `application/strategic-merge-patch+json`, as the apiserver applies it
 * (k8s.io/apimachinery/pkg/util/strategicpatch StrategicMergeMapPatch with MergeParallelList
 * and IgnoreUnmatchedNulls):
 * - maps merge recursively; a null value deletes the key;
 * - lists with patchStrategy merge (see strategic-schema.ts) merge: lists of objects by their
 *   patchMergeKey, primitive lists as a set; every other list is replaced;
 * - `$patch: replace` / `$patch: delete` in a map replace it by the patch / empty it; in an
 *   element of a merging list, `$patch: delete` removes elements with that key and
 *   `$patch: replace` makes the list exactly the other patch elements;
 * - `$retainKeys: [...]` drops the map's keys not listed;
 * - `$deleteFromPrimitiveList/<field>: [...]` removes values from a primitive merge list;
 * - `$setElementOrder/<field>: [...]` orders a merge list (patch order first, server-only
 *   elements kept in their relative positions);
 * - merged lists put patch elements in patch order and elements the patch did not mention in
 *   their original order; new elements not ordered against server elements come first.
 * Pure; never mutates its inputs.
 */
import { badRequest, checkDepth, clone, getOwn, invalid, isObject, jsonEqual, run, setOwn, show, unsupported, type Json, type JsonObject, type PatchResult } from './json.ts'
import { strategicSchemaFor, type FieldStrategy, type StrategicSchema } from './strategic-schema.ts'

export const STRATEGIC_MERGE_PATCH_CONTENT_TYPE = 'application/strategic-merge-patch+json'

const DIRECTIVE = '$patch'
const RETAIN_KEYS = '$retainKeys'
const SET_ELEMENT_ORDER = '$setElementOrder/'
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/'

/**
 * Applies `patch` to `original` using `schema` (a StrategicSchema, or a kind name looked up in
 * strategic-schema.ts). Both documents must be JSON objects.
 */
export function applyStrategicMergePatch(original: Json, patch: Json, schema: StrategicSchema | string): PatchResult {
  return run(() => {
    const table = typeof schema === 'string' ? strategicSchemaFor(schema) : schema
    if (table === undefined) throw unsupported(`strategic merge patch is not supported for kind ${show(schema as string)}`)
    if (!isObject(original)) throw badRequest('strategic merge patch: the original document is not a JSON object')
    if (!isObject(patch)) throw badRequest('strategic merge patch: the patch is not a JSON object')
    return new Merger(table).mergeMap(original, patch, '', 0)
  })
}

type ElementKind = 'object' | 'string' | 'number' | 'boolean' | 'null'

const childPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`)
const itemPath = (path: string): string => `${path}[]`

class Merger {
  readonly #schema: StrategicSchema
  constructor(schema: StrategicSchema) {
    this.#schema = schema
  }

  #strategy(path: string): FieldStrategy | undefined {
    return this.#schema.get(path)
  }

  /** Merges `patch` into a copy of `original` (undefined: an empty map). */
  mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string, depth: number): JsonObject {
    checkDepth(depth)
    if (Object.hasOwn(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE]
      if (directive === 'replace') {
        const rest: JsonObject = {}
        for (const k of Object.keys(patch)) if (k !== DIRECTIVE) setOwn(rest, k, patch[k] as Json)
        return this.mergeMap(undefined, rest, path, depth + 1)
      }
      if (directive === 'delete') return {}
      throw invalid(`unknown patch type: ${show(directive)} in map: ${show(patch)}`)
    }

    const out: JsonObject = original === undefined ? {} : (clone(original, depth) as JsonObject)
    const done = new Set<string>()

    // $retainKeys: validate, then clear the keys not listed.
    if (Object.hasOwn(patch, RETAIN_KEYS)) {
      done.add(RETAIN_KEYS)
      const retain = patch[RETAIN_KEYS]
      if (!Array.isArray(retain)) throw badRequest('invalid patch format of retainKeys')
      const keep = new Set(retain.filter((k): k is string => typeof k === 'string'))
      for (const k of Object.keys(patch)) {
        const v = patch[k]
        if (k === RETAIN_KEYS || v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue
        if (!keep.has(k)) throw invalid(`patch content doesn't match retainKeys list: ${show(k)} is not in ${show(retain)}`)
      }
      for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k]
    }

    // $setElementOrder/<field>: merge that field's list here, then order it.
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue
      done.add(key)
      const field = key.slice(SET_ELEMENT_ORDER.length)
      if (field === '') throw badRequest('invalid patch format of setElementOrder list')
      const order = patch[key]
      if (!Array.isArray(order)) throw badRequest('invalid patch format of setElementOrder list')
      const fieldPath = childPath(path, field)
      const strategy = this.#strategy(fieldPath)
      // Only merge lists have an order to set; elsewhere the directive is ignored.
      if (strategy?.strategy !== 'merge') continue
      const mergeKey = strategy.mergeKey
      const originalList = getOwn(out, field)
      const patchList = getOwn(patch, field)
      if (originalList !== undefined && originalList !== null && !Array.isArray(originalList)) continue
      if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) continue
      if (patchList === null) continue // the field is being deleted: the main loop does it
      validateSetElementOrder(patchList ?? [], order, mergeKey)
      let merged: Json[]
      if (originalList === undefined || originalList === null) {
        if (patchList === undefined) continue
        merged = this.mergeList([], patchList, fieldPath, mergeKey, depth + 1)
      } else if (patchList === undefined) {
        merged = originalList
      } else {
        merged = this.mergeList(originalList, patchList, fieldPath, mergeKey, depth + 1)
      }
      done.add(field)
      const kind = elementKind(merged)
      const [inOrder, serverOnly] = partition(merged, order, mergeKey)
      setOwn(out, field, normalizeElementOrder(inOrder, serverOnly, order, originalList ?? [], mergeKey, kind))
    }

    for (const key of Object.keys(patch)) {
      if (done.has(key)) continue
      const value = patch[key] as Json

      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length)
        if (field === '' || !Array.isArray(value)) throw badRequest('invalid patch format of primitive list')
        const current = getOwn(out, field)
        if (Array.isArray(current)) {
          setOwn(out, field, current.filter((v) => !value.some((d) => isPrimitive(v) && d === v)))
        }
        continue
      }

      if (value === null) {
        delete out[key]
        continue
      }
      const current = getOwn(out, key)
      const fieldPath = childPath(path, key)
      if (current === undefined || current === null) {
        setOwn(out, key, this.fromEmpty(value, fieldPath, depth + 1))
      } else if (isObject(current) && isObject(value)) {
        setOwn(out, key, this.#strategy(fieldPath)?.strategy === 'replace' ? this.fromEmpty(value, fieldPath, depth + 1) : this.mergeMap(current, value, fieldPath, depth + 1))
      } else if (Array.isArray(current) && Array.isArray(value)) {
        const strategy = this.#strategy(fieldPath)
        setOwn(
          out,
          key,
          strategy?.strategy === 'merge' ? this.mergeList(current, value, fieldPath, strategy.mergeKey, depth + 1) : this.fromEmpty(value, fieldPath, depth + 1),
        )
      } else {
        // Different types, or scalars: the patch value wins.
        setOwn(out, key, this.fromEmpty(value, fieldPath, depth + 1))
      }
    }
    return out
  }

  /** A patch value for a field the original lacks: applied to nothing, so directives and nulls do not leak into the object. */
  fromEmpty(value: Json, path: string, depth: number): Json {
    checkDepth(depth)
    if (isObject(value)) return this.mergeMap(undefined, value, path, depth)
    if (Array.isArray(value)) {
      const strategy = this.#strategy(path)
      if (strategy?.strategy === 'merge') return this.mergeList([], value, path, strategy.mergeKey, depth)
      return value.map((item) => this.fromEmpty(item, itemPath(path), depth + 1))
    }
    return value
  }

  /** mergeSlice: a patchStrategy=merge list. */
  mergeList(original: Json[], patch: Json[], path: string, mergeKey: string | undefined, depth: number): Json[] {
    checkDepth(depth)
    if (original.length === 0 && patch.length === 0) return []
    const kind = elementKind(original, patch)

    if (kind !== 'object') {
      // Primitive merge list (finalizers, podCIDRs): a set union.
      const merged: Json[] = []
      for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v)
      const [inPatch, serverOnly] = partition(merged, patch, undefined)
      return normalizeElementOrder(inPatch, serverOnly, patch, original, undefined, kind)
    }
    if (mergeKey === undefined) throw invalid(`cannot merge lists without merge key for ${path}`)

    // Special elements first: $patch delete / replace.
    let base: Json[] = original.map((x) => clone(x, depth))
    let plain: JsonObject[] = []
    let replace = false
    for (const item of patch as JsonObject[]) {
      if (!Object.hasOwn(item, DIRECTIVE)) {
        plain.push(item)
        continue
      }
      const directive = item[DIRECTIVE]
      if (directive === 'delete') {
        const keyValue = getOwn(item, mergeKey)
        if (keyValue === undefined) throw noMergeKey(item, mergeKey)
        base = base.filter((x) => !jsonEqual(getOwn(x as JsonObject, mergeKey), keyValue))
      } else if (directive === 'replace') {
        replace = true
      } else if (directive === 'merge') {
        throw invalid('merging lists cannot yet be specified in the patch')
      } else {
        throw invalid(`unknown patch type: ${show(directive)} in map: ${show(item)}`)
      }
    }
    if (replace) {
      base = plain.map((item) => this.mergeMap(undefined, item, itemPath(path), depth + 1))
      plain = []
    }
    const serverOrder = base

    // Merge the plain elements by key; unknown keys append.
    const merged: Json[] = [...base]
    for (const item of plain) {
      const keyValue = getOwn(item, mergeKey)
      if (keyValue === undefined) throw noMergeKey(item, mergeKey)
      const at = merged.findIndex((x) => isObject(x) && jsonEqual(getOwn(x, mergeKey), keyValue))
      if (at >= 0) merged[at] = this.mergeMap(merged[at] as JsonObject, item, itemPath(path), depth + 1)
      else merged.push(this.mergeMap(undefined, item, itemPath(path), depth + 1))
    }

    const [inPatch, serverOnly] = partition(merged, plain, mergeKey)
    return normalizeElementOrder(inPatch, serverOnly, plain, serverOrder, mergeKey, kind)
  }
}

const isPrimitive = (v: Json): boolean => v === null || typeof v !== 'object'

function noMergeKey(item: JsonObject, mergeKey: string) {
  return invalid(`map: ${show(item)} does not contain declared merge key: ${mergeKey}`)
}

function kindOf(v: Json): ElementKind | 'array' {
  if (Array.isArray(v)) return 'array'
  if (v === null) return 'null'
  if (typeof v === 'object') return 'object'
  return typeof v as 'string' | 'number' | 'boolean'
}

/** sliceElementType: all elements must have one type, and not be lists. */
function elementKind(...lists: Json[][]): ElementKind {
  let kind: ElementKind | undefined
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v)
      if (k === 'array') throw invalid('lists of lists are not supported')
      if (kind === undefined) kind = k
      else if (kind !== k) throw invalid(`list element types are not identical: ${show(lists)}`)
    }
  }
  return kind ?? 'null'
}

/** The identity of a list element: its merge key value for objects, itself for primitives. */
function identity(v: Json, mergeKey: string | undefined): Json | undefined {
  if (mergeKey === undefined) return v
  return isObject(v) ? getOwn(v, mergeKey) : undefined
}

function indexIn(list: readonly Json[], v: Json, mergeKey: string | undefined): number {
  const id = identity(v, mergeKey)
  if (id === undefined) return -1
  return list.findIndex((x) => {
    const other = identity(x, mergeKey)
    return other !== undefined && (isPrimitive(id) ? id === other : jsonEqual(id, other))
  })
}

/** Splits `items` into those present in `by` and the rest, keeping their order. */
function partition(items: readonly Json[], by: readonly Json[], mergeKey: string | undefined): [Json[], Json[]] {
  const present: Json[] = []
  const absent: Json[] = []
  for (const v of items) (indexIn(by, v, mergeKey) >= 0 ? present : absent).push(v)
  return [present, absent]
}

const isDeleteItem = (v: Json): boolean => isObject(v) && getOwn(v, DIRECTIVE) === 'delete'

/** normalizeSliceOrder: sort by position in `order` (stable), `$patch: delete` items last. */
function normalizeSliceOrder(toSort: Json[], order: readonly Json[], mergeKey: string | undefined, kind: ElementKind): Json[] {
  let items = toSort
  let deletes: Json[] = []
  if (kind === 'object') {
    for (const v of [...toSort, ...order]) if (mergeKey !== undefined && (!isObject(v) || getOwn(v, mergeKey) === undefined)) throw noMergeKey(isObject(v) ? v : {}, mergeKey)
    items = toSort.filter((v) => !isDeleteItem(v))
    deletes = toSort.filter(isDeleteItem)
  }
  const keyed = items.map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey) }))
  keyed.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
  return [...keyed.map((x) => x.v), ...deletes]
}

/**
 * normalizeElementOrder + mergeSortedSlice: patch items in patch order, server-only items in
 * server order, interleaved where both are ordered by the server list; a patch item the
 * server list does not know goes before the next server-only item.
 */
function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: readonly Json[],
  serverOrder: readonly Json[],
  mergeKey: string | undefined,
  kind: ElementKind,
): Json[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind)
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind)
  const out: Json[] = []
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++] as Json)
    else if (j >= right.length) out.push(left[i++] as Json)
    else {
      const li = indexIn(serverOrder, left[i] as Json, mergeKey)
      const ri = indexIn(serverOrder, right[j] as Json, mergeKey)
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as Json)
      else out.push(right[j++] as Json)
    }
  }
  return out
}

/**
 * validatePatchWithSetOrderList: the patch list's elements (deletions aside) must appear in the
 * $setElementOrder list, in the same relative order.
 */
function validateSetElementOrder(patchList: readonly Json[], order: readonly Json[], mergeKey: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return
  if (mergeKey !== undefined) {
    for (const v of order) if (!isObject(v) || getOwn(v, mergeKey) === undefined) throw noMergeKey(isObject(v) ? v : {}, mergeKey)
  }
  const items = mergeKey === undefined ? patchList : patchList.filter((v) => !isDeleteItem(v))
  let p = 0
  let o = 0
  while (p < items.length && o < order.length) {
    const item = items[p] as Json
    if (isObject(item) && Object.hasOwn(item, DIRECTIVE)) {
      p++
      continue
    }
    if (mergeKey !== undefined && (!isObject(item) || getOwn(item, mergeKey) === undefined)) throw noMergeKey(isObject(item) ? item : {}, mergeKey)
    const a = identity(item, mergeKey)
    const b = identity(order[o] as Json, mergeKey)
    if (a !== undefined && b !== undefined && jsonEqual(a, b)) p++
    o++
  }
  if (p < items.length) throw invalid(`the order in patch list ${show(patchList as Json[])} doesn't match $setElementOrder list ${show(order as Json[])}`)
}
