/**
 * A container runtime without processes, after kubemark's hollow kubelet and KWOK: containers
 * are plain records whose behaviour (start latency, exit, memory, failing probes) comes from the
 * pod's annotations (./hollow-behaviour.ts). One instance serves every node of a host, so it is
 * built for 150,000 pods: no copies of the pod, no timer per container unless it is due to exit,
 * log lines made up when they are read.
 */
import type { Probe } from '../../../actors/kube/objects.ts'
import type { ProbeKind } from '../../../actors/pod/pod-protocol.ts'
import { systemClock, type Clock, type TimerHandle } from '../../clock.ts'
import { hostRandom, type Random } from '../../random.ts'
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
} from '../container-runtime.ts'
import { containerInfo, filterContainers, idGenerator, type ContainerRecord } from '../container-record.ts'
import { parseImageRef } from '../image-ref.ts'
import { IpPool } from '../ip-pool.ts'
import { formatLogLine, selectLogLines, type LogLine } from '../log-select.ts'
import { hollowBehaviour, HOLLOW_ANNOTATIONS } from './hollow-behaviour.ts'

export interface HollowRuntimeOptions {
  /** Pod addresses; default 10.128.0.0/9 (8 million). */
  readonly podCidr?: string
  /** Start latencies and scheduled exits run on it; a simulation passes its virtual clock. */
  readonly clock?: Clock
  /** Draws the id prefix; a simulation passes its seeded stream. */
  readonly random?: Random
}

interface HollowSandbox {
  readonly id: string
  readonly config: SandboxConfig
  readonly podIP: string
  readonly containers: Set<string>
}

interface HollowContainer extends ContainerRecord {
  readonly sandbox: HollowSandbox
  readonly exitAfterMs: number | undefined
  readonly exitCode: number
  readonly memoryBytes: number
  readonly oom: boolean
  readonly failProbes: readonly ProbeKind[]
  timer?: TimerHandle
}

const SIGTERM_EXIT: Omit<ContainerExit, 'finishedAt'> = { exitCode: 143, signal: 15, reason: 'Error' }
const SIGKILL_EXIT: Omit<ContainerExit, 'finishedAt'> = { exitCode: 137, signal: 9, reason: 'Error' }

export class HollowRuntime implements ContainerRuntime {
  readonly name = 'hollow' as const
  readonly #clock: Clock
  readonly #ips: IpPool
  readonly #sandboxes = new Map<string, HollowSandbox>()
  readonly #containers = new Map<string, HollowContainer>()
  readonly #listeners = new Set<(container: ContainerInfo, exit: ContainerExit) => void>()
  /** Only containers someone follows the logs of have an entry. */
  readonly #followers = new Map<string, Set<() => void>>()
  readonly #newId: () => string
  /** Start latencies of created containers not started yet (kept off the record: most are 0). */
  #latency: Map<string, number> | undefined
  #running = 0
  #exited = 0
  #memoryBytes = 0

