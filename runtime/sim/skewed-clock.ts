/**
 * One host's view of virtual time: the simulation's clock plus an offset that a fault may change
 * (clock skew between hosts). Timers are relative, so they run on the shared clock unchanged;
 * only what the host reads as "now" (timestamps written into objects) is off; its monotonic reading
 * (lease expiry, renew deadlines) is not.
 */
import type { Clock, TimerHandle } from '../clock.ts'

export class SkewedClock implements Clock {
  readonly #base: Clock
  /** Milliseconds this host's clock runs ahead (negative: behind) of the simulation's. */
  offsetMs = 0

  constructor(base: Clock) {
    this.#base = base
  }

  now(): number {
    return this.#base.now() + this.offsetMs
  }

  /** Skew and jumps move the wall clock only, as an NTP step does: durations measured here stay true. */
  monotonic(): number {
    return this.#base.monotonic()
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#base.setTimeout(fn, ms)
  }

  clearTimeout(handle: TimerHandle): void {
    this.#base.clearTimeout(handle)
  }
}
