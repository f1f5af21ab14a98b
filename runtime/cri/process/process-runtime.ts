/**
 * A container runtime of real child processes. Each pod gets its own loopback address from
 * `podCidr` (on Linux all of 127.0.0.0/8 is loopback, so nothing needs configuring) and its
 * containers bind their ports there, so two pods may both listen on 8080. Each container is the
 * leader of its own process group, so stopping it reaches its children too. An address something
 * else on the machine listens on (another cluster's pod) is passed over. Memory limits are
 * enforced by a watchdog reading /proc; CPU limits are not enforced. See docs/runtimes.md.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { constants } from 'node:os'
import { join } from 'node:path'
import type { ContainerPort, Probe } from '../../../actors/kube/objects.ts'
import { parseQuantity } from '../../../actors/kube/quantity.ts'
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
import { IpPool } from '../ip-pool.ts'
import { hostRandom, type Random } from '../../random.ts'
import { formatLogLine, selectLogLines, type LogLine } from '../log-select.ts'
import { containerEnv } from './container-env.ts'
import { ContainerLog, LOG_ROTATION_DEFAULTS, type LogRotation } from './container-log.ts'
import { resolveImage } from './images.ts'
import { killGroup } from './kill-group.ts'
import { listeningAddresses } from './listening-addresses.ts'
import { forgetGroup, killOrphans, noteGroup } from './orphans.ts'
import { readLogLines } from './log-files.ts'
import { runProbe } from './probes.ts'
import { processTreeRss } from './process-memory.ts'

export interface ProcessRuntimeOptions {
  /** State directory: logs under `<dir>/pods/<namespace>_<name>_<uid>/<container>/<attempt>.log`. */
  readonly dir: string
  /** Pod addresses; default 127.1.0.0/16. */
  readonly podCidr?: string
  /** Draws the id prefix; the host's random by default. */
  readonly random?: Random
  /** Log rotation; default 10 MiB a file, 5 files. */
  readonly logRotation?: LogRotation
  /** How often the memory watchdog reads the RSS of containers with a memory limit; default 500 ms. */
  readonly memoryCheckMs?: number
}

interface ProcessSandbox {
  readonly id: string
  readonly config: SandboxConfig
  readonly podIP: string
  readonly dir: string
  readonly containers: Set<string>
}

interface ProcessContainer extends ContainerRecord {
  readonly sandbox: ProcessSandbox
  readonly file: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly ports: readonly ContainerPort[]
  readonly memoryLimit: number | undefined
  readonly logPath: string
  child?: ChildProcess
  log?: ContainerLog
  exited?: Promise<void>
  oomKilled?: boolean
}

