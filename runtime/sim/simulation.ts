import { createHash, type Hash } from 'node:crypto'
import { silentLogger, type Logger } from '../log.ts'
import { noMetrics } from '../metrics.ts'
import { seededRandom, type Random } from '../random.ts'
import { disabledTracing } from '../telemetry.ts'
import type { DiskIo } from '../disk/io.ts'
import { parseHostConfig, type HostConfig } from '../host/config.ts'
import { Host } from '../host/host.ts'
import { HostLink } from './host-link.ts'
import { MemoryNetwork, type MemoryNetworkOptions, type MemoryTransport } from './memory-network.ts'
import { SkewedClock } from './skewed-clock.ts'
import { VirtualClock } from './virtual-clock.ts'

export interface TracedMessage {
  readonly at: number
  readonly from: string
  readonly subject: string
  readonly data: Uint8Array
  /** A request's reply subject: its answer is the traced message published there. */
  readonly reply?: string
}

/** Which messages {@link Simulation.trace} keeps (the digest always covers all of them). */
export type TraceKeeping = 'all' | 'none' | { readonly fromMs: number; readonly toMs: number }

export interface SimulationOptions extends MemoryNetworkOptions {
  readonly log?: Logger
  /** Default 'all'; a long run keeps none, and a replay keeps the window around a failure. */
  readonly trace?: TraceKeeping
}

export interface SimHostOptions {
  /**
   * The host's disk as one process incarnation sees it (MemoryDisk.incarnation): called at every
   * start, so a killed incarnation's leftover calls cannot touch what its successor recovers.
   */
  readonly io?: () => DiskIo
}

export class SimulationTimeout extends Error {
  override readonly name = 'SimulationTimeout'
}

interface SimHost {
  readonly config: HostConfig
  readonly options: SimHostOptions
  readonly clock: SkewedClock
  link: HostLink
  host: Host | undefined
  incarnation: number
  /** Settles when the last kill finished unwinding the host's services. */
  dying: Promise<void>
}

/** Lets every promise continuation that is ready run before virtual time moves on. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * A whole set of hosts in one process on virtual time: one seed fixes message latencies, fault
 * decisions and every random number actors draw, so a run (and a failing seed) replays exactly.
 *
 * Async code is driven deterministically: the driver ({@link runUntil}, {@link drive}) runs one
 * clock task at a time and lets all the promise continuations it woke run before the next one.
 */
export class Simulation {
  readonly clock = new VirtualClock()
  readonly network: MemoryNetwork
  readonly hosts = new Map<string, Host>()
  readonly trace: TracedMessage[] = []
  readonly seed: number
  readonly #log: Logger
  readonly #keep: TraceKeeping
  readonly #digest: Hash = createHash('sha256')
  readonly #sim = new Map<string, SimHost>()
  #messages = 0

  constructor(seed: number, options: SimulationOptions = {}) {
    this.seed = seed
    this.#log = options.log ?? silentLogger
    this.#keep = options.trace ?? 'all'
    this.network = new MemoryNetwork(this.clock, seededRandom(seed), options)
  }

