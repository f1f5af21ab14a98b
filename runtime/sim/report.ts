/**
 * How a simulated run reads to a person: one line per seed, and for a failure the first violated
 * invariant, the messages around it (decoded) and the command that replays the seed.
 */
import { decodeEvent, DecodeFailure } from '../codec.ts'
import type { InvariantResult } from './invariants/index.ts'
import type { SimRunResult } from './sim-run.ts'
import type { TracedMessage } from './simulation.ts'

export interface ReplayShape {
  readonly seed: number
  readonly nodes: number
  readonly virtualSeconds: number
  /** False: the run had no leader faults (SimRunOptions.leaderFaults). */
  readonly leaderFaults?: boolean
}

export function replayCommand(shape: ReplayShape): string {
  return `npm run sim -- --seed ${shape.seed} --nodes ${shape.nodes} --virtual-seconds ${shape.virtualSeconds}${shape.leaderFaults === false ? ' --no-leader-faults' : ''}`
}

/** The violation to look at first: the earliest one placed in time, else the first reported. */
export function firstViolation(results: readonly InvariantResult[]): InvariantResult | undefined {
  const violated = results.filter((r) => !r.held)
  const timed = violated.filter((r) => r.at !== undefined).sort((a, b) => a.at! - b.at!)
  return timed[0] ?? violated[0]
}

export function summaryLine(result: SimRunResult): string {
  const held = result.results.filter((r) => r.held).length
  const rate = result.virtualMs / Math.max(1, result.wallMs)
  return `seed ${result.seed}: ${held}/${result.results.length} invariants held, ${(result.virtualMs / 1000).toFixed(1)} virtual s in ${(result.wallMs / 1000).toFixed(1)} wall s (${rate.toFixed(1)} virtual s per wall s), ${result.messages} messages, digest ${result.digest.slice(0, 16)}`
}

/** One message as a line: time, sender, subject, event type and a short rendering of the rest. */
export function describeMessage(message: TracedMessage, width = 160): string {
  const event = decodeEvent(message.data)
  const body = event instanceof DecodeFailure ? `(undecodable: ${event.reason})` : JSON.stringify(event)
  const line = `${message.at.toFixed(3).padStart(11)} ${message.from.padEnd(14)} ${message.subject}  ${body}`
  return line.length > width ? `${line.slice(0, width - 3)}...` : line
}

/** Up to `before` messages at or before `at` and `after` following it. */
export function traceAround(trace: readonly TracedMessage[], at: number, before = 30, after = 10): TracedMessage[] {
  let split = trace.findIndex((m) => m.at > at)
  if (split < 0) split = trace.length
  return trace.slice(Math.max(0, split - before), split + after)
}

/** The whole report of a failed seed. */
export function failureReport(result: SimRunResult, shape: ReplayShape): string {
  const first = firstViolation(result.results)
  const lines = [`seed ${result.seed} FAILED`]
  if (first) {
    lines.push(`first violated invariant: ${first.name}${first.at !== undefined ? ` at ${first.at.toFixed(3)} virtual ms` : ''}`)
    if (first.detail) lines.push(...first.detail.split('\n').map((l) => `  ${l}`))
  }
  for (const other of result.results.filter((r) => !r.held && r !== first)) lines.push(`also violated: ${other.name}${other.detail ? `: ${other.detail.split('\n')[0]}` : ''}`)
  const at = first?.at
  const trace = result.cluster.sim.trace
  if (at !== undefined && trace.length > 0) {
    lines.push(`messages around ${at.toFixed(3)} ms:`)
    lines.push(...traceAround(trace, at).map((m) => `  ${describeMessage(m)}`))
  }
  const events = at === undefined ? result.events.slice(-15) : result.events.filter((e) => Number.parseFloat(e) <= at).slice(-15)
  if (events.length > 0) lines.push('faults and workload before it:', ...events.map((e) => `  ${e}`))
  lines.push(`replay: ${replayCommand(shape)}`)
  return lines.join('\n')
}
