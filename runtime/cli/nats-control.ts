/**
 * The control subject `ak.<cluster>.up.nats.control`, answered by `actorkube up` when it runs the
 * NATS cluster: how a chaos experiment (or a person) kills and restarts one nats-server by index.
 *
 * Requests and their answers (msgpack events, as every message here):
 * - `{type: 'nats.status'}` -> `{type: 'nats.status', servers: [{index, url, running, pid?, routes}]}`
 * - `{type: 'nats.kill', index, signal?}` -> `{type: 'nats.kill.accepted', index, pid}`, sent and
 *   flushed BEFORE the kill: the answer could otherwise die with the server it travels through.
 *   Poll `nats.status` to see the member down. `signal`: SIGKILL (default) or SIGTERM.
 * - `{type: 'nats.restart', index}` -> `{type: 'nats.restarted', index, pid}` once it serves again
 *   on its old ports (a running member is killed first).
 * - `{type: 'nats.kill', indexes, lease, ttlMs}`: the leased kill a chaos experiment uses
 *   (`nats-kill`). `up` holds the lease in the same pure table the hosts hold theirs
 *   (actors/chaos/fault-lease-table.ts) and restarts the killed servers when it is healed or
 *   lapses, so a chaos controller that dies never leaves a nats-server down for longer than a
 *   lease. Answered `{type: 'nats.kill.accepted', indexes, lease}` before the kill.
 * - `{type: 'nats.renew', lease, ttlMs}` -> `{type: 'nats.leases', leases}`, or a `nats.error` if
 *   the lease lapsed or was healed (a late renewal never kills again).
 * - `{type: 'nats.heal', lease}` -> `{type: 'nats.leases', leases}` once its servers serve again
 *   (an unknown lease is fine: nothing to do).
 * - anything invalid -> `{type: 'nats.error', message}`.
 */
import { EMPTY_LEASE_TABLE, leaseStep, type LeaseInput, type LeaseTable } from '../../actors/chaos/fault-lease-table.ts'
import { systemClock, type Clock, type TimerHandle } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import type { NatsCluster } from '../nats-cluster.ts'
import { subjectFor } from '../subjects.ts'
import type { Requester } from '../transport/requester.ts'
import type { Subscription, Transport } from '../transport/transport.ts'

export const natsControlSubject = (cluster: string): string => subjectFor(cluster, { component: 'up', instance: 'nats', verb: 'control' })

