/**
 * The faults a host applies to one of its actors, and which host gets which: `actor-crash` (its
 * supervisor restarts it), `clock-skew` (the actor's injected clock reads `offset` off) and
 * `disk-latency` / `disk-error` (a store replica's WAL: every fsync `latency` slower / each write
 * failing with `probability`). Each is granted to the host running the actor as a lease
 * (fault-lease-table.ts). Targets are actors (`component/id`); the disk kinds also take hosts
 * (every store replica on them), since `leader: store` and `hosts` selectors name hosts.
 */
import { STORE_COMPONENT } from '../store/replica/protocol.ts'
import { parseDuration } from './duration.ts'

/** One lease per fault and host: the fault's target actors on that host. */
export type ActorFault =
  | { readonly kind: 'crash'; readonly actors: readonly string[] }
  | { readonly kind: 'skew'; readonly actors: readonly string[]; readonly offsetMs: number }
  | { readonly kind: 'disk'; readonly actors: readonly string[]; readonly latencyMs: number; readonly errorProbability: number }

/** A host as its chaos status describes it: its name and the actors it runs. */
export interface HostActors {
  readonly host: string
  readonly actors: readonly string[]
}

export interface ActorFaultGrant {
  readonly host: string
  readonly fault: ActorFault
}

/** The experiment's fault kinds carried out as actor faults. */
export const ACTOR_FAULT_KINDS: readonly string[] = ['actor-crash', 'clock-skew', 'disk-latency', 'disk-error']

const STORE = `${STORE_COMPONENT}/`

const durationMs = (value: unknown): number => (typeof value === 'string' ? parseDuration(value) ?? 0 : 0)

/** What the fault does to the actors (the kind's params read here; validation has checked them). */
function faultOn(kind: string, params: Readonly<Record<string, unknown>>, actors: readonly string[]): ActorFault {
  if (kind === 'actor-crash') return { kind: 'crash', actors }
  if (kind === 'clock-skew') return { kind: 'skew', actors, offsetMs: durationMs(params.offset) }
  const latencyMs = kind === 'disk-latency' ? durationMs(params.latency) : 0
  const errorProbability = kind === 'disk-error' ? (typeof params.probability === 'number' ? params.probability : 1) : 0
  return { kind: 'disk', actors, latencyMs, errorProbability }
}

/**
 * One grant per host running a targeted actor, naming its targeted actors (a lease holds one fault
 * per host); an Error naming what is missing when a target runs nowhere (the step records
 * `inject.failed`).
 */
export function actorFaultGrants(kind: string, params: Readonly<Record<string, unknown>>, targets: readonly string[], hosts: readonly HostActors[]): ActorFaultGrant[] | Error {
  const disk = kind.startsWith('disk-')
  const byHost = new Map<string, string[]>()
  for (const target of targets) {
    const actors = target.includes('/') ? [target] : disk ? (hosts.find((h) => h.host === target)?.actors ?? []).filter((a) => a.startsWith(STORE)) : []
    if (actors.length === 0) return new Error(disk ? `${target} runs no store replica` : `${target} is not an actor (component/id)`)
    for (const actor of actors) {
      if (disk && !actor.startsWith(STORE)) return new Error(`${actor} is not a store replica: ${kind} needs one (it slows or fails the replica's WAL)`)
      const holders = hosts.filter((h) => h.actors.includes(actor))
      if (holders.length === 0) return new Error(`no host runs ${actor}`)
      for (const h of holders) byHost.set(h.host, [...(byHost.get(h.host) ?? []), actor])
    }
  }
  return [...byHost].map(([host, actors]) => ({ host, fault: faultOn(kind, params, [...new Set(actors)].sort()) }))
}

/** Validates an actor fault from the wire against the actors this host runs; throws a TypeError naming the field. */
export function parseActorFault(raw: unknown, actorKeys: readonly string[], field = 'fault.fault'): ActorFault {
  if (typeof raw !== 'object' || raw === null) throw new TypeError(`${field}: expected an object`)
  const f = raw as Record<string, unknown>
  if (!Array.isArray(f.actors) || f.actors.length === 0) throw new TypeError(`${field}.actors: expected a non-empty list of actors`)
  f.actors.forEach((actor, i) => {
    if (typeof actor !== 'string' || !actorKeys.includes(actor)) throw new TypeError(`${field}.actors[${i}]: expected one of ${actorKeys.join(', ')}, got ${JSON.stringify(actor)}`)
  })
  const actors = f.actors as string[]
  const number = (key: string, ok: (n: number) => boolean, what: string): number => {
    const value = f[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) throw new TypeError(`${field}.${key}: expected ${what}, got ${JSON.stringify(value)}`)
    return value
  }
  switch (f.kind) {
    case 'crash':
      return { kind: 'crash', actors }
    case 'skew':
      return { kind: 'skew', actors, offsetMs: number('offsetMs', () => true, 'milliseconds (negative: behind)') }
    case 'disk':
      actors.forEach((actor, i) => {
        if (!actor.startsWith(STORE)) throw new TypeError(`${field}.actors[${i}]: ${actor} is not a store replica`)
      })
      return { kind: 'disk', actors, latencyMs: number('latencyMs', (n) => n >= 0, 'non-negative milliseconds'), errorProbability: number('errorProbability', (p) => p >= 0 && p <= 1, 'a probability in [0, 1]') }
    default:
      throw new TypeError(`${field}.kind: expected crash, skew or disk, got ${JSON.stringify(f.kind)}`)
  }
}
