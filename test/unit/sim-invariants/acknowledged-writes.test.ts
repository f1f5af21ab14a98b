import t from 'tap'
import type { KvOperation } from '../../../runtime/check/kv-model.ts'
import { checkAcknowledgedWrites, FINAL_READER } from '../../../runtime/sim/invariants/acknowledged-writes.ts'
import type { ApiWrite } from '../../../runtime/sim/invariants/api-write-probe.ts'

const put = (call: number, ret: number | undefined, key: string, value: string, revision?: number): KvOperation => ({ clientId: 'w0', call, return: ret, input: { op: 'put', key, value }, output: revision === undefined ? undefined : { revision } })
const del = (call: number, ret: number | undefined, key: string, deleted?: boolean): KvOperation => ({ clientId: 'w1', call, return: ret, input: { op: 'delete', key }, output: deleted === undefined ? undefined : { deleted } })
const final = (key: string, value: string | null, modRevision: number): KvOperation => ({ clientId: FINAL_READER, call: 1000, return: 1001, input: { op: 'get', key }, output: { value, modRevision } })
const noUids = new Map<string, string>()

t.test('acknowledged-writes - overwritten, still there, or deleted after: nothing lost', async (t) => {
  const history = [put(0, 5, '/a', 'a1', 2), put(6, 9, '/a', 'a2', 3), put(10, 12, '/b', 'b1', 4), put(13, 15, '/c', 'c1', 5), del(14, undefined, '/c'), final('/a', 'a2', 3), final('/b', 'b1', 4), final('/c', null, 0)]
  const result = checkAcknowledgedWrites(history, [], noUids)
  t.equal(result.held, true, result.detail ?? '')
})

t.test('acknowledged-writes - a final read older than an acknowledged put is a lost write', async (t) => {
  const result = checkAcknowledgedWrites([put(0, 5, '/a', 'a1', 2), put(6, 9, '/a', 'a2', 3), final('/a', 'a1', 2)], [], noUids)
  t.equal(result.held, false)
  t.match(result.detail, /a2 at revision 3 is lost \(final read: a1 at 2\)/)
  t.equal(result.at, 9)
})

t.test('acknowledged-writes - a key gone with no delete after the write is a lost write', async (t) => {
  // The delete returned before the put was called: it cannot explain the absence.
  const result = checkAcknowledgedWrites([del(0, 2, '/a', true), put(3, 5, '/a', 'a1', 4), final('/a', null, 0)], [], noUids)
  t.equal(result.held, false)
  t.match(result.detail, /final read: absent/)
})

t.test('acknowledged-writes - a key with no final read cannot be vouched for', async (t) => {
  t.equal(checkAcknowledgedWrites([put(0, 5, '/a', 'a1', 2)], [], noUids).held, false)
})

const create = (name: string, uid: string | undefined, status?: number): ApiWrite => ({ op: 'create', name, call: 10, ...(status !== undefined ? { return: 20, status } : {}), ...(uid !== undefined ? { uid } : {}) })

t.test('acknowledged-writes - API creates: kept, deleted, unanswered or refused are fine', async (t) => {
  const writes: ApiWrite[] = [create('a', 'u1', 201), create('b', 'u2', 201), { op: 'delete', name: 'b', call: 30 }, create('c', undefined), create('d', undefined, 409)]
  t.equal(checkAcknowledgedWrites([], writes, new Map([['a', 'u1']])).held, true)
})

t.test('acknowledged-writes - an acknowledged create that vanished or changed uid is lost', async (t) => {
  const gone = checkAcknowledgedWrites([], [create('a', 'u1', 201)], noUids)
  t.equal(gone.held, false)
  t.match(gone.detail, /api a: the acknowledged create \(uid u1\) is gone/)
  t.match(checkAcknowledgedWrites([], [create('a', 'u1', 201)], new Map([['a', 'u9']])).detail, /replaced by uid u9/)
})
