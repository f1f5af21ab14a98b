/**
 * One chaos experiment as a pure step, in the manner of etcd's raft Step and the lease elector:
 * `experimentStep(state, input, now)` returns the next state and the effects to carry out; the
 * chaos controller's adapter only carries them out and feeds back what came of them (targets
 * resolved, probe results, the store check). No I/O, no timers, no Math.random: `now` comes in,
 * and every random choice is drawn from the experiment's seed (targets.ts).
 *
 * Phases: Pending -> SteadyStateCheck -> Injecting -> Observing -> Recovering -> (next round:
 * SteadyStateCheck after `interval`) -> Completed with a verdict. Faults run one after the other
 * (Serial) or all at once (Parallel). Every fault is a lease: `inject` carries an expiry the
 * applying host lets it lapse at unless `renew`ed, and never past the fault's own end, so a
 * controller that dies leaves nothing behind for longer than one lease. An abort (a probe that
 * fails, the actorkube.io/abort annotation, the experiment deleted) heals every fault at once.
 *
 * Measurements come from probe results: time to detect (first failing probe after the round's
 * first injection), time to recover (every probe passing again after that, both from the first
 * injection), availability (passing runs / runs during the faults and recovery).
 */
import type { ChaosExperimentStatus, ExperimentPhase, Verdict } from './api.ts'
import { statusChange } from './experiment-status.ts'
import type { ExperimentPlan, PlannedFault, PlannedProbe } from './experiment-plan.ts'
import { drawSeed, pickTargets } from './targets.ts'
import { storeCheckFailure, type StoreProbeCheck } from './store-probe-plan.ts'
import { recordResult, timelineGapMs, type TimelineSegment } from './probe-timeline.ts'

export interface ExperimentConfig {
  /** A fault's lease: the host lets the fault lapse this long after the last inject/renew. */
  readonly leaseMs: number
  /** How long the adapter may take to say what a fault's selector matches. */
  readonly resolveTimeoutMs: number
  /** How long the store probe's check may take after the last round. */
  readonly storeCheckTimeoutMs: number
  /** Probe counts alone are written to status at most this often. */
  readonly statusEveryMs: number
}

export const DEFAULT_EXPERIMENT_CONFIG: ExperimentConfig = { leaseMs: 10_000, resolveTimeoutMs: 10_000, storeCheckTimeoutMs: 30_000, statusEveryMs: 1000 }

export interface FaultRun {
  readonly name: string
  readonly index: number
  readonly round: number
  readonly kind: string
  readonly targets: readonly string[]
  readonly injectedAt?: number
  readonly endsAt?: number
  readonly healedAt?: number
  readonly leaseExpiresAt?: number
  readonly renewAt?: number
  readonly error?: string
}

export interface ProbeState {
  readonly name: string
  readonly successes: number
  readonly failures: number
  readonly consecutiveFailures: number
  /** The latest result, and when it came. */
  readonly lastOk?: boolean
  readonly lastAt?: number
  readonly lastError?: string
  readonly nextRunAt: number
  /** When the run in flight started (undefined: none). */
  readonly runningSince?: number
  /** Its results over time, in every phase (probe-timeline.ts). */
  readonly timeline?: readonly TimelineSegment[]
}

export interface RoundRecord {
  readonly round: number
  readonly startedAt: number
  readonly firstInjectedAt?: number
  readonly detectedAt?: number
  readonly recoveredAt?: number
}

export interface ExperimentState {
  readonly plan: ExperimentPlan
  readonly config: ExperimentConfig
  readonly seed: number
  readonly phase: ExperimentPhase
  readonly phaseSince: number
  /** 1-based. */
  readonly round: number
  readonly startedAt: number
  /** SteadyStateCheck counts results from here (a round's `interval` ends here). */
  readonly checkFrom: number
  /** Serial: the next fault of the round to inject. */
  readonly nextFault: number
  /** Faults waiting for their targets, and until when. */
  readonly resolving: readonly { readonly index: number; readonly deadline: number }[]
  readonly faults: readonly FaultRun[]
  readonly rounds: readonly RoundRecord[]
  readonly probes: readonly ProbeState[]
  readonly errors: readonly string[]
  readonly warnings: readonly string[]
  /** Set once the rounds are over: the verdict waits for the store check. */
  readonly ending?: { readonly verdict: Verdict; readonly reason: string; readonly storeDeadline?: number }
  readonly store?: { readonly linearizable: boolean; readonly ackedWritesLost: number; readonly probes?: readonly StoreProbeCheck[] }
  readonly verdict?: Verdict
  readonly reason?: string
  readonly finishedAt?: number
  /** The status last written (its key without probe counts, and when). */
  readonly written?: { readonly key: string; readonly full: string; readonly at: number }
}

