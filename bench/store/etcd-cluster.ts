/**
 * A real etcd cluster for benchmarks: 1 or 3 members as child processes on loopback, each with its
 * own free client and peer port and a data directory under the given directory. fsync stays on
 * (etcd's default; `--unsafe-no-fsync` is never passed). Members can be killed with SIGKILL and
 * restarted on the same data directory and ports; the leader is found through the maintenance
 * status API of every live member.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Etcd3 } from 'etcd3'
import { stopChild } from '../../runtime/process/stop-child.ts'

export interface EtcdClusterOptions {
  readonly members: 1 | 3
  /** Parent directory for data directories and the log. */
  readonly dir: string
  readonly binary?: string
  /** How long start and restart wait for a healthy cluster. */
  readonly healthyTimeoutMs?: number
}

interface Member {
  readonly index: number
  readonly name: string
  readonly clientUrl: string
  readonly peerUrl: string
  readonly dataDir: string
  /** etcd's member ID (decimal string, as the client reports it), once known. */
  id: string | undefined
  child: ChildProcess | undefined
  exited: Promise<number | null> | undefined
}

export interface EtcdCluster {
  readonly size: number
  /** Every member's client URL, in member order. */
  readonly clientUrls: readonly string[]
  /** Process IDs of the live members, by name (`etcd-0`...), for CPU accounting. */
  pids(): Record<string, number | undefined>
  isRunning(index: number): boolean
  /** The index of the member every live member agrees leads, or undefined if they do not agree yet. */
  leader(): Promise<number | undefined>
  /** SIGKILL one member and wait for its exit. */
  kill(index: number): Promise<void>
  /** Start a killed or stopped member again on its data directory. */
  restart(index: number): Promise<void>
  /** Wait until every running member answers, they agree on a leader, and a put then get succeeds. */
  waitHealthy(timeoutMs?: number): Promise<number>
  /** SIGTERM every member, SIGKILL after a grace. */
  stop(): Promise<void>
}

export function etcdVersion(binary = 'etcd'): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 }).split('\n')[0]?.trim()
  } catch {
    return undefined
  }
}

/** A port nobody listens on now (the kernel's pick; another process may take it before etcd does). */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A client bound to one member only, with short deadlines and no retries across hosts. */
function memberClient(url: string): Etcd3 {
  return new Etcd3({ hosts: url, dialTimeout: 1_000, defaultCallOptions: () => ({ deadline: Date.now() + 1_000 }) })
}

export async function startEtcdCluster(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const binary = options.binary ?? process.env.AK_ETCD ?? 'etcd'
  const healthyTimeoutMs = options.healthyTimeoutMs ?? 30_000
  await mkdir(options.dir, { recursive: true })
  const log: WriteStream = createWriteStream(join(options.dir, 'etcd.log'), { flags: 'a' })
  const members: Member[] = []
  for (let index = 0; index < options.members; index++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()]
    members.push({
      index,
      name: `etcd-${index}`,
      clientUrl: `http://127.0.0.1:${clientPort}`,
      peerUrl: `http://127.0.0.1:${peerPort}`,
      dataDir: join(options.dir, `etcd-${index}.data`),
      id: undefined,
      child: undefined,
      exited: undefined,
    })
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',')
  const token = `ak-bench-${process.pid}-${Date.now()}`
  const clients = new Map<number, Etcd3>(members.map((m) => [m.index, memberClient(m.clientUrl)]))

  const launch = (m: Member) => {
    const child = spawn(
      binary,
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-token=${token}`,
        '--initial-cluster-state=new',
        '--logger=zap',
        '--log-outputs=stderr',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const prefix = `[${m.name}] `
    const pipe = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) log.write(prefix + line + '\n')
    }
    child.stdout?.on('data', pipe)
    child.stderr?.on('data', pipe)
    m.child = child
    m.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code))
      child.once('error', (error) => {
        log.write(`${prefix}spawn error: ${String(error)}\n`)
        resolve(null)
      })
    })
  }

  const running = (m: Member) => m.child !== undefined && m.child.exitCode === null && m.child.signalCode === null

  /** Each running member's own ID and the leader it sees; throws if one does not answer. */
  const statuses = async () =>
    await Promise.all(
      members.filter(running).map(async (m) => {
        const status = await clients.get(m.index)!.maintenance.status()
        m.id = status.header.member_id
        return { index: m.index, leader: status.leader }
      }),
    )

  const leader = async (): Promise<number | undefined> => {
    let seen: Awaited<ReturnType<typeof statuses>>
    try {
      seen = await statuses()
    } catch {
      return undefined
    }
    const ids = new Set(seen.map((s) => s.leader))
    if (ids.size !== 1) return undefined
    const id = seen[0]?.leader
    if (id === undefined || id === '0') return undefined
    return members.find((m) => m.id === id)?.index
  }

  const waitHealthy = async (timeoutMs = healthyTimeoutMs): Promise<number> => {
    const deadline = performance.now() + timeoutMs
    let lastError = 'no leader yet'
    while (performance.now() < deadline) {
      const live = members.filter(running)
      if (live.length === 0) throw new Error('no etcd member is running')
      const index = await leader()
      if (index !== undefined && running(members[index]!)) {
        try {
          // Every running member can serve a linearizable read of a fresh write.
          const value = `${Date.now()}`
          await clients.get(index)!.put('ak-bench/health').value(value)
          const reads = await Promise.all(live.map((m) => clients.get(m.index)!.get('ak-bench/health').string()))
          if (reads.every((r) => r === value)) return index
          lastError = `reads ${reads.join(',')} != ${value}`
        } catch (error) {
          lastError = String(error)
        }
      }
      for (const m of members) {
        if (m.child !== undefined && !running(m) && m.child.exitCode !== null && m.child.exitCode !== 0 && m.child.signalCode === null) {
          throw new Error(`${m.name} exited with code ${m.child.exitCode}; see ${join(options.dir, 'etcd.log')}`)
        }
      }
      await sleep(50)
    }
    throw new Error(`etcd cluster not healthy after ${timeoutMs} ms: ${lastError}; see ${join(options.dir, 'etcd.log')}`)
  }

  const stop = async () => {
    await Promise.all(members.map(async (m) => (m.child && m.exited ? await stopChild(m.child, m.exited, { killAfterMs: 5_000 }) : null)))
    for (const client of clients.values()) client.close()
    await new Promise<void>((resolve) => log.end(resolve))
  }

  for (const m of members) launch(m)
  try {
    await waitHealthy()
  } catch (error) {
    await stop()
    throw error
  }

  return {
    size: members.length,
    clientUrls: members.map((m) => m.clientUrl),
    pids: () => Object.fromEntries(members.map((m) => [m.name, running(m) ? m.child?.pid : undefined])),
    isRunning: (index) => running(members[index]!),
    leader,
    async kill(index) {
      const m = members[index]!
      if (!m.child || !m.exited || !running(m)) throw new Error(`${m.name} is not running`)
      m.child.kill('SIGKILL')
      await m.exited
    },
    async restart(index) {
      const m = members[index]!
      if (running(m)) throw new Error(`${m.name} is already running`)
      // The member's gRPC channel saw the old process die; a fresh client avoids its back-off.
      clients.get(index)!.close()
      clients.set(index, memberClient(m.clientUrl))
      launch(m)
    },
    waitHealthy,
    stop,
  }
}
