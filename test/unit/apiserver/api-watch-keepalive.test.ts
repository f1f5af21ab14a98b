/**
 * The ApiClient's watches over NATS (runtime/apiserver/api-watch.ts) against a scripted apiserver
 * in virtual time: a push lost right before a quiet spell has no successor to reveal the gap, so the
 * keepalive replies carry the last push sent and the watch resumes when one stays missing.
 */
import t from 'tap'
import { apiWatchAddress, type ApiWatchEvents } from '../../../actors/apiserver/watch-protocol.ts'
import { ApiWatches, type WatchEvent } from '../../../runtime/apiserver/api-watch.ts'
import { encodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { settle } from '../store-client-fakes.ts'

const KEEPALIVE_MS = 1000

/** One scripted apiserver: answers opens with 200, keepalives with what it has sent. */
function scriptedApiserver() {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(3), { minLatencyMs: 1, maxLatencyMs: 1 })
  const server = network.connect('apiserver')
  const opens: Record<string, string>[] = []
  const sent = new Map<string, number>()
  const watches = new ApiWatches({
    transport: network.connect('client'),
    cluster: 'c1',
    clientId: 'cl',
    clock,
    apiservers: ['a1'],
    keepAliveMs: KEEPALIVE_MS,
    maxBytes: 1 << 20,
    async request(_apiserver, event): Promise<WireEvent> {
      if (event.type === 'api.watchKeepAlive') return { type: 'api.watchAlive', missing: [], lastSeqs: event.watchIds.map((id) => sent.get(id) ?? 0) }
      opens.push({ ...event.query })
      sent.set(event.watchId, 0)
      return { type: 'api.response', status: 200, body: { watchId: event.watchId, resourceVersion: 5 } }
    },
    send() {},
    log() {},
  })
  /** The next push of the newest watch; `lost` pushes count as sent but never arrive, `lateMs` ones arrive that much later. */
  const push = (rv: number, lost = false, lateMs = 0) => {
    const watchId = [...sent.keys()].at(-1)!
    const seq = sent.get(watchId)! + 1
    sent.set(watchId, seq)
    const event: ApiWatchEvents = { type: 'api.watchEvents', watchId, seq, events: [{ type: 'MODIFIED', object: { kind: 'Pod', metadata: { name: 'p', resourceVersion: String(rv) } } }] }
    if (!lost) clock.setTimeout(() => server.publish(subjectFor('c1', apiWatchAddress('cl')), encodeEvent(event)), lateMs)
  }
  return { clock, watches, opens, push }
}

t.test('api watch - a lost last push is found by the keepalive after the one that reported it', async (t) => {
  const api = scriptedApiserver()
  const delivered: string[] = []
  const rvs = (events: readonly WatchEvent[]) => delivered.push(...events.map((e) => e.object.metadata!.resourceVersion!))
  const opened = api.watches.open('/api/v1/pods', { resourceVersion: '5' }, { onEvents: rvs })
  await settle(api.clock, 2)
  const watch = await opened
  api.push(6)
  api.push(7, true) // lost, and nothing follows it
  await settle(api.clock, KEEPALIVE_MS + 100)
  t.same(delivered, ['6'])
  t.equal(api.opens.length, 1, 'one keepalive reporting push 2 is not enough: it may be in flight')
  await settle(api.clock, KEEPALIVE_MS)
  t.equal(api.opens.length, 2, 'still missing at the next keepalive: re-opened')
  t.equal(api.opens[1]!.resourceVersion, '6', 'from the last version delivered')
  api.push(7)
  await settle(api.clock, 5)
  t.same(delivered, ['6', '7'])
  t.equal(watch.resourceVersion, '7')
  await api.watches.close()
})

t.test('api watch - a push in flight at a keepalive is not taken for lost', async (t) => {
  const api = scriptedApiserver()
  const delivered: string[] = []
  const opened = api.watches.open('/api/v1/pods', { resourceVersion: '5' }, { onEvents: (events) => delivered.push(...events.map((e) => e.object.metadata!.resourceVersion!)) })
  await settle(api.clock, 2)
  await opened
  api.push(6, false, KEEPALIVE_MS + 500) // counted by the first keepalive, arriving after it
  await settle(api.clock, KEEPALIVE_MS + 100)
  t.same(delivered, [], 'not arrived at the first keepalive')
  await settle(api.clock, KEEPALIVE_MS)
  t.same(delivered, ['6'])
  t.equal(api.opens.length, 1, 'never re-opened')
  await api.watches.close()
})

t.test('api watch - cut off among the initial objects, the watch starts over; a watch from a version asks for it', async (t) => {
  const api = scriptedApiserver()
  const delivered: string[] = []
  const opened = api.watches.open('/api/v1/pods', { sendInitialEvents: true }, { onEvents: (events) => delivered.push(...events.map((e) => e.object.metadata!.resourceVersion!)) })
  await settle(api.clock, 2)
  const watch = await opened
  t.same(api.opens[0], { sendInitialEvents: 'true', allowWatchBookmarks: 'true' })
  t.equal(watch.resourceVersion, '5', 'the version the watch started at')
  api.push(3)
  api.push(4, true) // lost before the initial objects' end
  await settle(api.clock, 2 * KEEPALIVE_MS + 100)
  t.same(api.opens[1], { sendInitialEvents: 'true', allowWatchBookmarks: 'true' }, 'the initial objects again, not a resume from a version among them')
  t.same(delivered, ['3'])
  await api.watches.close()

  const fromVersion = scriptedApiserver()
  await Promise.all([fromVersion.watches.open('/api/v1/pods', { resourceVersion: '0', sendInitialEvents: true }, { onEvents: () => {} }), settle(fromVersion.clock, 2)])
  t.same(fromVersion.opens[0], { resourceVersion: '0' }, 'a version given is asked for as it is')
  await fromVersion.watches.close()
})
