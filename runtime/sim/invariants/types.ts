/**
 * What the whole-cluster simulation gives the invariant probes, and what each check reports.
 * Kept apart from index.ts so the checks and probes can share it without importing the facade.
 */
import type { Clock } from '../../clock.ts'
import type { Random } from '../../random.ts'
import type { Transport } from '../../transport/transport.ts'
import type { TracedMessage } from '../simulation.ts'

export interface ProbeDeps {
  /** A sim client connection of the probes' own. */
  readonly transport: Transport
  readonly clock: Clock
  readonly random: Random
  readonly cluster: string
  readonly apiservers: readonly string[]
  readonly storeReplicas: readonly string[]
  /** The simulation's message trace (Simulation.trace), read at check time for who acted when. */
  readonly trace?: readonly TracedMessage[]
  /** The leader-elected actors' renewDeadlineMs, if not their kinds' defaults (LEADER_DEFAULTS, SCHEDULER_LEADER_DEFAULTS). */
  readonly renewDeadlineMs?: number
  /** Hosts running a scheduler or controller manager: their writes are judged even if they never led. */
  readonly leaderHosts?: readonly string[]
}

export interface InvariantResult {
  readonly name: string
  readonly held: boolean
  readonly detail?: string
  /** Virtual ms of the first violation, when the check can place it in time. */
  readonly at?: number
}

/** A held result, or a violated one with its first instant (if known) and what went wrong. */
export function resultOf(name: string, violations: readonly { readonly at?: number; readonly message: string }[], summary?: string): InvariantResult {
  if (violations.length === 0) return { name, held: true, ...(summary !== undefined ? { detail: summary } : {}) }
  const timed = violations.filter((v) => v.at !== undefined).map((v) => v.at!)
  const shown = violations.slice(0, 10).map((v) => v.message)
  if (violations.length > shown.length) shown.push(`... and ${violations.length - shown.length} more`)
  return { name, held: false, detail: shown.join('\n'), ...(timed.length > 0 ? { at: Math.min(...timed) } : {}) }
}

/** A promise resolved after `ms` of the injected clock (virtual time under simulation). */
export function pause(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.setTimeout(resolve, ms))
}
