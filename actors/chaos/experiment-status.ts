/**
 * An experiment's state as its `.status` (what `kubectl get -o json` shows and the report
 * reads), and back: a chaos controller that takes over mid-experiment (the old one died, or lost
 * its lease) rebuilds the step's state from `.status` alone and reconciles to the plan. Each fault
 * of the round in progress that the status shows in force stays in force until its planned end
 * (injectedAt + its duration): it is granted again under the same lease (`inject` with `resume`:
 * a one-shot kind is not carried out again), renewed and healed at that end, and the round goes on
 * as planned (Serial: the faults after it follow). A fault whose planned end has passed is healed
 * at once. A round taken over before any of its faults was injected (its status says Injecting,
 * none in it yet; grants are sent only after that status landed) or in its steady-state check
 * runs again in full; one taken over in recovery goes on recovering.
 */
import type { ChaosExperimentStatus, FaultStatus, ProbeStatus, RoundStatus } from './api.ts'
import type { ExperimentPlan, PlannedFault } from './experiment-plan.ts'
import { withStoreChecks } from './store-probe-plan.ts'
import { restoredTimeline, timelineStatus } from './probe-timeline.ts'
import { availability, DEFAULT_EXPERIMENT_CONFIG, experimentStep, inForce, renewEvery, startExperiment, type ExperimentConfig, type ExperimentEffect, type ExperimentState, type ExperimentStep, type FaultRun, type RoundRecord } from './experiment-step.ts'

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

/** A fault's planned end: when it was injected plus the plan's duration for it. */
const plannedEnd = (f: FaultRun, plan: ExperimentPlan): number | undefined => (f.injectedAt === undefined || f.index < 0 ? undefined : f.injectedAt + plan.faults[f.index]!.durationMs)

interface TakenOver {
  readonly faults: readonly FaultRun[]
  /** In force until their planned end, granted again now. */
  readonly resumed: readonly FaultRun[]
  /** Their planned end passed (or they belong to no round in progress): healed now. */
  readonly healed: readonly FaultRun[]
}

/**
 * The faults the status shows in force, taken over at `now`: those of the round in progress whose
 * planned end is still ahead stay in force until then (renewed from now on), the others are healed.
 */
function takeOverFaults(faults: readonly FaultRun[], plan: ExperimentPlan, round: number | undefined, config: ExperimentConfig, now: number): TakenOver {
  const resumed: FaultRun[] = []
  const healed: FaultRun[] = []
  const taken = faults.map((f): FaultRun => {
    if (!inForce(f)) return f
    const end = plannedEnd(f, plan)
    if (f.round === round && end !== undefined && end > now) {
      const run = { ...f, endsAt: end, leaseExpiresAt: Math.min(now + config.leaseMs, end), renewAt: now + renewEvery({ config }) }
      resumed.push(run)
      return run
    }
    const run = { ...f, healedAt: now, leaseExpiresAt: undefined }
    healed.push(run)
    return run
  })
  return { faults: taken, resumed, healed }
}

/** Serial: the fault after the last one this round recorded; Parallel: every fault has started. */
function nextFaultOf(plan: ExperimentPlan, faults: readonly FaultRun[], round: number): number {
  if (!plan.serial) return plan.faults.length
  const recorded = faults.filter((f) => f.round === round).map((f) => f.index)
  return recorded.length === 0 ? 0 : Math.max(...recorded) + 1
}

/** Parallel, taken over while aiming its faults: those not yet recorded this round are aimed again. */
const unaimedFaults = (plan: ExperimentPlan, faults: readonly FaultRun[], round: number): readonly PlannedFault[] =>
  plan.serial ? [] : plan.faults.filter((p) => !faults.some((f) => f.round === round && f.index === p.index))

const resumeEffect = (f: FaultRun, plan: ExperimentPlan): ExperimentEffect => ({ type: 'inject', fault: f.name, round: f.round, kind: f.kind, targets: f.targets, params: plan.faults[f.index]!.params, leaseExpiresAt: f.leaseExpiresAt!, resume: true })

