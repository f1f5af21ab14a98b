/**
 * The kubelet's per-container back-offs (flowcontrol.Backoff keyed by container), pure.
 *
 * - A crash (kuberuntime doBackOff): `IsInBackOffSince(key, finishedAt)` is false while the
 *   container has no entry, so its first exit restarts it at once and `Next` creates the entry at
 *   `initialMs`; each later exit waits the entry's duration from its finish, and the entry then
 *   doubles up to `maxMs`. An entry not updated for longer than the reset time (kubelet: 2 x max)
 *   has expired: a container that ran `resetAfterMs` starts over, again with an immediate restart.
 * - A failed start or pull: the image manager calls `Next` on the failure itself, so the first
 *   retry already waits `initialMs`, doubling up to `maxMs`. A failed sandbox is retried on the
 *   same sequence here (the kubelet's pod worker retries it 10 s later each time, not doubling).
 */
import type { PodActorInput } from './pod-protocol.ts'

export type BackoffConfig = NonNullable<PodActorInput['backoff']>

/** The wait before retrying a failed start, given the previous wait (undefined before any). */
export function nextBackoffMs(previousMs: number | undefined, config: BackoffConfig): number {
  if (previousMs === undefined) return Math.min(config.initialMs, config.maxMs)
  return Math.min(previousMs * 2, config.maxMs)
}

/** What a container's exit does to its crash back-off: how long to wait, and the entry the next exit will find. */
export interface CrashBackoff {
  /** 0: restart at once, with no CrashLoopBackOff. */
  readonly waitMs: number
  readonly entryMs: number
}

/**
 * A container exited after running `ranMs`; `entryMs` is its back-off entry (undefined before
 * its first exit).
 */
export function crashBackoff(entryMs: number | undefined, ranMs: number, config: BackoffConfig): CrashBackoff {
  if (entryMs === undefined || ranMs >= config.resetAfterMs) return { waitMs: 0, entryMs: nextBackoffMs(undefined, config) }
  return { waitMs: entryMs, entryMs: nextBackoffMs(entryMs, config) }
}

/** Go's time.Duration.String for whole milliseconds (`10s`, `1m20s`, `5m0s`, `250ms`), as kubelet messages print it. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  const secs = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`
  if (h > 0) return `${h}h${m}m${secs}`
  if (m > 0) return `${m}m${secs}`
  return secs
}
