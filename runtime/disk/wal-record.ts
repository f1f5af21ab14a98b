/**
 * The WAL's record bodies: msgpack plain data (no extensions) so that any msgpack reader can
 * inspect a segment. One record per entry keeps records small and lets recovery stop at
 * exactly the last whole entry.
 */
import { Packr } from 'msgpackr'

import type { Entry, HardState } from '../../actors/store/raft/types.ts'

export type WalRecord =
  | { readonly type: 'hard-state'; readonly hardState: HardState }
  | { readonly type: 'entry'; readonly entry: Entry }
  /** Entries at `from` and above are gone; the next entry written has index `from`. */
  | { readonly type: 'truncate'; readonly from: number }
  /**
   * Every entry is gone, whatever its index (a snapshot from the leader replaced the whole log);
   * the next entry written has index `next`. A truncation would keep the entries below `next`,
   * and those may be ones the leader never had.
   */
  | { readonly type: 'restart'; readonly next: number }

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })

export function encodeRecord(record: WalRecord): Uint8Array {
  switch (record.type) {
    case 'hard-state': {
      const { term, vote, commit } = record.hardState
      // undefined would need a msgpack extension; null is plain.
      return packr.pack({ t: 'h', term, vote: vote ?? null, commit })
    }
    case 'entry': {
      const { term, index, kind, data } = record.entry
      return packr.pack({ t: 'e', term, index, kind, data })
    }
    case 'truncate':
      return packr.pack({ t: 't', from: record.from })
    case 'restart':
      return packr.pack({ t: 'r', next: record.next })
  }
}

export class RecordDecodeError extends Error {
  override readonly name = 'RecordDecodeError'
}

/** Decodes a checksum-valid body; throws {@link RecordDecodeError} if it is not a WAL record. */
export function decodeRecord(body: Uint8Array): WalRecord {
  let value: unknown
  try {
    value = packr.unpack(body)
  } catch (error) {
    throw new RecordDecodeError(`undecodable record: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (typeof value !== 'object' || value === null) throw new RecordDecodeError('record is not a map')
  const v = value as Record<string, unknown>
  switch (v['t']) {
    case 'h':
      if (isCount(v['term']) && isCount(v['commit']) && (v['vote'] === null || typeof v['vote'] === 'string')) {
        return { type: 'hard-state', hardState: { term: v['term'], vote: v['vote'] ?? undefined, commit: v['commit'] } }
      }
      break
    case 'e': {
      const kind = v['kind']
      const data = v['data']
      if (isCount(v['term']) && isCount(v['index']) && (kind === 'command' || kind === 'noop' || kind === 'config') && data instanceof Uint8Array) {
        // Copy: a plain Uint8Array that does not pin the whole segment buffer.
        return { type: 'entry', entry: { term: v['term'], index: v['index'], kind, data: new Uint8Array(data) } }
      }
      break
    }
    case 't':
      if (isCount(v['from'])) return { type: 'truncate', from: v['from'] }
      break
    case 'r':
      if (isCount(v['next'])) return { type: 'restart', next: v['next'] }
      break
  }
  throw new RecordDecodeError(`malformed record of type ${JSON.stringify(v['t'])}`)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
