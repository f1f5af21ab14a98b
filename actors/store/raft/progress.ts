/**
 * What the leader knows about one follower's log, and the flow control of what it sends it.
 *
 * probe: the leader does not know where the logs match; it sends one AppendEntries and waits for
 *   the answer (or a heartbeat answer) before the next, backtracking on rejects.
 * replicate: the logs match up to `match`; the leader streams entries optimistically, at most
 *   `maxInflight` unacknowledged messages.
 * snapshot: the follower needs entries the leader has compacted; a snapshot is on its way and
 *   nothing else is sent until it is acknowledged (or times out and the leader probes again).
 */
export interface Progress {
  match: number
  next: number
  mode: 'probe' | 'replicate' | 'snapshot'
  /** probe: an AppendEntries is outstanding. */
  probeSent: boolean
  /** replicate: last index of each unacknowledged AppendEntries, oldest first. */
  inflight: number[]
  /** snapshot: the snapshot's index and the leader tick it was sent at. */
  pendingSnapshot: number
  snapshotSentAt: number
  /** Heard from since the last CheckQuorum window. */
  recentActive: boolean
  /** Highest ReadIndex round this follower acknowledged. */
  ackedRound: number
}

export const newProgress = (next: number): Progress => ({
  match: 0,
  next,
  mode: 'probe',
  probeSent: false,
  inflight: [],
  pendingSnapshot: 0,
  snapshotSentAt: 0,
  recentActive: false,
  ackedRound: 0,
})

export function isPaused(pr: Progress, maxInflight: number): boolean {
  switch (pr.mode) {
    case 'probe': return pr.probeSent
    case 'replicate': return pr.inflight.length >= maxInflight
    case 'snapshot': return true
  }
}

export function becomeProbe(pr: Progress): void {
  // Coming back from a snapshot, the follower has at least the snapshot.
  pr.next = pr.mode === 'snapshot' ? Math.max(pr.match + 1, pr.pendingSnapshot + 1) : pr.match + 1
  pr.mode = 'probe'
  pr.probeSent = false
  pr.inflight = []
  pr.pendingSnapshot = 0
}

export function becomeReplicate(pr: Progress): void {
  pr.mode = 'replicate'
  pr.next = pr.match + 1
  pr.probeSent = false
  pr.inflight = []
}

export function becomeSnapshot(pr: Progress, index: number, tick: number): void {
  pr.mode = 'snapshot'
  pr.pendingSnapshot = index
  pr.snapshotSentAt = tick
  pr.probeSent = false
  pr.inflight = []
}

/** A success answer up to `index`; false if it told the leader nothing new (duplicate, reordered). */
export function maybeUpdate(pr: Progress, index: number): boolean {
  let updated = false
  if (pr.match < index) {
    pr.match = index
    pr.probeSent = false
    updated = true
  }
  pr.next = Math.max(pr.next, index + 1)
  return updated
}

/**
 * A reject of `rejected` (the prevIndex sent). `matchHint` is the leader's guess, from the
 * follower's hint, of the last index that may match. False when the reject is stale.
 */
export function maybeDecrTo(pr: Progress, rejected: number, matchHint: number): boolean {
  if (pr.mode === 'replicate') {
    if (rejected <= pr.match) return false
    pr.next = pr.match + 1
    return true
  }
  if (pr.next - 1 !== rejected) return false
  pr.next = Math.max(Math.min(rejected, matchHint + 1), pr.match + 1)
  pr.probeSent = false
  return true
}

/** Frees the in-flight slots of every message acknowledged by an answer up to `index`. */
export function freeInflightTo(pr: Progress, index: number): void {
  let k = 0
  while (k < pr.inflight.length && pr.inflight[k]! <= index) k++
  if (k > 0) pr.inflight.splice(0, k)
}
