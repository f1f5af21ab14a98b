/**
 * ApiClient with a preferred apiserver (a master's own, for its leader-elected components): every
 * call and every watch's first opening goes there while it answers, so a stopped other master
 * never holds one for a timeout; once it fails to answer, calls go to the others.
 */
import t from 'tap'
import { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { decodeEvent, encodeEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { settle } from '../store-client-fakes.ts'

/** Three apiservers that answer calls 200 and watches "opened"; `silent` ones receive and never answer. */
function apiservers(silent: readonly string[] = []) {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(7), { minLatencyMs: 1, maxLatencyMs: 1 })
  const seen: string[] = []
  for (const id of ['m1', 'm2', 'm3']) {
    const server = network.connect(id)
    server.subscribe(subjectFor('c1', { component: 'apiserver', instance: id }), (message) => {
      const call = decodeEvent(message.data) as { type: string; method?: string; watchId?: string }
      if (message.reply === undefined) return
      seen.push(`${id} ${call.type === 'api.watch' ? 'watch' : String(call.method)}`)
      if (silent.includes(id)) return
      const body = call.type === 'api.watch' ? { watchId: call.watchId, resourceVersion: '5' } : { kind: 'Pod' }
      server.publish(message.reply, encodeEvent({ type: 'api.response', status: 200, body }))
    })
  }
  const client = (preferredApiserver?: string, watchKeepAliveMs?: number) => new ApiClient({ transport: network.connect('client'), cluster: 'c1', apiservers: ['m1', 'm2', 'm3'], clock, timeoutMs: 1000, ...(preferredApiserver ? { preferredApiserver } : {}), ...(watchKeepAliveMs ? { watchKeepAliveMs } : {}) })
  return { clock, seen, client }
}

t.test('api client preferred - calls and watch openings all go to the preferred apiserver', async (t) => {
  const s = apiservers()
  const client = s.client('m2')
  for (const method of ['GET', 'POST', 'GET']) void client.call(method, '/api/v1/namespaces/a/pods', method === 'GET' ? {} : { body: {} })
  for (let i = 0; i < 2; i++) void client.watch('/api/v1/pods', {}, { onEvents: () => {} })
  await settle(s.clock, 50)
  t.strictSame(s.seen.sort(), ['m2 GET', 'm2 GET', 'm2 POST', 'm2 watch', 'm2 watch'])
  await client.close()
})

t.test('api client preferred - without one, calls go round the apiservers', async (t) => {
  const s = apiservers()
  const client = s.client()
  for (let i = 0; i < 3; i++) {
    void client.call('GET', '/api/v1/pods')
    await settle(s.clock, 10)
  }
  t.strictSame(s.seen, ['m1 GET', 'm2 GET', 'm3 GET'])
  await client.close()
})

t.test('api client preferred - a preferred apiserver that stops answering is passed over', async (t) => {
  const s = apiservers(['m2'])
  const client = s.client('m2')
  const answers: number[] = []
  void client.call('GET', '/api/v1/pods').then((r) => answers.push(r.status))
  await settle(s.clock, 1100)
  void client.call('GET', '/api/v1/pods').then((r) => answers.push(r.status))
  await settle(s.clock, 50)
  t.strictSame(answers, [200, 200], 'both reads answered')
  t.strictSame(s.seen, ['m2 GET', 'm3 GET', 'm3 GET'], 'the first timed out at m2 and went on to m3; the next skipped the suspect m2')
  await client.close()
})

t.test('api client preferred - a call timing out at the apiserver serving a watch moves the watch on with it', async (t) => {
  const silent: string[] = []
  const s = apiservers(silent)
  // Keepalives far apart: only the call's timeout can tell the watch m2 went quiet.
  const client = s.client('m2', 60_000)
  const watch = await (async () => {
    const opening = client.watch('/api/v1/pods', { resourceVersion: '5' }, { onEvents: () => {} })
    await settle(s.clock, 10)
    return opening
  })()
  t.equal(watch.apiserver, 'm2')
  silent.push('m2')
  void client.call('GET', '/api/v1/pods')
  await settle(s.clock, 1100)
  t.equal(watch.apiserver, 'm3', 'the watch resumed at the next apiserver as the read timed out at m2, a keepalive period early')
  t.strictSame(s.seen.filter((x) => x.endsWith('watch')), ['m2 watch', 'm3 watch'])
  await client.close()
})
