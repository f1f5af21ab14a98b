/**
 * One pod's `runtime` child (actors/pod/pod-protocol.ts): carries the pod actor's `cri.*`
 * commands out on a ContainerRuntime and reports back. The host provides it to the pod machine:
 * `podMachine.provide({ actors: { runtime: podRuntimeLogic(runtime) } })`.
 *
 * Commands on one container run in order (a stop waits for the start before it); commands on
 * different containers and probes run side by side, so stopping every container of a pod takes
 * the longest grace period, not their sum.
 */
import { fromCallback } from 'xstate'
import { rfc3339Seconds } from '../../actors/apiserver/meta/object-meta.ts'
import type {
  CriCommand,
  CriContainerExited,
  CriProbe,
  CriReadEnvObjects,
  CriReport,
  CriStartContainer,
  CriStopContainer,
  PodRuntimeInput,
} from '../../actors/pod/pod-protocol.ts'
import { CriError, type ContainerExit, type ContainerInfo, type ContainerRuntime, type Sandbox } from './container-runtime.ts'
import { routeExits, unrouteExits } from './exit-router.ts'
import type { EnvObjectReader } from '../kubelet/env-objects.ts'
import type { PodTraces } from '../kubelet/pod-traces.ts'
import type { PodVolumes } from '../kubelet/service-account-volume.ts'
import { endSpan, failActiveSpan, startSpan, withContext, withSpan } from '../telemetry.ts'

/** Every runtime call made for this pod may be rejected once it is gone; that is not news. */
const ignore = (): void => {}

interface Attempt {
  readonly id: string
  started: boolean
  /** An exit heard before containerStarted went out waits here, so the pod actor hears them in order. */
  pendingExit?: CriContainerExited
}

interface Slot {
  current?: Attempt
  /** The attempt before `current`, kept for `kubectl logs --previous`. */
  previous?: string
  /** The tail of this container's start/stop chain. */
  chain: Promise<void>
}

/**
 * `traces`: the host's pod traces; a traced pod's runtime calls are `cri runSandbox` and
 * `cri startContainer <name>` spans under its `kubelet sync pod` span. `volumes`: set up in the
 * sandbox before it is reported ready (the service account token); their env goes to every container.
 * `envObjects`: reads the ConfigMaps and Secrets a container's env refers to (without it, every
 * such read fails as a kubelet without an API client's would).
 */
export function podRuntimeLogic(runtime: ContainerRuntime, traces?: PodTraces, volumes?: PodVolumes, envObjects?: EnvObjectReader) {
  return fromCallback<CriCommand, PodRuntimeInput>(({ input, sendBack, receive }) => {
    const pod = new PodContainers(runtime, input, (report) => sendBack(report), traces, volumes, envObjects)
    receive((command) => pod.handle(command))
    return () => pod.stop()
  })
}

/** The state of one pod's containers on the runtime. */
class PodContainers {
  readonly #runtime: ContainerRuntime
  readonly #input: PodRuntimeInput
  readonly #report: (report: CriReport) => void
  #sandbox: Promise<Sandbox | undefined> | undefined
  readonly #slots = new Map<string, Slot>()
  readonly #starting = new Set<Promise<void>>()
  /** Every container id routed to this pod. */
  readonly #routed = new Set<string>()
  #stopped = false
  readonly #traces: PodTraces | undefined
  readonly #volumes: PodVolumes | undefined
  readonly #envObjects: EnvObjectReader | undefined
  /** What the pod's volumes add to every container's environment. */
  #volumeEnv: Readonly<Record<string, string>> = {}

  constructor(runtime: ContainerRuntime, input: PodRuntimeInput, report: (report: CriReport) => void, traces?: PodTraces, volumes?: PodVolumes, envObjects?: EnvObjectReader) {
    this.#runtime = runtime
    this.#input = input
    this.#traces = traces
    this.#volumes = volumes
    this.#envObjects = envObjects
    // A report is the pod actor's next turn, not part of the runtime call's span: it goes out of any trace.
    this.#report = (r) => {
      if (!this.#stopped) withContext(undefined, () => report(r))
    }
  }

