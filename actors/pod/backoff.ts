/**
 * Per-container restart back-off (kubelet's flowcontrol.Backoff keyed by container): the first
 * wait is `initialMs`, each later one doubles up to `maxMs`, and a container that ran for
 * `resetAfterMs` without failing starts again from `initialMs`.
 */
import type { PodActorInput } from './pod-protocol.ts'

export type BackoffConfig = NonNullable<PodActorInput['backoff']>

/** The wait before the next restart, given the previous wait (undefined before any) and how long the last run lasted. */
export function nextBackoffMs(previousMs: number | undefined, ranMs: number, config: BackoffConfig): number {
  if (previousMs === undefined || ranMs >= config.resetAfterMs) return Math.min(config.initialMs, config.maxMs)
  return Math.min(previousMs * 2, config.maxMs)
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
