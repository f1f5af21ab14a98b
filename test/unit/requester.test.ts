import t from 'tap'
import { decodeEvent, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { seededRandom } from '../../runtime/random.ts'
import { MemoryNetwork } from '../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'
import { NoRespondersError, Requester, RequesterClosedError, RequestTimeoutError } from '../../runtime/transport/requester.ts'
import type { InboundMessage } from '../../runtime/transport/transport.ts'
import { flush } from '../helpers/flush.ts'

function setup() {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(1), { minLatencyMs: 1, maxLatencyMs: 1 })
  const client = network.connect('client')
  const server = network.connect('server')
  return { clock, network, client, server, requester: new Requester(client, clock) }
}

/** Settles a promise without letting a rejection go unhandled; returns what happened. */
function outcome<T>(promise: Promise<T>): { readonly value?: T; readonly error?: unknown; readonly settled: boolean } {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false }
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  )
  return state
}

t.test('requester - a reply resolves the request with the reply message', async (t) => {
  const { clock, server, requester } = setup()
  const seen: InboundMessage[] = []
  server.subscribe('svc.echo', (message) => {
    seen.push(message)
    server.publish(message.reply!, encodeEvent({ type: 'pong', got: decodeEvent(message.data) }))
  })
  const reply = requester.request('svc.echo', encodeEvent({ type: 'ping' }), { timeoutMs: 100, headers: { 'ak-msg-id': 'm1' } })
  t.equal(requester.outstanding, 1)
  clock.advance(10)
  const message = await reply
  t.strictSame(decodeEvent(message.data), { type: 'pong', got: { type: 'ping' } })
  t.equal(seen[0]?.headers?.['ak-msg-id'], 'm1', 'headers travel with the request')
  t.match(seen[0]?.reply, /^_INBOX\.client\.\d+\.\w+$/, 'reply subject is under the inbox prefix')
  t.equal(requester.outstanding, 0)
})

t.test('requester - concurrent requests are matched to their own replies', async (t) => {
  const { clock, server, requester } = setup()
  const held: InboundMessage[] = []
  server.subscribe('svc', (message) => held.push(message))
  const first = requester.request('svc', encodeEvent({ type: 'q', n: 1 }), { timeoutMs: 100 })
  const second = requester.request('svc', encodeEvent({ type: 'q', n: 2 }), { timeoutMs: 100 })
  clock.advance(5)
  t.equal(held.length, 2)
  // Answer in reverse order.
  for (const message of [...held].reverse()) {
    const q = decodeEvent(message.data) as WireEvent
    server.publish(message.reply!, encodeEvent({ type: 'a', n: Number(q.n) * 10 }))
  }
  clock.advance(5)
  t.strictSame(decodeEvent((await first).data), { type: 'a', n: 10 })
  t.strictSame(decodeEvent((await second).data), { type: 'a', n: 20 })
})

t.test('requester - no reply rejects with RequestTimeoutError at the timeout, in virtual time', async (t) => {
  const { clock, server, requester } = setup()
  server.subscribe('svc.slow', () => {})
  const result = outcome(requester.request('svc.slow', encodeEvent({ type: 'ping' }), { timeoutMs: 250 }))
  clock.advance(249)
  await flush()
  t.equal(result.settled, false, 'still waiting 1 ms before the timeout')
  clock.advance(1)
  await flush()
  t.ok(result.error instanceof RequestTimeoutError)
  t.match((result.error as Error).message, 'no reply on svc.slow within 250 ms')
  t.equal((result.error as Error).name, 'RequestTimeoutError')
  t.equal(requester.outstanding, 0)
})

t.test('requester - a reply after the timeout is ignored', async (t) => {
  const { clock, server, requester } = setup()
  let late: InboundMessage | undefined
  server.subscribe('svc', (message) => {
    late = message
  })
  const result = outcome(requester.request('svc', encodeEvent({ type: 'ping' }), { timeoutMs: 20 }))
  clock.advance(30)
  server.publish(late!.reply!, encodeEvent({ type: 'pong' }))
  clock.advance(10)
  await flush()
  t.ok(result.error instanceof RequestTimeoutError, 'still the timeout')
})

t.test('requester - a duplicated reply settles once and leaves nothing pending', async (t) => {
  const { clock, server, requester } = setup()
  server.subscribe('svc', (message) => {
    server.publish(message.reply!, encodeEvent({ type: 'pong', n: 1 }))
    server.publish(message.reply!, encodeEvent({ type: 'pong', n: 2 }))
  })
  const reply = requester.request('svc', encodeEvent({ type: 'ping' }), { timeoutMs: 100 })
  clock.advance(10)
  t.strictSame(decodeEvent((await reply).data), { type: 'pong', n: 1 })
  t.equal(clock.pending, 0, 'the timeout timer was cleared')
})

t.test('requester - a request to a subject nobody serves fails fast with NoRespondersError', async (t) => {
  const { clock, requester } = setup()
  const result = outcome(requester.request('svc.nobody', encodeEvent({ type: 'ping' }), { timeoutMs: 5_000 }))
  clock.advance(5)
  await flush()
  t.ok(result.error instanceof NoRespondersError, 'not a timeout')
  t.equal((result.error as Error).name, 'NoRespondersError')
  t.equal(requester.outstanding, 0)
})

t.test('requester - close rejects every pending request with RequesterClosedError', async (t) => {
  const { clock, server, requester } = setup()
  server.subscribe('svc', () => {})
  const a = outcome(requester.request('svc', encodeEvent({ type: 'ping' }), { timeoutMs: 100 }))
  const b = outcome(requester.request('svc', encodeEvent({ type: 'ping' }), { timeoutMs: 100 }))
  clock.advance(5)
  requester.close()
  await flush()
  t.ok(a.error instanceof RequesterClosedError)
  t.ok(b.error instanceof RequesterClosedError)
  t.equal(requester.outstanding, 0)
  clock.advance(200)
  await flush()
  t.ok(a.error instanceof RequesterClosedError, 'the timeout does not fire afterwards')
})

t.test('requester - a request after close is refused without being sent', async (t) => {
  const { clock, server, requester } = setup()
  const seen: InboundMessage[] = []
  server.subscribe('svc', (message) => void seen.push(message))
  requester.close()
  const late = outcome(requester.request('svc', encodeEvent({ type: 'ping' }), { timeoutMs: 100 }))
  clock.advance(200)
  await flush()
  t.ok(late.error instanceof RequesterClosedError)
  t.equal(seen.length, 0, 'nothing reached the server')
})

t.test('requester - a publish that throws rejects the request and clears its timer', async (t) => {
  const { clock, client, requester } = setup()
  await client.close()
  const result = outcome(requester.request('svc', encodeEvent({ type: 'ping' }), { timeoutMs: 100 }))
  await flush()
  t.match((result.error as Error).message, /transport client is closed/)
  t.equal(requester.outstanding, 0)
  clock.advance(200)
  t.equal(clock.pending, 0)
})
