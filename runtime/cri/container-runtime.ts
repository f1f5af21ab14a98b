/**
 * A CRI-shaped container runtime interface (after Kubernetes' RuntimeService): pod sandboxes,
 * containers with attempts, status, logs, exec and probes. Two implementations:
 * runtime/cri/hollow/ (no processes; behaviour from annotations; thousands of nodes per host)
 * and runtime/cri/process/ (real child processes). One runtime serves every node of a host.
 *
 * The pod actor never sees this interface: its `runtime` child (runtime/cri/pod-runtime.ts)
 * translates the `cri.*` commands of actors/pod/pod-protocol.ts into these calls.
 */
import type { Container, Probe } from '../../actors/kube/objects.ts'
import type { ProbeKind } from '../../actors/pod/pod-protocol.ts'

export interface SandboxConfig {
  readonly uid: string
  readonly name: string
  readonly namespace: string
  readonly nodeName: string
  readonly hostIP: string
  readonly labels: Readonly<Record<string, string>>
  /** The hollow runtime reads its simulated behaviour from annotations (see docs/runtimes.md). */
  readonly annotations: Readonly<Record<string, string>>
  /** The address the pod had (a kubelet restarted): kept when it is free. */
  readonly podIP?: string
}

export interface Sandbox {
  readonly id: string
  readonly podIP: string
  /** The pod's directory on the host (process runtime: its containers' default working dir), where volumes go. */
  readonly dir?: string
}

export interface ContainerConfig {
  readonly container: Container
  /** Resolved by the pod actor; the runtime adds its own (POD_IP, PORT, ...). */
  readonly env: Readonly<Record<string, string>>
  readonly attempt: number
  /** An init container: the hollow runtime lets it complete (exit 0) unless told otherwise. */
  readonly init?: boolean
}

export type ContainerStateName = 'created' | 'running' | 'exited'

export interface ContainerInfo {
  readonly id: string
  readonly sandboxId: string
  readonly podUid: string
  readonly name: string
  readonly attempt: number
  readonly image: string
  readonly imageID: string
  readonly state: ContainerStateName
  readonly pid?: number
  /** ms since the epoch. */
  readonly createdAt: number
  readonly startedAt?: number
  readonly finishedAt?: number
  readonly exitCode?: number
  readonly signal?: number
  /** Completed, Error, OOMKilled, ... (terminated.reason). */
  readonly reason?: string
}

export interface ContainerExit {
  readonly exitCode: number
  readonly signal?: number
  readonly reason: string
  readonly message?: string
  readonly finishedAt: number
}

/** Thrown by create/start: the container waits with `reason` (ErrImagePull, InvalidImageName, CreateContainerError, RunContainerError). */
export class CriError extends Error {
  readonly reason: string
  constructor(reason: string, message: string) {
    super(message)
    this.name = 'CriError'
    this.reason = reason
  }
}

export interface LogOptions {
  /** Only the last n lines (kubectl logs --tail). */
  readonly tailLines?: number
  /** Keep streaming what the container writes until cancelled or it exits for good. */
  readonly follow?: boolean
  /** Prefix each line with its RFC 3339 time (kubectl logs --timestamps). */
  readonly timestamps?: boolean
  /** Only lines written in the last n seconds. */
  readonly sinceSeconds?: number
}

export interface LogStream {
  cancel(): void
}

export interface RuntimeStats {
  readonly runtime: string
  readonly sandboxes: number
  readonly containers: { readonly running: number; readonly exited: number }
  /** Resident memory of the runtime's processes (process) or the simulated use (hollow), bytes. */
  readonly memoryBytes: number
}

export interface ContainerRuntime {
  readonly name: 'hollow' | 'process'
  runPodSandbox(config: SandboxConfig): Promise<Sandbox>
  /** Stops what still runs in it (SIGKILL) and removes its containers. */
  removePodSandbox(sandboxId: string): Promise<void>
  createContainer(sandboxId: string, config: ContainerConfig): Promise<ContainerInfo>
  startContainer(containerId: string): Promise<ContainerInfo>
  /** SIGTERM, then SIGKILL after `graceSeconds`; resolves once it exited (listeners hear it too). */
  stopContainer(containerId: string, graceSeconds: number): Promise<void>
  removeContainer(containerId: string): Promise<void>
  listContainers(filter?: { readonly podUid?: string; readonly name?: string }): ContainerInfo[]
  /** Every exit of a started container, whoever caused it. Returns an unsubscribe. */
  onExit(listener: (container: ContainerInfo, exit: ContainerExit) => void): () => void
  /**
   * Runs a probe against the container (exec inside it, httpGet/tcpSocket to the pod's address).
   * `kind` lets the hollow runtime fail the kinds its annotations name; the process runtime ignores it.
   */
  probe(containerId: string, probe: Probe, kind?: ProbeKind): Promise<{ ok: boolean; message?: string }>
  /** Streams a container's log lines (with their newline) to `onData`; `onEnd` once nothing more will come. */
  readLogs(containerId: string, options: LogOptions, onData: (chunk: string) => void, onEnd: (error?: Error) => void): LogStream
  stats(): RuntimeStats
  /** Kills everything it runs. */
  close(): Promise<void>
}
