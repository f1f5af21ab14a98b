/**
 * Nondeterministic models: when an outcome is unknown (a timed-out compare-and-swap whose
 * comparison depends on a revision nobody observed) one input can lead to several states.
 * As porcupine does, such a model becomes a deterministic one whose state is the set of
 * states it could be in; a step keeps every successor of every member, and fails only when
 * the set becomes empty.
 */
import type { Model, Operation } from './model.ts'

export interface NondeterministicModel<State, Input, Output> {
  init(): State[]
  /** All states the input can lead to; empty means the output is impossible from `state`. */
  step(state: State, input: Input, output: Output | undefined): State[]
  equal(a: State, b: State): boolean
  hash(state: State): number
  partition?(history: readonly Operation<Input, Output>[]): Operation<Input, Output>[][]
  describeOperation?(input: Input, output: Output | undefined): string
  describeState?(state: State): string
}

/** The power-set construction. Set members are kept deduplicated and sorted by hash. */
export function determinize<S, I, O>(nd: NondeterministicModel<S, I, O>): Model<readonly S[], I, O> {
  const normalize = (states: S[]): S[] => {
    const unique: S[] = []
    for (const s of states) if (!unique.some((u) => nd.equal(u, s))) unique.push(s)
    return unique.sort((a, b) => nd.hash(a) - nd.hash(b))
  }
  const model: Model<readonly S[], I, O> = {
    init: () => normalize(nd.init()),
    step: (states, input, output) => {
      const next = normalize(states.flatMap((s) => nd.step(s, input, output)))
      return [next.length > 0, next]
    },
    // Equal sets with equal hashes sort the same way except among hash collisions; comparing
    // as sets keeps that corner exact.
    equal: (a, b) => a.length === b.length && a.every((x) => b.some((y) => nd.equal(x, y))),
    hash: (states) => states.reduce((h, s) => (Math.imul(h, 31) + nd.hash(s)) | 0, states.length),
    describeState: (states) =>
      states.length === 1 ? describeOne(nd, states[0]!) : `one of {${states.map((s) => describeOne(nd, s)).join(' | ')}}`,
  }
  if (nd.partition) model.partition = nd.partition.bind(nd)
  if (nd.describeOperation) model.describeOperation = nd.describeOperation.bind(nd)
  return model
}

function describeOne<S, I, O>(nd: NondeterministicModel<S, I, O>, s: S): string {
  return nd.describeState ? nd.describeState(s) : JSON.stringify(s)
}
