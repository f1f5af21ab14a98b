/**
 * Drives the controller manager's pure step on a simulated clock, the way its runtime adapter
 * does: changes go into the caches and the step, `advance` runs when something happened or the
 * step's wake time comes, started items run for a simulated time and then finish with an
 * outcome. Records every start.
 */
import type { ChangeType, ControllerCaches, ObservedChange } from '../../../actors/controllers/caches.ts'
import { CONTROLLER_DEFAULTS } from '../../../actors/controllers/controller-manager.kind.ts'
import { advance, continueNamespace, finishWork, INITIAL_MANAGER_STATE, observeChange, onSynced, startWork, type ManagerOptions, type ManagerState, type Plan, type WorkOutcome } from '../../../actors/controllers/manager.ts'
import type { NamespaceContents } from '../../../actors/controllers/namespace.ts'
import { T0 } from './fixtures.ts'
import { apply, memoryCaches, type MemoryCaches } from './memory-caches.ts'

export interface DriverOptions {
  readonly options?: Partial<ManagerOptions>
  /** How long a run of `item` takes (ms); 0 by default. */
  readonly runMs?: (item: string) => number
  /** How a run's actions went; all carried out by default. */
  readonly outcome?: (item: string, plan: Plan | undefined) => WorkOutcome
  /** What listing a namespace's paths returns; empty by default. */
  readonly list?: (paths: readonly string[]) => NamespaceContents[]
}

export interface Start {
  readonly item: string
  /** Ms since T0. */
  readonly at: number
  readonly plan?: Plan
}

export class ManagerDriver {
  readonly caches: MemoryCaches = memoryCaches()
  readonly starts: Start[] = []
  state: ManagerState = INITIAL_MANAGER_STATE
  now = T0
  readonly #options: ManagerOptions
  readonly #driver: DriverOptions
  #wakeAt: number | undefined
  /** Like the adapter, nothing starts before the caches are in. */
  #synced = false
  readonly #running = new Map<string, { readonly endsAt: number; readonly plan: Plan | undefined }>()
  readonly #scheduled: { readonly at: number; readonly fn: () => void }[] = []

  constructor(driver: DriverOptions = {}) {
    this.#driver = driver
    this.#options = { ...CONTROLLER_DEFAULTS, ...driver.options }
  }

  /** The caches are in (the adapter's informers synced). */
  sync(): void {
    this.#synced = true
    this.state = onSynced(this.state, this.caches as ControllerCaches, this.now)
    this.#pump()
  }

  change<C extends keyof ControllerCaches>(cache: C, type: ChangeType, object: Extract<ObservedChange, { cache: C }>['object']): void {
    this.state = observeChange(this.state, apply(this.caches, cache, type, object as never), this.caches, this.now)
    this.#pump()
  }

  /** Calls `fn` at `msAfterT0` of simulated time. */
  at(msAfterT0: number, fn: () => void): void {
    this.#scheduled.push({ at: T0 + msAfterT0, fn })
  }

  /** Runs simulated time until `msAfterT0`. */
  runUntil(msAfterT0: number): void {
    const end = T0 + msAfterT0
    for (;;) {
      const next = Math.min(this.#wakeAt ?? Infinity, ...[...this.#running.values()].map((r) => r.endsAt), ...this.#scheduled.map((s) => s.at))
      if (next > end) break
      this.now = next
      for (const [item, run] of [...this.#running]) {
        if (run.endsAt > this.now) continue
        this.#running.delete(item)
        this.state = finishWork(this.state, item, this.#driver.outcome?.(item, run.plan) ?? { notDone: [] }, this.now)
      }
      for (const s of this.#scheduled.filter((s) => s.at <= this.now)) {
        this.#scheduled.splice(this.#scheduled.indexOf(s), 1)
        s.fn()
      }
      this.#pump()
    }
    this.now = end
  }

  /** Start times (ms since T0) of `item`. */
  startsOf(item: string): number[] {
    return this.starts.filter((s) => s.item === item).map((s) => s.at)
  }

  #pump(): void {
    if (!this.#synced) return
    const step = advance(this.state, this.now, this.#options)
    this.state = step.state
    this.#wakeAt = step.wakeAt
    for (const item of step.start) {
      const started = startWork(this.state, item, this.caches, this.now, this.#options)
      this.state = started.state
      let plan = started.plan
      if (plan?.type === 'list') {
        const continued = continueNamespace(this.state, item, this.#driver.list?.(plan.paths) ?? [], this.caches, this.now)
        this.state = continued.state
        plan = continued.plan
      }
      this.starts.push({ item, at: this.now - T0, ...(plan ? { plan } : {}) })
      this.#running.set(item, { endsAt: this.now + (this.#driver.runMs?.(item) ?? 0), plan })
    }
  }
}

/** Gaps between consecutive times. */
export const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - times[i]!)
