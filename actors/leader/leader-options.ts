/** Options of a leader-elected kind (scheduler, controller manager) from a host config. */
import { apiserverIds, optionsObject, positiveNumber } from '../kit/options.ts'
import { LEADER_DEFAULTS, type LeaderOptions } from './leader-elected.machine.ts'

export function parseLeaderOptions(raw: unknown, kind: string, defaultLease: string): LeaderOptions {
  const o = optionsObject(raw, kind)
  const apiservers = apiserverIds(o.apiservers, kind)
  const leaseName = o.leaseName ?? defaultLease
  if (typeof leaseName !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(leaseName)) throw new TypeError(`${kind}.leaseName: expected a DNS label`)
  return {
    apiservers,
    leaseName,
    leaseDurationMs: positiveNumber(o.leaseDurationMs, `${kind}.leaseDurationMs`, LEADER_DEFAULTS.leaseDurationMs),
    renewDeadlineMs: positiveNumber(o.renewDeadlineMs, `${kind}.renewDeadlineMs`, LEADER_DEFAULTS.renewDeadlineMs),
    retryPeriodMs: positiveNumber(o.retryPeriodMs, `${kind}.retryPeriodMs`, LEADER_DEFAULTS.retryPeriodMs),
  }
}