export type ExperimentInput =
  | { readonly type: 'tick' }
  | { readonly type: 'targets'; readonly fault: string; readonly candidates: readonly string[] }
  | { readonly type: 'inject.failed'; readonly fault: string; readonly error: string }
  | { readonly type: 'probe.result'; readonly probe: string; readonly ok: boolean; readonly error?: string }
  /** `probes`: each store probe's check (the totals fold them: store-probe-plan.ts). */
  | { readonly type: 'store.checked'; readonly linearizable: boolean; readonly ackedWritesLost: number; readonly probes?: readonly StoreProbeCheck[] }
  /** The abort annotation, or the experiment deleted. */
  | { readonly type: 'abort'; readonly reason: string }

export type ExperimentEffect =
  | { readonly type: 'resolveTargets'; readonly fault: PlannedFault }
  /**
   * `resume`: a controller that took over grants again a fault its predecessor injected, under the
   * same lease, until the fault's planned end. A leased fault is granted again (a host still holding
   * it just renews it); a one-shot action (a host killed, a pod deleted) is not carried out again.
   */
  | { readonly type: 'inject'; readonly fault: string; readonly round: number; readonly kind: string; readonly targets: readonly string[]; readonly params: Readonly<Record<string, unknown>>; readonly leaseExpiresAt: number; readonly resume?: true }
  | { readonly type: 'renew'; readonly fault: string; readonly round: number; readonly targets: readonly string[]; readonly leaseExpiresAt: number }
  | { readonly type: 'heal'; readonly fault: string; readonly round: number; readonly kind: string; readonly targets: readonly string[] }
  | { readonly type: 'runProbe'; readonly probe: PlannedProbe }
  | { readonly type: 'checkStore'; readonly probes: readonly string[] }
  | { readonly type: 'event'; readonly eventType: 'Normal' | 'Warning'; readonly reason: string; readonly message: string }
  /** The whole status, whenever it changed (probe counts alone: at most every `statusEveryMs`). */
  | { readonly type: 'writeStatus'; readonly status: ChaosExperimentStatus }
  | { readonly type: 'armTimer'; readonly at: number }

export interface ExperimentStep {
  readonly state: ExperimentState
  readonly effects: readonly ExperimentEffect[]
}

type Draft = { state: ExperimentState; effects: ExperimentEffect[] }

const MEASURING: readonly ExperimentPhase[] = ['Injecting', 'Observing', 'Recovering']
/** Injected and not healed yet. */
export const inForce = (f: FaultRun): boolean => f.injectedAt !== undefined && f.healedAt === undefined

const event = (d: Draft, eventType: 'Normal' | 'Warning', reason: string, message: string): void => void d.effects.push({ type: 'event', eventType, reason, message })
const set = (d: Draft, patch: Partial<ExperimentState>): void => void (d.state = { ...d.state, ...patch })
const enter = (d: Draft, phase: ExperimentPhase, now: number): void => set(d, { phase, phaseSince: now })
const currentRound = (s: ExperimentState): RoundRecord => s.rounds[s.rounds.length - 1]!
const setRound = (d: Draft, patch: Partial<RoundRecord>): void => set(d, { rounds: [...d.state.rounds.slice(0, -1), { ...currentRound(d.state), ...patch }] })

/** A new experiment: checks the steady state at once (every probe runs now). */
export function startExperiment(plan: ExperimentPlan, seed: number, now: number, config: ExperimentConfig = DEFAULT_EXPERIMENT_CONFIG): ExperimentStep {
  const state: ExperimentState = {
    plan,
    config,
    seed,
    phase: 'SteadyStateCheck',
    phaseSince: now,
    round: 1,
    startedAt: now,
    checkFrom: now,
    nextFault: 0,
    resolving: [],
    faults: [],
    rounds: [{ round: 1, startedAt: now }],
    probes: plan.probes.map((p) => ({ name: p.name, successes: 0, failures: 0, consecutiveFailures: 0, nextRunAt: now })),
    errors: [],
    warnings: [],
  }
  const d: Draft = { state, effects: [] }
  event(d, 'Normal', 'Started', `seed ${seed}, ${plan.repeat} round(s) of ${plan.faults.length} fault(s), ${plan.serial ? 'Serial' : 'Parallel'}`)
  return finish(d, now)
}

