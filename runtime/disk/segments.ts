/**
 * Segment files: `wal-<seq>.log`, seq zero-padded so that names sort in write order. The WAL
 * only ever appends to the highest-numbered segment; older ones are immutable until
 * compaction deletes them.
 */
import { join } from 'node:path'

import type { DiskIo } from './io.ts'

const SEGMENT_NAME = /^wal-(\d{16})\.log$/

export interface SegmentFile {
  readonly seq: number
  readonly path: string
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, `wal-${String(seq).padStart(16, '0')}.log`)
}

/** The directory's segments, oldest first. Other files are ignored. */
export async function listSegments(dir: string, io: DiskIo): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = []
  for (const name of await io.readdir(dir)) {
    const match = SEGMENT_NAME.exec(name)
    if (match) segments.push({ seq: Number(match[1]), path: join(dir, name) })
  }
  return segments.sort((a, b) => a.seq - b.seq)
}
