import type { Simulation } from '../../runtime/sim/simulation.ts'

/**
 * Runs virtual time in steps of `stepMs` until `check` (an API read, say) gives a value, or fails
 * after `maxMs` of virtual time. A check that throws counts as no value yet.
 */
export async function simUntil<T>(sim: Simulation, what: string, check: () => Promise<T | undefined>, options: { readonly stepMs: number; readonly maxMs?: number }): Promise<T> {
  const maxMs = options.maxMs ?? 20_000
  const end = sim.clock.now() + maxMs
  while (sim.clock.now() < end) {
    const value = await sim.drive(check().catch(() => undefined), 5000, what)
    if (value !== undefined) return value
    await sim.runFor(options.stepMs)
  }
  throw new Error(`${what}: not within ${maxMs} virtual ms`)
}
