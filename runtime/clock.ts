/**
 * Time as the runtime sees it. Hosts take a Clock instead of reading globals so that a
 * simulation can substitute virtual time; its shape is a superset of XState's `Clock`, so one
 * object drives both the runtime's timers and every machine's delayed transitions.
 */
export type TimerHandle = unknown

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** Wall-clock time and the platform's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms)
    // Timers must never keep a host alive on their own; shutdown is explicit.
    ;(handle as { unref?: () => void }).unref?.()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