export function experimentStep(state: ExperimentState, input: ExperimentInput, now: number): ExperimentStep {
  const d: Draft = { state, effects: [] }
  if (state.phase === 'Completed') return { state, effects: [] }
  switch (input.type) {
    case 'tick':
      break
    case 'targets':
      onTargets(d, input.fault, input.candidates, now)
      break
    case 'inject.failed':
      onInjectFailed(d, input.fault, input.error)
      break
    case 'probe.result':
      onProbeResult(d, input.probe, input.ok, input.error, now)
      break
    case 'store.checked':
      set(d, { store: { linearizable: input.linearizable, ackedWritesLost: input.ackedWritesLost, ...(input.probes !== undefined ? { probes: input.probes } : {}) } })
      break
    case 'abort':
      abort(d, input.reason, now)
      break
  }
  return finish(d, now)
}

/** Advances whatever is due at `now`, then runs due probes and arms the one timer. */
function finish(d: Draft, now: number): ExperimentStep {
  expireLostRuns(d, now)
  for (let guard = 0; guard < 100 && d.state.phase !== 'Completed'; guard++) {
    const before = d.state
    advance(d, now)
    if (d.state === before) break
  }
  if (d.state.phase !== 'Completed') runDueProbes(d, now)
  const change = statusChange(d.state, now)
  if (change !== undefined) {
    set(d, { written: change.written })
    // Persist before acting (etcd's order): the status names a fault before any host applies it,
    // so a successor always knows what to heal. The adapter retries a failed status write before going on.
    const firstInject = d.effects.findIndex((e) => e.type === 'inject')
    d.effects.splice(firstInject < 0 ? d.effects.length : firstInject, 0, { type: 'writeStatus', status: change.status })
  }
  const at = wakeAt(d.state, now)
  if (at !== undefined) d.effects.push({ type: 'armTimer', at })
  return { state: d.state, effects: d.effects }
}

function advance(d: Draft, now: number): void {
  const s = d.state
  switch (s.phase) {
    case 'Pending':
    case 'SteadyStateCheck':
      return steadyStateCheck(d, now)
    case 'Injecting':
      return injecting(d, now)
    case 'Observing':
      return observing(d, now)
    case 'Recovering':
      return recovering(d, now)
    case 'Completed':
      return
  }
}

const passingSince = (s: ExperimentState, from: number): boolean => s.probes.every((p) => p.lastOk === true && (p.lastAt ?? -Infinity) >= from)

function steadyStateCheck(d: Draft, now: number): void {
  const s = d.state
  if (now < s.checkFrom) return
  if (passingSince(s, s.checkFrom)) {
    event(d, 'Normal', 'SteadyStateMet', `round ${s.round}: every probe passes`)
    setRound(d, { startedAt: now })
    enter(d, 'Injecting', now)
    return beginFaults(d, now)
  }
  if (now >= s.checkFrom + s.plan.steadyStateTimeoutMs) {
    const failing = s.probes.filter((p) => p.lastOk !== true).map((p) => p.name)
    event(d, 'Warning', 'SteadyStateNotMet', `round ${s.round}: not passing after ${s.plan.steadyStateTimeoutMs} ms: ${failing.join(', ')}`)
    conclude(d, 'Failed', `SteadyStateNotMet: ${failing.join(', ')}`, now)
  }
}

/** Asks for the targets of the faults that start now: the next one (Serial) or all (Parallel). */
function beginFaults(d: Draft, now: number): void {
  const s = d.state
  const starting = s.plan.serial ? s.plan.faults.slice(s.nextFault, s.nextFault + 1) : s.plan.faults
  set(d, { resolving: starting.map((f) => ({ index: f.index, deadline: now + s.config.resolveTimeoutMs })), nextFault: s.plan.serial ? s.nextFault + 1 : s.plan.faults.length })
  for (const fault of starting) d.effects.push({ type: 'resolveTargets', fault })
}

