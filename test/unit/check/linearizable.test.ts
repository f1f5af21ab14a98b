import t from 'tap'
import { checkOperations } from '../../../runtime/check/linearizable.ts'
import type { Model, Operation } from '../../../runtime/check/model.ts'
import { Bitset } from '../../../runtime/check/bitset.ts'

// A single register: the smallest model that still has interesting histories.
type RegInput = { op: 'write'; value: number } | { op: 'read' }
type RegOp = Operation<RegInput, number>
const register: Model<number, RegInput, number> = {
  init: () => 0,
  step: (state, input, output) =>
    input.op === 'write' ? [true, input.value] : [output === undefined || output === state, state],
  equal: (a, b) => a === b,
  hash: (s) => s | 0,
  describeOperation: (input, output) => (input.op === 'write' ? `write(${input.value})` : `read() -> ${output ?? '?'}`),
}
const w = (clientId: number, call: number, ret: number | undefined, value: number): RegOp => ({
  clientId, call, return: ret, input: { op: 'write', value },
})
const r = (clientId: number, call: number, ret: number | undefined, value: number): RegOp => ({
  clientId, call, return: ret, input: { op: 'read' }, output: value,
})

t.test('bitset - set/clear keep the hash incremental and equality exact', async (t) => {
  const a = new Bitset(100).set(3).set(64).set(99)
  const b = new Bitset(100).set(99).set(3).set(64)
  t.ok(a.equals(b))
  t.equal(a.hash(), b.hash())
  t.equal(a.count(), 3)
  const c = a.clone().clear(64)
  t.notOk(c.equals(a))
  t.ok(a.has(64), 'clone is independent')
  t.equal(c.clone().set(64).hash(), a.hash())
  t.equal(new Bitset(10).hash(), 0)
})

t.test('linearizable - empty and sequential histories are ok', async (t) => {
  t.equal(checkOperations(register, []).result, 'ok')
  const history = [w(0, 0, 1, 1), r(0, 2, 3, 1), w(1, 4, 5, 2), r(1, 6, 7, 2)]
  t.equal(checkOperations(register, history).result, 'ok')
})

t.test('linearizable - concurrent operations may take effect in either order', async (t) => {
  // The read overlaps both writes: 0, 1 and 2 are all valid answers.
  for (const seen of [0, 1, 2]) {
    const history = [w(0, 0, 10, 1), w(1, 1, 9, 2), r(2, 2, 8, seen)]
    t.equal(checkOperations(register, history).result, 'ok', `read ${seen}`)
  }
  // Two reads after concurrent writes must agree on one order.
  t.equal(checkOperations(register, [w(0, 0, 5, 1), w(1, 0, 5, 2), r(2, 6, 7, 2), r(3, 8, 9, 2)]).result, 'ok')
  t.equal(checkOperations(register, [w(0, 0, 5, 1), w(1, 0, 5, 2), r(2, 6, 7, 2), r(3, 8, 9, 1)]).result, 'illegal')
  // Touching intervals count as concurrent.
  t.equal(checkOperations(register, [r(0, 0, 5, 1), w(1, 5, 6, 1)]).result, 'ok')
})

t.test('linearizable - a stale read after a completed write is illegal, with a counterexample', async (t) => {
  const history = [w(0, 0, 1, 1), w(1, 2, 3, 2), r(2, 4, 5, 1)]
  const result = checkOperations(register, history)
  if (result.result !== 'illegal') return t.fail(`expected illegal, got ${result.result}`)
  const cx = result.counterexample
  t.strictSame(cx.longestPrefix.map((op) => op.input), [{ op: 'write', value: 1 }, { op: 'write', value: 2 }])
  t.equal(cx.stuck, history[2])
  t.equal(cx.stateAfterPrefix, '2')
  t.match(cx.message, /cannot linearize: client 2 \[4, 5\] read\(\) -> 1/)
})

t.test('linearizable - an operation with unknown outcome may take effect, or not', async (t) => {
  // The write timed out; later reads may see it...
  t.equal(checkOperations(register, [w(0, 0, undefined, 1), r(1, 5, 6, 1)]).result, 'ok')
  // ...or not (Infinity means the same as undefined)...
  t.equal(checkOperations(register, [w(0, 0, Infinity, 1), r(1, 5, 6, 0)]).result, 'ok')
  // ...but not before it was called,
  t.equal(checkOperations(register, [r(1, 0, 1, 1), w(0, 2, undefined, 1)]).result, 'illegal')
  // and once seen it cannot be unseen.
  t.equal(checkOperations(register, [w(0, 0, undefined, 1), r(1, 5, 6, 1), r(1, 7, 8, 0)]).result, 'illegal')
  // An unknown read constrains nothing, whatever output was recorded.
  t.equal(checkOperations(register, [w(0, 0, 1, 1), r(1, 2, undefined, 7)]).result, 'ok')
})

t.test('linearizable - rejects an operation that returns before its call', async (t) => {
  t.throws(() => checkOperations(register, [w(0, 5, 4, 1)]), RangeError)
})

t.test('linearizable - a timeout gives unknown instead of hanging', async (t) => {
  // Many concurrent writes and reads of values nobody wrote... except at the very end: the
  // search must try an exponential number of orders before concluding.
  const history: RegOp[] = []
  for (let i = 0; i < 40; i++) history.push(w(i, 0, 100, i + 1))
  for (let i = 0; i < 40; i++) history.push(r(100 + i, 0, 100, ((i * 7) % 40) + 1))
  history.push(r(999, 101, 102, 999))
  const started = performance.now()
  const result = checkOperations(register, history, { timeoutMs: 200 })
  const elapsed = performance.now() - started
  t.equal(result.result, 'unknown')
  t.ok(elapsed < 2000, `returned after ${elapsed.toFixed(0)} ms`)
})

t.test('linearizable - partitions are checked independently and the failing one is named', async (t) => {
  type In = { reg: number; input: RegInput }
  const multi: Model<number, In, number> = {
    ...register,
    step: (s, i, o) => register.step(s, i.input, o),
    describeOperation: (i, o) => `r${i.reg}.${register.describeOperation!(i.input, o)}`,
    partition: (h) => [0, 1].map((reg) => h.filter((op) => op.input.reg === reg)),
  }
  const op = (reg: number, o: RegOp): Operation<In, number> => ({ ...o, input: { reg, input: o.input } })
  const ok = [op(0, w(0, 0, 1, 1)), op(1, w(1, 0, 1, 5)), op(0, r(0, 2, 3, 1)), op(1, r(1, 2, 3, 5))]
  t.strictSame(checkOperations(multi, ok), { result: 'ok', partitions: 2 })
  const bad = [op(0, w(0, 0, 1, 1)), op(1, w(1, 0, 1, 5)), op(0, r(0, 2, 3, 1)), op(1, r(1, 2, 3, 1))]
  const result = checkOperations(multi, bad)
  if (result.result !== 'illegal') return t.fail('expected illegal')
  t.equal(result.counterexample.partition, 1)
  t.equal(result.counterexample.operations.length, 2)
  t.match(result.counterexample.message, /r1\.read\(\) -> 1/)
})
