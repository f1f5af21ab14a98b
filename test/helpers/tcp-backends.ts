/**
 * Tiny TCP servers standing in for pods behind a Service, and a client to reach them through a
 * proxy. Each backend greets a connection with its own address and a newline, then echoes.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import type { TeardownOwner } from './nats.ts'

export interface TestBackends {
  readonly port: number
  readonly ips: readonly string[]
  /** Stops one backend (its port then refuses connections). */
  stop(ip: string): Promise<void>
}

const listen = (server: Server, host: string, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port, exclusive: true }, () => resolve())
  })

/** A random second octet for loopback addresses, so concurrent test runs do not collide. */
export const randomOctet = (): number => 150 + Math.floor(Math.random() * 90)

/** Starts one greeting echo server per ip, all on the same port (as pods of one Service share a targetPort). */
export async function startBackends(owner: TeardownOwner, ips: readonly string[]): Promise<TestBackends> {
  const servers = new Map<string, Server>()
  const sockets = new Set<Socket>()
  let port = 0
  for (const ip of ips) {
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      socket.write(`${ip}\n`)
      socket.pipe(socket)
    })
    await listen(server, ip, port)
    port = (server.address() as { port: number }).port
    servers.set(ip, server)
  }
  const stop = (ip: string) => new Promise<void>((resolve) => (servers.get(ip) ? servers.get(ip)!.close(() => resolve()) : resolve()))
  owner.teardown(async () => {
    for (const s of sockets) s.destroy()
    await Promise.all([...servers.keys()].map(stop))
  })
  return { port, ips, stop }
}

/** A free port on `host` (bound and released). */
export async function freePort(host: string): Promise<number> {
  const server = createServer()
  await listen(server, host, 0)
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface Conversation {
  /** The greeting: which backend answered ('' when the connection was closed first). */
  readonly greeting: string
  readonly socket: Socket
  /** Writes `text` and waits for it to come back. */
  echo(text: string): Promise<string>
  close(): void
}

/** Connects (from `localAddress`, to play a client IP) and waits for the greeting line. */
export function converse(host: string, port: number, options: { localAddress?: string; timeoutMs?: number } = {}): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) })
    let buffer = ''
    let waiting: ((line: string) => void) | undefined
    const timer = setTimeout(() => socket.destroy(new Error(`no greeting from ${host}:${port}`)), options.timeoutMs ?? 5000)
    const conversation = (greeting: string): Conversation => ({
      greeting,
      socket,
      echo: (text) =>
        new Promise((res) => {
          buffer = ''
          waiting = res
          socket.write(text)
        }),
      close: () => socket.destroy(),
    })
    socket.on('data', (chunk) => {
      buffer += chunk.toString()
      if (waiting !== undefined) {
        const w = waiting
        waiting = undefined
        return w(buffer)
      }
      const nl = buffer.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      resolve(conversation(line))
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(conversation(''))
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** Connects, reads the greeting, closes: which backend served this connection ('' for none). */
export async function whoAnswers(host: string, port: number, localAddress?: string): Promise<string> {
  const c = await converse(host, port, localAddress ? { localAddress } : {})
  c.close()
  return c.greeting
}
