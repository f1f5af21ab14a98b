/**
 * Invariant 2: every watch stream the probes held was ordered, had no gap and no duplicate, and the
 * state built from it equals a fresh list at the same revision. Gaps need the revisions committed
 * under the stream's selection: a replay of the store from the stream's start (exact, unless the
 * store compacted them away). Pure: observations in, one result out.
 */
import { checkWatchStream, describeWatchReport, type WatchEvent } from '../../check/watch.ts'
import { resultOf, type InvariantResult } from './types.ts'

export const WATCH_STREAMS = 'watch-streams'

export interface StreamEvent extends WatchEvent {
  /** Virtual ms it arrived. */
  readonly at?: number
}

export interface StreamObservation {
  /** What was watched, e.g. "api /api/v1/pods" or "store /sim-probe/". */
  readonly name: string
  readonly events: readonly StreamEvent[]
  /** The first revision the stream owed (the one after its starting list). */
  readonly fromRevision: number
  /** Revisions committed under the selection from fromRevision on, by a replay; absent: not known (gaps not checked). */
  readonly committed?: readonly number[]
  /** The replay is complete up to here (gaps are judged up to the lower of this and the stream's last event). */
  readonly committedThrough?: number
  /** The stream ended for good with this error. */
  readonly ended?: string
  /** The state from the list plus the stream, against a fresh list at the same revision (keys to mod revisions). */
  readonly final?: { readonly revision: number; readonly built: ReadonlyMap<string, number>; readonly listed: ReadonlyMap<string, number> }
}

interface Violation {
  readonly at?: number
  readonly message: string
}

/** The state at `revision`: the listed keys (at their revisions) with the stream's events up to it applied. */
export function stateAt(listed: ReadonlyMap<string, number>, events: readonly WatchEvent[], revision: number): Map<string, number> {
  const state = new Map(listed)
  for (const e of events) {
    if (e.revision > revision) break
    if (e.type === 'put') state.set(e.key, e.revision)
    else state.delete(e.key)
  }
  return state
}

export function checkWatchStreams(streams: readonly StreamObservation[]): InvariantResult {
  const violations = streams.flatMap(streamViolations)
  const events = streams.reduce((n, s) => n + s.events.length, 0)
  return resultOf(WATCH_STREAMS, violations, `${streams.length} streams, ${events} events: ordered, no gap, no duplicate, final state matches a fresh list`)
}

function streamViolations(stream: StreamObservation): Violation[] {
  const violations: Violation[] = []
  const lastEvent = stream.events.at(-1)?.revision ?? stream.fromRevision - 1
  const committed = stream.committed ?? stream.events.map((e) => e.revision)
  const through = Math.min(lastEvent, stream.committedThrough ?? lastEvent)
  const report = checkWatchStream(stream.events, committed, { fromRevision: stream.fromRevision, throughRevision: through })
  if (!report.ok) {
    // A gap shows at the first event delivered past it.
    const pastGaps = report.gaps.map((gap) => stream.events.findIndex((e) => e.revision > gap)).filter((i) => i >= 0)
    const indexes = [...report.outOfOrder, ...report.duplicates, ...report.unknown].map((e) => e.index).concat(pastGaps)
    const at = indexes.length > 0 ? stream.events[Math.min(...indexes)]?.at : undefined
    violations.push({ ...(at !== undefined ? { at } : {}), message: `${stream.name}: ${describeWatchReport(report)}` })
  }
  if (stream.ended !== undefined) violations.push({ message: `${stream.name}: the watch ended: ${stream.ended}` })
  if (stream.final !== undefined) {
    const difference = describeDifference(stream.final.built, stream.final.listed)
    if (difference !== undefined) violations.push({ message: `${stream.name}: the state built from the stream differs from a list at revision ${stream.final.revision}: ${difference}` })
  }
  return violations
}

function describeDifference(built: ReadonlyMap<string, number>, listed: ReadonlyMap<string, number>): string | undefined {
  const lines: string[] = []
  for (const [key, revision] of listed) {
    const mine = built.get(key)
    if (mine === undefined) lines.push(`${key}@${revision} missing from the stream's state`)
    else if (mine !== revision) lines.push(`${key} at ${mine} in the stream's state, ${revision} listed`)
  }
  for (const [key, revision] of built) if (!listed.has(key)) lines.push(`${key}@${revision} in the stream's state, not listed`)
  if (lines.length === 0) return undefined
  return lines.slice(0, 5).join('; ') + (lines.length > 5 ? `; ... ${lines.length - 5} more` : '')
}
