/**
 * A probe's results over time, compact enough to live in `.status`: run-length segments, one per
 * stretch of passing or failing results, extended while the result does not change. A report
 * draws them as a lane per probe (charts/chaos-report-spec.ts).
 *
 * A change of result ends the current segment at the time of the first differing result, which
 * starts the next; only a stretch with no results at all (a controller down) leaves a gap. The number of segments is capped (a flapping probe
 * over an hour would otherwise fill the status): past the cap the two oldest are merged into
 * one, `mixed` when they differ, so the recent past keeps its detail and the status stays small.
 */
import type { TimelineSegmentStatus } from './api.ts'

/** One stretch of equal results, times in ms (the step's state). */
export interface TimelineSegment {
  readonly from: number
  readonly to: number
  readonly ok: boolean
  /** The first error of a failing stretch. */
  readonly error?: string
  /** Merged from passing and failing stretches (only past the cap). */
  readonly mixed?: boolean
}

/** Segments kept per probe: about 90 bytes each in `.status`, so at most ~18 KB a probe. */
export const TIMELINE_MAX_SEGMENTS = 200

const merged = (a: TimelineSegment, b: TimelineSegment): TimelineSegment => {
  const error = a.error ?? b.error
  const mixed = a.mixed === true || b.mixed === true || a.ok !== b.ok
  return { from: a.from, to: b.to, ok: a.ok && b.ok, ...(error !== undefined ? { error } : {}), ...(mixed ? { mixed: true } : {}) }
}

/**
 * The timeline with one more result at `now`. A result more than `gapMs` after the last one (the
 * controller was down, or the probe went unanswered) starts a new segment after a gap: no
 * result is claimed for time nobody probed.
 */
export function recordResult(segments: readonly TimelineSegment[], ok: boolean, error: string | undefined, now: number, gapMs = Infinity, max = TIMELINE_MAX_SEGMENTS): readonly TimelineSegment[] {
  const last = segments[segments.length - 1]
  const gap = last !== undefined && now - last.to > gapMs
  if (last !== undefined && !gap && last.ok === ok) return [...segments.slice(0, -1), { ...last, to: Math.max(last.to, now) }]
  const closed = last === undefined || gap ? segments : [...segments.slice(0, -1), { ...last, to: Math.max(last.to, now) }]
  const all = [...closed, { from: now, to: now, ok, ...(!ok ? { error: error ?? 'failed' } : {}) }]
  if (all.length <= Math.max(2, max)) return all
  return [merged(all[0]!, all[1]!), ...all.slice(2)]
}

/** How long without a result counts as a gap for a probe run every `intervalMs` within `timeoutMs`. */
export const timelineGapMs = (intervalMs: number, timeoutMs: number): number => 2 * (intervalMs + timeoutMs) + 1000

const iso = (ms: number): string => new Date(ms).toISOString()

export const timelineStatus = (segments: readonly TimelineSegment[]): TimelineSegmentStatus[] =>
  segments.map((s) => ({ from: iso(s.from), to: iso(s.to), ok: s.ok, ...(s.error !== undefined ? { error: s.error } : {}), ...(s.mixed === true ? { mixed: true } : {}) }))

/** Back from `.status` (a controller taking over); unreadable segments are left out. */
export const restoredTimeline = (segments: readonly TimelineSegmentStatus[] | undefined): TimelineSegment[] =>
  (segments ?? []).flatMap((s) => {
    const from = Date.parse(s.from)
    const to = Date.parse(s.to)
    if (!Number.isFinite(from) || !Number.isFinite(to)) return []
    return [{ from, to, ok: s.ok === true, ...(s.error !== undefined ? { error: s.error } : {}), ...(s.mixed === true ? { mixed: true } : {}) }]
  })
