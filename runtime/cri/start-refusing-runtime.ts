/**
 * A ContainerRuntime in front of another that refuses to start the containers of some pods (a
 * chaos `pod-failure`: runtime/kubelet/kubelet-faults.ts): the start fails with
 * RunContainerError, as when a container's command cannot run, so the pod actor backs off and
 * tries again, and the pod stays not Ready until the refusal ends. Everything else is the inner
 * runtime's.
 */
import type { Probe } from '../../actors/kube/objects.ts'
import type { ProbeKind } from '../../actors/pod/pod-protocol.ts'
import {
  CriError,
  type ContainerConfig,
  type ContainerExit,
  type ContainerInfo,
  type ContainerRuntime,
  type LogOptions,
  type LogStream,
  type RuntimeStats,
  type Sandbox,
  type SandboxConfig,
} from './container-runtime.ts'

export interface StartRefusals {
  /** Whether any pod's starts are refused now. */
  any(): boolean
  /** Why a start of this pod's containers is refused now, or undefined to start it. */
  of(podUid: string): string | undefined
}

export class StartRefusingRuntime implements ContainerRuntime {
  readonly #inner: ContainerRuntime
  readonly #refusals: StartRefusals

  constructor(inner: ContainerRuntime, refusals: StartRefusals) {
    this.#inner = inner
    this.#refusals = refusals
  }

  get name(): ContainerRuntime['name'] {
    return this.#inner.name
  }

  async startContainer(containerId: string): Promise<ContainerInfo> {
    // A hollow pool starts thousands of containers: no lookup unless some pod is refused.
    if (!this.#refusals.any()) return this.#inner.startContainer(containerId)
    const container = this.#inner.listContainers().find((c) => c.id === containerId)
    const refused = container === undefined ? undefined : this.#refusals.of(container.podUid)
    if (refused !== undefined) throw new CriError('RunContainerError', refused)
    return this.#inner.startContainer(containerId)
  }

  runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    return this.#inner.runPodSandbox(config)
  }
  removePodSandbox(sandboxId: string): Promise<void> {
    return this.#inner.removePodSandbox(sandboxId)
  }
  createContainer(sandboxId: string, config: ContainerConfig): Promise<ContainerInfo> {
    return this.#inner.createContainer(sandboxId, config)
  }
  stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    return this.#inner.stopContainer(containerId, graceSeconds)
  }
  removeContainer(containerId: string): Promise<void> {
    return this.#inner.removeContainer(containerId)
  }
  listContainers(filter?: { readonly podUid?: string; readonly name?: string }): ContainerInfo[] {
    return this.#inner.listContainers(filter)
  }
  onExit(listener: (container: ContainerInfo, exit: ContainerExit) => void): () => void {
    return this.#inner.onExit(listener)
  }
  probe(containerId: string, probe: Probe, kind?: ProbeKind): Promise<{ ok: boolean; message?: string }> {
    return this.#inner.probe(containerId, probe, kind)
  }
  readLogs(containerId: string, options: LogOptions, onData: (chunk: string) => void, onEnd: (error?: Error) => void): LogStream {
    return this.#inner.readLogs(containerId, options, onData, onEnd)
  }
  stats(): RuntimeStats {
    return this.#inner.stats()
  }
  close(): Promise<void> {
    return this.#inner.close()
  }
}
