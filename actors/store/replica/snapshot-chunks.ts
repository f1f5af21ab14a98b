/**
 * Snapshots travel in chunks: a store snapshot easily outgrows one NATS message. The leader
 * resends a whole snapshot when a transfer stalls, so a lost chunk only costs a retry; the
 * receiver keeps one transfer per sender and starts over when a new one begins.
 */
import type { Snap } from '../raft/messages.ts'
import type { RaftSnapChunk } from './protocol.ts'

export const SNAPSHOT_CHUNK_BYTES = 256 * 1024

export function chunkSnap(m: Snap, chunkBytes = SNAPSHOT_CHUNK_BYTES): RaftSnapChunk[] {
  const { data, meta } = m.snapshot
  const header: Snap = { ...m, snapshot: { meta, data: new Uint8Array(0) } }
  const transfer = `${m.from}.${m.term}.${meta.index}`
  const chunks: RaftSnapChunk[] = []
  for (let offset = 0; offset < data.length || offset === 0; offset += chunkBytes) {
    chunks.push({ type: 'raft.snapChunk', m: header, transfer, offset, total: data.length, chunk: data.subarray(offset, offset + chunkBytes) })
    if (data.length === 0) break
  }
  return chunks
}

interface Transfer {
  readonly id: string
  readonly data: Uint8Array
  received: number
}

export class SnapAssembler {
  readonly #transfers = new Map<string, Transfer>()

  /** The whole `snap` message once its last chunk arrives in order; undefined until then. */
  accept(c: RaftSnapChunk): Snap | undefined {
    const m = c.m as Snap
    let t = this.#transfers.get(m.from)
    if (c.offset === 0 || t === undefined || t.id !== c.transfer) {
      if (c.offset !== 0) return undefined
      t = { id: c.transfer, data: new Uint8Array(c.total), received: 0 }
      this.#transfers.set(m.from, t)
    }
    if (c.offset !== t.received || c.offset + c.chunk.length > c.total) {
      this.#transfers.delete(m.from)
      return undefined
    }
    t.data.set(c.chunk, c.offset)
    t.received += c.chunk.length
    if (t.received < c.total) return undefined
    this.#transfers.delete(m.from)
    return { ...m, snapshot: { meta: m.snapshot.meta, data: t.data } }
  }
}