/** After the leader exits, how long its output pipes may take to drain before the log is closed. */
const DRAIN_MS = 200

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process' as const
  readonly #dir: string
  readonly #ips: IpPool
  readonly #rotation: Required<LogRotation>
  readonly #memoryCheckMs: number
  readonly #sandboxes = new Map<string, ProcessSandbox>()
  readonly #containers = new Map<string, ProcessContainer>()
  readonly #listeners = new Set<(container: ContainerInfo, exit: ContainerExit) => void>()
  #watchdog: ReturnType<typeof setInterval> | undefined
  readonly #newId: () => string

  constructor(options: ProcessRuntimeOptions) {
    this.#dir = options.dir
    this.#newId = idGenerator(options.random ?? hostRandom())
    this.#ips = new IpPool(options.podCidr ?? '127.1.0.0/16')
    this.#rotation = { maxBytes: options.logRotation?.maxBytes ?? LOG_ROTATION_DEFAULTS.maxBytes, maxFiles: options.logRotation?.maxFiles ?? LOG_ROTATION_DEFAULTS.maxFiles }
    this.#memoryCheckMs = options.memoryCheckMs ?? 500
    if (!(this.#rotation.maxBytes > 0) || !(this.#rotation.maxFiles >= 1)) throw new RangeError(`bad log rotation ${JSON.stringify(options.logRotation)}`)
    this.orphansKilled = killOrphans(this.#dir)
    process.on('exit', this.#killAll)
  }

  /** Process groups a previous runtime on the same `dir` left running and this one killed. */
  readonly orphansKilled: number

  /** A host that exits without close() (process.exit) still takes its containers along. */
  readonly #killAll = (): void => {
    for (const record of this.#containers.values()) killGroup(record.child?.pid, 'SIGKILL')
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const id = this.#newId()
    const dir = join(this.#dir, 'pods', `${config.namespace}_${config.name}_${config.uid}`)
    mkdirSync(dir, { recursive: true })
    // The pool knows only this runtime's pods; the machine may have other clusters' on the same range.
    const taken = listeningAddresses()
    const podIP = this.#ips.allocatePreferring(config.podIP, (ip) => !taken.has(ip))
    const sandbox: ProcessSandbox = { id, config, podIP, dir, containers: new Set() }
    this.#sandboxes.set(id, sandbox)
    return { id, podIP: sandbox.podIP, dir }
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.#sandboxes.get(sandboxId)
    if (!sandbox) return
    this.#sandboxes.delete(sandboxId)
    await Promise.all([...sandbox.containers].map((id) => this.removeContainer(id)))
    rmSync(sandbox.dir, { recursive: true, force: true })
    this.#ips.release(sandbox.podIP)
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<ContainerInfo> {
    const sandbox = this.#sandboxes.get(sandboxId)
    if (!sandbox) throw new CriError('CreateContainerError', `pod sandbox ${sandboxId} does not exist`)
    const { container } = config
    const resolved = resolveImage(container)
    const ports = container.ports ?? []
    const memory = container.resources?.limits?.memory
    const dir = join(sandbox.dir, container.name)
    mkdirSync(dir, { recursive: true })
    const record: ProcessContainer = {
      id: this.#newId(),
      sandbox,
      name: container.name,
      attempt: config.attempt,
      image: resolved.image,
      imageID: resolved.imageID,
      file: resolved.file,
      args: resolved.args,
      env: containerEnv(sandbox.config, sandbox.podIP, ports, config.env),
      cwd: container.workingDir ?? sandbox.dir,
      ports,
      memoryLimit: memory === undefined ? undefined : parseQuantity(memory),
      logPath: join(dir, `${config.attempt}.log`),
      createdAt: Date.now(),
      state: 'created',
    }
    this.#containers.set(record.id, record)
    sandbox.containers.add(record.id)
    return containerInfo(record, record.child?.pid)
  }

  async startContainer(containerId: string): Promise<ContainerInfo> {
    const record = this.#containers.get(containerId)
    if (!record) throw new CriError('RunContainerError', `container ${containerId} does not exist`)
    if (record.state !== 'created') throw new CriError('RunContainerError', `container ${containerId} is ${record.state}, not created`)
    let child: ChildProcess
    try {
      child = spawn(record.file, record.args, { env: record.env, cwd: record.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (error) {
      // Some bad arguments (a NUL byte in an argument or env value) throw instead of emitting 'error'.
      throw new CriError('RunContainerError', `${record.file}: ${error instanceof Error ? error.message : String(error)}`)
    }
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (error) => reject(new CriError('RunContainerError', `${record.file}: ${error.message}`)))
    })
    // Later errors (a kill racing the exit) must not become an unhandled 'error' event.
    child.on('error', () => {})
    const log = new ContainerLog(record.logPath, this.#rotation)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => log.write('stdout', chunk))
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => log.write('stderr', chunk))
    record.child = child
    record.log = log
    if (child.pid !== undefined) noteGroup(this.#dir, child.pid)
    record.state = 'running'
    record.startedAt = Date.now()
    record.exited = new Promise((resolve) => child.once('exit', (code, signal) => this.#onExit(record, code, signal).then(resolve)))
    if (record.memoryLimit !== undefined) this.#startWatchdog()
    return containerInfo(record, record.child?.pid)
  }

  async stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    const record = this.#containers.get(containerId)
    if (record?.state !== 'running') return
    killGroup(record.child?.pid, 'SIGTERM')
    const timer = setTimeout(() => killGroup(record.child?.pid, 'SIGKILL'), Math.max(0, graceSeconds) * 1000)
    try {
      await record.exited
    } finally {
      clearTimeout(timer)
    }
  }

  /** Kills it if it still runs and deletes its log files. */
  async removeContainer(containerId: string): Promise<void> {
    const record = this.#containers.get(containerId)
    if (!record) return
    if (record.state === 'running') {
      killGroup(record.child?.pid, 'SIGKILL')
      await record.exited
    }
    record.log?.remove()
    this.#containers.delete(containerId)
    record.sandbox.containers.delete(containerId)
  }

  listContainers(filter: { readonly podUid?: string; readonly name?: string } = {}): ContainerInfo[] {
    return filterContainers(this.#containers.values(), filter, (record) => record.child?.pid)
  }

  onExit(listener: (container: ContainerInfo, exit: ContainerExit) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async probe(containerId: string, probe: Probe): Promise<{ ok: boolean; message?: string }> {
    const record = this.#containers.get(containerId)
    if (record?.state !== 'running') return { ok: false, message: `container ${containerId} is not running` }
    return runProbe(probe, { podIP: record.sandbox.podIP, ports: record.ports, env: record.env, cwd: record.cwd })
  }

  readLogs(containerId: string, options: LogOptions, onData: (chunk: string) => void, onEnd: (error?: Error) => void): LogStream {
    const record = this.#containers.get(containerId)
    if (!record) {
      onEnd(new Error(`container ${containerId} does not exist`))
      return { cancel: () => {} }
    }
    const atLeast = options.sinceSeconds === undefined ? options.tailLines : undefined
    let history: LogLine[]
    try {
      history = record.log ? readLogLines(record.logPath, this.#rotation.maxFiles, atLeast) : []
    } catch (error) {
      onEnd(error instanceof Error ? error : new Error(String(error)))
      return { cancel: () => {} }
    }
    const lines = selectLogLines(history, options, Date.now())
    if (lines.length > 0) onData(lines.map((line) => formatLogLine(line, options)).join(''))
    // Read and subscribed in one turn: log writes are synchronous, so no line falls in between.
    if (!options.follow || !record.log || record.log.closed) {
      onEnd()
      return { cancel: () => {} }
    }
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      onEnd()
    }
    const unsubscribe = record.log.follow((line) => onData(formatLogLine(line, options)), end)
    return {
      cancel: () => {
        unsubscribe()
        end()
      },
    }
  }

  stats(): RuntimeStats {
    let running = 0
    let exited = 0
    let memoryBytes = 0
    for (const record of this.#containers.values()) {
      if (record.state === 'running') {
        running++
        memoryBytes += record.child?.pid === undefined ? 0 : (processTreeRss(record.child.pid) ?? 0)
      } else if (record.state === 'exited') {
        exited++
      }
    }
    return { runtime: 'process', sandboxes: this.#sandboxes.size, containers: { running, exited }, memoryBytes }
  }

  /** Kills every container (SIGKILL) and waits for them; logs stay on disk. */
  async close(): Promise<void> {
    this.#stopWatchdog()
    process.off('exit', this.#killAll)
    const exits: Promise<void>[] = []
    for (const record of this.#containers.values()) {
      if (record.state !== 'running') continue
      killGroup(record.child?.pid, 'SIGKILL')
      if (record.exited) exits.push(record.exited)
    }
    await Promise.all(exits)
    this.#containers.clear()
    this.#sandboxes.clear()
    this.#listeners.clear()
  }

  async #onExit(record: ProcessContainer, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const child = record.child!
    // The container is its process group: when its leader goes, so does everything it started.
    killGroup(child.pid, 'SIGKILL')
    await new Promise<void>((resolve) => {
      if (child.stdout!.closed && child.stderr!.closed) return resolve()
      const timer = setTimeout(resolve, DRAIN_MS)
      child.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    record.log?.close()
    if (child.pid !== undefined) forgetGroup(this.#dir, child.pid)
    const signalNumber = signal === null ? undefined : constants.signals[signal]
    const exitCode = code ?? 128 + (signalNumber ?? 0)
    const reason = record.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error'
    const exit: ContainerExit = {
      exitCode,
      ...(signalNumber !== undefined && { signal: signalNumber }),
      reason,
      ...(record.oomKilled && { message: `memory use above the limit of ${record.memoryLimit} bytes` }),
      finishedAt: Date.now(),
    }
    record.exit = exit
    record.state = 'exited'
    record.child = undefined
    if (![...this.#containers.values()].some((r) => r.state === 'running' && r.memoryLimit !== undefined)) this.#stopWatchdog()
    const snapshot = containerInfo(record)
    for (const listener of this.#listeners) listener(snapshot, exit)
  }

  /** One timer for the whole runtime, only while some running container has a memory limit. */
  #startWatchdog(): void {
    if (this.#watchdog) return
    this.#watchdog = setInterval(() => this.#checkMemory(), this.#memoryCheckMs)
    this.#watchdog.unref()
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog)
    this.#watchdog = undefined
  }

  #checkMemory(): void {
    for (const record of this.#containers.values()) {
      const pid = record.child?.pid
      if (record.state !== 'running' || record.memoryLimit === undefined || pid === undefined || record.oomKilled) continue
      const rss = processTreeRss(pid)
      if (rss !== undefined && rss > record.memoryLimit) {
        record.oomKilled = true
        killGroup(pid, 'SIGKILL')
      }
    }
  }
}
