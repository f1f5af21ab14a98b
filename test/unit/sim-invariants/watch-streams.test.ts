import t from 'tap'
import { checkWatchStreams, stateAt, type StreamObservation } from '../../../runtime/sim/invariants/watch-streams.ts'

const put = (revision: number, key: string, at = revision) => ({ revision, key, type: 'put' as const, at })
const del = (revision: number, key: string, at = revision) => ({ revision, key, type: 'delete' as const, at })

const good: StreamObservation = {
  name: 'api /api/v1/pods',
  events: [put(11, 'a'), put(12, 'b'), del(14, 'a')],
  fromRevision: 11,
  committed: [11, 12, 14, 15],
  committedThrough: 15,
  final: { revision: 14, built: stateAt(new Map([['z', 3]]), [put(11, 'a'), put(12, 'b'), del(14, 'a')], 14), listed: new Map([['z', 3], ['b', 12]]) },
}

t.test('watch-streams - an ordered, complete stream whose state matches the list holds', async (t) => {
  const result = checkWatchStreams([good])
  t.equal(result.held, true, result.detail ?? '')
})

t.test('watch-streams - stateAt applies events up to the revision only', async (t) => {
  t.strictSame([...stateAt(new Map([['z', 3]]), good.events, 12)], [['z', 3], ['a', 11], ['b', 12]])
})

t.test('watch-streams - a gap inside the stream is a violation', async (t) => {
  const result = checkWatchStreams([{ ...good, events: [put(11, 'a'), del(14, 'a', 50)], final: undefined }])
  t.equal(result.held, false)
  t.match(result.detail, /never delivered: 12/)
  t.equal(result.at, 50, 'placed at the first event past the gap')
})

t.test('watch-streams - a revision committed after the last event is not a gap (the final list judges the tail)', async (t) => {
  t.equal(checkWatchStreams([{ ...good, final: undefined }]).held, true, 'revision 15 is past the last event')
})

t.test('watch-streams - a duplicate and an out-of-order event are violations, placed at their arrival', async (t) => {
  const duplicate = checkWatchStreams([{ ...good, events: [put(11, 'a'), put(12, 'b'), put(12, 'b', 30), del(14, 'a')], final: undefined }])
  t.equal(duplicate.held, false)
  t.equal(duplicate.at, 30)
  const reordered = checkWatchStreams([{ ...good, events: [put(12, 'b'), put(11, 'a', 40), del(14, 'a')], final: undefined }])
  t.equal(reordered.held, false)
  t.match(reordered.detail, /arrived after revision 12/)
})

t.test('watch-streams - a state differing from the fresh list is a violation', async (t) => {
  const result = checkWatchStreams([{ ...good, final: { revision: 14, built: new Map([['b', 12]]), listed: new Map([['b', 13], ['c', 14]]) } }])
  t.equal(result.held, false)
  t.match(result.detail, /b at 12 in the stream's state, 13 listed; c@14 missing/)
})

t.test('watch-streams - a watch that ended for good is a violation', async (t) => {
  const result = checkWatchStreams([{ ...good, ended: '410: too old resource version' }])
  t.equal(result.held, false)
  t.match(result.detail, /ended: 410/)
})
