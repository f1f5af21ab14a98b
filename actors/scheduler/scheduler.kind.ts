import type { ActorKind } from '../kit/actor-kind.ts'
import { leaderElectedMachine, SCHEDULER_LEADER_DEFAULTS, type LeaderOptions } from '../leader/leader-elected.machine.ts'
import { parseLeaderOptions } from '../leader/leader-options.ts'

/** One per master; the one holding the `kube-scheduler` Lease schedules (runtime/scheduler/scheduler-engine.ts). */
export const schedulerKind: ActorKind<LeaderOptions> = {
  component: 'scheduler',
  logic: leaderElectedMachine('scheduler'),
  accepts: new Set<string>(),
  parseOptions: (raw) => parseLeaderOptions(raw, 'scheduler', 'kube-scheduler', SCHEDULER_LEADER_DEFAULTS),
}
