/**
 * One probe of one container run, as the kubelet's prober worker counts it: consecutive equal
 * results until successThreshold / failureThreshold flips the probe's result. Which probe gets
 * sent when is the machine's business; this only tells it the schedule and what a result means.
 */
import type { Probe } from '../kube/objects.ts'
import type { ProbeKind } from './pod-protocol.ts'

export type ProbeResult = 'success' | 'failure' | 'unknown'

export interface ProbeTracker {
  readonly kind: ProbeKind
  readonly probe: Probe
  /** Results with a lower seq answer probes of an earlier run or an earlier tracker. */
  readonly firstSeq: number
  /** The seq of the newest result taken; an older one arriving late is stale. */
  readonly lastSeq: number
  readonly result: ProbeResult
  readonly streak: { readonly ok: boolean; readonly count: number } | undefined
  /** A result of this run was a success. */
  readonly passedOnce: boolean
}

export const probePeriodMs = (probe: Probe): number => (probe.periodSeconds ?? 10) * 1000

/** Kubernetes measures initialDelaySeconds from the container's start, not from when probing began. */
export const firstProbeDelayMs = (probe: Probe, runningForMs: number): number =>
  Math.max(0, (probe.initialDelaySeconds ?? 0) * 1000 - runningForMs)

/** Readiness starts failed (not ready until proven), liveness successful, startup unknown (prober/results). */
export function newTracker(kind: ProbeKind, probe: Probe, firstSeq: number): ProbeTracker {
  const result: ProbeResult = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown'
  return { kind, probe, firstSeq, lastSeq: firstSeq - 1, result, streak: undefined, passedOnce: false }
}

export const READINESS_RETRY_FIRST_MS = 100

/**
 * After a failure of a readiness probe that has not passed yet in this run, the next one comes
 * sooner than the period: 100 ms, doubling with each failure, until that reaches the period
 * (undefined: wait the period). A process just started is seldom listening at the first probe,
 * which is sent as it starts, and a whole period more (10 s by default) would only keep a pod
 * that serves out of its Services: a replacement for a dead node's pod, say. An actorkube choice;
 * Kubernetes' prober ticks on the period and its first probe falls anywhere in the first period.
 */
export function readinessRetryMs(tracker: ProbeTracker): number | undefined {
  if (tracker.kind !== 'readiness' || tracker.passedOnce || tracker.streak?.ok !== false) return undefined
  const ms = READINESS_RETRY_FIRST_MS * 2 ** (tracker.streak.count - 1)
  return ms < probePeriodMs(tracker.probe) ? ms : undefined
}

export interface ProbeOutcome {
  readonly tracker: ProbeTracker
  /** Set when this result crossed its threshold and changed the probe's result. */
  readonly flipped?: 'success' | 'failure'
}

/** Takes one result; undefined when it is stale (older than the tracker or than the last result taken). */
export function takeResult(tracker: ProbeTracker, seq: number, ok: boolean): ProbeOutcome | undefined {
  if (seq < tracker.firstSeq || seq <= tracker.lastSeq) return undefined
  const count = tracker.streak?.ok === ok ? tracker.streak.count + 1 : 1
  const threshold = ok ? (tracker.probe.successThreshold ?? 1) : (tracker.probe.failureThreshold ?? 3)
  const next: ProbeTracker = { ...tracker, lastSeq: seq, streak: { ok, count }, passedOnce: tracker.passedOnce || ok }
  const result: ProbeResult = ok ? 'success' : 'failure'
  if (count < threshold || tracker.result === result) return { tracker: next }
  return { tracker: { ...next, result }, flipped: result }
}
