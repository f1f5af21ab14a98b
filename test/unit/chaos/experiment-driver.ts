/**
 * Drives the pure experiment step on a simulated clock, standing in for the chaos controller's
 * adapter: it answers `resolveTargets` from a table, runs probes against a scripted health
 * function (each answer after `probeLatencyMs`), answers `checkStore`, fires the one timer, and
 * records every effect with the time it was given. Not a test file.
 */
import type { ChaosExperimentSpec, ChaosExperimentStatus } from '../../../actors/chaos/api.ts'
import { planOf } from '../../../actors/chaos/experiment-plan.ts'
import { experimentStep, startExperiment, type ExperimentConfig, type ExperimentEffect, type ExperimentInput, type ExperimentState, type ExperimentStep } from '../../../actors/chaos/experiment-step.ts'

export const T0 = Date.parse('2026-12-06T12:00:00Z')

export interface Script {
  /** Candidates per fault name (default: none known: the selector matches nothing). */
  readonly candidates?: Readonly<Record<string, readonly string[]>>
  /** Whether probe `name` passes when run at `at` (default: always). */
  readonly healthy?: (name: string, at: number) => boolean
  readonly probeLatencyMs?: number
  /** Probes whose runs are never answered. */
  readonly silentProbes?: readonly string[]
  readonly store?: { readonly linearizable: boolean; readonly ackedWritesLost: number } | 'silent'
  /** Inputs at given times (an abort, an inject failure). */
  readonly inputs?: readonly { readonly at: number; readonly input: ExperimentInput }[]
  readonly config?: ExperimentConfig
}

export interface Recorded {
  readonly at: number
  readonly effect: ExperimentEffect
}

export class Driver {
  now: number
  state: ExperimentState
  readonly log: Recorded[] = []
  status: ChaosExperimentStatus | undefined
  #timer: number | undefined
  #pending: { at: number; input: ExperimentInput }[] = []

  readonly script: Script

  constructor(script: Script, first: ExperimentStep, now: number) {
    this.script = script
    this.now = now
    this.state = first.state
    for (const input of script.inputs ?? []) this.#pending.push({ ...input })
    this.#apply(first)
  }

  static start(spec: ChaosExperimentSpec, seed: number, script: Script = {}, now = T0): Driver {
    return new Driver(script, startExperiment(planOf(spec), seed, now, script.config), now)
  }

  /** Feeds one input now. */
  feed(input: ExperimentInput): void {
    this.#apply(experimentStep(this.state, input, this.now))
  }

  /** Runs until the experiment completes, `until` passes, or nothing is left to happen. */
  run(until = this.now + 600_000): this {
    while (this.state.phase !== 'Completed') {
      const next = Math.min(this.#timer ?? Infinity, ...this.#pending.map((p) => p.at))
      if (!Number.isFinite(next) || next > until) break
      this.now = Math.max(this.now, next)
      const due = this.#pending.filter((p) => p.at <= this.now)
      this.#pending = this.#pending.filter((p) => p.at > this.now)
      if (due.length > 0) for (const p of due) this.feed(p.input)
      else {
        this.#timer = undefined
        this.feed({ type: 'tick' })
      }
    }
    return this
  }

  effects<T extends ExperimentEffect['type']>(type: T): (Recorded & { effect: Extract<ExperimentEffect, { type: T }> })[] {
    return this.log.filter((r) => r.effect.type === type) as never
  }

  #apply(step: ExperimentStep): void {
    this.state = step.state
    for (const effect of step.effects) {
      this.log.push({ at: this.now, effect })
      this.#carryOut(effect)
    }
  }

  #carryOut(effect: ExperimentEffect): void {
    const latency = this.script.probeLatencyMs ?? 10
    switch (effect.type) {
      case 'armTimer':
        this.#timer = effect.at
        return
      case 'writeStatus':
        this.status = effect.status
        return
      case 'resolveTargets':
        this.#pending.push({ at: this.now, input: { type: 'targets', fault: effect.fault.name, candidates: this.script.candidates?.[effect.fault.name] ?? [] } })
        return
      case 'runProbe': {
        if (this.script.silentProbes?.includes(effect.probe.name)) return
        const ok = this.script.healthy?.(effect.probe.name, this.now) ?? true
        this.#pending.push({ at: this.now + latency, input: { type: 'probe.result', probe: effect.probe.name, ok, ...(ok ? {} : { error: 'probe failed' }) } })
        return
      }
      case 'checkStore':
        if (this.script.store !== 'silent') this.#pending.push({ at: this.now + 5, input: { type: 'store.checked', ...(this.script.store ?? { linearizable: true, ackedWritesLost: 0 }) } })
        return
      default:
        return
    }
  }
}
