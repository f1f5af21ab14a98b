/** The ApiClient watch's positions (runtime/apiserver/api-watch.ts apiCursor): resourceVersions, bookmarks, ERROR events. */
import t from 'tap'
import type { WatchStreamEvent } from '../../../actors/apiserver/http/api-request.ts'
import { INITIAL_EVENTS_END } from '../../../actors/apiserver/resource-handlers.ts'
import { apiCursor, startingAt, WatchEndedError, type ApiPosition } from '../../../runtime/apiserver/api-watch.ts'

/** Where a watch stands: from a version, or (`listing`) still taking the current objects it began with, some `delivered`. */
const at = (resourceVersion: string, listing = false, delivered = false): ApiPosition => ({ resourceVersion, listing, delivered })
const pod = (type: 'ADDED' | 'MODIFIED', rv: string): WatchStreamEvent => ({ type, object: { kind: 'Pod', metadata: { name: `p${rv}`, resourceVersion: rv } } })
const initialEnd = (rv: string): WatchStreamEvent => ({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: rv, annotations: { [INITIAL_EVENTS_END]: 'true' } } } })

t.test('api watch cursor - the open answer sets the version of a watch from now, not of one from a version', async (t) => {
  t.same(startingAt(''), at('', true), 'without a version the current objects come first')
  t.same(startingAt('0'), at('0', true), '"0": the same, from the cache')
  t.same(startingAt('7'), at('7'))
  t.same(apiCursor.started(at('', true), '40'), at('40', true))
  t.same(apiCursor.started(at('0', true), '40'), at('40', true), '"0": from the cache, now')
  t.same(apiCursor.started(at('7'), '40'), at('7'))
})

t.test('api watch cursor - the version follows the highest delivered; initial objects come in any order', async (t) => {
  const taken = apiCursor.take(at('20', true), [pod('ADDED', '12'), pod('ADDED', '9'), initialEnd('20'), pod('MODIFIED', '21')])
  t.equal(taken.fresh.length, 4, 'bookmarks go to the adapter too (onSynced)')
  t.same(taken.position, at('21'), 'the bookmark ends the current objects')
  t.equal(taken.end, undefined)
  t.same(apiCursor.take(at('20', true), [pod('ADDED', '12')]).position, at('20', true, true), 'some delivered, more to come')
  t.same(apiCursor.take(at('20', true), [initialEnd('20')]).position, at('20'), 'none at all')
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

t.test('api watch cursor - cut off among the current objects it began with, a watch never resumes from the open answer (seed 80085)', async (t) => {
  t.same(apiCursor.resumed!(at('20', true), 'push 2 arrived, expected 1'), { from: at('', true) }, 'none delivered yet: list them again')
  const cutOff = apiCursor.resumed!(at('20', true, true), 'push 3 arrived, expected 2')
  t.ok('error' in cutOff && cutOff.error instanceof WatchEndedError && cutOff.error.status === 410, 'some delivered: the watch ends (410) and its owner relists')
  t.match('error' in cutOff ? cutOff.error.message : '', /push 3 arrived, expected 2/)
  t.same(apiCursor.resumed!(at('21'), 'a gap'), { from: at('21') }, 'after them: from the last version')
})
