/**
 * An experiment's state as its `.status` (what `kubectl get -o json` shows and the report
 * reads), and back: a chaos controller that takes over mid-experiment (the old one died, or lost
 * its lease) rebuilds the step's state from `.status` alone. It heals at once every fault the
 * status shows in force (the hosts let them lapse within a lease anyway), skips what is left of
 * that round, and goes on from recovery, so no fault is left behind and the measurements that
 * were written survive. A round taken over before any of its faults was injected (its status
 * says Injecting, none in it yet; grants are sent only after that status landed) or in its
 * steady-state check runs again in full.
 */
import type { ChaosExperimentStatus, FaultStatus, ProbeStatus, RoundStatus } from './api.ts'
import type { ExperimentPlan } from './experiment-plan.ts'
import { withStoreChecks } from './store-probe-plan.ts'
import { restoredTimeline, timelineStatus } from './probe-timeline.ts'
import { availability, DEFAULT_EXPERIMENT_CONFIG, experimentStep, startExperiment, type ExperimentConfig, type ExperimentEffect, type ExperimentState, type ExperimentStep, type FaultRun, type RoundRecord } from './experiment-step.ts'

const time = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString())
const ms = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text))
/** Drops undefined fields, so the status is plain JSON and compares by its text. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

const faultStatus = (f: FaultRun): FaultStatus =>
  defined({ name: f.name, round: f.round, kind: f.kind, targets: f.targets, injectedAt: time(f.injectedAt), healedAt: time(f.healedAt), leaseExpiresAt: f.healedAt === undefined ? time(f.leaseExpiresAt) : undefined, error: f.error })

const roundStatus = (r: RoundRecord): RoundStatus =>
  defined({
    round: r.round,
    startedAt: time(r.startedAt),
    injectedAt: time(r.firstInjectedAt),
    detectedAt: time(r.detectedAt),
    recoveredAt: time(r.recoveredAt),
    timeToDetectMs: r.detectedAt !== undefined && r.firstInjectedAt !== undefined ? r.detectedAt - r.firstInjectedAt : undefined,
    timeToRecoverMs: r.recoveredAt !== undefined && r.firstInjectedAt !== undefined ? r.recoveredAt - r.firstInjectedAt : undefined,
  })

const worst = (values: readonly (number | undefined)[]): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined)
  return known.length === 0 ? undefined : Math.max(...known)
}

export function statusOf(s: ExperimentState): ChaosExperimentStatus {
  const rounds = s.rounds.map(roundStatus)
  const probes: ProbeStatus[] = s.probes.map((p) => defined({ name: p.name, successes: p.successes, failures: p.failures, availabilityPercent: availability(p), lastError: p.lastError, timeline: p.timeline === undefined ? undefined : timelineStatus(p.timeline) }))
  const done = s.phase === 'Completed'
  return defined({
    phase: s.phase,
    verdict: s.verdict,
    reason: s.reason,
    seed: s.seed,
    round: s.round,
    startedAt: time(s.startedAt),
    phaseSince: time(s.phaseSince),
    finishedAt: time(s.finishedAt),
    faults: s.faults.map(faultStatus),
    rounds,
    probes: withStoreChecks(probes, s.store?.probes),
    timeToDetectMs: worst(rounds.map((r) => r.timeToDetectMs)),
    timeToRecoverMs: worst(rounds.map((r) => r.timeToRecoverMs)),
    ackedWritesLost: s.store?.ackedWritesLost,
    linearizable: s.store?.linearizable,
    errors: s.errors,
    warnings: s.warnings,
    conditions: done ? [{ type: 'Completed', status: 'True' as const, reason: s.verdict ?? 'Completed', message: s.reason ?? '', lastTransitionTime: time(s.finishedAt)! }] : [],
  })
}

/** The status to write now, if any: any change but probe counts at once, those at most every statusEveryMs. */
export function statusChange(s: ExperimentState, now: number): { status: ChaosExperimentStatus; written: NonNullable<ExperimentState['written']> } | undefined {
  const status = statusOf(s)
  const full = JSON.stringify(status)
  const key = JSON.stringify({ ...status, probes: status.probes.map((p) => p.name) })
  const last = s.written
  if (last !== undefined && last.full === full) return undefined
  if (last !== undefined && last.key === key && now < last.at + s.config.statusEveryMs) return undefined
  return { status, written: { key, full, at: now } }
}

