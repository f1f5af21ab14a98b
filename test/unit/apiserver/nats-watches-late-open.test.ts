/**
 * The apiserver's NATS watches (runtime/apiserver/nats-watches.ts) in virtual time: a copy of a
 * watch's open request that arrives after the watch ended (cancelled, lapsed, or its stream ended)
 * is refused with 410 and starts nothing. Before, it started a new stream under the old id,
 * numbering its pushes from 1 again; a client still holding that id could take them for its own.
 * Ended ids are forgotten after the request dedup window (runtime/host/dedup-cache.ts).
 */
import t from 'tap'
import type { ApiResponse, WatchStreamEvent } from '../../../actors/apiserver/http/api-request.ts'
import type { ApiWatchEvents, ApiWatchOpen } from '../../../actors/apiserver/watch-protocol.ts'
import { NatsWatches } from '../../../runtime/apiserver/nats-watches.ts'
import { DEDUP_TTL_MS } from '../../../runtime/host/dedup-cache.ts'
import { decodeEvent } from '../../../runtime/codec.ts'
import { silentLogger } from '../../../runtime/log.ts'
import type { Transport } from '../../../runtime/transport/transport.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { settle } from '../store-client-fakes.ts'

/** A watch response whose stream emits `initial` at once; keeps `emit` and `end`, records opens. */
function streamResponse(resourceVersion: string, initial: readonly WatchStreamEvent[]) {
  const state = { opened: 0, emit: undefined as ((events: readonly WatchStreamEvent[]) => void) | undefined, end: undefined as (() => void) | undefined }
  const response: ApiResponse = {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    resourceVersion,
    open(emit, end) {
      state.opened++
      state.emit = emit
      state.end = end
      emit(initial)
      return () => {}
    },
  }
  return { response, state }
}

const pod = (name: string, rv: string): WatchStreamEvent => ({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv } } })

function setup() {
  const clock = new VirtualClock()
  const pushes: ApiWatchEvents[] = []
  const transport = { publish: (_subject: string, data: Uint8Array) => void pushes.push(decodeEvent(data) as unknown as ApiWatchEvents) } as unknown as Transport
  const watches = new NatsWatches({ transport, cluster: 'c1', clock, log: silentLogger, lapseMs: 1000 })
  const call: ApiWatchOpen = { type: 'api.watch', clientId: 'cl', watchId: 'cl.w0', path: '/api/v1/pods', query: {} }
  return { clock, pushes, watches, call }
}

const endings: [string, (s: ReturnType<typeof setup>, first: ReturnType<typeof streamResponse>) => Promise<void>][] = [
  ['cancelled', async (s) => s.watches.cancel('cl.w0')],
  ['ended by its stream', async (_s, first) => first.state.end?.()],
  ['lapsed', async (s) => settle(s.clock, 2000)],
]

for (const [how, end] of endings) {
  t.test(`a late copy of the open of a watch ${how} is refused and starts nothing`, async (t) => {
    const s = setup()
    const first = streamResponse('10', [pod('a', '9')])
    t.equal(s.watches.open(s.call, first.response).status, 200)
    await settle(s.clock, 1)
    await end(s, first)
    t.equal(s.watches.count, 0, 'the watch is over')
    const before = s.pushes.length

    const copy = streamResponse('12', [pod('a', '9'), pod('b', '11')])
    const answer = s.watches.open(s.call, copy.response)
    await settle(s.clock, 1)
    t.equal(answer.status, 410, 'refused: that watch is over')
    t.equal((answer.body as { reason?: string }).reason, 'Gone')
    t.equal(copy.state.opened, 0, 'no new stream')
    t.equal(s.watches.count, 0)
    t.equal(s.pushes.length, before, 'no pushes under the old id')
    s.watches.close()
  })
}

t.test('the same client opening its next watch (a new id) works; an ended id is forgotten after the dedup window', async (t) => {
  const s = setup()
  s.watches.open(s.call, streamResponse('10', []).response)
  await settle(s.clock, 1)
  s.watches.cancel('cl.w0')

  const next = streamResponse('12', [])
  t.equal(s.watches.open({ ...s.call, watchId: 'cl.w1' }, next.response).status, 200)
  await settle(s.clock, 1)
  t.equal(next.state.opened, 1)

  s.clock.advance(DEDUP_TTL_MS)
  const again = streamResponse('14', [])
  t.equal(s.watches.open(s.call, again.response).status, 200, 'remembered no longer than the dedup window')
  s.watches.close()
})
