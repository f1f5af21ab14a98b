import t from 'tap'
import { encodeEvent } from '../../runtime/codec.ts'
import { readEnvelope } from '../../runtime/codec-envelope.ts'

t.test('codec envelope - type and path of an API request, read in place', async (t) => {
  const bytes = encodeEvent({ type: 'api.request', method: 'POST', path: '/api/v1/namespaces/default/pods/web-1/binding', body: { kind: 'Binding', target: { name: 'n' } } })
  t.strictSame(readEnvelope(bytes), { type: 'api.request', path: '/api/v1/namespaces/default/pods/web-1/binding' })
})

t.test('codec envelope - scalars before the path are stepped over; a nested value ends the envelope', async (t) => {
  t.strictSame(readEnvelope(encodeEvent({ type: 'x', n: 3, big: 70_000, neg: -2, f: 1.5, ok: true, path: '/p' })), { type: 'x' }, 'at most four fields are read')
  t.strictSame(readEnvelope(encodeEvent({ type: 'x', n: 300, neg: -200, path: '/p' })), { type: 'x', path: '/p' })
  t.strictSame(readEnvelope(encodeEvent({ type: 'raft.append', entries: [{ a: 1 }], path: '/p' })), { type: 'raft.append' })
  t.strictSame(readEnvelope(encodeEvent({ type: 'é'.repeat(40), path: 'p'.repeat(300) })), { type: 'é'.repeat(40), path: 'p'.repeat(300) }, 'str8 and str16')
})

t.test('codec envelope - not an event: an empty envelope, never a throw', async (t) => {
  t.strictSame(readEnvelope(new Uint8Array([])), {})
  t.strictSame(readEnvelope(new Uint8Array([0x93, 1, 2, 3])), {}, 'an array')
  t.strictSame(readEnvelope(new Uint8Array([0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xd9, 200, 0x61])), {}, 'a string cut short')
  t.strictSame(readEnvelope(new Uint8Array([0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa1, 0x61])), { type: 'a' }, 'a map cut short')
})
