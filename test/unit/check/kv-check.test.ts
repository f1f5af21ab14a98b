import t from 'tap'
import { checkKvHistory } from '../../../runtime/check/kv-check.ts'
import type { KvOperation } from '../../../runtime/check/kv-model.ts'

const put = (c: number, call: number, ret: number, key: string, value: string, revision: number): KvOperation => ({
  clientId: c, call, return: ret, input: { op: 'put', key, value }, output: { revision },
})
const get = (c: number, call: number, ret: number, key: string, value: string | null): KvOperation => ({
  clientId: c, call, return: ret, input: { op: 'get', key }, output: { value },
})

t.test('kv check - ok, illegal per key, illegal across keys', async (t) => {
  const good = checkKvHistory([put(0, 0, 1, 'a', 'x', 2), put(1, 2, 3, 'b', 'y', 3), get(0, 4, 5, 'a', 'x')])
  t.equal(good.verdict, 'ok')
  t.equal(good.message, '3 operations, 2 key groups: linearizable')
  t.equal(checkKvHistory([put(0, 0, 1, 'a', 'x', 2), get(0, 4, 5, 'a', 'x')], { unpartitioned: true }).linearizability.partitions, 1)

  const stale = checkKvHistory([put(0, 0, 1, 'a', 'x', 2), put(0, 2, 3, 'a', 'z', 3), get(1, 4, 5, 'a', 'x')])
  t.equal(stale.verdict, 'illegal')
  t.match(stale.message, /^keys a: history is not linearizable/)
  t.match(stale.message, /cannot linearize: client 1 \[4, 5\] get\(a\) -> "x"/)

  const backwards = checkKvHistory([put(0, 0, 1, 'a', 'x', 9), put(1, 2, 3, 'b', 'y', 3)])
  t.equal(backwards.verdict, 'illegal')
  t.equal(backwards.linearizability.result, 'ok')
  t.match(backwards.message, /revision went backwards/)
})

t.test('kv check - a timed-out search is unknown, not ok', async (t) => {
  // Forty concurrent writes to one key and forty concurrent reads disagreeing on the order,
  // ending in a read of a value nobody wrote: exponential before it can conclude.
  const history: KvOperation[] = []
  for (let i = 0; i < 40; i++) history.push({ clientId: i, call: 0, return: 100, input: { op: 'put', key: 'k', value: `${i}` }, output: {} })
  for (let i = 0; i < 40; i++) history.push(get(100 + i, 0, 100, 'k', `${(i * 7) % 40}`))
  history.push(get(999, 101, 102, 'k', 'nobody'))
  const report = checkKvHistory(history, { timeoutMs: 100 })
  t.equal(report.verdict, 'unknown')
  t.match(report.message, /timed out with 0\/1 key groups checked/)
})
