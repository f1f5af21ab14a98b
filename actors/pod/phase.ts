/**
 * The pod phase from its container statuses, as kubelet's getPhase (kubelet_pods.go) computes it.
 * Sidecars (restartable init containers) are not modelled.
 */
import type { ContainerStatus, PodPhase, PodSpec } from '../kube/objects.ts'

const statusOf = (statuses: readonly ContainerStatus[], name: string) => statuses.find((s) => s.name === name)

/**
 * @param podIsTerminal every container has stopped and none will run again (the pod is being
 *   deleted): the restart policy no longer keeps a pod with stopped containers Running.
 */
export function podPhase(spec: PodSpec, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], podIsTerminal: boolean): PodPhase {
  let pendingInitialization = 0
  let failedInitialization = 0
  for (const c of spec.initContainers ?? []) {
    const s = statusOf(init, c.name)
    if (s?.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++
    } else if (s?.state?.waiting && s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInitialization++
    } else {
      pendingInitialization++
    }
  }
  let unknown = 0
  let running = 0
  let waiting = 0
  let stopped = 0
  let succeeded = 0
  let anyStarted = false
  for (const c of spec.containers) {
    const s = statusOf(regular, c.name)
    if (s?.state?.running || s?.state?.terminated) anyStarted = true
    if (s?.state?.running) running++
    else if (s?.state?.terminated) {
      stopped++
      if (s.state.terminated.exitCode === 0) succeeded++
    } else if (s?.state?.waiting) {
      if (s.lastState?.terminated) stopped++
      else waiting++
    } else unknown++
  }
  const restartPolicy = spec.restartPolicy ?? 'Always'
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed'
  if ((pendingInitialization > 0 && !anyStarted) || waiting > 0) return 'Pending'
  if (running > 0 && unknown === 0) return 'Running'
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed'
    if (restartPolicy === 'Always') return 'Running'
    if (stopped === succeeded) return 'Succeeded'
    if (restartPolicy === 'Never') return 'Failed'
    return 'Running'
  }
  return 'Pending'
}
