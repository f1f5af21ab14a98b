/**
 * The cluster's one apiserver address: a TCP proxy in the `up` process, kube-vip/haproxy style,
 * that hands each new connection to a healthy apiserver. TLS passes through untouched (the
 * apiservers' certificate carries 127.0.0.1, where this listens), so kubectl's bearer token and
 * the server certificate work as they do against an apiserver directly.
 *
 * Healthy means: `/readyz` answered 200 at the last check (every `intervalMs`), and no connection
 * to it was refused since. A refused connection marks the apiserver down at once and the
 * connection is retried on the next one before any byte is forwarded, so a killed master costs a
 * client nothing. A connection already forwarded to an apiserver that dies ends with it, as with
 * any TCP balancer; kubectl retries on a new one.
 *
 * Why in `up` and not in every host (k3s style): the clients here are kubectl and the user's
 * programs on this machine, not hosts (hosts reach the apiservers over NATS, which already
 * balances and fails over); `up` owns the cluster's lifetime, so the address lives exactly as
 * long as the cluster does.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface Backend {
  /** The master host it belongs to (`master-1`). */
  readonly name: string
  readonly port: number
}

export interface FrontDoorOptions {
  readonly port: number
  /** The apiservers as known now (a restarted master may listen on a new port). */
  readonly backends: () => readonly Backend[]
  /** Whether the apiserver is ready (its /readyz); a rejection counts as not ready. */
  readonly ready: (backend: Backend) => Promise<boolean>
  readonly intervalMs: number
  /** Called with the ready apiservers' names whenever that set changes. */
  readonly onChange?: (ready: readonly Backend[]) => void
}

const HOST = '127.0.0.1'

export class FrontDoor {
  readonly #options: FrontDoorOptions
  readonly #server: Server
  /** `name:port` of the apiservers that are ready. */
  readonly #ready = new Set<string>()
  /** Open client connections: close() ends them (a kubectl watch would otherwise hold it open). */
  readonly #clients = new Set<Socket>()
  #next = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  private constructor(options: FrontDoorOptions, server: Server) {
    this.#options = options
    this.#server = server
  }

  /** Listens, checks every apiserver once, then keeps checking every `intervalMs`. */
  static async start(options: FrontDoorOptions): Promise<FrontDoor> {
    const server = createServer({ pauseOnConnect: true })
    const door = new FrontDoor(options, server)
    server.on('connection', (client) => {
      door.#clients.add(client)
      client.once('close', () => door.#clients.delete(client))
      door.#forward(client, new Set())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, HOST, () => resolve())
    })
    await door.#check()
    door.#schedule()
    return door
  }

  get port(): number {
    const address = this.#server.address()
    return typeof address === 'object' && address ? address.port : this.#options.port
  }

  get url(): string {
    return `https://${HOST}:${this.port}`
  }

  /** Checks every apiserver now (besides the periodic checks). */
  refresh(): Promise<void> {
    return this.#check()
  }

  /** The apiservers new connections go to now. */
  ready(): Backend[] {
    return this.#options.backends().filter((b) => this.#ready.has(key(b)))
  }

  /** Stops listening and ends every connection it forwards. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const client of this.#clients) client.destroy()
    await closed
  }

  /** Round robin over the ready apiservers not tried yet for this connection; the others after them. */
  #pick(tried: ReadonlySet<string>): Backend | undefined {
    const all = this.#options.backends().filter((b) => !tried.has(key(b)))
    const ready = all.filter((b) => this.#ready.has(key(b)))
    const pool = ready.length > 0 ? ready : all
    if (pool.length === 0) return undefined
    return pool[this.#next++ % pool.length]
  }

  #forward(client: Socket, tried: Set<string>): void {
    const backend = this.#pick(tried)
    if (!backend) return void client.destroy()
    tried.add(key(backend))
    const upstream = connect(backend.port, HOST)
    const onClientGone = () => upstream.destroy()
    client.once('close', onClientGone)
    client.on('error', () => {})
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      if (upstream.bytesRead > 0 || client.destroyed) return void client.destroy()
      // Nothing was forwarded yet: try the next apiserver on the same client connection.
      if (error.code === 'ECONNREFUSED') this.#markDown(backend)
      client.off('close', onClientGone)
      this.#forward(client, tried)
    })
    upstream.once('connect', () => {
      upstream.on('error', () => client.destroy())
      upstream.once('close', () => client.destroy())
      client.pipe(upstream)
      upstream.pipe(client)
      client.resume()
    })
  }

  #markDown(backend: Backend): void {
    if (this.#ready.delete(key(backend))) this.#options.onChange?.(this.ready())
  }

  async #check(): Promise<void> {
    const backends = this.#options.backends()
    const results = await Promise.all(backends.map((b) => this.#options.ready(b).catch(() => false)))
    const before = [...this.#ready].sort().join(' ')
    this.#ready.clear()
    backends.forEach((b, i) => results[i] && this.#ready.add(key(b)))
    if ([...this.#ready].sort().join(' ') !== before) this.#options.onChange?.(this.ready())
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => void this.#check().finally(() => this.#schedule()), this.#options.intervalMs)
  }
}

const key = (b: Backend): string => `${b.name}:${b.port}`
