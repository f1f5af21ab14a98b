/**
 * Reading a WAL directory back after a restart or crash.
 *
 * Only the last segment may end badly: every write goes to the last segment and is fsynced
 * before the WAL rotates, so a crash can tear only that one. A bad record there is cut off
 * (nothing after it was ever acknowledged: acknowledgement waits for the fsync that covers
 * every earlier byte). A bad record in an older segment means acknowledged data was lost,
 * and silently dropping the rest of the log would break Raft's promises: that is an error.
 */
import type { Entry, HardState } from '../../actors/store/raft/types.ts'
import { scanFrames, type FrameProblem } from './frame.ts'
import type { DiskIo } from './io.ts'
import { LogContinuityError, LogRebuild } from './log-rebuild.ts'
import { listSegments } from './segments.ts'
import { decodeRecord, RecordDecodeError } from './wal-record.ts'

export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError'
}

export interface RecoveredSegment {
  readonly seq: number
  readonly path: string
  readonly bytes: number
  /** Highest entry index written in this segment (0 if none): compaction deletes by it. */
  readonly maxIndex: number
}

export interface TailRepair {
  readonly path: string
  readonly problem: FrameProblem
  /** Bytes cut off the end of the last segment. */
  readonly droppedBytes: number
}

export interface Recovered {
  readonly hardState: HardState | undefined
  /** The log with truncations applied, oldest first (may start above 1 after compaction). */
  readonly entries: readonly Entry[]
  /** The index the next appended entry must have; undefined for a log never written. */
  readonly nextIndex: number | undefined
  readonly segments: readonly RecoveredSegment[]
  /** Set when the last segment had a torn or corrupt tail that was cut off. */
  readonly tailRepair: TailRepair | undefined
}

export async function recover(dir: string, io: DiskIo): Promise<Recovered> {
  const files = await listSegments(dir, io)
  const rebuild = new LogRebuild()
  const segments: RecoveredSegment[] = []
  let tailRepair: TailRepair | undefined
  for (const [i, file] of files.entries()) {
    const isLast = i === files.length - 1
    const bytes = await io.readFile(file.path)
    const scan = scanFrames(bytes)
    let goodEnd = scan.goodEnd
    let problem = scan.problem
    let maxIndex = 0
    for (const { offset, body } of scan.frames) {
      let record
      try {
        record = decodeRecord(body)
        rebuild.apply(record)
      } catch (error) {
        if (!(error instanceof RecordDecodeError) && !(error instanceof LogContinuityError)) throw error
        // A checksum-valid frame that is not a valid record: treat like a bad checksum.
        problem = { kind: 'corrupt', offset, detail: error.message }
        goodEnd = offset
        break
      }
      if (record.type === 'entry') maxIndex = Math.max(maxIndex, record.entry.index)
    }
    if (problem !== undefined) {
      if (!isLast) {
        throw new WalCorruptionError(`${file.path}: ${problem.kind} record at offset ${problem.offset} (${problem.detail}) in a segment that is not the last`)
      }
      await io.truncate(file.path, goodEnd)
      tailRepair = { path: file.path, problem, droppedBytes: bytes.length - goodEnd }
    }
    segments.push({ seq: file.seq, path: file.path, bytes: goodEnd, maxIndex })
  }
  return { hardState: rebuild.hardState, entries: rebuild.entries, nextIndex: rebuild.rule.next, segments, tailRepair }
}