/** What the warning and the ControllerRestarted Event say became of the round. */
function takeoverOutcome(nothingInjected: boolean, taken: TakenOver, unaimed: readonly PlannedFault[]): string {
  if (nothingInjected) return ': nothing injected yet; the round starts again'
  const parts = [
    taken.resumed.length > 0 ? `resumed ${taken.resumed.map((f) => `${f.name} until ${time(f.endsAt)}`).join(', ')}` : '',
    taken.healed.length > 0 ? `healed ${taken.healed.map((f) => f.name).join(', ')}` : '',
    unaimed.length > 0 ? `aiming ${unaimed.map((f) => f.name).join(', ')} again` : '',
  ].filter((part) => part !== '')
  return parts.length === 0 ? '' : `: ${parts.join('; ')}`
}

/** Where a taken-over experiment goes on: mid-round it observes (or aims what it had not aimed yet); before any injection it checks the steady state again. */
function restoredPhase(phase: ChaosExperimentStatus['phase'], midRound: boolean, aiming: boolean): ExperimentState['phase'] {
  if (phase === 'Completed' || phase === 'Recovering') return phase
  if (!midRound) return 'SteadyStateCheck'
  return aiming ? 'Injecting' : 'Observing'
}

/**
 * The step's state rebuilt from `.status` by a controller taking over at `now`. No status (or
 * Pending): a fresh start with `seed`. Completed: nothing to do.
 */
export function restoreExperiment(plan: ExperimentPlan, status: ChaosExperimentStatus | undefined, seed: number, now: number, config: ExperimentConfig = DEFAULT_EXPERIMENT_CONFIG): ExperimentStep {
  if (status === undefined || status.phase === 'Pending') return startExperiment(plan, status?.seed ?? seed, now, config)
  const started = startExperiment(plan, status.seed, ms(status.startedAt) ?? now, config).state
  const recorded = status.faults.map((f) => restoredFault(f, plan))
  const rounds = status.rounds.length > 0 ? status.rounds.map(restoredRound) : [{ round: status.round, startedAt: now }]
  // Taken over while its first faults were being aimed (nothing of the round injected yet): the
  // round starts again from its steady-state check rather than going on as if it had run.
  const nothingInjected = status.phase === 'Injecting' && !recorded.some((f) => f.round === status.round && f.injectedAt !== undefined)
  const midRound = (status.phase === 'Injecting' || status.phase === 'Observing') && !nothingInjected
  const taken = takeOverFaults(recorded, plan, midRound ? status.round : undefined, config, now)
  const unaimed = status.phase === 'Injecting' && midRound ? unaimedFaults(plan, recorded, status.round) : []
  const warning = `controller restarted at ${time(now)} in ${status.phase}, round ${status.round}${takeoverOutcome(nothingInjected, taken, unaimed)}`
  const state: ExperimentState = {
    ...started,
    phase: restoredPhase(status.phase, midRound, unaimed.length > 0),
    phaseSince: now,
    checkFrom: now,
    round: status.round,
    // A round checked again injects all its faults; one in recovery, none.
    nextFault: midRound ? nextFaultOf(plan, recorded, status.round) : status.phase === 'Recovering' ? plan.faults.length : 0,
    resolving: unaimed.map((f) => ({ index: f.index, deadline: now + config.resolveTimeoutMs })),
    faults: taken.faults,
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
  const heals: ExperimentEffect[] = taken.healed.map((f) => ({ type: 'heal', fault: f.name, round: f.round, kind: f.kind, targets: f.targets }))
  const resumes = taken.resumed.map((f) => resumeEffect(f, plan))
  const aims: ExperimentEffect[] = unaimed.map((fault) => ({ type: 'resolveTargets', fault }))
  const next = experimentStep(state, { type: 'tick' }, now)
  return { state: next.state, effects: [...heals, ...resumes, ...aims, { type: 'event', eventType: 'Warning', reason: 'ControllerRestarted', message: warning }, ...next.effects] }
}
