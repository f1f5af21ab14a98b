/**
 * The apiserver's NATS watches (runtime/apiserver/nats-watches.ts) in virtual time: a duplicated
 * (or late) copy of a watch's open request leaves the watch as it is. Before, the copy replaced it
 * with a second stream under the same id, numbering its pushes from 1 again; the client took the
 * two streams for one, skipped a pod's ADDED as a "duplicate" seq, and the replica set controller
 * waited for that create for good (sim seed 91125: web-3 stayed at 0 pods).
 */
import t from 'tap'
import type { ApiResponse, WatchStreamEvent } from '../../../actors/apiserver/http/api-request.ts'
import type { ApiWatchEvents, ApiWatchOpen } from '../../../actors/apiserver/watch-protocol.ts'
import { NatsWatches } from '../../../runtime/apiserver/nats-watches.ts'
import { decodeEvent } from '../../../runtime/codec.ts'
import { silentLogger } from '../../../runtime/log.ts'
import type { Transport } from '../../../runtime/transport/transport.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { settle } from '../store-client-fakes.ts'

/** A watch response whose stream emits `initial` at once and keeps `emit` for later events; records opens and stops. */
function streamResponse(resourceVersion: string, initial: readonly WatchStreamEvent[]) {
  const state = { opened: 0, stopped: 0, emit: undefined as ((events: readonly WatchStreamEvent[]) => void) | undefined }
  const response: ApiResponse = {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    resourceVersion,
    open(emit) {
      state.opened++
      state.emit = emit
      emit(initial)
      return () => void state.stopped++
    },
  }
  return { response, state }
}

const pod = (name: string, rv: string): WatchStreamEvent => ({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv } } })

t.test('a repeated open of a served watch is answered as the first was and does not restart its pushes', async (t) => {
  const clock = new VirtualClock()
  const pushes: ApiWatchEvents[] = []
  const transport = { publish: (_subject: string, data: Uint8Array) => void pushes.push(decodeEvent(data) as unknown as ApiWatchEvents) } as unknown as Transport
  const watches = new NatsWatches({ transport, cluster: 'c1', clock, log: silentLogger })
  const call: ApiWatchOpen = { type: 'api.watch', clientId: 'cl', watchId: 'cl.w0', path: '/api/v1/pods', query: {} }

  const first = streamResponse('10', [pod('a', '9')])
  t.same(watches.open(call, first.response), { status: 200, body: { watchId: 'cl.w0', resourceVersion: '10' } })
  await settle(clock, 1)
  first.state.emit?.([pod('b', '11')])

  // The copy arrives later, when the store has moved on: its stream would begin elsewhere.
  const copy = streamResponse('12', [pod('a', '9'), pod('b', '11')])
  t.same(watches.open(call, copy.response), { status: 200, body: { watchId: 'cl.w0', resourceVersion: '10' } }, 'the first answer again')
  await settle(clock, 1)
  first.state.emit?.([pod('c', '13')])

  t.equal(copy.state.opened, 0, 'the copy starts no second stream')
  t.equal(first.state.stopped, 0, 'the watch goes on')
  t.equal(watches.count, 1)
  t.same(pushes.map((p) => [p.watchId, p.seq, p.events.map((e) => (e.object as { metadata: { name: string } }).metadata.name)]), [
    ['cl.w0', 1, ['a']],
    ['cl.w0', 2, ['b']],
    ['cl.w0', 3, ['c']],
  ])
  watches.close()
})

t.test('another client opening the same id gets its own watch in place of the old one', async (t) => {
  const clock = new VirtualClock()
  const transport = { publish: () => {} } as unknown as Transport
  const watches = new NatsWatches({ transport, cluster: 'c1', clock, log: silentLogger })
  const first = streamResponse('10', [])
  watches.open({ type: 'api.watch', clientId: 'cl', watchId: 'w0', path: '/api/v1/pods' }, first.response)
  await settle(clock, 1)
  const other = streamResponse('12', [])
  t.same(watches.open({ type: 'api.watch', clientId: 'other', watchId: 'w0', path: '/api/v1/pods' }, other.response), { status: 200, body: { watchId: 'w0', resourceVersion: '12' } })
  await settle(clock, 1)
  t.equal(first.state.stopped, 1, 'the old stream stopped')
  t.equal(other.state.opened, 1, 'the new one runs')
  watches.close()
})
