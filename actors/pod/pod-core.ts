/**
 * What a pod actor knows: the pod, its sandbox, one record per container run, its timers and the
 * last status it reported. Plain data (plus the injected clock), changed only by pod-step.ts.
 */
import type { Container, ContainerState, Pod, PodStatus, ResourceList } from '../kube/objects.ts'
import { rfc3339Seconds } from '../apiserver/meta/object-meta.ts'
import type { BackoffConfig } from './backoff.ts'
import { BACKOFF_DEFAULTS, type PodActorInput, type ProbeKind } from './pod-protocol.ts'
import type { ProbeTracker } from './probes.ts'

/**
 * Where a container is in its life: `pending` (not its turn yet), `starting` (startContainer
 * sent), `running`, `stopping` (stopContainer sent), `backoff` (waiting to be started again),
 * `done` (exited and will not run again).
 */
export type Run = 'pending' | 'starting' | 'running' | 'stopping' | 'backoff' | 'done'

export interface ContainerRecord {
  readonly name: string
  readonly init: boolean
  readonly spec: Container
  readonly run: Run
  /** While `starting`: waiting for the ConfigMaps and Secrets its env refers to (cri.readEnvObjects sent). */
  readonly readingEnv?: boolean
  /** As the status shows it: core/v1 ContainerState. */
  readonly state: ContainerState
  readonly lastState: ContainerState
  /** Runs that have ended: the CRI attempt of the next start. */
  readonly exits: number
  readonly restartCount: number
  readonly image: string
  readonly imageID: string
  readonly containerID?: string
  /** input.now() when the current run started: initialDelaySeconds and back-off reset count from it. */
  readonly runningSinceMs?: number
  /** The crash back-off entry: what the next exit waits (undefined before the first exit: it restarts at once). */
  readonly crashBackoffMs?: number
  /** Start failures (ErrImagePull ...) back off on their own, as the kubelet's image back-off does. */
  readonly failBackoffMs?: number
  /** The startup probe passed (or there is none) in the current run. */
  readonly started: boolean
  /** The readiness probe's verdict in the current run (true without one). */
  readonly ready: boolean
  readonly probes: Readonly<Partial<Record<ProbeKind, ProbeTracker>>>
  /** The grace of the stopContainer last sent, so a shorter one can be sent again. */
  readonly stopGraceSeconds?: number
}

export type SandboxState = 'creating' | 'ready' | 'retrying' | 'removing' | 'removed'

export interface PodCore {
  readonly pod: Pod
  readonly nodeName: string
  readonly hostIP: string
  readonly allocatable?: ResourceList
  readonly backoff: BackoffConfig
  readonly now: () => number
  readonly startTime: string
  readonly podIP?: string
  readonly sandbox: SandboxState
  readonly sandboxBackoffMs?: number
  readonly containers: Readonly<Record<string, ContainerRecord>>
  /** The seq of the next cri.probe. */
  readonly nextSeq: number
  /** Each timer armed gets a fresh generation; a timer event whose generation is not the armed one is ignored. */
  readonly nextGen: number
  readonly timers: Readonly<Record<string, number>>
  readonly termination?: { readonly graceSeconds: number }
  /** The last status sent to the parent. */
  readonly reported?: PodStatus
  /** pod.terminated has been sent. */
  readonly terminated: boolean
}

const hasInit = (pod: Pod): boolean => (pod.spec.initContainers?.length ?? 0) > 0

/** Before a container is created the kubelet shows PodInitializing when the pod has init containers, ContainerCreating otherwise. */
export const defaultWaiting = (pod: Pod): ContainerState => ({ waiting: { reason: hasInit(pod) ? 'PodInitializing' : 'ContainerCreating' } })

function newRecord(pod: Pod, spec: Container, init: boolean): ContainerRecord {
  return {
    name: spec.name,
    init,
    spec,
    run: 'pending',
    state: defaultWaiting(pod),
    lastState: {},
    exits: 0,
    restartCount: 0,
    image: spec.image ?? '',
    imageID: '',
    started: false,
    ready: false,
    probes: {},
  }
}

export function createCore(input: PodActorInput): PodCore {
  const { pod } = input
  const containers: Record<string, ContainerRecord> = {}
  for (const c of pod.spec.initContainers ?? []) containers[c.name] = newRecord(pod, c, true)
  for (const c of pod.spec.containers) containers[c.name] = newRecord(pod, c, false)
  return {
    pod,
    nodeName: input.nodeName,
    hostIP: input.hostIP,
    ...(input.allocatable !== undefined ? { allocatable: input.allocatable } : {}),
    backoff: input.backoff ?? BACKOFF_DEFAULTS,
    now: input.now,
    startTime: rfc3339Seconds(input.now()),
    sandbox: 'creating',
    containers,
    nextSeq: 1,
    nextGen: 1,
    timers: {},
    terminated: false,
  }
}

export const initNames = (core: PodCore): string[] => (core.pod.spec.initContainers ?? []).map((c) => c.name)
export const regularNames = (core: PodCore): string[] => core.pod.spec.containers.map((c) => c.name)

export function record(core: PodCore, name: string): ContainerRecord {
  const r = core.containers[name]
  if (!r) throw new RangeError(`pod ${core.pod.metadata.name ?? ''}: no container ${name}`)
  return r
}

/** format.Pod: how kubelet messages name a pod. */
export const podRef = (pod: Pod): string => `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`
