/**
 * Time as the runtime sees it. Hosts take a Clock instead of reading globals so that a
 * simulation can substitute virtual time; its shape is a superset of XState's `Clock`, so one
 * object drives both the runtime's timers and every machine's delayed transitions.
 */
export type TimerHandle = unknown

export interface Clock {
  /** Wall time (ms since the epoch): for timestamps written into objects, never for durations. */
  now(): number
  /**
   * Milliseconds on a clock that only moves forward at a steady rate, from an arbitrary origin:
   * for measuring durations that safety rests on (a lease's expiry, a leader's renew deadline),
   * which a wall clock stepped by NTP or an operator would cut short or stretch.
   */
  monotonic(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** Wall-clock time and the platform's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms)
    // Timers must never keep a host alive on their own; shutdown is explicit.
    ;(handle as { unref?: () => void }).unref?.()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
