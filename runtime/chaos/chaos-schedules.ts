/**
 * ChaosSchedules run by the chaos controller's leader: an informer on chaosschedules, and for each
 * schedule the pure step (actors/chaos/schedule-step.ts, the CronJob controller's shape) over the
 * schedule and the experiments of its namespace, its actions carried out through the API
 * (runtime/controllers/action-runner.ts), then a timer on the injected clock for the next
 * scheduled time. A schedule is looked at again when it changes, when an experiment it owns
 * changes (one finishing frees a Forbid schedule and counts toward its history), at its next
 * time, and a second after a failed write. One reconcile at a time per schedule.
 *
 * The informers lag our own writes: experiments this leader created and the informer has not
 * shown yet are added to what the step sees, so one scheduled time never makes two (the name is
 * the scheduled minute, so a second create would only be refused, with a FailedCreate Event).
 */
import { CHAOS_API_VERSION } from '../../actors/chaos/api.ts'
import { reconcileChaosSchedule, type ChaosExperiment, type ChaosSchedule } from '../../actors/chaos/schedule-step.ts'
import { controllerOf } from '../../actors/controllers/_util.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { TimerHandle } from '../clock.ts'
import { runActions } from '../controllers/action-runner.ts'
import { Informer, keyOf } from '../controllers/informer.ts'
import type { EngineContext } from '../engine.ts'

const SCHEDULES = `/apis/${CHAOS_API_VERSION}/chaosschedules`
const RETRY_MS = 1000

interface ScheduleRun {
  busy: boolean
  again: boolean
  timer: TimerHandle | undefined
  /** Experiments created here that the informer had not shown yet. */
  created: ChaosExperiment[]
}

export class ChaosSchedules {
  readonly #ctx: EngineContext<never>
  readonly #experiments: (namespace: string) => readonly ChaosExperiment[]
  readonly #informer: Informer<ChaosSchedule>
  readonly #runs = new Map<string, ScheduleRun>()

  constructor(ctx: EngineContext<never>, experimentsIn: (namespace: string) => readonly ChaosExperiment[]) {
    this.#ctx = ctx
    this.#experiments = experimentsIn
    this.#informer = new Informer<ChaosSchedule>(ctx.api, SCHEDULES, (type, schedule) => (type === 'DELETED' ? this.#forget(keyOf(schedule)) : this.#mark(keyOf(schedule))), ctx.log)
  }

  start(): Promise<void> {
    return this.#informer.start()
  }

  stop(): Promise<void> {
    for (const run of this.#runs.values()) if (run.timer !== undefined) this.#ctx.clearTimer(run.timer)
    return this.#informer.stop()
  }

  /** An experiment changed: its schedule, if a schedule owns it, is looked at again. */
  experimentChanged(experiment: KubeObject): void {
    const owner = controllerOf(experiment.metadata ?? {})
    if (owner?.kind !== 'ChaosSchedule') return
    const key = `${experiment.metadata?.namespace}/${owner.name}`
    if (this.#informer.get(key)?.metadata.uid === owner.uid) this.#mark(key)
  }

  #mark(key: string): void {
    let run = this.#runs.get(key)
    if (run === undefined) this.#runs.set(key, (run = { busy: false, again: false, timer: undefined, created: [] }))
    if (run.busy) {
      run.again = true
      return
    }
    void this.#run(key, run)
  }

  #forget(key: string): void {
    const run = this.#runs.get(key)
    if (run?.timer !== undefined) this.#ctx.clearTimer(run.timer)
    this.#runs.delete(key)
  }

  async #run(key: string, run: ScheduleRun): Promise<void> {
    run.busy = true
    try {
      do {
        run.again = false
        await this.#reconcile(key, run)
      } while (run.again && !this.#ctx.stopped)
    } catch (error) {
      this.#ctx.log.warn({ schedule: key, err: String(error) }, 'chaos schedule reconcile failed; trying again')
      this.#arm(key, run, RETRY_MS)
    } finally {
      run.busy = false
    }
  }

  async #reconcile(key: string, run: ScheduleRun): Promise<void> {
    const schedule = this.#informer.get(key)
    if (schedule === undefined || this.#ctx.stopped) return
    const known = this.#experiments(schedule.metadata.namespace ?? '')
    run.created = run.created.filter((c) => !known.some((e) => e.metadata.name === c.metadata.name))
    const result = reconcileChaosSchedule({ schedule, experiments: [...known, ...run.created] }, this.#ctx.clock.now())
    const outcome = await runActions(this.#ctx.api, result.actions, this.#ctx.log)
    run.created.push(...(outcome.created as unknown as ChaosExperiment[]))
    if (outcome.failed !== undefined) this.#ctx.log.debug({ schedule: key, status: outcome.failed.status, err: outcome.failed.message }, 'chaos schedule write failed; trying again')
    this.#arm(key, run, outcome.failed !== undefined ? RETRY_MS : result.requeueAfterMs)
  }

  #arm(key: string, run: ScheduleRun, afterMs: number | undefined): void {
    if (run.timer !== undefined) this.#ctx.clearTimer(run.timer)
    run.timer = afterMs === undefined || this.#ctx.stopped ? undefined : this.#ctx.setTimer(() => this.#mark(key), afterMs)
  }
}
