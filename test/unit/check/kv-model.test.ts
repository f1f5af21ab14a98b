import t from 'tap'
import { checkOperations } from '../../../runtime/check/linearizable.ts'
import {
  kvModel,
  kvModelUnpartitioned,
  partitionByKey,
  type Expect,
  type KvOperation,
  type KvOutput,
} from '../../../runtime/check/kv-model.ts'

// [call, return] intervals; return undefined = outcome unknown.
type When = [number, number | undefined]
const done = (client: number, [call, ret]: When, input: KvOperation['input'], output?: KvOutput): KvOperation => ({
  clientId: client, call, return: ret, input, output,
})
const put = (c: number, when: When, key: string, value: string, revision?: number): KvOperation =>
  done(c, when, { op: 'put', key, value }, revision === undefined ? {} : { revision })
const get = (c: number, when: When, key: string, value: string | null, modRevision?: number): KvOperation =>
  done(c, when, { op: 'get', key }, modRevision === undefined ? { value } : { value, modRevision })
const del = (c: number, when: When, key: string, deleted?: boolean): KvOperation =>
  done(c, when, { op: 'delete', key }, deleted === undefined ? {} : { deleted })
const cas = (c: number, when: When, key: string, expect: Expect, value: string | null, succeeded?: boolean, revision?: number): KvOperation =>
  done(c, when, { op: 'cas', key, expect, value }, succeeded === undefined ? undefined : revision === undefined ? { succeeded } : { succeeded, revision })

const verdict = (history: KvOperation[]): string => checkOperations(kvModel, history).result

t.test('kv - sequential put/get/delete/cas', async (t) => {
  const history = [
    get(0, [0, 1], 'a', null),
    put(0, [2, 3], 'a', 'x', 2),
    get(1, [4, 5], 'a', 'x', 2),
    cas(1, [6, 7], 'a', { value: 'x' }, 'y', true, 3),
    cas(0, [8, 9], 'a', { value: 'x' }, 'z', false),
    cas(0, [10, 11], 'a', { modRevision: 3 }, 'z', true, 4),
    del(1, [12, 13], 'a', true),
    del(1, [14, 15], 'a', false),
    get(0, [16, 17], 'a', null, 0),
    cas(0, [18, 19], 'a', { modRevision: 0 }, 'new', true, 6),
    get(0, [20, 21], 'a', 'new'),
  ]
  t.equal(verdict(history), 'ok')
})

t.test('kv - concurrent histories with several valid orders', async (t) => {
  // Two overlapping puts; readers after both agree on the winner, a concurrent reader may see either.
  for (const winner of ['1', '2']) {
    const history = [
      put(0, [0, 10], 'k', '1'),
      put(1, [1, 9], 'k', '2'),
      get(2, [2, 3], 'k', winner === '1' ? '2' : null),
      get(3, [11, 12], 'k', winner),
      get(4, [13, 14], 'k', winner),
    ]
    t.equal(verdict(history), 'ok', `winner ${winner}`)
  }
  // Overlapping CAS: exactly one of two wins, in either order.
  t.equal(verdict([put(0, [0, 1], 'k', 'a'), cas(1, [2, 6], 'k', { value: 'a' }, 'b', true), cas(2, [2, 6], 'k', { value: 'a' }, 'c', false), get(0, [7, 8], 'k', 'b')]), 'ok')
  t.equal(verdict([put(0, [0, 1], 'k', 'a'), cas(1, [2, 6], 'k', { value: 'a' }, 'b', false), cas(2, [2, 6], 'k', { value: 'a' }, 'c', true), get(0, [7, 8], 'k', 'c')]), 'ok')
})

t.test('kv - timed-out writes that did or did not take effect', async (t) => {
  // Took effect: seen later, with the revision revealed by the read.
  t.equal(verdict([put(0, [0, undefined], 'k', 'v'), get(1, [5, 6], 'k', 'v', 7), cas(1, [7, 8], 'k', { modRevision: 7 }, 'w', true, 8)]), 'ok')
  // Did not take effect (as far as anyone saw).
  t.equal(verdict([put(0, [0, undefined], 'k', 'v'), get(1, [5, 6], 'k', null), get(1, [7, 8], 'k', null)]), 'ok')
  // Took effect late: after one read, before another.
  t.equal(verdict([put(0, [0, undefined], 'k', 'v'), get(1, [5, 6], 'k', null), get(1, [7, 8], 'k', 'v')]), 'ok')
  // A timed-out CAS whose guard is on an unobserved revision could have gone either way.
  const base = [put(0, [0, undefined], 'k', 'v'), cas(1, [1, undefined], 'k', { modRevision: 5 }, 'w')]
  t.equal(verdict([...base, get(2, [10, 11], 'k', 'w')]), 'ok')
  t.equal(verdict([...base, get(2, [10, 11], 'k', 'v')]), 'ok')
  t.equal(verdict([...base, get(2, [10, 11], 'k', 'v', 4), get(2, [12, 13], 'k', 'w')]), 'illegal', 'revision 4 rules out the CAS on 5')
  // A timed-out delete.
  t.equal(verdict([put(0, [0, 1], 'k', 'v'), del(0, [2, undefined], 'k'), get(1, [5, 6], 'k', 'v'), get(1, [7, 8], 'k', null)]), 'ok')
})

