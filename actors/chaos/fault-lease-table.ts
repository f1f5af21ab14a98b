/**
 * A host's table of fault leases, as a pure step: every fault the chaos controller has a host
 * apply carries a lease, and the host lifts the fault by itself when the lease runs out without a
 * renewal, so a controller that dies (or is cut off) leaves nothing behind for longer than one
 * lease. A heal lifts it at once. The host's adapter (runtime/chaos/fault-leases.ts) carries out
 * `apply` / `lift` on its fault layer and arms the one timer; `now` is the host's injected clock.
 *
 * Leases are granted with a time to live, not an absolute expiry: the controller's clock and the
 * host's need not agree. Granting a lease that is held renews it (and replaces the fault when it
 * changed), so a controller that retries an inject, or a successor that re-sends it, is harmless.
 */

export interface LeasedFault<F> {
  readonly id: string
  readonly fault: F
  readonly expiresAt: number
}

export interface LeaseTable<F> {
  readonly leases: readonly LeasedFault<F>[]
}

export type LeaseInput<F> =
  | { readonly type: 'grant'; readonly id: string; readonly fault: F; readonly ttlMs: number }
  | { readonly type: 'renew'; readonly id: string; readonly ttlMs: number }
  | { readonly type: 'heal'; readonly id: string }
  | { readonly type: 'healAll' }
  | { readonly type: 'tick' }

export type LeaseEffect<F> =
  | { readonly type: 'apply'; readonly id: string; readonly fault: F }
  | { readonly type: 'lift'; readonly id: string; readonly fault: F; readonly why: 'healed' | 'expired' | 'replaced' }
  /** The next expiry (undefined: no lease held, no timer). */
  | { readonly type: 'armTimer'; readonly at: number | undefined }

export interface LeaseStep<F> {
  readonly table: LeaseTable<F>
  readonly effects: readonly LeaseEffect<F>[]
  /** False when the input named a lease the table does not hold (a renew after expiry): the controller hears of it. */
  readonly known: boolean
}

export const EMPTY_LEASE_TABLE: LeaseTable<never> = { leases: [] }

/** The longest lease a host accepts: a fault no one renews must not outlive a forgotten controller for long. */
export const MAX_LEASE_TTL_MS = 5 * 60_000

const sameFault = <F>(a: F, b: F): boolean => JSON.stringify(a) === JSON.stringify(b)

export function leaseStep<F>(table: LeaseTable<F>, input: LeaseInput<F>, now: number): LeaseStep<F> {
  const effects: LeaseEffect<F>[] = []
  let leases = [...table.leases]
  let known = true
  const expiry = (ttlMs: number): number => now + Math.min(Math.max(0, ttlMs), MAX_LEASE_TTL_MS)
  switch (input.type) {
    case 'grant': {
      const held = leases.find((l) => l.id === input.id)
      if (held !== undefined && !sameFault(held.fault, input.fault)) effects.push({ type: 'lift', id: held.id, fault: held.fault, why: 'replaced' })
      if (held === undefined || !sameFault(held.fault, input.fault)) effects.push({ type: 'apply', id: input.id, fault: input.fault })
      leases = [...leases.filter((l) => l.id !== input.id), { id: input.id, fault: input.fault, expiresAt: expiry(input.ttlMs) }]
      break
    }
    case 'renew':
      known = leases.some((l) => l.id === input.id)
      leases = leases.map((l) => (l.id === input.id ? { ...l, expiresAt: expiry(input.ttlMs) } : l))
      break
    case 'heal':
      known = leases.some((l) => l.id === input.id)
      leases = lift(leases, (l) => l.id === input.id, 'healed', effects)
      break
    case 'healAll':
      leases = lift(leases, () => true, 'healed', effects)
      break
    case 'tick':
      break
  }
  leases = lift(leases, (l) => l.expiresAt <= now, 'expired', effects)
  const next = leases.length === 0 ? undefined : Math.min(...leases.map((l) => l.expiresAt))
  effects.push({ type: 'armTimer', at: next })
  return { table: { leases }, effects, known }
}

function lift<F>(leases: LeasedFault<F>[], which: (l: LeasedFault<F>) => boolean, why: 'healed' | 'expired', effects: LeaseEffect<F>[]): LeasedFault<F>[] {
  for (const l of leases) if (which(l)) effects.push({ type: 'lift', id: l.id, fault: l.fault, why })
  return leases.filter((l) => !which(l))
}