  /** Runs `work` in a span under the pod's `kubelet sync pod` span, if the pod is traced. */
  #traced<T>(name: string, work: () => Promise<T>, attributes: Record<string, string> = {}): Promise<T> {
    const parent = this.#traces?.contextOf(this.#input.pod.metadata.uid ?? '')
    if (parent === undefined) return work()
    const span = startSpan(name, { attributes: { 'k8s.pod.name': this.#input.pod.metadata.name ?? '', 'ak.cri.runtime': this.#runtime.name, ...attributes } }, parent)
    const done = withSpan(span, work)
    done.then(
      () => endSpan(span),
      (error: unknown) => endSpan(span, error),
    )
    return done
  }

  handle(command: CriCommand): void {
    switch (command.type) {
      case 'cri.runSandbox':
        return this.#runSandbox()
      case 'cri.readEnvObjects':
        return void this.#readEnvObjects(command)
      case 'cri.startContainer':
        return this.#enqueue(command.container.name, () => this.#traced(`cri startContainer ${command.container.name}`, () => this.#start(command), { 'k8s.container.name': command.container.name }), true)
      case 'cri.stopContainer':
        return this.#enqueue(command.name, () => this.#stop(command), false)
      case 'cri.probe':
        return void this.#probe(command)
      case 'cri.removeSandbox':
        return void this.#removeSandbox()
    }
  }

  /** The pod actor is gone: nothing more is reported, and what still runs is killed. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    for (const id of this.#routed) unrouteExits(this.#runtime, id)
    this.#routed.clear()
    this.#volumes?.unmount(this.#input.pod.metadata.uid ?? '')
    const sandbox = this.#sandbox
    this.#sandbox = undefined
    void sandbox?.then((s) => (s ? this.#runtime.removePodSandbox(s.id) : undefined)).catch(ignore)
  }

  #runSandbox(): void {
    if (this.#sandbox) {
      void this.#sandbox.then((s) => s && this.#report({ type: 'cri.sandboxReady', podIP: s.podIP }))
      return
    }
    const { pod, nodeName, hostIP } = this.#input
    const meta = pod.metadata
    const config = {
      uid: meta.uid ?? '',
      name: meta.name ?? '',
      namespace: meta.namespace ?? 'default',
      nodeName,
      hostIP,
      labels: meta.labels ?? {},
      annotations: meta.annotations ?? {},
      ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    }
    this.#sandbox = this.#traced('cri runSandbox', () => this.#runtime.runPodSandbox(config).then((sandbox) => this.#mountVolumes(sandbox))).then(
      (sandbox) => {
        if (this.#stopped) {
          this.#runtime.removePodSandbox(sandbox.id).catch(ignore)
          return undefined
        }
        this.#report({ type: 'cri.sandboxReady', podIP: sandbox.podIP })
        return sandbox
      },
      (error: unknown) => {
        this.#report({ type: 'cri.sandboxFailed', message: messageOf(error), ...(isMountFailure(error) ? { reason: 'FailedMount' as const } : {}) })
        this.#sandbox = undefined
        return undefined
      },
    )
  }

  /** The pod's volumes set up in its new sandbox; if they cannot be, the sandbox goes and its creation fails. */
  async #mountVolumes(sandbox: Sandbox): Promise<Sandbox> {
    if (this.#volumes === undefined) return sandbox
    try {
      this.#volumeEnv = await this.#volumes.mount(this.#input.pod, sandbox)
    } catch (error) {
      await this.#runtime.removePodSandbox(sandbox.id).catch(ignore)
      throw error
    }
    return sandbox
  }

  #enqueue(name: string, work: () => Promise<void>, start: boolean): void {
    const slot = this.#slot(name)
    const done = slot.chain.then(work).catch(ignore)
    slot.chain = done
    if (start) {
      this.#starting.add(done)
      void done.then(() => this.#starting.delete(done))
    }
  }

  #slot(name: string): Slot {
    let slot = this.#slots.get(name)
    if (!slot) {
      slot = { chain: Promise.resolve() }
      this.#slots.set(name, slot)
    }
    return slot
  }

  async #start(command: CriStartContainer): Promise<void> {
    const { name } = command.container
    const failed = (reason: string, message: string): void => {
      failActiveSpan(`${reason}: ${message}`)
      this.#report({ type: 'cri.containerFailed', name, reason, message })
    }
    const sandbox = await this.#sandbox
    if (!sandbox || this.#stopped) return failed('CreateContainerError', 'the pod has no sandbox')
    const slot = this.#slot(name)
    // Two attempts back is more than kubectl logs --previous reaches.
    if (slot.current && slot.previous !== undefined) await this.#forget(slot.previous)
    if (slot.current) slot.previous = slot.current.id
    slot.current = undefined

    let created: ContainerInfo
    try {
      created = await this.#runtime.createContainer(sandbox.id, { container: command.container, env: { ...this.#volumeEnv, ...command.env }, attempt: command.attempt, init: command.init })
    } catch (error) {
      return failed(error instanceof CriError ? error.reason : 'CreateContainerError', messageOf(error))
    }
    const attempt: Attempt = { id: created.id, started: false }
    this.#routed.add(created.id)
    routeExits(this.#runtime, created.id, (container, exit) => this.#exited(name, attempt, container, exit))
    let started: ContainerInfo
    try {
      started = await this.#runtime.startContainer(created.id)
    } catch (error) {
      await this.#forget(created.id)
      return failed(error instanceof CriError ? error.reason : 'RunContainerError', messageOf(error))
    }
    if (this.#stopped) return
    slot.current = attempt
    attempt.started = true
    this.#report({
      type: 'cri.containerStarted',
      name,
      containerID: this.#containerID(created.id),
      startedAt: rfc3339Seconds(started.startedAt ?? started.createdAt),
      image: started.image,
      imageID: started.imageID,
    })
    if (attempt.pendingExit) this.#report(attempt.pendingExit)
    attempt.pendingExit = undefined
  }

  #exited(name: string, attempt: Attempt, container: ContainerInfo, exit: ContainerExit): void {
    const report: CriContainerExited = {
      type: 'cri.containerExited',
      name,
      containerID: this.#containerID(container.id),
      exitCode: exit.exitCode,
      ...(exit.signal !== undefined && { signal: exit.signal }),
      reason: exit.reason,
      ...(exit.message !== undefined && { message: exit.message }),
      startedAt: rfc3339Seconds(container.startedAt ?? container.createdAt),
      finishedAt: rfc3339Seconds(exit.finishedAt),
    }
    if (attempt.started) this.#report(report)
    else attempt.pendingExit = report
  }