function restoredFault(f: FaultStatus, plan: ExperimentPlan): FaultRun {
  return defined({ name: f.name, index: plan.faults.findIndex((p) => p.name === f.name), round: f.round, kind: f.kind, targets: f.targets, injectedAt: ms(f.injectedAt), healedAt: ms(f.healedAt), leaseExpiresAt: ms(f.leaseExpiresAt), endsAt: undefined, renewAt: undefined, error: f.error })
}

const restoredRound = (r: RoundStatus): RoundRecord =>
  defined({ round: r.round, startedAt: ms(r.startedAt) ?? 0, firstInjectedAt: ms(r.injectedAt), detectedAt: ms(r.detectedAt), recoveredAt: ms(r.recoveredAt) })

/**
 * The step's state rebuilt from `.status` by a controller taking over at `now`. No status (or
 * Pending): a fresh start with `seed`. Completed: nothing to do.
 */
export function restoreExperiment(plan: ExperimentPlan, status: ChaosExperimentStatus | undefined, seed: number, now: number, config: ExperimentConfig = DEFAULT_EXPERIMENT_CONFIG): ExperimentStep {
  if (status === undefined || status.phase === 'Pending') return startExperiment(plan, status?.seed ?? seed, now, config)
  const started = startExperiment(plan, status.seed, ms(status.startedAt) ?? now, config).state
  const faults = status.faults.map((f) => restoredFault(f, plan))
  const left = faults.filter((f) => f.injectedAt !== undefined && f.healedAt === undefined)
  const rounds = status.rounds.length > 0 ? status.rounds.map(restoredRound) : [{ round: status.round, startedAt: now }]
  // Taken over while its first faults were being aimed (nothing of the round injected yet): the
  // round starts again from its steady-state check rather than going on as if it had run.
  const nothingInjected = status.phase === 'Injecting' && !faults.some((f) => f.round === status.round && f.injectedAt !== undefined)
  const midRound = ['Injecting', 'Observing', 'Recovering'].includes(status.phase) && !nothingInjected
  const outcome = nothingInjected ? ': nothing injected yet; the round starts again' : `${left.length > 0 ? `: healed ${left.map((f) => f.name).join(', ')}` : ''}${midRound && status.phase !== 'Recovering' ? '; the rest of the round skipped' : ''}`
  const warning = `controller restarted at ${time(now)} in ${status.phase}, round ${status.round}${outcome}`
  const state: ExperimentState = {
    ...started,
    phase: status.phase === 'Completed' ? 'Completed' : midRound ? 'Recovering' : 'SteadyStateCheck',
    phaseSince: now,
    checkFrom: now,
    round: status.round,
    // A round checked again injects all its faults; one in recovery, none.
    nextFault: midRound ? plan.faults.length : 0,
    faults: faults.map((f) => (left.includes(f) ? { ...f, healedAt: now, leaseExpiresAt: undefined } : f)),
    rounds,
    // No run is in flight: those the old controller started died with it (and the one the fresh
    // start above began would otherwise count as lost, a failure nobody saw).
    probes: started.probes.map((p) => {
      const was = status.probes.find((x) => x.name === p.name)
      return was === undefined ? { ...p, nextRunAt: now, runningSince: undefined } : { ...p, runningSince: undefined, successes: was.successes, failures: was.failures, nextRunAt: now, ...(was.lastError !== undefined ? { lastError: was.lastError } : {}), ...(was.timeline !== undefined ? { timeline: restoredTimeline(was.timeline) } : {}) }
    }),
    errors: status.errors,
    warnings: status.phase === 'Completed' ? status.warnings : [...status.warnings, warning],
    ...(status.verdict !== undefined ? { verdict: status.verdict } : {}),
    ...(status.reason !== undefined ? { reason: status.reason } : {}),
    ...(status.linearizable !== undefined && status.ackedWritesLost !== undefined ? { store: { linearizable: status.linearizable, ackedWritesLost: status.ackedWritesLost } } : {}),
    ...(ms(status.finishedAt) !== undefined ? { finishedAt: ms(status.finishedAt)! } : {}),
  }
  if (state.phase === 'Completed') return { state: { ...state, written: undefined }, effects: [] }
  const heals: ExperimentEffect[] = left.map((f) => ({ type: 'heal', fault: f.name, round: f.round, kind: f.kind, targets: f.targets }))
  const next = experimentStep(state, { type: 'tick' }, now)
  return { state: next.state, effects: [...heals, { type: 'event', eventType: 'Warning', reason: 'ControllerRestarted', message: warning }, ...next.effects] }
}
