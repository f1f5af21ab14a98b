/** Range reads over the key index, at the current or an older revision. */
import type { RangeRequest } from './commands.ts'
import { kvAt } from './history.ts'
import type { KeyIndex } from './key-index.ts'
import { toKeyRange } from './key-range.ts'
import type { ErrorResult, RangeResult } from './results.ts'
import type { KeyValue } from './types.ts'

const EMPTY = new Uint8Array(0)

/** Why a read at `revision` (0: current) cannot be served, or undefined when it can. */
export function checkReadRevision(revision: number, current: number, compactRevision: number): ErrorResult | undefined {
  if (revision > current) {
    return { ok: false, error: 'future-revision', message: `revision ${revision} is ahead of the store's ${current}`, revision: current }
  }
  if (revision !== 0 && revision < compactRevision) {
    return {
      ok: false,
      error: 'compacted',
      message: `revision ${revision} has been compacted (oldest readable: ${compactRevision})`,
      revision: current,
      compactRevision,
    }
  }
  return undefined
}

/** Serves a validated range request; `current` is the revision reported in the result. */
export function readRange(index: KeyIndex, request: RangeRequest, current: number, compactRevision: number): RangeResult | ErrorResult {
  const revision = request.revision ?? 0
  const refused = checkReadRevision(revision, current, compactRevision)
  if (refused) return refused
  const at = revision === 0 ? current : revision
  const limit = request.limit ?? 0
  const kvs: KeyValue[] = []
  let count = 0
  for (const key of index.keysIn(toKeyRange(request.key, request.rangeEnd, request.prefix))) {
    const kv = kvAt(index.get(key)!, at)
    if (kv === null) continue
    count++
    if (request.countOnly || (limit > 0 && kvs.length >= limit)) continue
    kvs.push(request.keysOnly ? { ...kv, value: EMPTY } : kv)
  }
  return { ok: true, type: 'range', revision: current, kvs, count, more: request.countOnly ? false : kvs.length < count }
}
