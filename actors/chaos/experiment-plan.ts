/**
 * A validated ChaosExperiment spec with its defaults filled in and durations in milliseconds:
 * what the experiment step runs. Defaults are the ones docs/chaos.md lists.
 */
import type { ChaosExperimentSpec, FaultTarget, ProbeType, TargetMode } from './api.ts'
import { parseDuration } from './duration.ts'

export interface PlannedProbe {
  readonly name: string
  readonly type: ProbeType
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly failureThreshold: number
  readonly minAvailabilityPercent?: number
}

export interface PlannedFault {
  readonly index: number
  readonly name: string
  readonly kind: string
  readonly durationMs: number
  readonly target: FaultTarget
  readonly mode: TargetMode
  readonly value?: number
  readonly params: Readonly<Record<string, unknown>>
}

export interface ExperimentPlan {
  readonly probes: readonly PlannedProbe[]
  readonly steadyStateTimeoutMs: number
  readonly serial: boolean
  readonly faults: readonly PlannedFault[]
  readonly abortOnProbeFailure: boolean
  /** Probes whose failure aborts (all when the spec names none). */
  readonly abortProbes: readonly string[]
  readonly abortFailureThreshold: number
  readonly recoveryTimeoutMs: number
  readonly repeat: number
  readonly intervalMs: number
}

const ms = (text: string | undefined, fallback: number): number => (text === undefined ? fallback : (parseDuration(text) ?? fallback))

export function planOf(spec: ChaosExperimentSpec): ExperimentPlan {
  const probes = (spec.steadyState?.probes ?? []).map((p) => ({
    name: p.name,
    type: p.type,
    intervalMs: ms(p.interval, 1000),
    timeoutMs: ms(p.timeout, 1000),
    failureThreshold: p.failureThreshold ?? 1,
    ...(p.minAvailabilityPercent !== undefined ? { minAvailabilityPercent: p.minAvailabilityPercent } : {}),
  }))
  return {
    probes,
    steadyStateTimeoutMs: ms(spec.steadyState?.timeout, 30_000),
    serial: spec.method.mode !== 'Parallel',
    faults: spec.method.faults.map((f, index) => ({
      index,
      name: f.name,
      kind: f.kind,
      durationMs: ms(f.duration, 0),
      target: f.target,
      mode: f.mode ?? 'one',
      ...(f.value !== undefined ? { value: f.value } : {}),
      params: f.params ?? {},
    })),
    abortOnProbeFailure: spec.abort?.onProbeFailure ?? false,
    abortProbes: spec.abort?.probes ?? probes.map((p) => p.name),
    abortFailureThreshold: spec.abort?.failureThreshold ?? 1,
    recoveryTimeoutMs: ms(spec.recoveryTimeout, 60_000),
    repeat: spec.repeat ?? 1,
    intervalMs: ms(spec.interval, 0),
  }
}
