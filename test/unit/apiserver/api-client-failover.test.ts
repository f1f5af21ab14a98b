/**
 * ApiClient over several apiservers, on an in-memory network in virtual time: a call nobody serves
 * goes to the next apiserver at once; a read that times out goes to the next one; a write that
 * timed out fails with the timeout and is not sent again elsewhere (it may have been done: a
 * retried create made a second pod, a deposed leader's write landed seconds after it stopped
 * leading, simulation seeds 2027 and 2046).
 */
import t from 'tap'
import { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { decodeEvent, encodeEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { RequestTimeoutError } from '../../../runtime/transport/requester.ts'
import { settle } from '../store-client-fakes.ts'

/** `silent` receives calls and never answers; `answering` answers 200; `absent` serves nothing. */
function apiservers() {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(5), { minLatencyMs: 1, maxLatencyMs: 1 })
  const seen: Record<string, string[]> = { silent: [], answering: [] }
  for (const id of ['silent', 'answering'] as const) {
    const server = network.connect(id)
    server.subscribe(subjectFor('c1', { component: 'apiserver', instance: id }), (message) => {
      const call = decodeEvent(message.data) as { type: string; method?: string }
      if (call.type !== 'api.request' || message.reply === undefined) return
      seen[id]!.push(String(call.method))
      if (id === 'answering') server.publish(message.reply, encodeEvent({ type: 'api.response', status: 200, body: { kind: 'Pod' } }))
    })
  }
  const client = (order: string[]) => new ApiClient({ transport: network.connect('client'), cluster: 'c1', apiservers: order, clock, timeoutMs: 5000 })
  return { clock, seen, client }
}

t.test('api client failover - a read that times out is asked of the next apiserver', async (t) => {
  const s = apiservers()
  let answer: unknown
  void s.client(['silent', 'answering']).call('GET', '/api/v1/pods').then((r) => (answer = r))
  await settle(s.clock, 5100)
  t.strictSame(answer, { status: 200, body: { kind: 'Pod' } })
  t.strictSame(s.seen, { silent: ['GET'], answering: ['GET'] })
})

t.test('api client failover - a write that times out fails and is not sent again', async (t) => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const s = apiservers()
    let failure: unknown
    void s.client(['silent', 'answering']).call(method, '/api/v1/namespaces/a/pods', { body: {} }).catch((e: unknown) => (failure = e))
    await settle(s.clock, 15_000)
    t.type(failure, RequestTimeoutError, `${method}: the caller gets the timeout`)
    t.strictSame(s.seen, { silent: [method], answering: [] }, `${method}: sent once, to one apiserver`)
  }
})

t.test('api client failover - a write nobody serves goes to the next apiserver at once', async (t) => {
  const s = apiservers()
  let answer: unknown
  void s.client(['absent', 'answering']).call('POST', '/api/v1/namespaces/a/pods', { body: {} }).then((r) => (answer = r))
  await settle(s.clock, 50)
  t.strictSame(answer, { status: 200, body: { kind: 'Pod' } })
  t.strictSame(s.seen.answering, ['POST'])
})

t.test("api client failover - a read given its own timeout waits that long at each apiserver, not the client's", async (t) => {
  const s = apiservers()
  const client = s.client(['silent', 'answering'])
  let answer: unknown
  void client.get('/api/v1/pods', { timeoutMs: 8000 }).then((r) => (answer = r))
  await settle(s.clock, 7000)
  t.equal(answer, undefined, "still waiting for the silent apiserver past the client's 5 s")
  await settle(s.clock, 1100)
  t.strictSame(answer, { kind: 'Pod' }, 'then asked the next')
  t.strictSame(s.seen, { silent: ['GET'], answering: ['GET'] })
})
