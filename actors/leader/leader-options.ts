/** Options of a leader-elected kind (scheduler, controller manager) from a host config. */
import { optionsObject, positiveNumber } from '../kit/options.ts'
import { LEADER_DEFAULTS, type LeaderOptions } from './leader-elected.machine.ts'

export function parseLeaderOptions(raw: unknown, kind: string, defaultLease: string): LeaderOptions {
  const o = optionsObject(raw, kind)
  const apiservers = o.apiservers
  if (!Array.isArray(apiservers) || apiservers.length === 0 || !apiservers.every((a) => typeof a === 'string' && /^[A-Za-z0-9_-]+$/.test(a))) {
    throw new TypeError(`${kind}.apiservers: expected the apiserver (master) ids`)
  }
  const leaseName = o.leaseName ?? defaultLease
  if (typeof leaseName !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(leaseName)) throw new TypeError(`${kind}.leaseName: expected a DNS label`)
  return {
    apiservers: apiservers as string[],
    leaseName,
    leaseDurationMs: positiveNumber(o.leaseDurationMs, `${kind}.leaseDurationMs`, LEADER_DEFAULTS.leaseDurationMs),
    renewDeadlineMs: positiveNumber(o.renewDeadlineMs, `${kind}.renewDeadlineMs`, LEADER_DEFAULTS.renewDeadlineMs),
    retryPeriodMs: positiveNumber(o.retryPeriodMs, `${kind}.retryPeriodMs`, LEADER_DEFAULTS.retryPeriodMs),
  }
}
