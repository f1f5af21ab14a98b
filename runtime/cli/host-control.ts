/**
 * The control subject `ak.<cluster>.up.hosts.control`, answered by `actorkube up`, which owns the
 * host processes: how a chaos experiment stops a host (SIGSTOP) and lets it go on (SIGCONT), or
 * restarts it gracefully (SIGTERM; `up` starts it again). A stopped host cannot hold its own
 * lease, so `up` holds it, in the same pure lease table the hosts use
 * (actors/chaos/fault-lease-table.ts): unless renewed in time, `up` sends SIGCONT by itself.
 *
 * Requests (msgpack events) and answers:
 * - `{type: 'hosts.stop', host, lease, ttlMs}` -> `{type: 'hosts.status', ...}` (SIGSTOP, leased)
 * - `{type: 'hosts.renew', lease, ttlMs}` / `{type: 'hosts.heal', lease}` -> `hosts.status`
 * - `{type: 'hosts.restart', host}` -> `hosts.status` (SIGTERM; `up` restarts the host when it exits)
 * - `{type: 'hosts.status'}` -> `{type: 'hosts.status', stopped: [{lease, host, expiresInMs}], metrics:
 *   [{host, url}]}` (each running host's Prometheus /metrics: what a chaos metric probe scrapes)
 * - anything invalid -> `{type: 'hosts.error', message}`.
 */
import { EMPTY_LEASE_TABLE, leaseStep, type LeaseInput, type LeaseTable } from '../../actors/chaos/fault-lease-table.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../codec.ts'
import { subjectFor } from '../subjects.ts'
import type { Subscription, Transport } from '../transport/transport.ts'

export const hostControlSubject = (cluster: string): string => subjectFor(cluster, { component: 'up', instance: 'hosts', verb: 'control' })

/** A stopped host: its process at the time of the stop (a restarted host is a new process, never continued by mistake). */
interface Stopped {
  readonly host: string
  readonly pid: number
}

export interface HostControlDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  /** The pid of a host's running process, if it runs. */
  pidOf(host: string): number | undefined
  /** Sends a signal (process.kill in `up`). */
  signal(pid: number, signal: NodeJS.Signals): void
  /** Each running host's /metrics URL (hosts pick their metrics port anew at every start). */
  metricsTargets?(): readonly { readonly host: string; readonly url: string }[]
}

const text = (event: WireEvent, field: string): string => {
  const value = event[field]
  if (typeof value !== 'string' || value === '') throw new TypeError(`${field}: expected a non-empty string`)
  return value
}
const ttl = (event: WireEvent): number => {
  if (typeof event.ttlMs !== 'number' || !Number.isFinite(event.ttlMs) || event.ttlMs < 0) throw new TypeError(`ttlMs: expected a non-negative number, got ${JSON.stringify(event.ttlMs)}`)
  return event.ttlMs
}

export function serveHostControl(deps: HostControlDeps): { subscription: Subscription; close(): void } {
  let table: LeaseTable<Stopped> = EMPTY_LEASE_TABLE
  let timer: TimerHandle | undefined
  const trySignal = (pid: number, signal: NodeJS.Signals): void => {
    try {
      deps.signal(pid, signal)
    } catch {
      // gone meanwhile: nothing to continue
    }
  }
  const feed = (input: LeaseInput<Stopped>): boolean => {
    const step = leaseStep(table, input, deps.clock.now())
    table = step.table
    for (const effect of step.effects) {
      if (effect.type === 'apply') deps.signal(effect.fault.pid, 'SIGSTOP')
      else if (effect.type === 'lift') trySignal(effect.fault.pid, 'SIGCONT')
      else {
        if (timer !== undefined) deps.clock.clearTimeout(timer)
        timer = effect.at === undefined ? undefined : deps.clock.setTimeout(() => void feed({ type: 'tick' }), Math.max(0, effect.at - deps.clock.now()))
      }
    }
    return step.known
  }
  const status = (): WireEvent => ({ type: 'hosts.status', stopped: table.leases.map((l) => ({ lease: l.id, host: l.fault.host, expiresInMs: l.expiresAt - deps.clock.now() })), metrics: deps.metricsTargets?.() ?? [] })
  const running = (host: string): number => {
    const pid = deps.pidOf(host)
    if (pid === undefined) throw new TypeError(`host ${JSON.stringify(host)} is not running`)
    return pid
  }
  const apply = (request: WireEvent): WireEvent => {
    switch (request.type) {
      case 'hosts.stop': {
        const host = text(request, 'host')
        feed({ type: 'grant', id: text(request, 'lease'), fault: { host, pid: running(host) }, ttlMs: ttl(request) })
        return status()
      }
      case 'hosts.renew':
        if (!feed({ type: 'renew', id: text(request, 'lease'), ttlMs: ttl(request) })) throw new TypeError(`lease ${JSON.stringify(request.lease)} is not held (it lapsed or was healed)`)
        return status()
      case 'hosts.heal':
        feed({ type: 'heal', id: text(request, 'lease') })
        return status()
      case 'hosts.restart':
        deps.signal(running(text(request, 'host')), 'SIGTERM')
        return status()
      case 'hosts.status':
        return status()
      default:
        throw new TypeError(`unknown request type ${JSON.stringify(request.type)}: hosts.stop, hosts.renew, hosts.heal, hosts.restart or hosts.status`)
    }
  }
  const subscription = deps.transport.subscribe(hostControlSubject(deps.cluster), (message) => {
    const request = decodeEvent(message.data)
    let answer: WireEvent
    try {
      if (request instanceof DecodeFailure) throw new TypeError(`undecodable request (${request.reason})`)
      answer = apply(request)
    } catch (error) {
      answer = { type: 'hosts.error', message: error instanceof Error ? error.message : String(error) }
    }
    if (message.reply) deps.transport.publish(message.reply, encodeEvent(answer))
  })
  return {
    subscription,
    /** `up` is stopping: every stopped host goes on (it is about to be stopped properly). */
    close: () => {
      subscription.unsubscribe()
      feed({ type: 'healAll' })
    },
  }
}