  /** Adds a host from a config object (the same shape as a host YAML file). */
  addHost(rawConfig: unknown, options: SimHostOptions = {}): Host {
    const config = parseHostConfig(rawConfig, 'simulation')
    if (this.#sim.has(config.host)) throw new RangeError(`simulation: host ${config.host} exists already`)
    const entry: SimHost = { config, options, clock: new SkewedClock(this.clock), link: this.#link(config.host), host: undefined, incarnation: 0, dying: Promise.resolve() }
    this.#sim.set(config.host, entry)
    return this.#start(entry)
  }

  /** A host's clock, whose offset a fault may set (skew). */
  clockOf(name: string): SkewedClock {
    return this.#entry(name).clock
  }

  /** Whether the host is running (not killed). */
  isUp(name: string): boolean {
    return this.#entry(name).host !== undefined
  }

  /**
   * Kills a host as kill -9 would: it is cut off the network at once, its actors stop without a
   * hand-over. The caller crashes its disk. Resolves once its services have unwound.
   */
  killHost(name: string): Promise<void> {
    const entry = this.#entry(name)
    const host = entry.host
    if (!host) return entry.dying
    entry.link.cut()
    entry.host = undefined
    this.hosts.delete(name)
    entry.dying = host.kill().catch((error: unknown) => this.#log.warn({ host: name, err: String(error) }, 'killed host did not unwind cleanly'))
    return entry.dying
  }

  /** Freezes a host's link (HostLink.pause): nothing in or out until {@link resumeHost}. */
  pauseHost(name: string): void {
    this.#entry(name).link.pause()
  }

  resumeHost(name: string): void {
    this.#entry(name).link.resume()
  }

  isPaused(name: string): boolean {
    return this.#entry(name).link.isPaused
  }

  /** Starts a killed host again, from the same config and disk, on a new connection. */
  async restartHost(name: string): Promise<Host> {
    const entry = this.#entry(name)
    await entry.dying
    if (entry.host) return entry.host
    entry.incarnation++
    entry.link = this.#link(name)
    return this.#start(entry)
  }

  /** A raw client connection (for a test to play an outside caller). */
  client(name: string): MemoryTransport {
    const transport = this.network.connect(name)
    const publish = transport.publish.bind(transport)
    transport.publish = (subject, data, options) => {
      this.#record(transport.name, subject, data, options?.reply)
      publish(subject, data, options)
    }
    return transport
  }

  /** Runs virtual time up to `time`, or until `settled` says so (checked after every task). */
  async runUntil(time: number, settled?: () => boolean): Promise<void> {
    await nextTurn()
    while (!settled?.()) {
      const due = this.clock.nextDue()
      if (due === undefined || due > time) {
        this.clock.runUntil(time)
        return
      }
      this.clock.step()
      await nextTurn()
    }
  }

  runFor(ms: number): Promise<void> {
    return this.runUntil(this.clock.now() + ms)
  }

  /** Runs virtual time until `promise` settles and returns its outcome; throws SimulationTimeout after `maxVirtualMs`. */
  async drive<T>(promise: Promise<T>, maxVirtualMs: number, what = 'the awaited work'): Promise<T> {
    let settled = false
    promise.then(() => (settled = true), () => (settled = true))
    await this.runUntil(this.clock.now() + maxVirtualMs, () => settled)
    if (!settled) throw new SimulationTimeout(`${what} did not finish within ${maxVirtualMs} virtual ms (at ${this.clock.now()} ms)`)
    return promise
  }

  /** Messages published so far. */
  get messages(): number {
    return this.#messages
  }

  /** sha256 over every message published so far (time, sender, subject, body): equal digests, equal runs. */
  digest(): string {
    return this.#digest.copy().digest('hex')
  }

  /** Stops every running host gracefully, driving virtual time while they hand over. */
  async stop(maxVirtualMs = 60_000): Promise<void> {
    const running = [...this.hosts.values()]
    await this.drive(Promise.all(running.map((host) => host.stop())), maxVirtualMs, 'stopping the hosts')
  }

  #start(entry: SimHost): Host {
    const name = entry.config.host
    const host = new Host(entry.config, {
      transport: entry.link,
      clock: entry.clock,
      random: this.#randomFor(entry.incarnation === 0 ? name : `${name}#${entry.incarnation}`),
      log: this.#log.child({ host: name }),
      metrics: noMetrics,
      tracing: disabledTracing,
      // A batch closes at the end of the virtual instant its first message arrived in.
      defer: (flush) => this.clock.setTimeout(flush, 0),
      ...(entry.options.io ? { io: entry.options.io() } : {}),
    })
    entry.host = host
    this.hosts.set(name, host)
    return host
  }

  #entry(name: string): SimHost {
    const entry = this.#sim.get(name)
    if (!entry) throw new RangeError(`simulation: no host ${name}`)
    return entry
  }

  #link(name: string): HostLink {
    return new HostLink(this.network.connect(name), (subject, data, reply) => this.#record(name, subject, data, reply))
  }

  #record(from: string, subject: string, data: Uint8Array, reply: string | undefined): void {
    const at = this.clock.now()
    this.#messages++
    this.#digest.update(`${at}\u0000${from}\u0000${subject}\u0000${data.length}\u0000`)
    this.#digest.update(data)
    const keep = this.#keep
    if (keep === 'none') return
    if (keep !== 'all' && (at < keep.fromMs || at > keep.toMs)) return
    this.trace.push({ at, from, subject, data, ...(reply !== undefined ? { reply } : {}) })
  }

  /** Each host gets its own stream derived from the seed, so adding a host does not shift others. */
  #randomFor(name: string): Random {
    let h = this.seed >>> 0
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
    return seededRandom(h)
  }
}
