import { silentLogger, type Logger } from '../log.ts'
import { noMetrics } from '../metrics.ts'
import { seededRandom, type Random } from '../random.ts'
import { disabledTracing } from '../telemetry.ts'
import { parseHostConfig } from '../host/config.ts'
import { Host } from '../host/host.ts'
import { MemoryNetwork, type MemoryNetworkOptions, type MemoryTransport } from './memory-network.ts'
import { VirtualClock } from './virtual-clock.ts'

export interface TracedMessage {
  readonly at: number
  readonly from: string
  readonly subject: string
  readonly data: Uint8Array
}

/**
 * A whole set of hosts in one process on virtual time: one seed fixes message latencies, fault
 * decisions and every random number actors draw, so a run (and a failing seed) replays exactly.
 */
export class Simulation {
  readonly clock = new VirtualClock()
  readonly network: MemoryNetwork
  readonly hosts = new Map<string, Host>()
  readonly trace: TracedMessage[] = []
  readonly #seed: number
  readonly #log: Logger

  constructor(seed: number, options: MemoryNetworkOptions & { log?: Logger } = {}) {
    this.#seed = seed
    this.#log = options.log ?? silentLogger
    this.network = new MemoryNetwork(this.clock, seededRandom(seed), options)
  }

  /** Adds a host from a config object (the same shape as a host YAML file). */
  addHost(rawConfig: unknown): Host {
    const config = parseHostConfig(rawConfig, 'simulation')
    const transport = this.#recording(this.network.connect(config.host))
    const host = new Host(config, {
      transport,
      clock: this.clock,
      random: this.#randomFor(config.host),
      log: this.#log.child({ host: config.host }),
      metrics: noMetrics,
      tracing: disabledTracing,
      // A batch closes at the end of the virtual instant its first message arrived in.
      defer: (flush) => this.clock.setTimeout(flush, 0),
    })
    this.hosts.set(config.host, host)
    return host
  }

  /** A raw client connection (for a test to play an outside caller). */
  client(name: string): MemoryTransport {
    return this.#recording(this.network.connect(name))
  }

  runFor(ms: number): void {
    this.clock.advance(ms)
  }

  async stop(): Promise<void> {
    for (const host of this.hosts.values()) await host.stop()
  }

  /** Each host gets its own stream derived from the seed, so adding a host does not shift others. */
  #randomFor(name: string): Random {
    let h = this.#seed >>> 0
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
    return seededRandom(h)
  }

  #recording(transport: MemoryTransport): MemoryTransport {
    const publish = transport.publish.bind(transport)
    transport.publish = (subject, data, options) => {
      this.trace.push({ at: this.clock.now(), from: transport.name, subject, data })
      publish(subject, data, options)
    }
    return transport
  }
}