/** Sends one control request and returns the decoded answer (the caller: a test, the chaos controller's adapter). */
export async function requestNatsControl(requester: Requester, cluster: string, event: { type: string } & Record<string, unknown>, timeoutMs = 5_000): Promise<{ type: string } & Record<string, unknown>> {
  const reply = await requester.request(natsControlSubject(cluster), encodeEvent(event), { timeoutMs })
  const answer = decodeEvent(reply.data)
  if (answer instanceof DecodeFailure) throw new Error(`undecodable answer on ${natsControlSubject(cluster)} (${answer.reason})`)
  return answer
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGTERM']

type Answer = (event: { type: string } & Record<string, unknown>) => void
type Request = Exclude<ReturnType<typeof decodeEvent>, DecodeFailure>

/** The nats-servers a leased kill took down. */
interface KilledServers {
  readonly indexes: readonly number[]
}

/** What the control subject needs of the NATS cluster (a stand-in in unit tests). */
export type ControlledNats = Pick<NatsCluster, 'status' | 'kill' | 'restart'>

export function serveNatsControl(transport: Transport, cluster: string, nats: ControlledNats, clock: Clock = systemClock): Subscription {
  const leases = new NatsLeases(nats, clock)
  return transport.subscribe(natsControlSubject(cluster), (message) => {
    // Renewals are published without a reply subject (fire and forget, as the hosts' are): still carried out.
    const reply = message.reply
    const answer: Answer = (event) => {
      if (reply) transport.publish(reply, encodeEvent(event))
    }
    void handle(decodeEvent(message.data), nats, leases, answer, () => transport.flush()).catch((error: unknown) => {
      answer({ type: 'nats.error', message: error instanceof Error ? error.message : String(error) })
    })
  })
}

/** `up`'s leases of killed nats-servers: a kill applied, a restart when healed or lapsed. */
class NatsLeases {
  #table: LeaseTable<KilledServers> = EMPTY_LEASE_TABLE
  #timer: TimerHandle | undefined
  readonly #nats: ControlledNats
  readonly #clock: Clock

  constructor(nats: ControlledNats, clock: Clock) {
    this.#nats = nats
    this.#clock = clock
  }

  /** Steps the table; resolves once the kills and restarts it asked for are done. False: the lease was not held. */
  async feed(input: LeaseInput<KilledServers>): Promise<boolean> {
    const step = leaseStep(this.#table, input, this.#clock.now())
    this.#table = step.table
    const work: Promise<void>[] = []
    for (const effect of step.effects) {
      if (effect.type === 'apply') work.push(...effect.fault.indexes.map((i) => this.#nats.kill(i, 'SIGKILL')))
      else if (effect.type === 'lift') work.push(...effect.fault.indexes.map((i) => this.#nats.restart(i)))
      else {
        if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
        this.#timer = effect.at === undefined ? undefined : this.#clock.setTimeout(() => void this.feed({ type: 'tick' }).catch(() => undefined), Math.max(0, effect.at - this.#clock.now()))
      }
    }
    await Promise.all(work)
    return step.known
  }

  status(): { lease: string; indexes: readonly number[]; expiresInMs: number }[] {
    return this.#table.leases.map((l) => ({ lease: l.id, indexes: l.fault.indexes, expiresInMs: l.expiresAt - this.#clock.now() }))
  }
}

const leaseOf = (request: Request): string => {
  if (typeof request.lease !== 'string' || request.lease === '') throw new Error(`lease: expected a non-empty string, got ${JSON.stringify(request.lease)}`)
  return request.lease
}
const ttlOf = (request: Request): number => {
  if (typeof request.ttlMs !== 'number' || !Number.isFinite(request.ttlMs) || request.ttlMs < 0) throw new Error(`ttlMs: expected a non-negative number, got ${JSON.stringify(request.ttlMs)}`)
  return request.ttlMs
}
function memberIndex(index: unknown, members: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > members) {
    throw new Error(`index must be a nats-server number 1..${members}, got ${JSON.stringify(index)}`)
  }
  return index
}

async function handle(request: ReturnType<typeof decodeEvent>, nats: ControlledNats, leases: NatsLeases, answer: Answer, flush: () => Promise<void>): Promise<void> {
  if (request instanceof DecodeFailure) throw new Error(`undecodable request (${request.reason})`)
  if (request.type === 'nats.status') return answer({ type: 'nats.status', servers: nats.status(), leases: leases.status() })
  const members = nats.status().length
  if (request.type === 'nats.kill' && request.lease !== undefined) {
    const lease = leaseOf(request)
    const ttlMs = ttlOf(request)
    if (!Array.isArray(request.indexes) || request.indexes.length === 0) throw new Error('indexes: expected a non-empty list of nats-server numbers')
    const indexes = request.indexes.map((i: unknown) => memberIndex(i, members))
    answer({ type: 'nats.kill.accepted', indexes, lease })
    await flush()
    await leases.feed({ type: 'grant', id: lease, fault: { indexes }, ttlMs })
    return
  }
  if (request.type === 'nats.renew') {
    if (!(await leases.feed({ type: 'renew', id: leaseOf(request), ttlMs: ttlOf(request) }))) throw new Error(`lease ${JSON.stringify(request.lease)} is not held (it lapsed or was healed)`)
    return answer({ type: 'nats.leases', leases: leases.status() })
  }
  if (request.type === 'nats.heal') {
    await leases.feed({ type: 'heal', id: leaseOf(request) })
    return answer({ type: 'nats.leases', leases: leases.status() })
  }
  const index = memberIndex(request.index, members)
  if (request.type === 'nats.kill') {
    const signal = request.signal ?? 'SIGKILL'
    if (typeof signal !== 'string' || !SIGNALS.includes(signal as NodeJS.Signals)) throw new Error(`signal must be one of ${SIGNALS.join(', ')}, got ${JSON.stringify(signal)}`)
    const member = nats.status()[index - 1]!
    answer({ type: 'nats.kill.accepted', index, ...(member.pid !== undefined ? { pid: member.pid } : {}) })
    await flush()
    return nats.kill(index, signal as NodeJS.Signals)
  }
  if (request.type === 'nats.restart') {
    await nats.restart(index)
    const pid = nats.status()[index - 1]!.pid
    return answer({ type: 'nats.restarted', index, ...(pid !== undefined ? { pid } : {}) })
  }
  throw new Error(`unknown request type ${JSON.stringify(request.type)}: nats.status, nats.kill, nats.restart, nats.renew or nats.heal`)
}