function onTargets(d: Draft, name: string, candidates: readonly string[], now: number): void {
  const s = d.state
  const fault = s.plan.faults.find((f) => f.name === name)
  if (fault === undefined || !s.resolving.some((r) => r.index === fault.index)) return
  set(d, { resolving: s.resolving.filter((r) => r.index !== fault.index) })
  const targets = pickTargets(candidates, fault.mode, fault.value, drawSeed(s.seed, s.round, fault.index))
  if (targets.length === 0) {
    const warning = `round ${s.round}: fault ${name}: the target selector matches nothing; not injected`
    set(d, { warnings: [...d.state.warnings, warning], faults: [...d.state.faults, { name, index: fault.index, round: s.round, kind: fault.kind, targets: [] }] })
    return event(d, 'Warning', 'NoTargets', warning)
  }
  const endsAt = now + fault.durationMs
  const leaseExpiresAt = Math.min(now + s.config.leaseMs, endsAt)
  const run: FaultRun = { name, index: fault.index, round: s.round, kind: fault.kind, targets, injectedAt: now, endsAt, leaseExpiresAt, renewAt: now + renewEvery(s) }
  set(d, { faults: [...d.state.faults, run] })
  if (currentRound(d.state).firstInjectedAt === undefined) setRound(d, { firstInjectedAt: now })
  d.effects.push({ type: 'inject', fault: name, round: s.round, kind: fault.kind, targets, params: fault.params, leaseExpiresAt })
  event(d, 'Normal', 'FaultInjected', `round ${s.round}: ${fault.kind} ${name} on ${targets.join(', ')} for ${fault.durationMs} ms`)
}

/** How often a fault's lease is renewed: every third of a lease. */
export const renewEvery = (s: Pick<ExperimentState, 'config'>): number => Math.max(1, Math.floor(s.config.leaseMs / 3))

function onInjectFailed(d: Draft, name: string, error: string): void {
  const s = d.state
  const i = s.faults.findIndex((f) => f.name === name && f.round === s.round)
  const message = `round ${s.round}: fault ${name}: ${error}`
  set(d, { errors: [...s.errors, message] })
  if (i >= 0) set(d, { faults: s.faults.map((f, j) => (j === i ? { ...f, error } : f)) })
  event(d, 'Warning', 'InjectionFailed', message)
}

function injecting(d: Draft, now: number): void {
  const s = d.state
  for (const r of s.resolving.filter((r) => now >= r.deadline)) {
    const fault = s.plan.faults[r.index]!
    const message = `round ${s.round}: fault ${fault.name}: its targets were not resolved within ${s.config.resolveTimeoutMs} ms`
    set(d, { resolving: d.state.resolving.filter((x) => x.index !== r.index), errors: [...d.state.errors, message], faults: [...d.state.faults, { name: fault.name, index: fault.index, round: s.round, kind: fault.kind, targets: [], error: 'targets not resolved' }] })
    event(d, 'Warning', 'InjectionFailed', message)
  }
  if (d.state.resolving.length === 0) enter(d, 'Observing', now)
}

function observing(d: Draft, now: number): void {
  const s = d.state
  const faults = s.faults.map((f): FaultRun => {
    if (!inForce(f)) return f
    if (now >= f.endsAt!) {
      d.effects.push({ type: 'heal', fault: f.name, round: f.round, kind: f.kind, targets: f.targets })
      event(d, 'Normal', 'FaultHealed', `round ${f.round}: ${f.kind} ${f.name} healed`)
      return { ...f, healedAt: now }
    }
    if (now >= f.renewAt!) {
      const leaseExpiresAt = Math.min(now + s.config.leaseMs, f.endsAt!)
      d.effects.push({ type: 'renew', fault: f.name, round: f.round, targets: f.targets, leaseExpiresAt })
      return { ...f, leaseExpiresAt, renewAt: now + renewEvery(s) }
    }
    return f
  })
  if (faults.some((f, i) => f !== s.faults[i])) set(d, { faults })
  if (d.state.faults.some(inForce)) return
  if (s.plan.serial && d.state.nextFault < s.plan.faults.length) {
    enter(d, 'Injecting', now)
    return beginFaults(d, now)
  }
  enter(d, 'Recovering', now)
}

