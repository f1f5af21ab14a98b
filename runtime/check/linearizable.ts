/**
 * Linearizability checking (Wing & Gong's search with Lowe's memoization, as in porcupine).
 *
 * Walk the time-ordered event list. At a call entry, try to linearize that operation now: step
 * the model; if it accepts and the pair (set of linearized operations, new state) was never
 * seen before, lift the operation out of the list and start again from the front. Reaching a
 * return entry means its operation must have taken effect by now but nothing linearizable is
 * left before it: backtrack (undo the last choice and try the next call after it). The history
 * is linearizable when the list empties, illegal when backtracking runs out of choices.
 *
 * The memo is what makes this practical: two search paths that linearized the same set of
 * operations and reached the same state have the same future, so the second is pruned.
 */
import { Bitset, combineHashes } from './bitset.ts'
import { lift, makeEntries, unlift, type Entry } from './entries.ts'
import type { CheckOptions, CheckResult, Counterexample, Model, Operation } from './model.ts'

/** Checks a whole history: partitions it, then each part must be linearizable on its own. */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const deadline = options.timeoutMs === undefined ? Infinity : now() + options.timeoutMs
  const parts = model.partition ? model.partition(history) : [history.slice()]
  let timedOut = false
  let checked = 0
  for (const [index, part] of parts.entries()) {
    const outcome = checkSingle(model, part, deadline)
    if (outcome === 'timeout') {
      // Keep going: a later partition may still prove the history illegal, which is a
      // definite answer; only report 'unknown' if none does.
      timedOut = true
      continue
    }
    checked++
    if (outcome !== 'ok') {
      return { result: 'illegal', partitions: parts.length, counterexample: explain(model, index, part, outcome) }
    }
  }
  return timedOut
    ? { result: 'unknown', partitions: parts.length, reason: 'timeout', checkedPartitions: checked }
    : { result: 'ok', partitions: parts.length }
}

interface Failure<S> {
  prefix: number[]
  state: S
  stuck: number | undefined
}

interface CacheEntry<S> {
  linearized: Bitset
  state: S
}

const now = (): number => performance.now()

/** Searches one sub-history. Returns 'ok', 'timeout', or the deepest point the search reached. */
export function checkSingle<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  deadline = Infinity,
): 'ok' | 'timeout' | Failure<S> {
  const head = makeEntries(operations)
  const linearized = new Bitset(operations.length)
  const cache = new Map<number, CacheEntry<S>[]>()
  const calls: { entry: Entry; state: S }[] = []
  const outputOf = (id: number): O | undefined => {
    const op = operations[id]!
    return op.return === undefined || op.return === Infinity ? undefined : op.output
  }
  let state = model.init()
  let entry = head.next
  let best: Failure<S> = { prefix: [], state, stuck: undefined }
  let bestDepth = -1
  let steps = 0

  while (head.next !== undefined) {
    // Reading the clock every step would dominate the cost of small steps.
    if ((++steps & 1023) === 0 && deadline !== Infinity && now() > deadline) return 'timeout'
    const current = entry!
    if (current.match !== undefined) {
      const [ok, next] = model.step(state, operations[current.id]!.input, outputOf(current.id))
      if (ok) {
        const candidate = linearized.clone().set(current.id)
        const key = combineHashes(candidate.hash(), model.hash(next))
        const bucket = cache.get(key)
        const seen = bucket?.some((c) => c.linearized.equals(candidate) && model.equal(c.state, next)) ?? false
        if (!seen) {
          const cached = { linearized: candidate, state: next }
          if (bucket === undefined) cache.set(key, [cached])
          else bucket.push(cached)
          calls.push({ entry: current, state })
          state = next
          linearized.set(current.id)
          lift(current)
          entry = head.next
          continue
        }
      }
      entry = current.next
    } else {
      // A return with its operation still pending: nothing before it can go next.
      if (calls.length > bestDepth) {
        bestDepth = calls.length
        best = { prefix: calls.map((c) => c.entry.id), state, stuck: current.id }
      }
      const top = calls.pop()
      if (top === undefined) return best
      state = top.state
      linearized.clear(top.entry.id)
      unlift(top.entry)
      entry = top.entry.next
    }
  }
  return 'ok'
}

function explain<S, I, O>(
  model: Model<S, I, O>,
  partition: number,
  operations: Operation<I, O>[],
  failure: Failure<S>,
): Counterexample<I, O> {
  const describe = (op: Operation<I, O>): string => {
    const unknown = op.return === undefined || op.return === Infinity
    const text = model.describeOperation
      ? model.describeOperation(op.input, unknown ? undefined : op.output)
      : JSON.stringify({ input: op.input, output: unknown ? '?' : op.output })
    return `client ${op.clientId} [${op.call}, ${unknown ? '?' : op.return}] ${text}`
  }
  const longestPrefix = failure.prefix.map((id) => operations[id]!)
  const stuck = failure.stuck === undefined ? undefined : operations[failure.stuck]
  const stateAfterPrefix = model.describeState ? model.describeState(failure.state) : JSON.stringify(failure.state)
  const lines = [
    `history is not linearizable (partition ${partition}, ${operations.length} operations)`,
    `longest linearizable prefix (${longestPrefix.length} operations):`,
    ...longestPrefix.map((op) => `  ${describe(op)}`),
    `state after it: ${stateAfterPrefix}`,
    stuck === undefined ? 'no operation could go next' : `cannot linearize: ${describe(stuck)}`,
  ]
  return { partition, operations, longestPrefix, stateAfterPrefix, stuck, message: lines.join('\n') }
}
