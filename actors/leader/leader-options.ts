/** Options of a leader-elected kind (scheduler, controller manager) from a host config. */
import { apiserverIds, optionsObject, positiveNumber } from '../kit/options.ts'
import { LEADER_DEFAULTS, type LeaderOptions, type LeaderTimings } from './leader-elected.machine.ts'
import { validateElectionConfig } from './lease-election.ts'

/** `defaults`: the kind's timings when the config gives none (the scheduler's are shorter). */
export function parseLeaderOptions(raw: unknown, kind: string, defaultLease: string, defaults: LeaderTimings = LEADER_DEFAULTS): LeaderOptions {
  const o = optionsObject(raw, kind)
  const apiservers = apiserverIds(o.apiservers, kind)
  const leaseName = o.leaseName ?? defaultLease
  if (typeof leaseName !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(leaseName)) throw new TypeError(`${kind}.leaseName: expected a DNS label`)
  const timing = {
    leaseDurationMs: positiveNumber(o.leaseDurationMs, `${kind}.leaseDurationMs`, defaults.leaseDurationMs),
    renewDeadlineMs: positiveNumber(o.renewDeadlineMs, `${kind}.renewDeadlineMs`, defaults.renewDeadlineMs),
    retryPeriodMs: positiveNumber(o.retryPeriodMs, `${kind}.retryPeriodMs`, defaults.retryPeriodMs),
  }
  // Timings that could not fence (a leader acting after its lease expired for the others) are
  // refused with the config, not on every restart of the actor.
  try {
    validateElectionConfig({ identity: kind, ...timing })
  } catch (error) {
    throw new RangeError(`${kind}: ${(error as Error).message}`)
  }
  return { apiservers, leaseName, ...timing }
}
