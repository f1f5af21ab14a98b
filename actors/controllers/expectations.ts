/**
 * Pure ControllerExpectations (k8s.io/kubernetes/pkg/controller/controller_utils.go): a
 * controller that just asked for N creates / M deletes waits until the watch has shown them
 * (or they failed) before it counts pods again, so it never creates twice. Expectations expire
 * after a timeout (Kubernetes: 5 minutes) in case a watch event was lost.
 *
 * The runtime keeps one `Expectations` value per controller and threads it through:
 * reconcile returns the new value; a pod ADDED (or a failed create) for owner `key` is
 * `observe(exp, key, 'add')`, a pod DELETED (or being deleted, or a failed delete) is
 * `observe(exp, key, 'del')`; an owner that is deleted is `forget(exp, key)`.
 */

export interface Expectation {
  /** Creates not yet observed. */
  readonly add: number
  /** Deletes not yet observed. */
  readonly del: number
  /** When the expectation was set (epoch ms). */
  readonly timestamp: number
}

/** Keyed by the owner's `namespace/name`. */
export type Expectations = Readonly<Record<string, Expectation>>

export const NO_EXPECTATIONS: Expectations = {}

/** Kubernetes' ExpectationsTimeout. */
export const DEFAULT_EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000

/** Records that `key` has asked for `add` creates and `del` deletes at `now` (replaces what was there). */
export function expect(exp: Expectations, key: string, add: number, del: number, now: number): Expectations {
  return { ...exp, [key]: { add, del, timestamp: now } }
}

/** One create (`add`) or delete (`del`) of `key` was observed through the watch, or failed. */
export function observe(exp: Expectations, key: string, what: 'add' | 'del', count = 1): Expectations {
  const e = exp[key]
  if (e === undefined) return exp
  return { ...exp, [key]: what === 'add' ? { ...e, add: e.add - count } : { ...e, del: e.del - count } }
}

export function forget(exp: Expectations, key: string): Expectations {
  if (!(key in exp)) return exp
  const { [key]: _gone, ...rest } = exp
  return rest
}

/**
 * SatisfiedExpectations: nothing outstanding, expired, or never set (a new controller,
 * or one forgotten) -- in all three the controller should count its pods and act.
 */
export function satisfied(exp: Expectations, key: string, now: number, timeoutMs = DEFAULT_EXPECTATIONS_TIMEOUT_MS): boolean {
  const e = exp[key]
  if (e === undefined) return true
  if (e.add <= 0 && e.del <= 0) return true
  return now - e.timestamp > timeoutMs
}
