import t from 'tap'
import { HistoryRecorder } from '../../../runtime/check/history.ts'
import { checkOperations } from '../../../runtime/check/linearizable.ts'
import { kvModel, type KvInput, type KvOutput } from '../../../runtime/check/kv-model.ts'

t.test('history - records calls, returns, unknown and discarded operations', async (t) => {
  let time = 0
  const recorder = new HistoryRecorder<KvInput, KvOutput>(() => time++)
  const put = recorder.invoke('c1', { op: 'put', key: 'k', value: 'v' })
  const lost = recorder.invoke('c2', { op: 'put', key: 'k', value: 'w' })
  const never = recorder.invoke('c3', { op: 'delete', key: 'k' })
  const inFlight = recorder.invoke('c4', { op: 'get', key: 'k' })
  put.ok({ revision: 2 })
  put.ok({ revision: 99 }) // settling twice keeps the first outcome
  lost.unknown()
  lost.ok({}) // a late reply after giving up does not resurrect it
  never.discard()
  const history = recorder.history()
  t.strictSame(history, [
    { clientId: 'c1', input: { op: 'put', key: 'k', value: 'v' }, call: 0, return: 4, output: { revision: 2 } },
    { clientId: 'c2', input: { op: 'put', key: 'k', value: 'w' }, call: 1, return: undefined },
    { clientId: 'c4', input: { op: 'get', key: 'k' }, call: 3, return: undefined },
  ])
  inFlight.ok({ value: 'v' })
  t.equal(recorder.history()[2]!.return, 5, 'history() is a snapshot; later completions show in the next one')
  t.equal(checkOperations(kvModel, recorder.history()).result, 'ok')
})

t.test('history - record() wraps a promise; rejections are unknown and rethrown', async (t) => {
  const recorder = new HistoryRecorder<KvInput, KvOutput>()
  t.strictSame(await recorder.record(1, { op: 'put', key: 'k', value: 'v' }, async () => ({ revision: 2 })), { revision: 2 })
  await t.rejects(recorder.record(2, { op: 'get', key: 'k' }, async () => { throw new Error('timeout') }), /timeout/)
  const [ok, failed] = recorder.history()
  t.ok(ok!.return !== undefined && ok!.return >= ok!.call)
  t.equal(failed!.return, undefined)
  t.equal(checkOperations(kvModel, recorder.history()).result, 'ok')
})
