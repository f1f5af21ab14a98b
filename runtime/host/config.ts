/**
 * Host configuration: which cluster and NATS servers, which actors to run. Read from YAML;
 * every problem is reported with the path of the offending field.
 */
import { parse as parseYaml } from 'yaml'
import type { BackoffPolicy } from '../../actors/kit/supervisor.ts'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../codec.ts'
import { token } from '../subjects.ts'
import { actorKinds } from './kinds.ts'

export interface ActorSpec {
  readonly kind: string
  readonly id: string
  readonly options: unknown
}

export interface HostConfig {
  readonly cluster: string
  readonly host: string
  readonly nats: { readonly servers: readonly string[] }
  /** Port for Prometheus /metrics; 0 picks a free port; absent disables it. */
  readonly metricsPort: number | undefined
  readonly maxMessageBytes: number
  /** Seeds fault-injection randomness so that a chaos run can be repeated. */
  readonly seed: number | undefined
  readonly backoff: BackoffPolicy | undefined
  readonly actors: readonly ActorSpec[]
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export function parseHostConfigYaml(text: string, source = 'config'): HostConfig {
  let raw: unknown
  try {
    raw = parseYaml(text, { maxAliasCount: 100 })
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`)
  }
  return parseHostConfig(raw, source)
}

export function parseHostConfig(raw: unknown, source = 'config'): HostConfig {
  const fail = (path: string, message: string): never => {
    throw new ConfigError(`${source}: ${path}: ${message}`)
  }
  const obj = (value: unknown, path: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(path, 'expected a mapping')
  const str = (value: unknown, path: string): string => (typeof value === 'string' && value !== '' ? value : fail(path, 'expected a non-empty string'))
  const tok = (value: unknown, path: string): string => {
    const s = str(value, path)
    try {
      return token(path, s)
    } catch (error) {
      return fail(path, (error as Error).message)
    }
  }
  const int = (value: unknown, path: string, min: number, max: number): number =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : fail(path, `expected an integer from ${min} to ${max}`)

  const known = (value: Record<string, unknown>, path: string, keys: readonly string[]) => {
    for (const key of Object.keys(value)) {
      // `x-` fields are free, as in compose files: a place for YAML anchors to live.
      if (!keys.includes(key) && !key.startsWith('x-')) fail(path === '' ? key : `${path}.${key}`, `unknown field (expected one of ${keys.join(', ')})`)
    }
  }
  const root = obj(raw, '(root)')
  known(root, '', ['cluster', 'host', 'nats', 'metricsPort', 'maxMessageBytes', 'seed', 'backoff', 'actors'])
  const natsRaw = root.nats === undefined ? {} : obj(root.nats, 'nats')
  known(natsRaw, 'nats', ['servers'])
  const serversRaw = natsRaw.servers ?? ['nats://127.0.0.1:4222']
  const servers = Array.isArray(serversRaw) ? serversRaw.map((s, i) => str(s, `nats.servers[${i}]`)) : [str(serversRaw, 'nats.servers')]
  if (servers.length === 0) fail('nats.servers', 'expected at least one server URL')

  let backoff: BackoffPolicy | undefined
  if (root.backoff !== undefined) {
    const b = obj(root.backoff, 'backoff')
    known(b, 'backoff', ['initialMs', 'maxMs', 'stableMs'])
    backoff = {
      initialMs: int(b.initialMs ?? 100, 'backoff.initialMs', 1, 3_600_000),
      maxMs: int(b.maxMs ?? 30_000, 'backoff.maxMs', 1, 3_600_000),
      stableMs: int(b.stableMs ?? 10_000, 'backoff.stableMs', 1, 3_600_000),
    }
  }

  if (!Array.isArray(root.actors)) fail('actors', 'expected a list of actors')
  const ids = new Set<string>()
  const actors = (root.actors as unknown[]).map((entry, i): ActorSpec => {
    const path = `actors[${i}]`
    const a = obj(entry, path)
    const kindName = str(a.kind, `${path}.kind`)
    known(a, path, ['kind', 'id', 'options'])
    const kind = actorKinds[kindName] ?? fail(`${path}.kind`, `unknown actor kind ${JSON.stringify(kindName)} (known: ${Object.keys(actorKinds).join(', ')})`)
    const id = tok(a.id, `${path}.id`)
    const key = `${kind.component}/${id}`
    if (ids.has(key)) fail(`${path}.id`, `${kind.component} ${JSON.stringify(id)} appears twice`)
    ids.add(key)
    let options: unknown
    try {
      options = kind.parseOptions(a.options)
    } catch (error) {
      fail(`${path}.options`, (error as Error).message)
    }
    return { kind: kindName, id, options }
  })

  return {
    cluster: tok(root.cluster ?? 'c1', 'cluster'),
    host: tok(root.host, 'host'),
    nats: { servers },
    metricsPort: root.metricsPort === undefined ? undefined : int(root.metricsPort, 'metricsPort', 0, 65535),
    maxMessageBytes: int(root.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes', 64, 64 * 1024 * 1024),
    seed: root.seed === undefined ? undefined : int(root.seed, 'seed', 0, 2 ** 32 - 1),
    backoff,
    actors,
  }
}