function recovering(d: Draft, now: number): void {
  const s = d.state
  if (s.ending !== undefined) {
    const storeAnswered = s.store !== undefined || s.ending.storeDeadline === undefined
    if (storeAnswered) return conclude(d, s.ending.verdict, s.ending.reason, now)
    if (now >= s.ending.storeDeadline!) {
      set(d, { errors: [...s.errors, `the store check did not answer within ${s.config.storeCheckTimeoutMs} ms`] })
      return conclude(d, 'Failed', 'StoreCheckMissing', now)
    }
    return
  }
  if (passingSince(s, s.phaseSince)) {
    const round = currentRound(s)
    if (round.detectedAt !== undefined && round.recoveredAt === undefined) setRound(d, { recoveredAt: now })
    event(d, 'Normal', 'Recovered', `round ${s.round}: every probe passes again`)
    if (s.round < s.plan.repeat) return nextRound(d, now)
    return endRounds(d, 'Passed', 'AllProbesRecovered', now)
  }
  if (now >= s.phaseSince + s.plan.recoveryTimeoutMs) {
    const failing = s.probes.filter((p) => p.lastOk !== true).map((p) => p.name)
    event(d, 'Warning', 'NotRecovered', `round ${s.round}: still failing ${s.plan.recoveryTimeoutMs} ms after the last heal: ${failing.join(', ')}`)
    endRounds(d, 'Failed', `NotRecovered: ${failing.join(', ')}`, now)
  }
}

function nextRound(d: Draft, now: number): void {
  const round = d.state.round + 1
  set(d, { round, nextFault: 0, checkFrom: now + d.state.plan.intervalMs, rounds: [...d.state.rounds, { round, startedAt: now + d.state.plan.intervalMs }] })
  enter(d, 'SteadyStateCheck', now)
}

/** The rounds are over: ask for the store check (if there is a store probe), then conclude. */
function endRounds(d: Draft, verdict: Verdict, reason: string, now: number): void {
  const storeProbes = d.state.plan.probes.filter((p) => p.type === 'store').map((p) => p.name)
  if (storeProbes.length === 0) return conclude(d, verdict, reason, now)
  d.effects.push({ type: 'checkStore', probes: storeProbes })
  set(d, { ending: { verdict, reason, storeDeadline: now + d.state.config.storeCheckTimeoutMs } })
}

function abort(d: Draft, reason: string, now: number): void {
  healAll(d, now)
  event(d, 'Warning', 'Aborted', reason)
  conclude(d, 'Aborted', reason, now)
}

/** Heals every fault in force, in this one step. */
function healAll(d: Draft, now: number): void {
  const faults = d.state.faults.map((f) => {
    if (!inForce(f)) return f
    d.effects.push({ type: 'heal', fault: f.name, round: f.round, kind: f.kind, targets: f.targets })
    return { ...f, healedAt: now }
  })
  set(d, { faults, resolving: [] })
}

/**
 * The verdict: Aborted stays Aborted; otherwise Failed if the rounds failed, a fault could not be
 * injected, a probe's availability fell below its minimum, or the store probe found a
 * non-linearizable history or lost acknowledged writes; else Passed.
 */
function conclude(d: Draft, verdict: Verdict, reason: string, now: number): void {
  healAll(d, now)
  const s = d.state
  let final: { verdict: Verdict; reason: string } = { verdict, reason }
  if (verdict === 'Passed') {
    const low = s.plan.probes.find((p) => p.minAvailabilityPercent !== undefined && availability(s.probes.find((x) => x.name === p.name)!) < p.minAvailabilityPercent)
    if (s.errors.length > 0) final = { verdict: 'Failed', reason: `InjectionFailed: ${s.errors[0]}` }
    else if (s.store?.probes !== undefined && storeCheckFailure(s.store.probes) !== undefined) final = { verdict: 'Failed', reason: storeCheckFailure(s.store.probes)! }
    else if (s.store !== undefined && s.store.ackedWritesLost > 0) final = { verdict: 'Failed', reason: `AckedWritesLost: ${s.store.ackedWritesLost}` }
    else if (s.store !== undefined && !s.store.linearizable) final = { verdict: 'Failed', reason: 'NotLinearizable' }
    else if (low !== undefined) final = { verdict: 'Failed', reason: `AvailabilityBelowTarget: ${low.name} under ${low.minAvailabilityPercent}%` }
  }
  set(d, { verdict: final.verdict, reason: final.reason, finishedAt: now, ending: undefined, resolving: [] })
  enter(d, 'Completed', now)
  event(d, final.verdict === 'Passed' ? 'Normal' : 'Warning', final.verdict, final.reason)
}

/** Passing runs / runs during the faults and recovery, in percent; 100 when it never ran then. */
export const availability = (p: ProbeState): number => {
  const runs = p.successes + p.failures
  return runs === 0 ? 100 : Math.round((p.successes / runs) * 10_000) / 100
}

