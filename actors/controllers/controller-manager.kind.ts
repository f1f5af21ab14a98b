import type { ActorKind } from '../kit/actor-kind.ts'
import { positiveNumber } from '../kit/options.ts'
import { leaderElectedMachine, type LeaderOptions } from '../leader/leader-elected.machine.ts'
import { parseLeaderOptions } from '../leader/leader-options.ts'

export interface ControllerManagerOptions extends LeaderOptions {
  /** A node whose heartbeat is older than this is NotReady/Unknown (Kubernetes: 40 s). */
  readonly nodeGracePeriodMs: number
  /** How long pods stay on an unreachable node without a toleration of their own (Kubernetes: 300 s). */
  readonly defaultTolerationSeconds: number
}

/** Fast defaults, as the issue asks: 5 s to NotReady, 5 s more to eviction. */
export const CONTROLLER_DEFAULTS = { nodeGracePeriodMs: 5000, defaultTolerationSeconds: 5 } as const

/** One per master; the one holding the `kube-controller-manager` Lease reconciles (runtime/controllers/). */
export const controllerManagerKind: ActorKind<ControllerManagerOptions> = {
  component: 'controllermanager',
  logic: leaderElectedMachine('controllermanager'),
  accepts: new Set<string>(),
  parseOptions(raw) {
    const leader = parseLeaderOptions(raw, 'controllermanager', 'kube-controller-manager')
    const o = (raw ?? {}) as Record<string, unknown>
    const toleration = o.defaultTolerationSeconds ?? CONTROLLER_DEFAULTS.defaultTolerationSeconds
    if (typeof toleration !== 'number' || !Number.isInteger(toleration) || toleration < 0) throw new TypeError('controllermanager.defaultTolerationSeconds: expected a whole number of seconds')
    return { ...leader, nodeGracePeriodMs: positiveNumber(o.nodeGracePeriodMs, 'controllermanager.nodeGracePeriodMs', CONTROLLER_DEFAULTS.nodeGracePeriodMs), defaultTolerationSeconds: toleration }
  },
}
