/**
 * Waiting on real processes without fixed sleeps: poll a probe until it yields a value or the
 * deadline passes, then fail with what was being waited for and the last thing the probe saw.
 */

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError'
}

export interface WaitOptions {
  /** Give up after this long; the error names `what`. */
  readonly timeoutMs?: number
  readonly intervalMs?: number
  /** Describes the condition in the timeout error. */
  readonly what?: string
}

/**
 * Calls `probe` until it returns something other than `undefined`, `false` or `null` and returns
 * that. A probe that throws counts as "not yet"; its last error is quoted on timeout.
 */
export async function waitFor<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const intervalMs = options.intervalMs ?? 25
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== null && value !== false) return value
      lastError = undefined
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${cause}`)
    }
    await delay(intervalMs)
  }
}

/** A promise that rejects with a clear message if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Only for polling intervals; tests wait on conditions, never on the clock. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