t.test('kv - known-bad histories are illegal with useful counterexamples', async (t) => {
  const illegal = (history: KvOperation[], stuckPattern: RegExp, name: string) => {
    const result = checkOperations(kvModel, history)
    if (result.result !== 'illegal') return t.fail(`${name}: expected illegal, got ${result.result}`)
    t.match(result.counterexample.message, stuckPattern, name)
    t.ok(result.counterexample.stuck, `${name}: names the stuck operation`)
  }
  illegal([put(0, [0, 1], 'k', 'old'), put(0, [2, 3], 'k', 'new'), get(1, [4, 5], 'k', 'old')],
    /cannot linearize: client 1 \[4, 5\] get\(k\) -> "old"/, 'stale read after a completed write')
  illegal([put(0, [0, 1], 'k', 'a'), get(1, [2, 3], 'k', 'ghost')],
    /get\(k\) -> "ghost"/, 'read of a value never written')
  illegal([put(0, [0, 1], 'k', 'a'), put(1, [2, 3], 'k', 'acked'), get(0, [4, 5], 'k', null)],
    /state after it: \{k="acked"@\?\(>=2\)\} revision>=2/, 'lost acknowledged write (reads as absent)')
  illegal([put(0, [0, 1], 'k', 'a'), cas(1, [2, 5], 'k', { value: 'a' }, 'b', true), cas(2, [3, 6], 'k', { value: 'a' }, 'c', true)],
    /cas\(k, value="a" -> "c"\) -> ok/, 'two CAS both succeeding on the same expected value')
  illegal([put(0, [0, 1], 'k', 'a', 5), cas(1, [2, 5], 'k', { modRevision: 5 }, 'b', true, 6), cas(2, [3, 6], 'k', { modRevision: 5 }, 'c', true, 7)],
    /modRevision=5/, 'two CAS both succeeding on the same mod revision')
  illegal([put(0, [0, 1], 'k', 'a', 5), put(0, [2, 3], 'k', 'b', 4)], /put\(k, "b"\) @4/, 'revisions going backwards')
  illegal([put(0, [0, 1], 'k', 'a', 5), get(0, [2, 3], 'k', 'a', 6)], /get\(k\) -> "a" @6/, 'read reporting the wrong mod revision')
  illegal([put(0, [0, 1], 'k', 'a'), del(0, [2, 3], 'k', false)], /delete\(k\) -> absent/, 'delete of a present key reporting absent')
})

t.test('kv - keys are checked independently', async (t) => {
  const history = [put(0, [0, 1], 'a', '1'), put(0, [0, 1], 'b', '1'), get(1, [2, 3], 'a', '1'), get(1, [2, 3], 'b', null)]
  const result = checkOperations(kvModel, history)
  t.equal(result.partitions, 2)
  t.equal(result.result, 'illegal')
  if (result.result === 'illegal') t.strictSame(result.counterexample.operations.map((op) => op.input), [history[1]!.input, history[3]!.input])
})

t.test('kv - multi-key transactions group their keys into one partition', async (t) => {
  const txn = (c: number, when: When, compares: { key: string; expect: Expect }[], writes: { key: string; value: string | null }[], succeeded?: boolean): KvOperation =>
    done(c, when, { op: 'txn', compares, writes }, succeeded === undefined ? undefined : { succeeded })
  const transfer = txn(1, [2, 3], [{ key: 'a', expect: { value: '1' } }, { key: 'b', expect: { value: null } }], [{ key: 'a', value: null }, { key: 'b', value: '1' }], true)
  const history = [put(0, [0, 1], 'a', '1'), transfer, get(2, [4, 5], 'b', '1'), get(2, [4, 5], 'a', null), put(3, [0, 9], 'c', 'x')]
  t.strictSame(partitionByKey(history).map((p) => p.length), [4, 1], 'a and b together, c alone')
  t.equal(verdict(history), 'ok')
  t.equal(checkOperations(kvModelUnpartitioned, history).result, 'ok')
  t.equal(checkOperations(kvModelUnpartitioned, history).partitions, 1)
  // Atomicity: a reader cannot see the transfer on b but not on a.
  const torn = [put(0, [0, 1], 'a', '1'), transfer, get(2, [4, 5], 'b', '1'), get(2, [6, 7], 'a', '1')]
  t.equal(verdict(torn), 'illegal')
  // A failed guard writes nothing.
  const failed = txn(1, [2, 3], [{ key: 'a', expect: { value: '2' } }], [{ key: 'b', value: 'x' }], false)
  t.equal(verdict([put(0, [0, 1], 'a', '1'), failed, get(2, [4, 5], 'b', null)]), 'ok')
  t.equal(verdict([put(0, [0, 1], 'a', '1'), failed, get(2, [4, 5], 'b', 'x')]), 'illegal')
  // A success its guard rules out.
  const lying = txn(1, [2, 3], [{ key: 'a', expect: { value: '2' } }], [{ key: 'b', value: 'x' }], true)
  t.equal(verdict([put(0, [0, 1], 'a', '1'), lying]), 'illegal')
  // One transaction may write a key twice at one revision; the last write wins.
  const twice = done(1, [2, 3], { op: 'txn', compares: [], writes: [{ key: 'a', value: 'x' }, { key: 'a', value: '2' }] }, { succeeded: true, revision: 4 })
  t.equal(verdict([put(0, [0, 1], 'a', '1', 3), twice, get(2, [4, 5], 'a', '2', 4)]), 'ok')
  // Empty transactions are harmless.
  t.equal(verdict([txn(0, [0, 1], [], [], true), put(0, [2, 3], 'a', '1')]), 'ok')
})

t.test('kv - reads with unknown outcomes are left out of the search', async (t) => {
  const history = [put(0, [0, 1], 'a', '1'), get(1, [2, undefined], 'a', 'junk'), done(2, [3, 4], { op: 'get', key: 'a' }, {}), get(1, [5, 6], 'a', '1')]
  t.strictSame(partitionByKey(history), [[history[0], history[3]]])
  t.equal(verdict(history), 'ok')
  t.equal(checkOperations(kvModelUnpartitioned, history).result, 'ok')
})
