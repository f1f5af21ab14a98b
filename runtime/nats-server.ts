/**
 * Runs Debian's nats-server as a child process on a free loopback port (`-p -1`: `-p 0` would
 * bind 4222), reading the chosen port from its log and keeping its stderr drained. With `cluster`
 * it is one member of a NATS cluster: it listens for routes (a free port unless given) and dials
 * the routes it is given (nats-cluster.ts starts such a cluster).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { onLines } from './process/lines.ts'
import { stopChild } from './process/stop-child.ts'

export interface NatsServerHandle {
  readonly url: string
  readonly port: number
  /** The port other cluster members dial (`nats-route://127.0.0.1:<routePort>`), when clustered. */
  readonly routePort?: number
  readonly process: ChildProcess
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>
  stop(): Promise<void>
}

export interface NatsServerOptions {
  /** Data directory (JetStream store, logs); created if missing. */
  readonly dir: string
  readonly binary?: string
  readonly port?: number
  readonly onLog?: (line: string) => void
  readonly startTimeoutMs?: number
  /** Join a NATS cluster: its name, this server's name, its route port (default: free) and the routes it dials. */
  readonly cluster?: NatsClusterMembership
}

export interface NatsClusterMembership {
  readonly name: string
  readonly serverName: string
  readonly routePort?: number
  /** `nats-route://127.0.0.1:PORT` of the other members. */
  readonly routes: readonly string[]
}

/**
 * The config file: max_payload has no command-line flag (the store's 1.5 MiB values need more
 * than the 1 MB default), nor has a cluster block. A clustered server runs without JetStream:
 * nothing here uses it, and clustered JetStream would add a Raft meta group of its own.
 */
export function natsServerConfig(cluster?: NatsClusterMembership): string {
  const lines = ['max_payload: 8MB']
  if (cluster) {
    lines.push(`server_name: ${JSON.stringify(cluster.serverName)}`)
    lines.push('cluster {', `  name: ${JSON.stringify(cluster.name)}`, `  listen: "127.0.0.1:${cluster.routePort ?? -1}"`)
    if (cluster.routes.length > 0) lines.push(`  routes: [${cluster.routes.map((r) => JSON.stringify(r)).join(', ')}]`)
    lines.push('}')
  }
  return `${lines.join('\n')}\n`
}

export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError'
}

export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerHandle> {
  await mkdir(options.dir, { recursive: true })
  const configPath = join(options.dir, 'nats-server.conf')
  await writeFile(configPath, natsServerConfig(options.cluster))
  const binary = options.binary ?? process.env.AK_NATS_SERVER ?? 'nats-server'
  const jetstream = options.cluster ? [] : ['--jetstream', '--store_dir', join(options.dir, 'jetstream')]
  const child = spawn(binary, ['-c', configPath, '-a', '127.0.0.1', '-p', String(options.port ?? -1), ...jetstream], { stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let port: number | undefined
  let routePort: number | undefined
  let serverReady = false
  let lastLine: string | undefined
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not become ready within ${options.startTimeoutMs ?? 10_000} ms`)), options.startTimeoutMs ?? 10_000)
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(error.code === 'ENOENT' ? new NatsServerNotFoundError(`${binary} not found: install it with 'apt-get install -y nats-server' or pass --nats URL`) : error)
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`nats-server exited with code ${code} before it was ready${lastLine ? `: ${lastLine}` : ''}`))
    })
    onLines(child.stderr!, (line) => {
      lastLine = line
      options.onLog?.(line)
      const listening = /Listening for client connections on [^\s]+:(\d+)/.exec(line)
      if (listening) port = Number(listening[1])
      const routes = /Listening for route connections on [^\s]+:(\d+)/.exec(line)
      if (routes) routePort = Number(routes[1])
      if (line.includes('Server is ready')) serverReady = true
      // A clustered server logs its route port after "Server is ready".
      if (serverReady && port !== undefined && (!options.cluster || routePort !== undefined)) {
        clearTimeout(timer)
        resolve(port)
      }
    })
  })
  const readyPort = await ready
  return {
    url: `nats://127.0.0.1:${readyPort}`,
    port: readyPort,
    ...(routePort !== undefined ? { routePort } : {}),
    process: child,
    exited,
    async stop() {
      await stopChild(child, exited)
    },
  }
}
