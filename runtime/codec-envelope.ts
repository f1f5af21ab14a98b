/**
 * A message's envelope without decoding its body: the leading string fields of the msgpack map
 * (an event's `type` comes first, an API request's `method` and `path` right after), read in
 * place until the first field that is not a string or a scalar. Message faults that pick by
 * event type (actors/chaos/event-types.ts) read this on the sending path, where decoding every
 * body a second time would cost what the receiver already pays.
 */
import type { EventEnvelope } from '../actors/chaos/event-types.ts'

const utf8 = new TextDecoder()
/** Fields read at most: an envelope is at the front, and a body is never walked through. */
const MAX_FIELDS = 4

/** `type` and `path` of a msgpack-encoded event, as far as they lead its map; {} when it is not one. */
export function readEnvelope(bytes: Uint8Array): EventEnvelope {
  const reader = new Reader(bytes)
  const size = reader.mapSize()
  const envelope: { type?: string; path?: string } = {}
  for (let i = 0; i < Math.min(size, MAX_FIELDS); i++) {
    const key = reader.string()
    if (key === undefined) break
    const value = reader.string()
    if (value === undefined) {
      if (!reader.skipScalar()) break
      continue
    }
    if (key === 'type') envelope.type = value
    else if (key === 'path') envelope.path = value
  }
  return envelope
}

class Reader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #at = 0

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Entries of the map here, 0 when there is none. */
  mapSize(): number {
    const b = this.#bytes[this.#at]
    if (b === undefined) return 0
    if (b >= 0x80 && b <= 0x8f) return this.#advance(1, b & 0x0f)
    if (b === 0xde && this.#has(3)) return this.#advance(3, this.#view.getUint16(this.#at + 1))
    if (b === 0xdf && this.#has(5)) return this.#advance(5, this.#view.getUint32(this.#at + 1))
    return 0
  }

  /** The string here (and past it), or undefined (and nothing read) when there is none. */
  string(): string | undefined {
    const b = this.#bytes[this.#at]
    if (b === undefined) return undefined
    let header: number
    let length: number
    if (b >= 0xa0 && b <= 0xbf) [header, length] = [1, b & 0x1f]
    else if (b === 0xd9 && this.#has(2)) [header, length] = [2, this.#bytes[this.#at + 1]!]
    else if (b === 0xda && this.#has(3)) [header, length] = [3, this.#view.getUint16(this.#at + 1)]
    else if (b === 0xdb && this.#has(5)) [header, length] = [5, this.#view.getUint32(this.#at + 1)]
    else return undefined
    if (!this.#has(header + length)) return undefined
    const start = this.#at + header
    this.#at = start + length
    return utf8.decode(this.#bytes.subarray(start, start + length))
  }

  /** Steps over nil, a boolean or a number; false (nothing read) for anything else. */
  skipScalar(): boolean {
    const b = this.#bytes[this.#at]
    if (b === undefined) return false
    const width = b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3 ? 1 : SCALAR_WIDTHS[b]
    if (width === undefined || !this.#has(width)) return false
    this.#at += width
    return true
  }

  #has(n: number): boolean {
    return this.#at + n <= this.#bytes.length
  }

  #advance<T>(n: number, value: T): T {
    this.#at += n
    return value
  }
}

/** Fixed-size numbers: marker byte -> total bytes (uint/int 8..64, float 32/64). */
const SCALAR_WIDTHS: Readonly<Record<number, number>> = { 0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9, 0xd0: 2, 0xd1: 3, 0xd2: 5, 0xd3: 9, 0xca: 5, 0xcb: 9 }