  /** The objects read for the pod actor; with no reader, each answered as unreadable (the pod actor words the error). */
  async #readEnvObjects(command: CriReadEnvObjects): Promise<void> {
    const objects = this.#envObjects ? await this.#envObjects.read(command.namespace, command.refs) : {}
    this.#report({ type: 'cri.envObjectsRead', name: command.name, objects })
  }

  async #stop(command: CriStopContainer): Promise<void> {
    const attempt = this.#slots.get(command.name)?.current
    if (attempt) await this.#runtime.stopContainer(attempt.id, command.graceSeconds)
  }

  async #probe(command: CriProbe): Promise<void> {
    const { name, kind, seq } = command
    const attempt = this.#slots.get(name)?.current
    let result: { ok: boolean; message?: string }
    if (!attempt) {
      result = { ok: false, message: `container ${name} is not running` }
    } else {
      try {
        result = await this.#runtime.probe(attempt.id, command.probe, kind)
      } catch (error) {
        result = { ok: false, message: messageOf(error) }
      }
    }
    this.#report({ type: 'cri.probeResult', name, kind, seq, ok: result.ok, ...(result.message !== undefined && { message: result.message }) })
  }

  async #removeSandbox(): Promise<void> {
    // A start in flight would otherwise create its container after the sandbox is gone.
    await Promise.all(this.#starting)
    const sandbox = await this.#sandbox
    this.#sandbox = undefined
    this.#volumes?.unmount(this.#input.pod.metadata.uid ?? '')
    if (sandbox) {
      try {
        await this.#runtime.removePodSandbox(sandbox.id)
      } catch {
        // Gone already (the runtime was closed): removed as far as this pod is concerned.
      }
    }
    for (const id of this.#routed) unrouteExits(this.#runtime, id)
    this.#routed.clear()
    this.#slots.clear()
    this.#report({ type: 'cri.sandboxRemoved' })
  }

  async #forget(containerId: string): Promise<void> {
    unrouteExits(this.#runtime, containerId)
    this.#routed.delete(containerId)
    await this.#runtime.removeContainer(containerId).catch(ignore)
  }

  /** As Kubernetes writes containerID in a status: `<runtime>://<id>`. */
  #containerID(id: string): string {
    return `${this.#runtime.name}://${id}`
  }
}

/** A volume's set-up failed (volume kinds throw errors named `FailedMount`): the pod shows Kubernetes' FailedMount event. */
const isMountFailure = (error: unknown): boolean => error instanceof Error && error.name === 'FailedMount'

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
