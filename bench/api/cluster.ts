/**
 * The system under test for the api suite: `actorkube up --workers 0 --api-port 0
 * --status-interval 0` in a scratch state directory (nats-server + 3 master hosts, each with a
 * store replica and an apiserver). Waits for `actorkube ready`, reads the apiserver URLs from that
 * line, the bearer token and CA from DIR/kubeconfig and the NATS URL, cluster name and apiserver
 * ids from DIR/cluster.json. Stops with SIGTERM (SIGKILL of what is left after 20 s).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const BIN = fileURLToPath(new URL('../../bin/actorkube.js', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface ApiCluster {
  readonly stateDir: string
  /** https://127.0.0.1:P, one per master, in master order. */
  readonly apiservers: readonly URL[]
  readonly token: string
  readonly ca: Buffer
  readonly natsUrl: string
  readonly cluster: string
  /** The apiserver actors' ids (the master hosts), for ApiClient. */
  readonly apiserverIds: readonly string[]
  /** The ready line `up` printed. */
  readonly readyLine: string
  /** Live processes by name (`master-1`..., `nats`, `up`), for CPU accounting. */
  pids(): Record<string, number | undefined>
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * `args`: extra `actorkube up` arguments (e.g. `--hollow-nodes 1000`); `timeoutMs`: how long to
 * wait for the ready line.
 */
export async function startApiCluster(dir: string, timeoutMs = 120_000, args: readonly string[] = []): Promise<ApiCluster> {
  const stateDir = join(dir, 'state')
  await mkdir(stateDir, { recursive: true })
  const log = createWriteStream(join(dir, 'up.log'), { flags: 'a' })
  const up: ChildProcess = spawn(process.execPath, [BIN, 'up', '--state-dir', stateDir, '--workers', '0', '--api-port', '0', '--status-interval', '0', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => up.once('exit', () => resolve()))
  let readyLine: string | undefined
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`actorkube up not ready after ${timeoutMs} ms; see ${join(dir, 'up.log')}`)), timeoutMs)
    up.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`actorkube up exited (${code ?? signal}) before ready; see ${join(dir, 'up.log')}`))
    })
    for (const stream of [up.stdout!, up.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`)
        if (readyLine === undefined && line.startsWith('actorkube ready')) {
          readyLine = line
          clearTimeout(timer)
          resolve(line)
        }
      })
    }
  })

  const stop = async () => {
    if (up.exitCode === null && up.signalCode === null) {
      up.kill('SIGTERM')
      const done = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)])
      if (!done) up.kill('SIGKILL')
    }
    // Anything `up` left behind (it should leave nothing).
    for (const pid of pidsWithArgument(stateDir)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone meanwhile
      }
    }
    await new Promise<void>((resolve) => log.end(resolve))
  }

  try {
    const line = await ready
    const apiservers = [...(line.match(/apiservers ((?:https:\/\/\S+\s*)+),/)?.[1] ?? '').matchAll(/https:\/\/[^\s,]+/g)].map((m) => new URL(m[0]))
    if (apiservers.length === 0) throw new Error(`no apiserver URL in ${JSON.stringify(line)}`)
    const config = parse(await readFile(join(stateDir, 'kubeconfig'), 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]
      users: { user: { token: string } }[]
    }
    const info = JSON.parse(await readFile(join(stateDir, 'cluster.json'), 'utf8')) as { nats: string; cluster: string; store: string[]; hosts?: string[] }
    const hostNames = info.hosts ?? info.store
    const pids = () => {
      const out: Record<string, number | undefined> = { up: up.pid }
      for (const name of hostNames) out[name] = pidsWithArgument(join(stateDir, 'hosts', `${name}.yaml`))[0]
      out.nats = pidsWithArgument(stateDir).find((pid) => commandName(pid).includes('nats-server'))
      return out
    }
    return {
      stateDir,
      apiservers,
      token: config.users[0]!.user.token,
      ca: Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64'),
      natsUrl: info.nats,
      cluster: info.cluster,
      apiserverIds: info.store,
      readyLine: line,
      pids,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Processes whose command line contains `fragment` (Linux /proc). */
export function pidsWithArgument(fragment: string): number[] {
  const pids: number[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return pids
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    const cmdline = readText(`/proc/${entry}/cmdline`)?.replaceAll('\0', ' ')
    if (cmdline?.includes(fragment)) pids.push(pid)
  }
  return pids
}

function commandName(pid: number): string {
  return readText(`/proc/${pid}/comm`)?.trim() ?? ''
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
