/**
 * Pure ControllerExpectations / UIDTrackingExpectations (k8s.io/kubernetes/pkg/controller/
 * controller_utils.go): a controller that just asked for N creates and some deletes waits until
 * it has seen them before it counts pods again, so it never creates (or deletes) twice.
 * Expectations expire after a timeout (Kubernetes: 5 minutes) in case a watch event was lost.
 *
 * Creates are counted: their names are not known before the server answers (generateName),
 * so the runtime calls `observeCreate(exp, key)` for each pod ADDED whose controller is `key`
 * (`namespace/name`) and for each create that failed. Deletes are tracked by pod uid and need
 * no runtime help: `pruneDeletions` (called by the reconcile step) drops the uids that are gone
 * from, or terminating in, the pods it is given; a delete that failed is `observeDeletion(exp,
 * key, uid)`. `forget(exp, key)` when the owner is deleted.
 */

export interface Expectation {
  /** Creates not yet observed. */
  readonly add: number
  /** Uids of pods asked to be deleted and still seen alive. */
  readonly deleting: readonly string[]
  /** When the expectation was set (epoch ms). */
  readonly timestamp: number
}

/** Keyed by the owner's `namespace/name`. */
export type Expectations = Readonly<Record<string, Expectation>>

export const NO_EXPECTATIONS: Expectations = {}

/** Kubernetes' ExpectationsTimeout. */
export const DEFAULT_EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000

/** Records that `key` has asked for `add` creates and the deletion of `deleting` (uids) at `now`; replaces what was there. */
export function expect(exp: Expectations, key: string, add: number, deleting: readonly string[], now: number): Expectations {
  return { ...exp, [key]: { add, deleting: [...deleting], timestamp: now } }
}

/** One create of `key` was observed through the watch, or failed. */
export function observeCreate(exp: Expectations, key: string, count = 1): Expectations {
  const e = exp[key]
  if (e === undefined || e.add <= 0) return exp
  return { ...exp, [key]: { ...e, add: Math.max(0, e.add - count) } }
}

/** A delete of pod `uid` by `key` failed (or was otherwise seen): stop waiting for it. */
export function observeDeletion(exp: Expectations, key: string, uid: string): Expectations {
  const e = exp[key]
  if (e === undefined || !e.deleting.includes(uid)) return exp
  return { ...exp, [key]: { ...e, deleting: e.deleting.filter((u) => u !== uid) } }
}

/** Drops from `key`'s deletions the uids that are not in `alive` (pods present and not terminating). */
export function pruneDeletions(exp: Expectations, key: string, alive: ReadonlySet<string>): Expectations {
  const e = exp[key]
  if (e === undefined || e.deleting.length === 0) return exp
  const deleting = e.deleting.filter((uid) => alive.has(uid))
  return deleting.length === e.deleting.length ? exp : { ...exp, [key]: { ...e, deleting } }
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
  if (e.add <= 0 && e.deleting.length === 0) return true
  return now - e.timestamp > timeoutMs
}
