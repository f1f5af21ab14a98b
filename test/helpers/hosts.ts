/**
 * Real host processes for integration tests: write a host config (YAML) into the test's temp
 * directory and start `actorkube host --config FILE` under Node or Deno through the runtime's own
 * {@link spawnHost}, then wait for its `host ready` record. Logs stay available as parsed JSON.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { spawnHost, type HostProcess, type HostRuntime } from '../../runtime/process/host-process.ts'
import type { TeardownOwner } from './nats.ts'
import { waitFor, withTimeout } from './wait.ts'

export type LogRecord = Readonly<Record<string, unknown>>

export interface ActorEntry {
  readonly kind: 'echo' | 'member' | 'store' | 'proxy' | 'apiserver' | 'scheduler' | 'controllermanager' | 'chaoscontroller'
  readonly id: string
  readonly options?: Readonly<Record<string, unknown>>
}

export interface HostSpec {
  readonly host: string
  readonly cluster?: string
  readonly actors: readonly ActorEntry[]
  /** Defaults to 0 (a free port, reported in the `host ready` record); null leaves it out. */
  readonly metricsPort?: number | null
  readonly maxMessageBytes?: number
  readonly seed?: number
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly stableMs?: number }
}

export interface StartHostOptions {
  readonly runtime?: HostRuntime
  /** Extra environment for the child (merged over this process's). */
  readonly env?: NodeJS.ProcessEnv
  readonly readyTimeoutMs?: number
}

export interface TestHost {
  readonly name: string
  readonly configPath: string
  readonly process: HostProcess
  readonly pid: number
  /** The parsed `host ready` log record. */
  readonly ready: LogRecord
  readonly metricsPort: number | undefined
  /** Every stdout line that parsed as a JSON record, so far. */
  logs(): LogRecord[]
  /** Waits for a log record matching `predicate` and returns it. */
  waitForLog(predicate: (record: LogRecord) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<LogRecord>
  /** Stops the host (SIGTERM, SIGKILL after 10 s) and returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** The YAML a host config file holds; `nats` is the server URL the host connects to. */
export function hostConfigText(spec: HostSpec, nats: string): string {
  const config: Record<string, unknown> = {
    cluster: spec.cluster ?? 'c1',
    host: spec.host,
    nats: { servers: [nats] },
    actors: spec.actors.map((a) => ({ kind: a.kind, id: a.id, ...(a.options ? { options: a.options } : {}) })),
  }
  const metricsPort = spec.metricsPort === undefined ? 0 : spec.metricsPort
  if (metricsPort !== null) config.metricsPort = metricsPort
  if (spec.maxMessageBytes !== undefined) config.maxMessageBytes = spec.maxMessageBytes
  if (spec.seed !== undefined) config.seed = spec.seed
  if (spec.backoff !== undefined) config.backoff = spec.backoff
  return stringify(config)
}

/** Writes `<dir>/<host>.yaml` and returns its path. */
export async function writeHostConfig(dir: string, spec: HostSpec, nats: string): Promise<string> {
  const path = join(dir, `${spec.host}.yaml`)
  await writeFile(path, hostConfigText(spec, nats))
  return path
}

export function parseLogLine(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as LogRecord) : undefined
  } catch {
    return undefined
  }
}

/**
 * Writes the config, spawns the host and waits until it is ready. The host is stopped at teardown
 * (registered before waiting, so a host that never gets ready is not left behind).
 */
export async function startHost(owner: TeardownOwner, dir: string, nats: string, spec: HostSpec, options: StartHostOptions = {}): Promise<TestHost> {
  const configPath = await writeHostConfig(dir, spec, nats)
  const proc = spawnHost(configPath, { ...(options.runtime ? { runtime: options.runtime } : {}), ...(options.env ? { env: options.env } : {}) })
  owner.teardown(() => proc.stop().catch(() => undefined))
  const readyTimeoutMs = options.readyTimeoutMs ?? (options.runtime === 'deno' ? 60_000 : 30_000)
  let ready: LogRecord
  try {
    ready = await withTimeout(proc.ready, readyTimeoutMs, `host ${spec.host} to log "host ready"`)
  } catch (error) {
    await proc.stop('SIGKILL').catch(() => undefined)
    const tail = proc.lines.slice(-20).join('\n')
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- last stdout lines of ${spec.host} ---\n${tail}`)
  }
  const logs = () => proc.lines.map(parseLogLine).filter((r): r is LogRecord => r !== undefined)
  return {
    name: spec.host,
    configPath,
    process: proc,
    pid: proc.child.pid ?? -1,
    ready,
    metricsPort: typeof ready.metricsPort === 'number' ? ready.metricsPort : undefined,
    logs,
    waitForLog: (predicate, waitOptions = {}) =>
      waitFor(() => logs().find(predicate), { timeoutMs: waitOptions.timeoutMs ?? 10_000, what: waitOptions.what ?? `a log record on host ${spec.host}` }),
    stop: (signal) => proc.stop(signal),
  }
}

/** Starts several hosts at once (they boot in parallel) and returns them by name. */
export async function startHosts(owner: TeardownOwner, dir: string, nats: string, specs: readonly HostSpec[], options: StartHostOptions = {}): Promise<Record<string, TestHost>> {
  const hosts = await Promise.all(specs.map((spec) => startHost(owner, dir, nats, spec, options)))
  return Object.fromEntries(hosts.map((h) => [h.name, h]))
}

/** True if a log record's message starts with `prefix` (pino puts it in `msg`). */
export function msgStartsWith(record: LogRecord, prefix: string): boolean {
  return typeof record.msg === 'string' && record.msg.startsWith(prefix)
}
