import t from 'tap'

import { crc32c } from '../../../runtime/disk/crc32c.ts'
import { encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../../../runtime/disk/frame.ts'

const ascii = (s: string) => new TextEncoder().encode(s)

t.test('crc32c matches the standard check values', async (t) => {
  t.equal(crc32c(ascii('123456789')), 0xe3069283)
  t.equal(crc32c(new Uint8Array(0)), 0)
  t.equal(crc32c(new Uint8Array(32)), 0x8a9136aa)
  t.equal(crc32c(ascii('6789'), crc32c(ascii('12345'))), 0xe3069283, 'continues over pieces')
})

t.test('frames round-trip and a scan stops at torn or corrupt frames', async (t) => {
  const a = encodeFrame(ascii('hello'))
  const b = encodeFrame(ascii('world!'))
  const both = new Uint8Array([...a, ...b])
  const whole = scanFrames(both)
  t.same(whole.frames.map((f) => new TextDecoder().decode(f.body)), ['hello', 'world!'])
  t.same(whole.frames.map((f) => f.offset), [0, a.length])
  t.equal(whole.problem, undefined)

  const torn = scanFrames(both.subarray(0, both.length - 2))
  t.equal(torn.frames.length, 1)
  t.equal(torn.goodEnd, a.length)
  t.equal(torn.problem?.kind, 'torn')

  const shortHeader = scanFrames(both.subarray(0, a.length + 3))
  t.equal(shortHeader.problem?.kind, 'torn')

  const flipped = both.slice()
  flipped[a.length + FRAME_HEADER_BYTES + 1]! ^= 0x01
  const corrupt = scanFrames(flipped)
  t.equal(corrupt.problem?.kind, 'corrupt')
  t.equal(corrupt.goodEnd, a.length)

  const badLength = both.slice()
  badLength[a.length] = 2 // length 6 -> 2: covered by the checksum
  t.equal(scanFrames(badLength).problem?.kind, 'corrupt')
})
