/**
 * The one way a unit test lets queued work run: every pending microtask (promise continuations,
 * queueMicrotask, an actor's replies) and the I/O callbacks already due, by waiting for the
 * event loop's check phase `turns` times. No wall-clock wait: a test that needs time to pass
 * moves its simulated clock, and a test that waits on real I/O waits on the event it expects.
 */
export async function flush(turns = 1): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
