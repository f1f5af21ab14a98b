import type { ActorKind } from '../kit/actor-kind.ts'
import { parseKubeletOptions, type KubeletOptions } from './kubelet-options.ts'
import { kubeletMachine } from './kubelet.machine.ts'

/**
 * A worker host's kubelet: one per host config entry, carrying one node (process runtime) or a
 * pool of hollow nodes. Its I/O (API, container runtime, logs, read-only endpoint) is the host's
 * (runtime/kubelet/kubelet-services.ts); nothing reaches it on its inbox.
 */
export const kubeletKind: ActorKind<KubeletOptions> = {
  component: 'kubelet',
  logic: kubeletMachine,
  accepts: new Set<string>(),
  parseOptions: parseKubeletOptions,
  // Pods get their grace period to stop; the host waits this long before it stops the actor.
  stopGraceMs: 0,
}
