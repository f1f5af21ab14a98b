/**
 * Runs Debian's nats-server as a child process on a free loopback port (`-p -1`: `-p 0` would
 * bind 4222), reading the chosen port from its log and keeping its stderr drained.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { onLines } from './process/lines.ts'
import { stopChild } from './process/stop-child.ts'

export interface NatsServerHandle {
  readonly url: string
  readonly port: number
  readonly process: ChildProcess
  stop(): Promise<void>
}

export interface NatsServerOptions {
  /** Data directory (JetStream store, logs); created if missing. */
  readonly dir: string
  readonly binary?: string
  readonly port?: number
  readonly onLog?: (line: string) => void
  readonly startTimeoutMs?: number
}

export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError'
}

export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerHandle> {
  await mkdir(options.dir, { recursive: true })
  // max_payload has no command-line flag; the store's 1.5 MiB values need more than the 1 MB default.
  const configPath = join(options.dir, 'nats-server.conf')
  await writeFile(configPath, 'max_payload: 8MB\n')
  const binary = options.binary ?? process.env.AK_NATS_SERVER ?? 'nats-server'
  const child = spawn(
    binary,
    ['-c', configPath, '-a', '127.0.0.1', '-p', String(options.port ?? -1), '--jetstream', '--store_dir', join(options.dir, 'jetstream')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let port: number | undefined
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not become ready within ${options.startTimeoutMs ?? 10_000} ms`)), options.startTimeoutMs ?? 10_000)
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(error.code === 'ENOENT' ? new NatsServerNotFoundError(`${binary} not found: install it with 'apt-get install -y nats-server' or pass --nats URL`) : error)
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`nats-server exited with code ${code} before it was ready`))
    })
    onLines(child.stderr!, (line) => {
      options.onLog?.(line)
      const listening = /Listening for client connections on [^\s]+:(\d+)/.exec(line)
      if (listening) port = Number(listening[1])
      if (line.includes('Server is ready') && port !== undefined) {
        clearTimeout(timer)
        resolve(port)
      }
    })
  })
  const readyPort = await ready
  return {
    url: `nats://127.0.0.1:${readyPort}`,
    port: readyPort,
    process: child,
    async stop() {
      await stopChild(child, exited)
    },
  }
}
