/**
 * JSON Merge Patch (RFC 7386), `application/merge-patch+json`: objects merge recursively, a
 * null member deletes, anything else (arrays included) replaces. Used by `kubectl scale`,
 * `label` and `annotate`. Pure; never mutates its inputs.
 */
import { checkDepth, clone, getOwn, isObject, run, setOwn, type Json, type JsonObject, type PatchResult } from './json.ts'

export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json'

/** RFC 7386 MergePatch(target, patch). Only fails on nesting deeper than MAX_DEPTH. */
export function applyMergePatch(target: Json, patch: Json): PatchResult {
  return run(() => mergePatch(target, patch, 0))
}

function mergePatch(target: Json | undefined, patch: Json, depth: number): Json {
  checkDepth(depth)
  if (!isObject(patch)) return clone(patch, depth)
  const out: JsonObject = isObject(target) ? (clone(target, depth) as JsonObject) : {}
  for (const key of Object.keys(patch)) {
    const value = patch[key] as Json
    if (value === null) delete out[key]
    else setOwn(out, key, mergePatch(getOwn(out, key), value, depth + 1))
  }
  return out
}
