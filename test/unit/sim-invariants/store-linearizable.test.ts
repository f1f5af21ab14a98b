import t from 'tap'
import type { KvOperation } from '../../../runtime/check/kv-model.ts'
import { checkStoreLinearizable } from '../../../runtime/sim/invariants/store-linearizable.ts'

const put = (clientId: string, call: number, ret: number | undefined, key: string, value: string, revision?: number): KvOperation => ({ clientId, call, return: ret, input: { op: 'put', key, value }, output: revision === undefined ? undefined : { revision } })
const get = (clientId: string, call: number, ret: number, key: string, value: string | null, modRevision: number, header?: number): KvOperation => ({ clientId, call, return: ret, input: { op: 'get', key }, output: { value, modRevision, ...(header !== undefined ? { header } : {}) } })

t.test('store-linearizable - a history with an unknown write and concurrent reads holds', async (t) => {
  const history = [put('w0', 0, 10, '/k', 'a', 2), put('w1', 5, undefined, '/k', 'b'), get('w2', 12, 14, '/k', 'a', 2, 2), get('w2', 20, 22, '/k', 'b', 3, 3)]
  const result = checkStoreLinearizable(history)
  t.equal(result.held, true, result.detail ?? 'no detail')
  t.equal(result.name, 'store-linearizable')
})

t.test('store-linearizable - a read of an overwritten value after the overwrite was acknowledged fails', async (t) => {
  const history = [put('w0', 0, 10, '/k', 'a', 2), put('w1', 11, 20, '/k', 'b', 3), get('w2', 30, 32, '/k', 'a', 2)]
  const result = checkStoreLinearizable(history)
  t.equal(result.held, false)
  t.match(result.detail, /\/k/)
  t.equal(result.at, 32, 'placed at the stuck read')
})

t.test('store-linearizable - a header revision going backwards across keys fails', async (t) => {
  const history = [put('w0', 0, 10, '/a', 'x', 5), get('w1', 20, 22, '/b', null, 0, 3)]
  const result = checkStoreLinearizable(history)
  t.equal(result.held, false, 'a later read saw the store at revision 3 after revision 5 was acknowledged')
})
