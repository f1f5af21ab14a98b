/** applied-requests.ts: remembered results of applied writes, evicted identically on every replica. */
import t from 'tap'
import { AppliedRequests, type StoredResult } from '../../../actors/store/replica/applied-requests.ts'

const result = (revision: number): StoredResult => ({ ok: true, type: 'put', revision })
const ids = (a: AppliedRequests): string[] => a.toPlain().map(([id]) => id)

t.test('applied requests - remembers results by request id', async (t) => {
  const a = new AppliedRequests(10)
  a.remember('r1', result(1))
  a.remember('r2', { ok: false, error: 'lease-not-found', message: 'no lease 7', revision: 1 })
  t.same(a.get('r1'), result(1))
  t.equal(a.get('r2')?.ok, false, 'errors are remembered too: a retry must not re-apply a failed write')
  t.equal(a.get('r3'), undefined)
  t.equal(a.size, 2)
})

t.test('applied requests - the oldest id is evicted first once over the limit', async (t) => {
  const a = new AppliedRequests(3)
  for (let i = 1; i <= 5; i++) a.remember(`r${i}`, result(i))
  t.equal(a.size, 3)
  t.same(ids(a), ['r3', 'r4', 'r5'])
  t.equal(a.get('r1'), undefined)
  t.equal(a.get('r2'), undefined)
  t.same(a.get('r5'), result(5))
})

t.test('applied requests - re-remembering an id neither grows the map nor evicts', async (t) => {
  const a = new AppliedRequests(2)
  a.remember('r1', result(1))
  a.remember('r2', result(2))
  a.remember('r1', result(9))
  t.same(ids(a), ['r1', 'r2'], 'at the limit, not over it: nothing evicted')
  t.same(a.get('r1'), result(9))
})

t.test('applied requests - the default limit is used when none is given', async (t) => {
  const a = new AppliedRequests()
  for (let i = 0; i < 1000; i++) a.remember(`r${i}`, result(i))
  t.equal(a.size, 1000)
})

t.test('applied requests - toPlain/fromPlain keeps the order, so eviction goes on identically', async (t) => {
  const original = new AppliedRequests(4)
  for (let i = 1; i <= 6; i++) original.remember(`r${i}`, result(i))
  const plain = original.toPlain()
  t.same(plain.map(([id]) => id), ['r3', 'r4', 'r5', 'r6'], 'oldest first')
  const restored = AppliedRequests.fromPlain(structuredClone(plain), 4)
  t.same(restored.toPlain(), plain)
  // A replica restored from a snapshot must evict the same ids as one that applied the log.
  original.remember('r7', result(7))
  restored.remember('r7', result(7))
  t.same(ids(restored), ids(original))
  t.same(ids(restored), ['r4', 'r5', 'r6', 'r7'])
})

t.test('applied requests - fromPlain with a smaller limit keeps the newest', async (t) => {
  const original = new AppliedRequests(10)
  for (let i = 1; i <= 5; i++) original.remember(`r${i}`, result(i))
  t.same(ids(AppliedRequests.fromPlain(original.toPlain(), 2)), ['r4', 'r5'])
})

t.test('applied requests - fromPlain ignores garbage', async (t) => {
  for (const raw of [undefined, null, 3, 'r1', {}, { r1: result(1) }]) t.equal(AppliedRequests.fromPlain(raw).size, 0, JSON.stringify(raw) ?? 'undefined')
  const mixed = [['ok1', result(1)], ['bad-result', null], ['bad-result2', 'put'], [7, result(2)], 'pair', ['short'], null, ['ok2', result(3)]]
  const a = AppliedRequests.fromPlain(mixed)
  t.same(ids(a), ['ok1', 'ok2'], 'only the well-formed pairs, in order')
})
