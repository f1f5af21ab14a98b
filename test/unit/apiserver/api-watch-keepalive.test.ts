/**
 * The ApiClient's watches over NATS (runtime/apiserver/api-watch.ts) against a scripted apiserver
 * in virtual time: a push lost right before a quiet spell has no successor to reveal the gap, so the
 * keepalive replies carry the last push sent and the watch resumes when one stays missing. A watch
 * opened without a resourceVersion that loses some of the current objects it begins with does not
 * resume past them (sim seed 80085).
 */
import t from 'tap'
import { apiWatchAddress, type ApiWatchEvents } from '../../../actors/apiserver/watch-protocol.ts'
import { INITIAL_EVENTS_END } from '../../../actors/apiserver/resource-handlers.ts'
import type { WatchStreamEvent } from '../../../actors/apiserver/http/api-request.ts'
import { ApiWatches, WatchEndedError, type WatchEvent } from '../../../runtime/apiserver/api-watch.ts'
import { encodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { settle } from '../store-client-fakes.ts'

const KEEPALIVE_MS = 1000

/**
 * One scripted apiserver: answers opens with 200 (version 5), keepalives with what it has sent.
 * An open without a resourceVersion (or "0") first gets the `current` objects (their versions), one
 * push each as a large list may be split, then the bookmark ending them if asked for; the first
 * incarnation's pushes numbered in `lostAtFirst` never arrive.
 */
function scriptedApiserver(current: readonly number[] = [], lostAtFirst: readonly number[] = []) {
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
      const query = { ...event.query }
      opens.push(query)
      sent.set(event.watchId, 0)
      if (query.resourceVersion === undefined || query.resourceVersion === '0') {
        const lost = (seq: number) => opens.length === 1 && lostAtFirst.includes(seq)
        for (const rv of current) send([pod('ADDED', rv)], lost)
        if (query.sendInitialEvents === 'true') send([{ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '5', annotations: { [INITIAL_EVENTS_END]: 'true' } } } }], lost)
      }
      return { type: 'api.response', status: 200, body: { watchId: event.watchId, resourceVersion: 5 } }
    },
    send() {},
    log() {},
  })
  /** The next push of the newest watch; `lost` ones count as sent but never arrive, `lateMs` ones arrive that much later. */
  const send = (events: readonly WatchStreamEvent[], lost: (seq: number) => boolean, lateMs = 0) => {
    const watchId = [...sent.keys()].at(-1)!
    const seq = sent.get(watchId)! + 1
    sent.set(watchId, seq)
    const event: ApiWatchEvents = { type: 'api.watchEvents', watchId, seq, events }
    if (!lost(seq)) clock.setTimeout(() => server.publish(subjectFor('c1', apiWatchAddress('cl')), encodeEvent(event)), lateMs)
  }
  const push = (rv: number, lost = false, lateMs = 0) => send([pod('MODIFIED', rv)], () => lost, lateMs)
  return { clock, watches, opens, push }
}

const pod = (type: 'ADDED' | 'MODIFIED', rv: number): WatchStreamEvent => ({ type, object: { kind: 'Pod', metadata: { name: `p${rv}`, resourceVersion: String(rv) } } })

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

t.test('api watch - opened without a version, a lost first push lists again instead of resuming past the objects it held (seed 80085)', async (t) => {
  const api = scriptedApiserver([3, 4], [1]) // p3 lost, p4 and the bookmark arrive
  const delivered: string[] = []
  let synced = 0
  const errors: Error[] = []
  const opened = api.watches.open(
    '/api/v1/pods',
    {},
    { onEvents: (events) => delivered.push(...events.map((e) => `${e.type} ${e.object.metadata!.resourceVersion!}`)), onSynced: () => synced++, onError: (error) => errors.push(error) },
  )
  await settle(api.clock, 2)
  const watch = await opened
  t.same(api.opens[0], { sendInitialEvents: 'true', allowWatchBookmarks: 'true' }, 'asks for the bookmark that ends the current objects')
  await settle(api.clock, 10)
  t.same(api.opens[1], { sendInitialEvents: 'true', allowWatchBookmarks: 'true' }, 'the current objects again, not a resume from the version the open answered (5)')
  t.same(delivered, ['ADDED 3', 'ADDED 4'], 'none of the current objects is lost')
  t.equal(synced, 1)
  t.same(errors, [])
  api.push(6)
  await settle(api.clock, 5)
  t.same(delivered, ['ADDED 3', 'ADDED 4', 'MODIFIED 6'])
  t.equal(watch.resourceVersion, '6')
  await api.watches.close()
})

t.test('api watch - opened without a version, a push lost after some of the objects were delivered ends the watch for a relist', async (t) => {
  const api = scriptedApiserver([3, 4], [2]) // p3 delivered, p4 lost
  const delivered: string[] = []
  const errors: Error[] = []
  const opened = api.watches.open('/api/v1/pods', {}, { onEvents: (events) => delivered.push(...events.map((e) => e.object.metadata!.resourceVersion!)), onError: (error) => errors.push(error) })
  await settle(api.clock, 2)
  await opened
  await settle(api.clock, 2 * KEEPALIVE_MS + 100)
  t.same(delivered, ['3'])
  t.equal(errors.length, 1, 'the caller relists: objects sent again would not say which delivered ones were deleted meanwhile')
  t.ok(errors[0] instanceof WatchEndedError && errors[0].status === 410, 'as 410 Gone')
  t.equal(api.opens.length, 1, 'not re-opened')
  await api.watches.close()
})

t.test('api watch - from a version, no current objects come first; "0" lists them from the cache', async (t) => {
  const fromVersion = scriptedApiserver([3])
  const delivered: string[] = []
  await Promise.all([fromVersion.watches.open('/api/v1/pods', { resourceVersion: '4' }, { onEvents: (events) => delivered.push(...events.map((e) => e.object.metadata!.resourceVersion!)) }), settle(fromVersion.clock, 5)])
  t.same(fromVersion.opens[0], { resourceVersion: '4' }, 'a version given is asked for as it is')
  t.same(delivered, [])
  await fromVersion.watches.close()

  const fromCache = scriptedApiserver([3])
  await Promise.all([fromCache.watches.open('/api/v1/pods', { resourceVersion: '0' }, { onEvents: () => {} }), settle(fromCache.clock, 2)])
  t.same(fromCache.opens[0], { resourceVersion: '0', sendInitialEvents: 'true', allowWatchBookmarks: 'true' })
  await fromCache.watches.close()
})