  constructor(options: HollowRuntimeOptions = {}) {
    this.#clock = options.clock ?? systemClock
    this.#newId = idGenerator(options.random ?? hostRandom())
    this.#ips = new IpPool(options.podCidr ?? '10.128.0.0/9')
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const sandbox: HollowSandbox = { id: this.#newId(), config, podIP: this.#ips.allocatePreferring(config.podIP), containers: new Set() }
    this.#sandboxes.set(sandbox.id, sandbox)
    return { id: sandbox.id, podIP: sandbox.podIP }
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.#sandboxes.get(sandboxId)
    if (!sandbox) return
    for (const id of sandbox.containers) this.#remove(id)
    this.#sandboxes.delete(sandboxId)
    this.#ips.release(sandbox.podIP)
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<ContainerInfo> {
    const sandbox = this.#sandboxes.get(sandboxId)
    if (!sandbox) throw new CriError('CreateContainerError', `pod sandbox ${sandboxId} does not exist`)
    const { container } = config
    const ref = parseImageRef(container.image, 'hollow')
    if (!ref) throw new CriError('InvalidImageName', `invalid image name ${JSON.stringify(container.image ?? '')}`)
    const behaviour = hollowBehaviour(sandbox.config.annotations, container, config.init ?? false)
    if (behaviour.failStart) throw new CriError(behaviour.failStart, `${HOLLOW_ANNOTATIONS.failStart}: ${behaviour.failStart}`)
    const record: HollowContainer = {
      id: this.#newId(),
      sandbox,
      name: container.name,
      attempt: config.attempt,
      image: ref.image,
      imageID: ref.imageID,
      createdAt: this.#clock.now(),
      exitAfterMs: behaviour.exitAfterMs,
      exitCode: behaviour.exitCode,
      memoryBytes: behaviour.memoryBytes,
      oom: behaviour.memoryLimitBytes !== undefined && behaviour.memoryBytes > behaviour.memoryLimitBytes,
      failProbes: behaviour.failProbes,
      state: 'created',
    }
    this.#containers.set(record.id, record)
    sandbox.containers.add(record.id)
    if (behaviour.startLatencyMs > 0) (this.#latency ??= new Map()).set(record.id, behaviour.startLatencyMs)
    return containerInfo(record)
  }

  async startContainer(containerId: string): Promise<ContainerInfo> {
    const record = this.#containers.get(containerId)
    if (!record) throw new CriError('RunContainerError', `container ${containerId} does not exist`)
    if (record.state !== 'created') throw new CriError('RunContainerError', `container ${containerId} is ${record.state}, not created`)
    const latency = this.#latency?.get(containerId)
    if (latency !== undefined) {
      this.#latency!.delete(containerId)
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, latency))
      if (this.#containers.get(containerId) !== record) throw new CriError('RunContainerError', `container ${containerId} was removed while starting`)
    }
    record.state = 'running'
    record.startedAt = this.#clock.now()
    this.#running++
    this.#memoryBytes += record.memoryBytes
    if (record.oom) {
      record.timer = this.#clock.setTimeout(() => this.#exit(record, { exitCode: 137, signal: 9, reason: 'OOMKilled' }), 0)
    } else if (record.exitAfterMs !== undefined) {
      const exit = { exitCode: record.exitCode, reason: record.exitCode === 0 ? 'Completed' : 'Error' }
      record.timer = this.#clock.setTimeout(() => this.#exit(record, exit), record.exitAfterMs)
    }
    return containerInfo(record)
  }

  /** Nothing to wait for: a hollow container stops at once, as a process without a SIGTERM handler would. */
  async stopContainer(containerId: string, _graceSeconds: number): Promise<void> {
    const record = this.#containers.get(containerId)
    if (record?.state === 'running') this.#exit(record, SIGTERM_EXIT)
  }

  async removeContainer(containerId: string): Promise<void> {
    this.#remove(containerId)
  }

  listContainers(filter: { readonly podUid?: string; readonly name?: string } = {}): ContainerInfo[] {
    return filterContainers(this.#containers.values(), filter)
  }

  onExit(listener: (container: ContainerInfo, exit: ContainerExit) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async probe(containerId: string, _probe: Probe, kind?: ProbeKind): Promise<{ ok: boolean; message?: string }> {
    const record = this.#containers.get(containerId)
    if (record?.state !== 'running') return { ok: false, message: `container ${containerId} is not running` }
    if (kind !== undefined && record.failProbes.includes(kind)) return { ok: false, message: `${HOLLOW_ANNOTATIONS.failProbes} names ${kind}` }
    return { ok: true }
  }

  readLogs(containerId: string, options: LogOptions, onData: (chunk: string) => void, onEnd: (error?: Error) => void): LogStream {
    const record = this.#containers.get(containerId)
    if (!record) {
      onEnd(new Error(`container ${containerId} does not exist`))
      return { cancel: () => {} }
    }
    const lines = selectLogLines(logLines(record), options, this.#clock.now())
    if (lines.length > 0) onData(lines.map((line) => formatLogLine(line, options)).join(''))
    if (!options.follow || record.state === 'exited') {
      onEnd()
      return { cancel: () => {} }
    }
    // The only line still to come is the exit line.
    const followers = this.#followers.get(containerId) ?? new Set()
    this.#followers.set(containerId, followers)
    const follower = (): void => {
      const last = logLines(record).at(-1)
      if (record.exit && last) onData(formatLogLine(last, options))
      onEnd()
    }
    followers.add(follower)
    return {
      cancel: () => {
        if (followers.delete(follower)) onEnd()
        if (followers.size === 0 && this.#followers.get(containerId) === followers) this.#followers.delete(containerId)
      },
    }
  }

  stats(): RuntimeStats {
    return { runtime: 'hollow', sandboxes: this.#sandboxes.size, containers: { running: this.#running, exited: this.#exited }, memoryBytes: this.#memoryBytes }
  }

  async close(): Promise<void> {
    for (const record of this.#containers.values()) if (record.timer !== undefined) this.#clock.clearTimeout(record.timer)
    for (const followers of this.#followers.values()) for (const follower of followers) follower()
    this.#followers.clear()
    this.#containers.clear()
    this.#sandboxes.clear()
    this.#listeners.clear()
    this.#running = this.#exited = this.#memoryBytes = 0
  }

  #exit(record: HollowContainer, exit: Omit<ContainerExit, 'finishedAt'>): void {
    if (record.state !== 'running') return
    if (record.timer !== undefined) this.#clock.clearTimeout(record.timer)
    record.timer = undefined
    record.state = 'exited'
    record.exit = { ...exit, finishedAt: this.#clock.now() }
    this.#running--
    this.#exited++
    this.#memoryBytes -= record.memoryBytes
    const followers = this.#followers.get(record.id)
    if (followers) {
      this.#followers.delete(record.id)
      for (const follower of followers) follower()
    }
    const snapshot = containerInfo(record)
    for (const listener of this.#listeners) listener(snapshot, record.exit)
  }

  #remove(containerId: string): void {
    const record = this.#containers.get(containerId)
    if (!record) return
    this.#exit(record, SIGKILL_EXIT)
    if (record.state === 'exited') this.#exited--
    this.#latency?.delete(containerId)
    this.#containers.delete(containerId)
    record.sandbox.containers.delete(containerId)
  }
}

/** Made up from the record each time: 150,000 pods keep no log text. */
function logLines(record: HollowContainer): LogLine[] {
  if (record.startedAt === undefined) return []
  const { config, podIP } = record.sandbox
  const lines: LogLine[] = [
    { time: record.startedAt, text: `hollow container ${record.name} (attempt ${record.attempt}) of pod ${config.namespace}/${config.name} started from ${record.image}` },
    { time: record.startedAt, text: `serving on ${podIP} (node ${config.nodeName})` },
  ]
  if (record.exit) lines.push({ time: record.exit.finishedAt, text: `exited with code ${record.exit.exitCode} (${record.exit.reason})` })
  return lines
}
