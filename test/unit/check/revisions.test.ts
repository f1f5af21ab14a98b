import t from 'tap'
import { checkRevisions } from '../../../runtime/check/revisions.ts'
import { checkOperations } from '../../../runtime/check/linearizable.ts'
import { kvModel, type KvOperation } from '../../../runtime/check/kv-model.ts'

const put = (c: number, call: number, ret: number | undefined, key: string, revision?: number): KvOperation => ({
  clientId: c, call, return: ret, input: { op: 'put', key, value: `${key}${revision}` }, output: revision === undefined ? {} : { revision },
})

t.test('revisions - increasing across keys in real-time order is ok', async (t) => {
  const history = [put(0, 0, 1, 'a', 2), put(1, 2, 3, 'b', 3), put(2, 2, 10, 'c', 5), put(3, 4, 6, 'a', 4)]
  t.strictSame(checkRevisions(history), { ok: true, violations: [] })
  // Concurrent writes may commit in either order; unknown outcomes and missing revisions are ignored.
  t.ok(checkRevisions([put(0, 0, 5, 'a', 3), put(1, 1, 4, 'b', 2), put(2, 6, undefined, 'c', 1), put(3, 6, 7, 'a')]).ok)
  const failedCas: KvOperation = { clientId: 9, call: 8, return: 9, input: { op: 'cas', key: 'a', expect: { value: 'x' }, value: 'y' }, output: { succeeded: false, revision: 1 } }
  t.ok(checkRevisions([put(0, 0, 1, 'a', 2), failedCas]).ok, 'a failed CAS committed nothing')
  const readOnlyTxn: KvOperation = { clientId: 9, call: 8, return: 9, input: { op: 'txn', compares: [{ key: 'a', expect: { value: 'a2' } }], writes: [] }, output: { succeeded: true, revision: 2 } }
  const deleteCas: KvOperation = { clientId: 9, call: 10, return: 11, input: { op: 'cas', key: 'z', expect: { modRevision: 0 }, value: null }, output: { succeeded: true, revision: 2 } }
  t.ok(checkRevisions([put(0, 0, 1, 'a', 2), readOnlyTxn, deleteCas]).ok, 'header revisions of writes that put nothing are not write revisions')
})

t.test('revisions - a write acknowledged at an older revision after a newer one completed', async (t) => {
  // Each key on its own is linearizable: only the global revision order exposes the stale leader.
  const history = [put(0, 0, 1, 'a', 7), put(1, 2, 3, 'b', 5)]
  t.equal(checkOperations(kvModel, history).result, 'ok')
  const report = checkRevisions(history)
  t.notOk(report.ok)
  t.equal(report.violations[0]!.kind, 'revision-order')
  t.match(report.violations[0]!.message, /revision went backwards: client 0 \[0, 1\] put @7 completed before client 1 \[2, 3\] put @5/)
})

t.test('revisions - two writes at one revision', async (t) => {
  const report = checkRevisions([put(0, 0, 5, 'a', 4), put(1, 0, 5, 'b', 4)])
  t.equal(report.violations.length, 1)
  t.equal(report.violations[0]!.kind, 'duplicate-revision')
  t.match(report.violations[0]!.message, /two writes committed at revision 4/)
})

t.test('revisions - a lost reply\'s revision, revealed by a read, must follow what completed before its call', async (t) => {
  const lost: KvOperation = { clientId: 1, call: 2, return: undefined, input: { op: 'put', key: 'b', value: 'only-once' } }
  const read = (modRevision: number): KvOperation => ({ clientId: 2, call: 3, return: 4, input: { op: 'get', key: 'b' }, output: { value: 'only-once', modRevision } })
  const report = checkRevisions([put(0, 0, 1, 'a', 10), lost, read(5)])
  t.equal(report.violations[0]?.kind, 'revision-order')
  t.match(report.violations[0]?.message, /client 0 \[0, 1\] put @10 completed before client 1 \[2, \?\] put @5 \(revealed by a read\)/)
  t.ok(checkRevisions([put(0, 0, 1, 'a', 10), lost, read(11)]).ok, 'revealed at 11: fine')
  t.equal(checkRevisions([put(0, 0, 1, 'a', 11), lost, read(11)]).violations[0]?.kind, 'duplicate-revision')
  // A value written twice reveals nothing: the read may have seen either write.
  const again: KvOperation = { ...lost, clientId: 3, call: 0 }
  t.ok(checkRevisions([put(0, 0, 1, 'a', 10), lost, again, read(5)]).ok)
})

t.test('revisions - what a completed read saw bounds later writes and headers on every key', async (t) => {
  const read = (key: string, modRevision: number, header?: number): KvOperation => ({
    clientId: 5, call: 0, return: 1, input: { op: 'get', key }, output: header === undefined ? { value: `${key}${modRevision}`, modRevision } : { value: `${key}${modRevision}`, modRevision, header },
  })
  t.equal(checkRevisions([read('a', 8), put(1, 2, 3, 'b', 8)]).violations[0]?.kind, 'revision-order', 'a write after a read of revision 8 commits above 8')
  t.ok(checkRevisions([read('a', 8), put(1, 2, 3, 'b', 9)]).ok)
  const later = (header: number): KvOperation => ({ clientId: 6, call: 2, return: 3, input: { op: 'get', key: 'c' }, output: { value: null, modRevision: 0, header } })
  const report = checkRevisions([read('a', 3, 8), later(7)])
  t.equal(report.violations[0]?.kind, 'header-order')
  t.match(report.violations[0]?.message, /header revision went backwards: client 5 \[0, 1\] get @8 completed before client 6 \[2, 3\] get @7/)
  t.ok(checkRevisions([read('a', 3, 8), later(8)]).ok, 'an equal header: nothing was written in between')
})
