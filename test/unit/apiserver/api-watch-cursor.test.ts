/** The ApiClient watch's positions (runtime/apiserver/api-watch.ts apiCursor): resourceVersions, bookmarks, ERROR events. */
import t from 'tap'
import type { WatchStreamEvent } from '../../../actors/apiserver/http/api-request.ts'
import { INITIAL_EVENTS_END } from '../../../actors/apiserver/resource-handlers.ts'
import { apiCursor, WatchEndedError, type ApiPosition } from '../../../runtime/apiserver/api-watch.ts'

const at = (resourceVersion: string, sendInitialEvents = false, initialDone = false): ApiPosition => ({ resourceVersion, sendInitialEvents, initialDone })
const pod = (type: 'ADDED' | 'MODIFIED', rv: string): WatchStreamEvent => ({ type, object: { kind: 'Pod', metadata: { name: `p${rv}`, resourceVersion: rv } } })
const initialEnd = (rv: string): WatchStreamEvent => ({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: rv, annotations: { [INITIAL_EVENTS_END]: 'true' } } } })

t.test('api watch cursor - the open answer sets the version of a watch from now, not of one from a version', async (t) => {
  t.same(apiCursor.started(at(''), '40'), at('40'))
  t.same(apiCursor.started(at('0'), '40'), at('40'), '"0": from the cache, now')
  t.same(apiCursor.started(at('7'), '40'), at('7'))
})

t.test('api watch cursor - the version follows the highest delivered; initial objects come in any order', async (t) => {
  const taken = apiCursor.take(at('', true), [pod('ADDED', '12'), pod('ADDED', '9'), initialEnd('20'), pod('MODIFIED', '21')])
  t.equal(taken.fresh.length, 4, 'bookmarks go to the adapter too (onSynced)')
  t.same(taken.position, at('21', true, true))
  t.equal(taken.end, undefined)
})

t.test('api watch cursor - ERROR 410 ends the watch after what came before it; another ERROR resumes elsewhere', async (t) => {
  const gone = apiCursor.take(at('5'), [pod('MODIFIED', '6'), { type: 'ERROR', object: { code: 410, message: 'too old' } }, pod('MODIFIED', '7')])
  t.same(gone.fresh.map((e) => e.type), ['MODIFIED'])
  t.equal(gone.position.resourceVersion, '6')
  t.ok(gone.end?.type === 'failed' && gone.end.error instanceof WatchEndedError && gone.end.error.status === 410)
  const failing = apiCursor.take(at('5'), [{ type: 'ERROR', object: { code: 500 } }])
  t.same(failing.fresh, [])
  t.match(failing.end, { type: 'resume', elsewhere: true })
})

t.test('api watch cursor - cut off among the initial objects, a re-opening starts over; after them, from the last version', async (t) => {
  t.same(apiCursor.resumed!(at('12', true, false)), at('', true, false))
  t.same(apiCursor.resumed!(at('21', true, true)), at('21', true, true))
  t.same(apiCursor.resumed!(at('12')), at('12'))
})
