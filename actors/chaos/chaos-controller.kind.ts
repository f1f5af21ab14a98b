import type { ActorKind } from '../kit/actor-kind.ts'
import { leaderElectedMachine, type LeaderOptions, type LeaderTimings } from '../leader/leader-elected.machine.ts'
import { parseLeaderOptions } from '../leader/leader-options.ts'

/**
 * Longer than the scheduler's and controller manager's: a chaos controller that loses its Lease
 * hands its experiments to a successor that rebuilds them from `.status` (experiment-status.ts),
 * with no probe running in between and each fault lapsing on its host if the gap outlasts its
 * lease, so a Lease that changes hands under load (2 s did, on a busy 2-core machine) costs
 * experiments; a slow takeover after a real failure costs little.
 */
export const CHAOS_LEADER_DEFAULTS: LeaderTimings = { leaseDurationMs: 5000, renewDeadlineMs: 4000, retryPeriodMs: 500 }

/**
 * One per master; the one holding the `actorkube-chaos-controller` Lease runs the chaos
 * experiments (runtime/chaos/chaos-controller-engine.ts).
 */
export const chaosControllerKind: ActorKind<LeaderOptions> = {
  component: 'chaoscontroller',
  logic: leaderElectedMachine('chaoscontroller'),
  accepts: new Set<string>(),
  parseOptions: (raw) => parseLeaderOptions(raw, 'chaoscontroller', 'actorkube-chaos-controller', CHAOS_LEADER_DEFAULTS),
}
