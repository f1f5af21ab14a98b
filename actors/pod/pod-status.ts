/**
 * The pod's status from the actor's records, shaped as the kubelet writes it
 * (generateAPIPodStatus, status/generate.go): container statuses, phase, the kubelet-owned
 * conditions (Initialized, Ready, ContainersReady) and PodScheduled kept from the API's pod.
 */
import type { Condition, ContainerStatus, PodPhase, PodStatus } from '../kube/objects.ts'
import { rfc3339Seconds } from '../apiserver/meta/object-meta.ts'
import { conditionOf, setCondition } from '../controllers/_util.ts'
import { podPhase } from './phase.ts'
import { type ContainerRecord, type PodCore, initNames, record, regularNames } from './pod-core.ts'

/** core/v1 ContainerStatus; `started`/`ready` as prober_manager.UpdatePodStatus sets them. */
export function containerStatus(r: ContainerRecord): ContainerStatus {
  const running = r.state.running !== undefined
  const started = running && r.started
  const ready = r.init ? r.state.terminated?.exitCode === 0 : started && r.ready
  return {
    name: r.name,
    state: r.state,
    lastState: r.lastState,
    ready,
    restartCount: r.restartCount,
    image: r.image,
    imageID: r.imageID,
    ...(r.containerID !== undefined ? { containerID: r.containerID } : {}),
    started,
  }
}

/** Nothing is starting, running or being stopped. */
export const nothingRunning = (core: PodCore): boolean =>
  Object.values(core.containers).every((r) => r.run === 'pending' || r.run === 'backoff' || r.run === 'done')

const isTerminalPhase = (phase: PodPhase | undefined): boolean => phase === 'Succeeded' || phase === 'Failed'

/** Go's %s of a []string. */
const goList = (names: readonly string[]): string => `[${names.join(' ')}]`

function initializedCondition(init: readonly ContainerStatus[], regular: readonly ContainerStatus[], phase: PodPhase): Condition {
  if (init.length === 0 || phase === 'Succeeded') return { type: 'Initialized', status: 'True', ...(init.length > 0 ? { reason: 'PodCompleted' } : {}) }
  if (regular.some((s) => s.state?.running || s.state?.terminated)) return { type: 'Initialized', status: 'True' }
  const incomplete = init.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name)
  if (incomplete.length === 0) return { type: 'Initialized', status: 'True' }
  return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` }
}

function containersReadyCondition(type: 'Ready' | 'ContainersReady', regular: readonly ContainerStatus[], phase: PodPhase): Condition {
  if (phase === 'Succeeded') return { type, status: 'False', reason: 'PodCompleted' }
  const unready = regular.filter((s) => s.ready !== true).map((s) => s.name)
  if (unready.length === 0) return { type, status: 'True' }
  return { type, status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${goList(unready)}` }
}

/** The conditions in the kubelet's order; lastTransitionTime moves only when a status changes. */
function podConditions(core: PodCore, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], phase: PodPhase, now: number): Condition[] {
  const time = rfc3339Seconds(now)
  const scheduled = conditionOf(core.pod.status?.conditions, 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: core.startTime }
  const generated = [
    initializedCondition(init, regular, phase),
    containersReadyCondition('Ready', regular, phase),
    containersReadyCondition('ContainersReady', regular, phase),
  ].map((c) => ({ ...c, lastTransitionTime: time }))
  let merged: Condition[] = [...(core.reported?.conditions ?? [])]
  for (const c of generated) merged = setCondition(merged, c)
  return [...generated.map((c) => conditionOf(merged, c.type) ?? c), scheduled]
}

/** The whole status as it stands at `now`. A terminal phase, once reported, sticks. */
export function podStatus(core: PodCore, now: number): PodStatus {
  const init = initNames(core).map((n) => containerStatus(record(core, n)))
  const regular = regularNames(core).map((n) => containerStatus(record(core, n)))
  const podIsTerminal = core.termination !== undefined && nothingRunning(core)
  let phase = podPhase(core.pod.spec, init, regular, podIsTerminal)
  const previous = core.reported?.phase
  if (isTerminalPhase(previous)) phase = previous ?? phase
  // A deleted pod whose containers never ran ends Failed, not Pending, as kubelets since 1.27 write it.
  else if (podIsTerminal && !isTerminalPhase(phase)) phase = 'Failed'
  return {
    phase,
    conditions: podConditions(core, init, regular, phase, now),
    hostIP: core.hostIP,
    ...(core.podIP !== undefined ? { podIP: core.podIP, podIPs: [{ ip: core.podIP }] } : {}),
    startTime: core.startTime,
    ...(init.length > 0 ? { initContainerStatuses: init } : {}),
    containerStatuses: regular,
  }
}
