import t from 'tap'
import { pack, Packr } from 'msgpackr'
import { DecodeFailure, decodeEvent, DEFAULT_MAX_MESSAGE_BYTES, EncodeError, encodeEvent, isWireEvent } from '../../runtime/codec.ts'

t.test('codec - round trip keeps type, nested fields and binary payloads', async (t) => {
  const event = { type: 'echo.ping', seq: 7, to: { component: 'echo', instance: 'e1' }, payload: new Uint8Array([1, 2, 3]), tags: ['a', 'b'] }
  const decoded = decodeEvent(encodeEvent(event))
  if (decoded instanceof DecodeFailure) return t.fail(`decode failed: ${decoded.reason}`)
  t.equal(decoded.type, 'echo.ping')
  t.equal(decoded.seq, 7)
  t.strictSame(decoded.to, { component: 'echo', instance: 'e1' })
  t.strictSame(decoded.tags, ['a', 'b'])
  t.ok(decoded.payload instanceof Uint8Array, 'binary stays binary')
  t.strictSame([...(decoded.payload as Uint8Array)], [1, 2, 3])
})

t.test('codec - encoding is deterministic and produces plain msgpack maps', async (t) => {
  const a = encodeEvent({ type: 'x', n: 1 })
  const b = encodeEvent({ type: 'x', n: 1 })
  t.strictSame(a, b)
  // A msgpack map header (fixmap 0x8X or map16 0xde), not msgpackr's record extension (0xd4..0xd8)
  const head = a[0]!
  t.ok((head & 0xf0) === 0x80 || head === 0xde, `first byte 0x${head.toString(16)} is a map header`)
})

t.test('codec - encode over the limit throws EncodeError naming the type and size', async (t) => {
  const event = { type: 'big', payload: new Uint8Array(200) }
  const error = thrown(() => encodeEvent(event, 100))
  t.ok(error instanceof EncodeError, 'throws EncodeError')
  t.ok(error instanceof RangeError, 'EncodeError is a RangeError')
  t.match((error as Error).message, /"big" is \d+ bytes, over the 100-byte limit/)
  t.ok(encodeEvent(event, 300).length <= 300, 'fits under a larger limit')
})

t.test('codec - default limit is 1 MiB on both sides', async (t) => {
  t.equal(DEFAULT_MAX_MESSAGE_BYTES, 1024 * 1024)
  t.ok(thrown(() => encodeEvent({ type: 'big', payload: new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES) })) instanceof EncodeError)
  const failure = decodeEvent(new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES + 1))
  t.ok(failure instanceof DecodeFailure)
  t.equal((failure as DecodeFailure).reason, 'oversized')
})

t.test('codec - decode of oversized bytes is an oversized DecodeFailure, not an exception', async (t) => {
  const bytes = encodeEvent({ type: 'big', payload: new Uint8Array(200) })
  const failure = decodeEvent(bytes, 100)
  t.ok(failure instanceof DecodeFailure)
  t.equal((failure as DecodeFailure).reason, 'oversized')
  t.match((failure as DecodeFailure).detail, /over the 100-byte limit/)
  t.notOk(decodeEvent(bytes, bytes.length) instanceof DecodeFailure, 'exactly at the limit is accepted')
})

t.test('codec - malformed bytes give a malformed DecodeFailure', async (t) => {
  const cases: Array<[string, Uint8Array]> = [
    ['reserved byte 0xc1', new Uint8Array([0xc1])],
    ['truncated map', new Uint8Array([0x82, 0xa4, 0x74])],
    ['empty body', new Uint8Array()],
    ['trailing bytes after an event', new Uint8Array([0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa1, 0x78, 0xc0])],
    ['unknown extension', new Uint8Array([0xd4, 0x01, 0x00])],
  ]
  for (const [name, bytes] of cases) {
    const failure = decodeEvent(bytes)
    t.ok(failure instanceof DecodeFailure, `${name}: is a failure`)
    t.equal((failure as DecodeFailure).reason, 'malformed', `${name}: reason`)
    t.type((failure as DecodeFailure).detail, 'string')
  }
})

t.test('codec - well-formed values that are not events give not-an-event', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['number', 42],
    ['string', 'echo.ping'],
    ['null', null],
    ['array', [{ type: 'x' }]],
    ['object without type', { seq: 1 }],
    ['numeric type', { type: 3 }],
    ['empty type', { type: '' }],
    ['binary', new Uint8Array([1, 2])],
  ]
  for (const [name, value] of cases) {
    const failure = decodeEvent(pack(value))
    t.ok(failure instanceof DecodeFailure, `${name}: is a failure`)
    t.equal((failure as DecodeFailure).reason, 'not-an-event', `${name}: reason`)
  }
})

t.test('codec - isWireEvent accepts exactly objects with a non-empty string type', async (t) => {
  t.ok(isWireEvent({ type: 'a' }))
  t.ok(isWireEvent({ type: 'a', extra: [1] }))
  t.notOk(isWireEvent({ type: '' }))
  t.notOk(isWireEvent([]))
  t.notOk(isWireEvent(undefined))
  t.notOk(isWireEvent(Object.assign(new Uint8Array(1), { type: 'x' })))
})

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

t.test('codec - extension types and deep nesting are refused as malformed', async (t) => {
  // A packer with moreTypes writes Set, Date, RegExp and Error as extension types; ours never does.
  for (const [name, value] of [
    ['Set', new Set([1])],
    ['Date', new Date(0)],
    ['RegExp', /x/],
    ['Error', new Error('x')],
  ] as const) {
    const decoded = decodeEvent(new Packr({ moreTypes: true }).pack({ type: 'x', nested: { value } }))
    t.ok(decoded instanceof DecodeFailure, `${name} refused`)
    t.equal((decoded as DecodeFailure).reason, 'malformed', `${name} is malformed`)
  }
  let deep: unknown = 1
  for (let i = 0; i < 40; i++) deep = [deep]
  const nested = decodeEvent(pack({ type: 'x', deep }))
  t.ok(nested instanceof DecodeFailure)
  t.match((nested as DecodeFailure).detail, /nested deeper than/)
  const ok = decodeEvent(pack({ type: 'x', list: [1, 'a', null, true, { b: new Uint8Array([1]) }] }))
  t.notOk(ok instanceof DecodeFailure, 'plain data with bytes passes')
})

t.test('codec - an optional field left undefined by the sender decodes (as absent data), not as a failure', async (t) => {
  const decoded = decodeEvent(encodeEvent({ type: 'store.statusReply', id: 's1', leader: undefined, nested: { vote: undefined } }))
  t.notOk(decoded instanceof DecodeFailure)
  t.match(decoded, { type: 'store.statusReply', id: 's1' })
  t.equal((decoded as { leader?: string }).leader, undefined)
})
