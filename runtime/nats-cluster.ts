/**
 * A NATS cluster of N nats-servers on loopback, joined by routes, as `actorkube up` runs it so
 * that no single nats-server is a point of failure. Members are numbered 1..N. The first start
 * lets every server pick free client and route ports; a member killed and restarted keeps its
 * ports, so the server lists already handed to hosts stay valid.
 *
 * Routes: member i dials the members started before it, and each learns the rest by gossip,
 * which gives the full mesh NATS needs (a server forwards a message over one route hop only).
 * A restarted member dials every other member. Interest (subscriptions, request inboxes)
 * propagates over the routes, so a request published on one server reaches a responder
 * connected to another.
 */
import { join } from 'node:path'
import { startNatsServer, type NatsServerHandle } from './nats-server.ts'

export interface NatsClusterOptions {
  /** Each member's directory is `<dir>/nats-<i>`. */
  readonly dir: string
  readonly servers: number
  /** The cluster's name (nats-server's `cluster.name`). */
  readonly name?: string
  readonly binary?: string
  readonly onLog?: (member: number, line: string) => void
  readonly startTimeoutMs?: number
}

export interface NatsMemberStatus {
  readonly index: number
  readonly url: string
  readonly running: boolean
  readonly pid?: number
  /** Route connections this member has open now (N-1 in a healthy full mesh). */
  readonly routes: number
}

interface Member {
  readonly index: number
  readonly port: number
  readonly routePort: number
  handle: NatsServerHandle | undefined
  /** Open route connections by route id (`rid:N` in the log). */
  readonly openRoutes: Set<string>
}

const ROUTE_EVENT = /rid:(\d+) - Router? connection (created|closed)/

export class NatsCluster {
  readonly #options: NatsClusterOptions
  readonly #members: Member[] = []

  private constructor(options: NatsClusterOptions) {
    this.#options = options
  }

  /** Starts the members one after another and waits until they form a full mesh. */
  static async start(options: NatsClusterOptions): Promise<NatsCluster> {
    if (!Number.isInteger(options.servers) || options.servers < 1) throw new RangeError(`a NATS cluster needs at least 1 server, got ${options.servers}`)
    const cluster = new NatsCluster(options)
    try {
      for (let index = 1; index <= options.servers; index++) await cluster.#startMember(index)
      await cluster.waitForMesh(options.startTimeoutMs ?? 10_000)
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /** Every member's client URL, in member order (dead members included: they may come back). */
  get urls(): string[] {
    return this.#members.map((m) => `nats://127.0.0.1:${m.port}`)
  }

  status(): NatsMemberStatus[] {
    return this.#members.map((m) => ({
      index: m.index,
      url: `nats://127.0.0.1:${m.port}`,
      running: m.handle !== undefined,
      ...(m.handle?.process.pid !== undefined ? { pid: m.handle.process.pid } : {}),
      routes: m.handle ? m.openRoutes.size : 0,
    }))
  }

  /** Kills member `index` (SIGKILL by default: a crash, not a shutdown) and waits for it to exit. */
  async kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const member = this.#member(index)
    const handle = member.handle
    if (!handle) return
    handle.process.kill(signal)
    await handle.exited
  }

  /** Starts member `index` again on its ports (killing it first if it runs), dialing every other member. */
  async restart(index: number): Promise<void> {
    const member = this.#member(index)
    if (member.handle) await this.kill(index)
    await this.#startMember(index)
  }

  /** Resolves once every running member has a route to every other running member. */
  async waitForMesh(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const meshed = () => {
      const running = this.#members.filter((m) => m.handle !== undefined)
      return running.every((m) => m.openRoutes.size >= running.length - 1)
    }
    while (!meshed()) {
      if (Date.now() > deadline) {
        const counts = this.status().map((s) => `nats-${s.index}: ${s.running ? `${s.routes} routes` : 'down'}`)
        throw new Error(`NATS cluster not meshed within ${timeoutMs} ms (${counts.join(', ')})`)
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.#members.map(async (m) => m.handle?.stop()))
  }

  #member(index: number): Member {
    const member = this.#members[index - 1]
    if (!member) throw new RangeError(`no nats-server ${index}: members are 1..${this.#members.length}`)
    return member
  }

  async #startMember(index: number): Promise<void> {
    const known = this.#members[index - 1]
    const others = this.#members.filter((m) => m.index !== index)
    const openRoutes = known?.openRoutes ?? new Set<string>()
    openRoutes.clear()
    const clustered = this.#options.servers > 1
    const handle = await startNatsServer({
      dir: join(this.#options.dir, `nats-${index}`),
      ...(this.#options.binary ? { binary: this.#options.binary } : {}),
      ...(known ? { port: known.port } : {}),
      ...(this.#options.startTimeoutMs !== undefined ? { startTimeoutMs: this.#options.startTimeoutMs } : {}),
      ...(clustered
        ? {
            cluster: {
              name: this.#options.name ?? 'actorkube',
              serverName: `nats-${index}`,
              ...(known ? { routePort: known.routePort } : {}),
              routes: others.map((m) => `nats-route://127.0.0.1:${m.routePort}`),
            },
          }
        : {}),
      onLog: (line) => {
        const route = ROUTE_EVENT.exec(line)
        if (route) route[2] === 'created' ? openRoutes.add(route[1]!) : openRoutes.delete(route[1]!)
        this.#options.onLog?.(index, line)
      },
    })
    const member: Member = known ?? { index, port: handle.port, routePort: handle.routePort ?? 0, handle, openRoutes }
    member.handle = handle
    this.#members[index - 1] = member
    void handle.exited.then(() => {
      if (member.handle === handle) member.handle = undefined
    })
  }
}
