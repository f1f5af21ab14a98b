/**
 * The sockets of a node's kube-proxy: one TCP server per wanted listener, each accepted
 * connection piped to a backend chosen at accept time. Which backend is the caller's business
 * (`choose`): it reads the current Endpoints, so an Endpoints change affects new connections only
 * and never drops an established one. A backend that refuses (or does not answer within
 * {@link CONNECT_TIMEOUT_MS}) is skipped and the next one tried; with none left the client is
 * closed, as a Service without endpoints rejects.
 *
 * An address already in use is retried every `retryMs`: several nodes' proxies on one machine
 * all want 127.96.b.c:port and 127.0.0.1:<nodePort>, one of them gets each, and when its process
 * dies another takes over on its next try. A removed listener stops accepting; its established
 * connections carry on until their ends close them.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import type { Backend, Listener } from '../../actors/proxy/desired.ts'
import { backendKey } from '../../actors/proxy/desired.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'

export const CONNECT_TIMEOUT_MS = 3000

export type Choose = (target: string, clientIP: string, exclude: ReadonlySet<string>) => Backend | undefined

interface Entry {
  listener: Listener
  server: Server | undefined
  bound: boolean
  retry: TimerHandle | undefined
  /** Logged once per episode of a busy address, not every 2 s. */
  busyLogged: boolean
}

export interface TcpListenersOptions {
  readonly choose: Choose
  readonly clock: Clock
  readonly log: Logger
  readonly retryMs?: number
  /** Called when a listener binds or gives up its address. */
  readonly onChange?: () => void
}

export class TcpListeners {
  readonly #entries = new Map<string, Entry>()
  readonly #sockets = new Set<Socket>()
  readonly #options: TcpListenersOptions
  readonly #retryMs: number
  #closed = false

  constructor(options: TcpListenersOptions) {
    this.#options = options
    this.#retryMs = options.retryMs ?? 2000
  }

  get wanted(): number {
    return this.#entries.size
  }

  get bound(): number {
    return [...this.#entries.values()].filter((e) => e.bound).length
  }

  /** Opens what is new, closes what is gone, retargets what stays. */
  apply(listeners: readonly Listener[]): void {
    if (this.#closed) return
    const wanted = new Map(listeners.map((l) => [l.key, l]))
    for (const [key, entry] of this.#entries) {
      if (wanted.has(key)) continue
      this.#stop(entry)
      this.#entries.delete(key)
    }
    for (const listener of wanted.values()) {
      const entry = this.#entries.get(listener.key)
      if (entry !== undefined) {
        entry.listener = listener
        continue
      }
      const fresh: Entry = { listener, server: undefined, bound: false, retry: undefined, busyLogged: false }
      this.#entries.set(listener.key, fresh)
      this.#listen(fresh)
    }
  }

  /** Closes every listener and every connection through them. */
  async close(): Promise<void> {
    this.#closed = true
    const closing = [...this.#entries.values()].map((e) => this.#stop(e))
    this.#entries.clear()
    for (const s of this.#sockets) s.destroy()
    await Promise.all(closing)
  }

  #listen(entry: Entry): void {
    const { address, port } = entry.listener
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.#accept(entry, client))
    entry.server = server
    server.once('listening', () => {
      if (entry.server !== server) return
      entry.bound = true
      entry.busyLogged = false
      this.#options.log.info({ listener: entry.listener.key, kind: entry.listener.kind, target: entry.listener.target }, 'proxy listening')
      this.#options.onChange?.()
    })
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (entry.server !== server) return
      const wasBound = entry.bound
      entry.bound = false
      entry.server = undefined
      server.close()
      if (!entry.busyLogged) {
        entry.busyLogged = true
        this.#options.log.info({ listener: entry.listener.key, code: error.code, err: error.message }, `proxy listener unavailable; retrying every ${this.#retryMs} ms`)
      }
      if (wasBound) this.#options.onChange?.()
      entry.retry = this.#options.clock.setTimeout(() => {
        entry.retry = undefined
        if (!this.#closed && this.#entries.get(entry.listener.key) === entry) this.#listen(entry)
      }, this.#retryMs)
    })
    server.listen({ host: address, port, exclusive: true })
  }

  #stop(entry: Entry): Promise<void> {
    if (entry.retry !== undefined) this.#options.clock.clearTimeout(entry.retry)
    entry.retry = undefined
    const server = entry.server
    entry.server = undefined
    entry.bound = false
    if (server === undefined) return Promise.resolve()
    this.#options.log.info({ listener: entry.listener.key }, 'proxy listener closed')
    return new Promise((resolve) => server.close(() => resolve()))
  }

  #accept(entry: Entry, client: Socket): void {
    this.#track(client)
    client.on('error', () => client.destroy())
    const clientIP = (client.remoteAddress ?? '').replace(/^::ffff:/, '')
    const tried = new Set<string>()
    const attempt = () => {
      if (client.destroyed) return
      const backend = this.#options.choose(entry.listener.target, clientIP, tried)
      if (backend === undefined) return void client.destroy()
      const upstream = createConnection({ host: backend.ip, port: backend.port, allowHalfOpen: true })
      let connected = false
      upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error('connect timeout')))
      upstream.once('connect', () => {
        if (client.destroyed) return void upstream.destroy()
        connected = true
        upstream.setTimeout(0)
        this.#track(upstream)
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
        client.once('close', () => upstream.destroy())
        upstream.once('close', () => client.destroy())
      })
      upstream.on('error', () => {
        if (connected) return void client.destroy()
        tried.add(backendKey(backend))
        attempt()
      })
    }
    attempt()
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }
}
