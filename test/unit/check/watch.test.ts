import t from 'tap'
import { checkWatchStream, describeWatchReport, type WatchEvent } from '../../../runtime/check/watch.ts'

const ev = (revision: number, key = 'p/a', type: WatchEvent['type'] = 'put'): WatchEvent => ({ revision, key, type })

t.test('watch - a complete in-order stream is ok', async (t) => {
  const report = checkWatchStream([ev(3), ev(5), ev(5, 'p/b'), ev(9, 'p/a', 'delete')], [3, 5, 9])
  t.ok(report.ok)
  t.equal(describeWatchReport(report), 'watch stream ok')
  t.ok(checkWatchStream([], [1, 2, 3]).ok, 'an empty stream has not caught up to anything yet')
})

t.test('watch - out-of-order events', async (t) => {
  const report = checkWatchStream([ev(3), ev(7), ev(5)], [3, 5, 7])
  t.notOk(report.ok)
  t.strictSame(report.outOfOrder, [{ index: 2, revision: 5, after: 7 }])
  t.strictSame(report.gaps, [])
  t.match(describeWatchReport(report), /event #2 at revision 5 arrived after revision 7/)
})

t.test('watch - gaps, bounded by where the watch started and should have caught up to', async (t) => {
  const committed = [2, 3, 5, 7, 8, 11]
  t.strictSame(checkWatchStream([ev(3), ev(7)], committed).gaps, [5], 'by default: between first and last received')
  t.strictSame(checkWatchStream([ev(3), ev(7)], committed, { fromRevision: 1, throughRevision: 11 }).gaps, [2, 5, 8, 11])
  t.strictSame(checkWatchStream([], committed, { fromRevision: 6, throughRevision: 9 }).gaps, [7, 8])
  t.match(describeWatchReport(checkWatchStream([ev(3), ev(7)], committed)), /never delivered: 5/)
})

t.test('watch - duplicates and events at revisions never committed', async (t) => {
  const report = checkWatchStream([ev(3), ev(3, 'p/b'), ev(3), ev(4)], [3])
  t.strictSame(report.duplicates, [{ index: 2, revision: 3, key: 'p/a' }])
  t.strictSame(report.unknown, [{ index: 3, revision: 4, key: 'p/a' }])
  t.strictSame(report.outOfOrder, [])
  const text = describeWatchReport(report)
  t.match(text, /event #2 \(p\/a @3\) is a duplicate/)
  t.match(text, /event #3 \(p\/a @4\) is at a revision never committed/)
})