function onProbeResult(d: Draft, name: string, ok: boolean, error: string | undefined, now: number): void {
  const s = d.state
  const i = s.probes.findIndex((p) => p.name === name)
  const planned = s.plan.probes.find((p) => p.name === name)
  if (i < 0 || planned === undefined) return
  const measuring = MEASURING.includes(s.phase)
  const p = s.probes[i]!
  const next: ProbeState = {
    ...p,
    successes: p.successes + (measuring && ok ? 1 : 0),
    failures: p.failures + (measuring && !ok ? 1 : 0),
    consecutiveFailures: ok ? 0 : p.consecutiveFailures + 1,
    lastOk: ok,
    lastAt: now,
    ...(ok ? {} : { lastError: error ?? 'failed' }),
    runningSince: undefined,
    timeline: recordResult(p.timeline ?? [], ok, error, now, timelineGapMs(planned.intervalMs, planned.timeoutMs)),
  }
  set(d, { probes: s.probes.map((x, j) => (j === i ? next : x)) })
  if (!measuring || currentRound(s).firstInjectedAt === undefined) return
  if (!ok && next.consecutiveFailures === planned.failureThreshold) probeFailing(d, planned, next, now)
  if (ok && passingSince(d.state, -Infinity)) {
    const round = currentRound(d.state)
    if (round.detectedAt !== undefined && round.recoveredAt === undefined) setRound(d, { recoveredAt: now })
  }
  if (!ok && s.plan.abortOnProbeFailure && s.plan.abortProbes.includes(name) && next.consecutiveFailures >= s.plan.abortFailureThreshold && d.state.phase !== 'Completed') {
    abort(d, `probe ${name} failed ${next.consecutiveFailures} time(s): ${next.lastError}`, now)
  }
}

/** A probe reached its failure threshold: the round's first detection, or a relapse after recovery. */
function probeFailing(d: Draft, probe: PlannedProbe, p: ProbeState, now: number): void {
  const round = currentRound(d.state)
  if (round.detectedAt === undefined) {
    setRound(d, { detectedAt: now })
    event(d, 'Warning', 'ProbeFailed', `round ${round.round}: ${probe.name} failing (${p.lastError}), ${now - round.firstInjectedAt!} ms after the first injection`)
  } else if (round.recoveredAt !== undefined) setRound(d, { recoveredAt: undefined })
}

/** A run the adapter never answered counts as failed once well past its timeout. */
const lostAt = (s: ExperimentState, i: number): number | undefined => {
  const since = s.probes[i]!.runningSince
  return since === undefined ? undefined : since + s.plan.probes[i]!.timeoutMs + 1000
}

function expireLostRuns(d: Draft, now: number): void {
  d.state.probes.forEach((p, i) => {
    const at = lostAt(d.state, i)
    if (at !== undefined && now >= at && d.state.phase !== 'Completed') onProbeResult(d, p.name, false, 'no result within its timeout', now)
  })
}

function runDueProbes(d: Draft, now: number): void {
  const s = d.state
  const probes = s.probes.map((p, i): ProbeState => {
    const planned = s.plan.probes[i]!
    if (p.runningSince !== undefined || now < p.nextRunAt) return p
    // A store probe's stream ends when its check begins: a write after the final reads would look lost.
    if (s.ending !== undefined && planned.type === 'store') return p
    d.effects.push({ type: 'runProbe', probe: planned })
    return { ...p, runningSince: now, nextRunAt: now + planned.intervalMs }
  })
  if (probes.some((p, i) => p !== s.probes[i])) set(d, { probes })
}

/** When something is next due after `now`: a probe run, a lease renewal, a fault's end, a phase deadline. */
function wakeAt(s: ExperimentState, now: number): number | undefined {
  if (s.phase === 'Completed') return undefined
  const times: number[] = []
  s.probes.forEach((p, i) => times.push(lostAt(s, i) ?? p.nextRunAt))
  for (const f of s.faults) if (inForce(f)) times.push(Math.min(f.renewAt!, f.endsAt!))
  for (const r of s.resolving) times.push(r.deadline)
  if (s.phase === 'SteadyStateCheck') times.push(s.checkFrom, s.checkFrom + s.plan.steadyStateTimeoutMs)
  if (s.phase === 'Recovering') times.push(s.ending?.storeDeadline ?? s.phaseSince + s.plan.recoveryTimeoutMs)
  const future = times.filter((t) => t > now)
  return future.length === 0 ? undefined : Math.min(...future)
}
