import type { ActorKind } from '../kit/actor-kind.ts'
import { leaderElectedMachine, type LeaderOptions } from '../leader/leader-elected.machine.ts'
import { parseLeaderOptions } from '../leader/leader-options.ts'

/**
 * One per master; the one holding the `actorkube-chaos-controller` Lease runs the chaos
 * experiments (runtime/chaos/chaos-controller-engine.ts).
 */
export const chaosControllerKind: ActorKind<LeaderOptions> = {
  component: 'chaoscontroller',
  logic: leaderElectedMachine('chaoscontroller'),
  accepts: new Set<string>(),
  parseOptions: (raw) => parseLeaderOptions(raw, 'chaoscontroller', 'actorkube-chaos-controller'),
}
