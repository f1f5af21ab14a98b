/**
 * ApiClient against an apiserver that answers 429 TooManyRequests (flow control), on an in-memory
 * network in virtual time: the call is sent again after the Retry-After the Status carries, up to
 * maxRetriesOn429 times, and the caller sees only the final answer.
 */
import t from 'tap'
import { tooManyRequests } from '../../../actors/apiserver/meta/status.ts'
import { ApiClient, retryAfterMs } from '../../../runtime/apiserver/api-client.ts'
import { decodeEvent, encodeEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { settle } from '../store-client-fakes.ts'

/** An apiserver `m1` that answers the first `rejections` calls 429 (Retry-After `seconds`), then 201; it records when each call came. */
function throttlingApiserver(rejections: number, seconds: number) {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(3), { minLatencyMs: 1, maxLatencyMs: 1 })
  const server = network.connect('m1')
  const arrivals: number[] = []
  server.subscribe(subjectFor('c1', { component: 'apiserver', instance: 'm1' }), (message) => {
    const call = decodeEvent(message.data) as { type: string }
    if (call.type !== 'api.request' || message.reply === undefined) return
    arrivals.push(clock.now())
    const throttled = tooManyRequests(seconds)
    const answer = arrivals.length <= rejections ? { type: 'api.response', status: 429, body: throttled.status } : { type: 'api.response', status: 201, body: { kind: 'Pod' } }
    server.publish(message.reply, encodeEvent(answer))
  })
  const client = (maxRetriesOn429?: number) => new ApiClient({ transport: network.connect('client'), cluster: 'c1', apiservers: ['m1'], clock, timeoutMs: 5000, ...(maxRetriesOn429 !== undefined ? { maxRetriesOn429 } : {}) })
  return { clock, arrivals, client }
}

t.test('flowcontrol client - a 429 is waited out for its Retry-After and sent again', async (t) => {
  const s = throttlingApiserver(2, 1)
  const api = s.client()
  let answer: { status: number } | undefined
  void api.call('POST', '/api/v1/namespaces/a/pods', { body: {} }).then((r) => (answer = r))
  await settle(s.clock, 2100)
  t.strictSame(answer, { status: 201, body: { kind: 'Pod' } }, 'the caller sees the 201 only')
  t.equal(s.arrivals.length, 3)
  t.ok(s.arrivals[1]! - s.arrivals[0]! >= 1000 && s.arrivals[2]! - s.arrivals[1]! >= 1000, `each retry after Retry-After: 1 s (arrivals at ${s.arrivals.join(', ')} ms)`)
  t.equal(api.throttled, 2, 'the client counts the 429s it waited out')
  await api.close()
})

t.test('flowcontrol client - past maxRetriesOn429 the 429 is the answer', async (t) => {
  const s = throttlingApiserver(100, 2)
  const api = s.client(1)
  let answer: { status: number; body: unknown } | undefined
  void api.call('GET', '/api/v1/pods').then((r) => (answer = r))
  await settle(s.clock, 2100)
  t.equal(answer?.status, 429)
  t.match(answer?.body, { reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } })
  t.equal(s.arrivals.length, 2, 'one retry, after 2 s')
  await api.close()
})

t.test('flowcontrol client - Retry-After from the Status: seconds, 1 s when absent, capped', async (t) => {
  t.equal(retryAfterMs({ details: { retryAfterSeconds: 3 } }), 3000)
  t.equal(retryAfterMs({ details: {} }), 1000)
  t.equal(retryAfterMs('not a status'), 1000)
  t.equal(retryAfterMs({ details: { retryAfterSeconds: -1 } }), 1000)
  t.equal(retryAfterMs({ details: { retryAfterSeconds: 3600 } }), 30_000)
})
