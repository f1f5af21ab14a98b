/**
 * What a log entry of the store holds: a batch of client writes, each with the request id that
 * makes retries idempotent. The leader batches the writes that arrive while its previous batch is
 * being made durable (group commit at the Raft level: one entry, one AppendEntries, one fsync).
 */
import { Packr } from 'msgpackr'
import type { Command } from '../mvcc/commands.ts'

export interface Proposal {
  readonly requestId: string
  readonly command: Command
}

// The same plain-map settings as the runtime codec: entries must decode identically everywhere.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })

export function encodeProposals(proposals: readonly Proposal[]): Uint8Array {
  return packr.pack(proposals)
}

/** The proposals in an entry; a damaged entry decodes to none (every replica skips it alike). */
export function decodeProposals(data: Uint8Array): Proposal[] {
  if (data.length === 0) return []
  let value: unknown
  try {
    value = packr.unpack(data)
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  return value.filter(
    (p): p is Proposal => typeof p === 'object' && p !== null && typeof (p as Proposal).requestId === 'string' && typeof (p as Proposal).command === 'object',
  )
}

/** Encodes any plain value (snapshots) with the same settings. */
export const packPlain = (value: unknown): Uint8Array => packr.pack(value)
export function unpackPlain(data: Uint8Array): unknown {
  return packr.unpack(data)
}
