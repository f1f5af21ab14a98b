import t from 'tap'
import { checkOperations } from '../../../runtime/check/linearizable.ts'
import { kvModel, kvModelUnpartitioned, type KvInput, type KvOperation, type KvOutput } from '../../../runtime/check/kv-model.ts'
import { checkRevisions } from '../../../runtime/check/revisions.ts'
import { seededRandom, type Random } from '../../../runtime/random.ts'

interface Generated {
  history: KvOperation[]
}

/**
 * A history that is linearizable by construction: clients issue operations back to back; each
 * operation takes effect at a random instant inside its [call, return] interval, and outputs
 * come from applying the operations to a real sequential store in the order of those instants.
 * Some operations "time out": their outputs are dropped, and half of those never take effect.
 */
function generate(
  random: Random,
  { ops, keys, clients, timeoutRate = 0.05, txns = false }: { ops: number; keys: number; clients: number; timeoutRate?: number; txns?: boolean },
): Generated {
  const pick = (n: number): number => Math.floor(random() * n)
  const planned: { clientId: number; call: number; ret: number; point: number; input: KvInput; timedOut: boolean; applied: boolean }[] = []
  const clock = Array.from({ length: clients }, () => random() * 10)
  let uid = 0
  for (let i = 0; i < ops; i++) {
    const clientId = pick(clients)
    const call = clock[clientId]!
    const ret = call + 1 + random() * 40
    clock[clientId] = ret + random() * 5
    const key = `k${pick(keys)}`
    const roll = random()
    const other = `k${pick(keys)}`
    const input: KvInput =
      txns && roll < 0.15
        ? {
            op: 'txn',
            compares: [{ key, expect: random() < 0.5 ? { value: `v${pick(uid + 1)}` } : { value: null } }],
            writes: [{ key, value: random() < 0.3 ? null : `v${uid++}` }, { key: other, value: `v${uid++}` }],
          }
      : roll < 0.4 ? { op: 'get', key }
      : roll < 0.7 ? { op: 'put', key, value: `v${uid++}` }
      : roll < 0.8 ? { op: 'delete', key }
      : { op: 'cas', key, expect: random() < 0.5 ? { value: `v${pick(uid + 1)}` } : { modRevision: pick(Math.floor(i * 0.6) + 2) }, value: `v${uid++}` }
    const timedOut = random() < timeoutRate
    planned.push({ clientId, call, ret, point: call + random() * (ret - call), input, timedOut, applied: !timedOut || random() < 0.5 })
  }
  // The real execution, in linearization order.
  const store = new Map<string, { value: string; modRevision: number }>()
  const outputs = new Map<number, KvOutput>()
  let revision = 1
  const order = planned.map((_, i) => i).sort((a, b) => planned[a]!.point - planned[b]!.point)
  for (const i of order) {
    const { input, applied } = planned[i]!
    if (!applied) continue
    switch (input.op) {
      case 'get': {
        const entry = store.get(input.key)
        outputs.set(i, { value: entry?.value ?? null, modRevision: entry?.modRevision ?? 0 })
        break
      }
      case 'put':
        store.set(input.key, { value: input.value, modRevision: ++revision })
        outputs.set(i, { revision })
        break
      case 'delete':
        outputs.set(i, { deleted: store.delete(input.key) })
        if (outputs.get(i)!.deleted) revision++
        break
      case 'cas': {
        const entry = store.get(input.key)
        const holds = 'value' in input.expect ? (entry?.value ?? null) === input.expect.value : (entry?.modRevision ?? 0) === input.expect.modRevision
        if (holds) {
          store.set(input.key, { value: input.value!, modRevision: ++revision })
          outputs.set(i, { succeeded: true, revision })
        } else outputs.set(i, { succeeded: false })
        break
      }
      case 'txn': {
        const holds = input.compares.every(({ key, expect }) => 'value' in expect && (store.get(key)?.value ?? null) === expect.value)
        if (holds) {
          revision++
          for (const w of input.writes) {
            if (w.value === null) store.delete(w.key)
            else store.set(w.key, { value: w.value, modRevision: revision })
          }
          outputs.set(i, { succeeded: true, revision })
        } else outputs.set(i, { succeeded: false })
        break
      }
    }
  }
  const history = planned.map((p, i): KvOperation =>
    p.timedOut
      ? { clientId: p.clientId, call: p.call, return: undefined, input: p.input }
      : { clientId: p.clientId, call: p.call, return: p.ret, input: p.input, output: outputs.get(i)! },
  )
  return { history }
}

