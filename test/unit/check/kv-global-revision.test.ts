import t from 'tap'
import { checkKvHistory } from '../../../runtime/check/kv-check.ts'
import { checkOperations } from '../../../runtime/check/linearizable.ts'
import { kvModel, type Expect, type KvInput, type KvOperation, type KvOutput } from '../../../runtime/check/kv-model.ts'

// The store has one global revision counter: histories whose values all fit a key-value store but
// whose revisions cannot come from one counter must be refused. Each known-bad history comes with
// a control that differs only in the offending revision and is linearizable.

type When = [number, number | undefined]
const op = (clientId: number, [call, ret]: When, input: KvInput, output?: KvOutput): KvOperation => ({ clientId, call, return: ret, input, output })
const put = (c: number, when: When, key: string, value: string, revision?: number): KvOperation =>
  op(c, when, { op: 'put', key, value }, revision === undefined ? {} : { revision })
const get = (c: number, when: When, key: string, value: string | null, output: KvOutput = {}): KvOperation =>
  op(c, when, { op: 'get', key }, { value, ...output })
const del = (c: number, when: When, key: string, deleted: boolean): KvOperation => op(c, when, { op: 'delete', key }, { deleted })
const txn = (c: number, when: When, compares: { key: string; expect: Expect }[], writes: { key: string; value: string | null }[], output: KvOutput): KvOperation =>
  op(c, when, { op: 'txn', compares, writes }, output)
const cas = (c: number, when: When, key: string, expect: Expect, value: string, output: KvOutput): KvOperation =>
  op(c, when, { op: 'cas', key, expect, value }, output)

const model = (history: KvOperation[]): string => checkOperations(kvModel, history).result
const full = (history: KvOperation[]): string => checkKvHistory(history).verdict

t.test('global revision - (a) a write after a delete commits above the revision before the delete', async (t) => {
  // The outputs allow one order only: put a, delete, put b. So b's revision exceeds 10 (and the delete's 11).
  const history = (bRevision: number) => [
    put(0, [0, 10], 'k', 'a', 10),
    del(1, [0, 10], 'k', true),
    put(2, [0, 10], 'k', 'b', bRevision),
    get(3, [11, 12], 'k', 'b', { modRevision: bRevision }),
  ]
  t.equal(model(history(7)), 'illegal', 'b at 7 after a at 10')
  t.equal(model(history(11)), 'illegal', 'b at 11: the delete took 11')
  t.equal(model(history(12)), 'ok', 'control: b at 12')
})

t.test('global revision - (b) a timed-out write commits above every revision before its call', async (t) => {
  const sameKey = (seen: number) => [put(0, [0, 1], 'k', 'a', 10), put(1, [2, undefined], 'k', 'b'), get(2, [3, 4], 'k', 'b', { modRevision: seen })]
  t.equal(model(sameKey(5)), 'illegal', 'same key: b revealed at 5 after a at 10')
  t.equal(model(sameKey(10)), 'illegal', 'same key: b revealed at 10, a\'s own revision')
  t.equal(model(sameKey(11)), 'ok', 'control: b revealed at 11')
  // On another key only the real-time order relates them: b was called after a returned.
  const otherKey = (seen: number) => [put(0, [0, 1], 'x', 'a', 10), put(1, [2, undefined], 'k', 'b'), get(2, [3, 4], 'k', 'b', { modRevision: seen })]
  const report = checkKvHistory(otherKey(5))
  t.equal(report.verdict, 'illegal', 'other key: b revealed at 5 after a at 10')
  t.match(report.message, /revision went backwards/)
  t.equal(full(otherKey(11)), 'ok', 'control: b revealed at 11')
})

