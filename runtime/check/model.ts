/**
 * What the linearizability checker checks against: a sequential specification (a model) and
 * a concurrent history of operations recorded by clients.
 */

/**
 * One client operation. `call` and `return` are timestamps from one clock (any unit; only order
 * matters). A `return` of undefined or Infinity means the outcome is unknown (the request timed
 * out or the client gave up): the operation may or may not have taken effect, so it may
 * linearize anywhere after its call — placing it last is the same as "never happened" — and
 * its `output` is ignored (the model is stepped with `undefined`).
 */
export interface Operation<Input, Output> {
  clientId: number | string
  input: Input
  call: number
  return?: number | undefined
  output?: Output | undefined
}

/**
 * A sequential specification. `step` must be a pure function; `output` is undefined when the
 * outcome is unknown, and the model must then accept any outcome the input could have had.
 * States are compared with `equal` and bucketed with `hash` (a 32-bit integer) when memoizing.
 */
export interface Model<State, Input, Output> {
  init(): State
  step(state: State, input: Input, output: Output | undefined): readonly [ok: boolean, next: State]
  equal(a: State, b: State): boolean
  hash(state: State): number
  /**
   * Splits a history into independent sub-histories (e.g. one per key), each checked alone.
   * Sound only if operations in different parts never affect each other. Default: one part.
   */
  partition?(history: readonly Operation<Input, Output>[]): Operation<Input, Output>[][]
  describeOperation?(input: Input, output: Output | undefined): string
  describeState?(state: State): string
}

export type Verdict = 'ok' | 'illegal' | 'unknown'

/** Why a history is not linearizable, in terms a human can follow. */
export interface Counterexample<Input, Output> {
  /** Index of the failing sub-history in `partition(history)`. */
  partition: number
  /** The failing sub-history (the search only looked at these operations). */
  operations: Operation<Input, Output>[]
  /** The longest sequence of operations the search managed to linearize, in linearized order. */
  longestPrefix: Operation<Input, Output>[]
  /** The model state after that prefix. */
  stateAfterPrefix: string
  /**
   * The operation whose return was reached without it (or anything else) being linearizable
   * after the longest prefix: it is the first operation that "cannot have happened".
   */
  stuck: Operation<Input, Output> | undefined
  /** A multi-line explanation for test output. */
  message: string
}

export type CheckResult<Input, Output> =
  | { result: 'ok'; partitions: number }
  | { result: 'illegal'; partitions: number; counterexample: Counterexample<Input, Output> }
  | { result: 'unknown'; partitions: number; reason: 'timeout'; checkedPartitions: number }

export interface CheckOptions {
  /** Give up (result 'unknown') after this long; the search is exponential in the worst case. */
  timeoutMs?: number
}