t.test('kv random - generated histories are linearizable, mutated reads are caught', async (t) => {
  let caught = 0
  let staleCaught = 0
  for (let seed = 1; seed <= 30; seed++) {
    const random = seededRandom(seed)
    const { history } = generate(random, { ops: 300, keys: 5, clients: 6 })
    const result = checkOperations(kvModel, history, { timeoutMs: 5000 })
    if (!checkRevisions(history).ok) t.fail(`seed ${seed}: revisions of a real execution flagged`)
    if (result.result !== 'ok') {
      t.fail(`seed ${seed}: ${result.result}\n${result.result === 'illegal' ? result.counterexample.message : ''}`)
      continue
    }

    // Mutation 1: one completed read returns a value nobody wrote.
    const reads = history.map((op, i) => [op, i] as const).filter(([op]) => op.input.op === 'get' && op.output !== undefined)
    const [, index] = reads[Math.floor(random() * reads.length)]!
    const mutated = history.map((op, i) => (i === index ? { ...op, output: { value: 'never-written' } } : op))
    const bad = checkOperations(kvModel, mutated, { timeoutMs: 5000 })
    if (bad.result === 'illegal') {
      caught++
      t.match(bad.counterexample.message, /never-written/, `seed ${seed}: the counterexample names the mutated read`)
    } else t.fail(`seed ${seed}: mutated history reported ${bad.result}`)

    // Mutation 2: a read returns a value overwritten (by an acknowledged put) before the read began.
    const stale = findStaleRead(history)
    if (stale !== undefined) {
      const staleHistory = history.map((op, i) => (i === stale.read ? { ...op, output: { value: stale.value } } : op))
      const verdict = checkOperations(kvModel, staleHistory, { timeoutMs: 5000 }).result
      t.equal(verdict, 'illegal', `seed ${seed}: stale read of ${stale.value}`)
      if (verdict === 'illegal') staleCaught++
    }
  }
  t.equal(caught, 30, 'every never-written read caught')
  t.ok(staleCaught >= 10, `stale reads caught in ${staleCaught} seeds`)
})

/** A read and a value it cannot see: put(v) returned before put(w) on the same key was called, and put(w) returned before the read was called. */
function findStaleRead(history: KvOperation[]): { read: number; value: string } | undefined {
  const puts = history.filter((op) => op.input.op === 'put' && op.return !== undefined)
  for (let r = history.length - 1; r >= 0; r--) {
    const read = history[r]!
    if (read.input.op !== 'get' || read.return === undefined) continue
    const key = read.input.key
    for (const newer of puts) {
      if (newer.input.op !== 'put' || newer.input.key !== key || newer.return! >= read.call) continue
      const older = puts.find((op) => op.input.op === 'put' && op.input.key === key && op.return! < newer.call)
      if (older !== undefined && older.input.op === 'put') return { read: r, value: older.input.value }
    }
  }
  return undefined
}

t.test('kv random - the unpartitioned model agrees on small histories', async (t) => {
  for (let seed = 100; seed < 110; seed++) {
    const { history } = generate(seededRandom(seed), { ops: 40, keys: 3, clients: 4 })
    t.equal(checkOperations(kvModelUnpartitioned, history, { timeoutMs: 5000 }).result, 'ok', `seed ${seed}`)
    const broken = history.map((op, i) => (i === history.findIndex((o) => o.input.op === 'get' && o.output !== undefined) ? { ...op, output: { value: 'x' } } : op))
    t.equal(checkOperations(kvModelUnpartitioned, broken, { timeoutMs: 5000 }).result, 'illegal', `seed ${seed} mutated`)
  }
})

t.test('kv random - 2,000 operations over 20 keys from 8 clients check well under a second', async (t) => {
  const { history } = generate(seededRandom(2026), { ops: 2000, keys: 20, clients: 8 })
  const started = performance.now()
  const result = checkOperations(kvModel, history, { timeoutMs: 10_000 })
  const elapsed = performance.now() - started
  t.equal(result.result, 'ok')
  t.equal(result.partitions, 20)
  t.ok(elapsed < 1000, `checked in ${elapsed.toFixed(0)} ms`)
  t.comment(`2,000 ops / 20 keys / 8 clients: ${elapsed.toFixed(1)} ms`)
})

t.test('kv random - multi-key transactions: grouped partitions and the unpartitioned model agree', async (t) => {
  let withSuccessfulTxn = 0
  for (let seed = 200; seed < 215; seed++) {
    const { history } = generate(seededRandom(seed), { ops: 60, keys: 4, clients: 4, txns: true })
    if (history.some((op) => op.input.op === 'txn' && op.output?.succeeded === true)) withSuccessfulTxn++
    t.equal(checkOperations(kvModel, history, { timeoutMs: 5000 }).result, 'ok', `seed ${seed} grouped`)
    t.equal(checkOperations(kvModelUnpartitioned, history, { timeoutMs: 5000 }).result, 'ok', `seed ${seed} unpartitioned`)
    t.ok(checkRevisions(history).ok, `seed ${seed} revisions`)
    const read = history.findIndex((o) => o.input.op === 'get' && o.output !== undefined)
    const broken = history.map((op, i) => (i === read ? { ...op, output: { value: 'x' } } : op))
    t.equal(checkOperations(kvModel, broken, { timeoutMs: 5000 }).result, 'illegal', `seed ${seed} mutated`)
  }
  t.ok(withSuccessfulTxn >= 10, `${withSuccessfulTxn}/15 histories have a successful multi-key txn`)
})

t.test('kv random - many unknown outcomes (timed-out writes, CAS on unobserved revisions)', async (t) => {
  let casSucceeded = 0
  for (let seed = 300; seed < 320; seed++) {
    const { history } = generate(seededRandom(seed), { ops: 200, keys: 3, clients: 6, timeoutRate: 0.25 })
    casSucceeded += history.filter((op) => op.input.op === 'cas' && 'modRevision' in op.input.expect && op.output?.succeeded === true).length
    const result = checkOperations(kvModel, history, { timeoutMs: 5000 })
    t.equal(result.result, 'ok', `seed ${seed}${result.result === 'illegal' ? `\n${result.counterexample.message}` : ''}`)
  }
  t.ok(casSucceeded >= 5, `${casSucceeded} revision-guarded CAS succeeded`)
})
