/**
 * The protocol around a pod actor (actors/pod/pod.machine.ts), shared by the three parties:
 *
 * - its parent, the node's kubelet actor, which spawns one pod actor per pod bound to the node,
 *   forwards the pod's later versions (`pod.updated`) and hears back `pod.status`,
 *   `pod.event` and finally `pod.terminated`;
 * - the pod actor itself, which decides (purely) what runs when: sandbox, init containers in
 *   order, containers, probes, restarts with back-off, graceful termination;
 * - its `runtime` child, provided by the host (runtime/cri/pod-runtime.ts), which carries the
 *   `cri.*` commands out on a container runtime (hollow or process) and reports what happened.
 *
 * Containers are named by their name in the pod spec; the runtime keeps the ids.
 */
import type { Condition, Container, ContainerStatus, Pod, PodStatus, Probe, ResourceList } from '../kube/objects.ts'
import type { EnvObjectRef, EnvObjects } from './env.ts'

/** The id under which a pod machine invokes its host-provided container runtime child. */
export const POD_RUNTIME = 'runtime'

/** Kubernetes' kubelet defaults: 10 s doubling to 5 min; reset after 10 min of running fine. */
export const BACKOFF_DEFAULTS = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 } as const

export interface PodActorInput {
  readonly pod: Pod
  readonly nodeName: string
  /** The node's address: status.hostIP and the HOST_IP of containers. */
  readonly hostIP: string
  /** The node's allocatable: what resourceFieldRefs read for limits a container does not set. */
  readonly allocatable?: ResourceList
  /** Crash-loop back-off; tests and demos shorten it. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number; readonly resetAfterMs: number }
  /** The clock (ms since the epoch): status times. Timers use XState's delays (the host's clock). */
  readonly now: () => number
}

/** What the pod's `runtime` child is invoked with. */
export interface PodRuntimeInput {
  readonly pod: Pod
  readonly nodeName: string
  readonly hostIP: string
}

// ---- parent (kubelet) -> pod actor ----

/** A newer version of the pod from the API (a deletionTimestamp starts graceful termination). */
export interface PodUpdated {
  readonly type: 'pod.updated'
  readonly pod: Pod
}

/** Stop everything now-ish (the pod is gone from the API, or the node is shutting down). */
export interface PodStop {
  readonly type: 'pod.stop'
  readonly graceSeconds: number
}

export type PodCommand = PodUpdated | PodStop

// ---- pod actor -> parent ----

/** The pod's whole status as it stands now; the kubelet writes the latest one to pods/<name>/status. */
export interface PodStatusReport {
  readonly type: 'pod.status'
  readonly uid: string
  readonly status: PodStatus
}

/** A Kubernetes Event about the pod (Pulled, Created, Started, Killing, BackOff, Unhealthy, Failed). */
export interface PodEventReport {
  readonly type: 'pod.event'
  readonly uid: string
  readonly eventType: 'Normal' | 'Warning'
  readonly reason: string
  readonly message: string
}

/** Every container has stopped and the sandbox is removed: the kubelet may delete the pod for good. */
export interface PodTerminated {
  readonly type: 'pod.terminated'
  readonly uid: string
}

export type PodReport = PodStatusReport | PodEventReport | PodTerminated

// ---- pod actor -> runtime child ----

export interface CriRunSandbox {
  readonly type: 'cri.runSandbox'
}

export interface CriStartContainer {
  readonly type: 'cri.startContainer'
  /** The pod's container, `$(VAR)` in its command and args expanded. */
  readonly container: Container
  /** The container's environment, resolved (values and fieldRefs) by the pod actor. */
  readonly env: Readonly<Record<string, string>>
  readonly init: boolean
  /** 0 for the first start, then one more per restart (CRI's attempt). */
  readonly attempt: number
}

/** Read the ConfigMaps and Secrets a container's env refers to (in the pod's namespace), before it is created. */
export interface CriReadEnvObjects {
  readonly type: 'cri.readEnvObjects'
  /** The container's name. */
  readonly name: string
  readonly namespace: string
  readonly refs: readonly EnvObjectRef[]
}

export interface CriStopContainer {
  readonly type: 'cri.stopContainer'
  readonly name: string
  /** SIGTERM, then SIGKILL after this long. */
  readonly graceSeconds: number
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup'

export interface CriProbe {
  readonly type: 'cri.probe'
  readonly name: string
  readonly kind: ProbeKind
  readonly probe: Probe
  /** Echoed in the result, so a late answer to an older probe can be told apart. */
  readonly seq: number
}

export interface CriRemoveSandbox {
  readonly type: 'cri.removeSandbox'
}

export type CriCommand = CriRunSandbox | CriReadEnvObjects | CriStartContainer | CriStopContainer | CriProbe | CriRemoveSandbox

// ---- runtime child -> pod actor ----

export interface CriSandboxReady {
  readonly type: 'cri.sandboxReady'
  readonly podIP: string
}

export interface CriSandboxFailed {
  readonly type: 'cri.sandboxFailed'
  readonly message: string
  /** A volume could not be set up: Kubernetes' FailedMount event with the message as is. */
  readonly reason?: 'FailedMount'
}

/** What cri.readEnvObjects found, every ref answered (envObjectKey). */
export interface CriEnvObjectsRead {
  readonly type: 'cri.envObjectsRead'
  readonly name: string
  readonly objects: EnvObjects
}

export interface CriContainerStarted {
  readonly type: 'cri.containerStarted'
  readonly name: string
  readonly containerID: string
  /** RFC 3339. */
  readonly startedAt: string
  /** What the runtime pulled, for the container status (e.g. `actorkube/echo:latest`). */
  readonly image: string
  readonly imageID: string
}

/** Creating or starting failed: the container waits with this reason (ErrImagePull, CreateContainerError, RunContainerError). */
export interface CriContainerFailed {
  readonly type: 'cri.containerFailed'
  readonly name: string
  readonly reason: string
  readonly message: string
}

export interface CriContainerExited {
  readonly type: 'cri.containerExited'
  readonly name: string
  readonly containerID: string
  readonly exitCode: number
  readonly signal?: number
  /** Completed (0), Error, OOMKilled, ... as Kubernetes writes terminated.reason. */
  readonly reason: string
  readonly message?: string
  readonly startedAt: string
  readonly finishedAt: string
}

export interface CriProbeResult {
  readonly type: 'cri.probeResult'
  readonly name: string
  readonly kind: ProbeKind
  readonly seq: number
  readonly ok: boolean
  readonly message?: string
}

export interface CriSandboxRemoved {
  readonly type: 'cri.sandboxRemoved'
}

export type CriReport = CriSandboxReady | CriSandboxFailed | CriEnvObjectsRead | CriContainerStarted | CriContainerFailed | CriContainerExited | CriProbeResult | CriSandboxRemoved

export type { Condition, ContainerStatus, PodStatus }