t.test('global revision - (c) guards are evaluated against the model, not each on its own', async (t) => {
  const guards = (first: number, second: number) => [
    put(0, [0, undefined], 'k', 'a'),
    txn(1, [1, 2], [{ key: 'k', expect: { modRevision: first } }, { key: 'k', expect: { modRevision: second } }], [{ key: 'k', value: 'b' }], { succeeded: true }),
  ]
  t.equal(model(guards(5, 6)), 'illegal', 'modRevision 5 and 6 on one key both held')
  t.equal(model(guards(5, 5)), 'ok', 'control: the same guard twice')
  // A guard that held fixes the revision for later reads too.
  const pinned = (seen: number) => [
    put(0, [0, undefined], 'k', 'a'),
    txn(1, [1, 2], [{ key: 'k', expect: { modRevision: 5 } }], [{ key: 'j', value: 'x' }], { succeeded: true }),
    get(2, [3, 4], 'k', 'a', { modRevision: seen }),
  ]
  t.equal(model(pinned(6)), 'illegal', 'read at 6 after a guard held on 5')
  t.equal(model(pinned(5)), 'ok', 'control: read at 5')
})

t.test('global revision - (d) a write guarded on a revision commits above it', async (t) => {
  const guarded = (revision: number) => [put(0, [0, undefined], 'k', 'a'), cas(1, [1, 2], 'k', { modRevision: 9 }, 'b', { succeeded: true, revision })]
  t.equal(model(guarded(4)), 'illegal', 'guarded on 9, committed at 4')
  t.equal(model(guarded(9)), 'illegal', 'guarded on 9, committed at 9')
  t.equal(model(guarded(10)), 'ok', 'control: committed at 10')
})

t.test('global revision - header revisions never go backwards and bound unknown writes', async (t) => {
  const afterWrite = (header: number) => [put(0, [0, 1], 'k', 'a', 10), get(1, [2, 3], 'k', 'a', { modRevision: 10, header })]
  t.equal(model(afterWrite(9)), 'illegal', 'a read at header 9 after a write at 10')
  t.equal(model(afterWrite(10)), 'ok', 'control: header 10')
  t.equal(model(afterWrite(12)), 'ok', 'control: header 12 (writes to other keys)')
  // The timed-out put is not seen by the read at header 5, so it committed after: above 5.
  const unseen = (revealed: number) => [
    put(0, [0, undefined], 'k', 'a'),
    get(1, [1, 2], 'k', null, { modRevision: 0, header: 5 }),
    get(1, [3, 4], 'k', 'a', { modRevision: revealed }),
  ]
  t.equal(model(unseen(4)), 'illegal', 'revealed at 4, below a header that did not see it')
  t.equal(model(unseen(6)), 'ok', 'control: revealed at 6')
  // Seen by a read at header 5: committed at or below 5.
  const seen = (revealed: number) => [put(0, [0, undefined], 'k', 'a'), get(1, [1, 2], 'k', 'a', { header: 5 }), get(1, [3, 4], 'k', 'a', { modRevision: revealed })]
  t.equal(model(seen(6)), 'illegal', 'revealed at 6, above the header of a read that saw it')
  t.equal(model(seen(5)), 'ok', 'control: revealed at 5')
  t.equal(model([put(0, [0, 1], 'k', 'a', 10), put(0, [2, 3], 'k', 'b', 11), op(1, [4, 5], { op: 'delete', key: 'k' }, { deleted: true, header: 11 })]), 'illegal', 'a delete takes a revision of its own')
})

t.test('global revision - counterexamples show the revision bounds', async (t) => {
  const result = checkOperations(kvModel, [put(0, [0, 1], 'k', 'a', 10), put(1, [2, undefined], 'k', 'b'), get(2, [3, 4], 'k', 'b', { modRevision: 5 })])
  if (result.result !== 'illegal') return t.fail(`expected illegal, got ${result.result}`)
  t.match(result.counterexample.message, /state after it: \{k="b"@\?\(>=11\)\} revision>=11/)
  t.match(result.counterexample.message, /cannot linearize: client 2 \[3, 4\] get\(k\) -> "b" @5/)
})
