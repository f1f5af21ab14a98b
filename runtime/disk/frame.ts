/**
 * On-disk framing shared by WAL segments and snapshot files:
 *
 *   u32 LE body length | u32 LE CRC-32C over (length bytes ++ body) | body
 *
 * The checksum covers the length too, so a torn or flipped length is detected instead of
 * sending the reader off into the middle of the next record.
 */
import { crc32c } from './crc32c.ts'

export const FRAME_HEADER_BYTES = 8

/** Far above any record we write; a larger length can only be garbage. */
export const MAX_FRAME_BODY_BYTES = 256 * 1024 * 1024

export function encodeFrame(body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length)
  const view = new DataView(frame.buffer)
  view.setUint32(0, body.length, true)
  view.setUint32(4, crc32c(body, crc32c(frame.subarray(0, 4))), true)
  frame.set(body, FRAME_HEADER_BYTES)
  return frame
}

/** Why a scan stopped before the end of the buffer. */
export type FrameProblem =
  | { readonly kind: 'torn'; readonly offset: number; readonly detail: string }
  | { readonly kind: 'corrupt'; readonly offset: number; readonly detail: string }

export interface FrameScan {
  /** The whole, checksum-valid frames before the first problem (bodies are views into `bytes`). */
  readonly frames: { readonly offset: number; readonly body: Uint8Array }[]
  /** Offset just past the last good frame: where a torn tail would be cut. */
  readonly goodEnd: number
  readonly problem: FrameProblem | undefined
}

/**
 * Reads frames from the start of `bytes` until the end or the first bad frame. A frame that
 * runs past the end of the buffer is `torn` (a write cut short by a crash); a whole frame with
 * a wrong checksum is `corrupt`.
 */
export function scanFrames(bytes: Uint8Array): FrameScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const frames: { offset: number; body: Uint8Array }[] = []
  let offset = 0
  while (offset < bytes.length) {
    if (bytes.length - offset < FRAME_HEADER_BYTES) {
      return { frames, goodEnd: offset, problem: { kind: 'torn', offset, detail: 'partial frame header' } }
    }
    const length = view.getUint32(offset, true)
    const stored = view.getUint32(offset + 4, true)
    const end = offset + FRAME_HEADER_BYTES + length
    if (length > MAX_FRAME_BODY_BYTES) {
      return { frames, goodEnd: offset, problem: { kind: 'corrupt', offset, detail: `implausible length ${length}` } }
    }
    if (end > bytes.length) {
      return { frames, goodEnd: offset, problem: { kind: 'torn', offset, detail: `frame of ${length} bytes runs past the end` } }
    }
    const body = bytes.subarray(offset + FRAME_HEADER_BYTES, end)
    const actual = crc32c(body, crc32c(bytes.subarray(offset, offset + 4)))
    if (actual !== stored) {
      return { frames, goodEnd: offset, problem: { kind: 'corrupt', offset, detail: 'checksum mismatch' } }
    }
    frames.push({ offset, body })
    offset = end
  }
  return { frames, goodEnd: offset, problem: undefined }
}
