/**
 * A raw NATS client for tests, built from the runtime's own NatsTransport and Requester: it sends
 * events and requests to actor subjects, publishes arbitrary bytes, listens on subjects, and drives
 * the chaos control subjects. It is outside every host, so no injected fault applies to it.
 */
import type { ChaosStatus } from '../../runtime/chaos/chaos-controller.ts'
import type { FaultRule } from '../../runtime/chaos/fault-rules.ts'
import { systemClock } from '../../runtime/clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type OutboundEvent, type WireEvent } from '../../runtime/codec.ts'
import { chaosSubject, subjectFor, type Address } from '../../runtime/subjects.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { Requester } from '../../runtime/transport/requester.ts'
import type { Headers, InboundMessage, Subscription } from '../../runtime/transport/transport.ts'
import type { TeardownOwner } from './nats.ts'
import { waitFor } from './wait.ts'

export const echo = (id: string): Address => ({ component: 'echo', instance: id })
export const member = (id: string): Address => ({ component: 'member', instance: id })
/** An address no actor serves: tests listen on it to collect reports. */
export const probe = (id: string): Address => ({ component: 'probe', instance: id })

export class ReplyDecodeError extends Error {
  override readonly name = 'ReplyDecodeError'
}

export class ChaosCommandError extends Error {
  override readonly name = 'ChaosCommandError'
}

/** A chaos command as the control subject takes it. */
export type ChaosCommand =
  | { readonly type: 'chaos.fault'; readonly rule: Partial<FaultRule> & Pick<FaultRule, 'id' | 'kind' | 'subject'> }
  | { readonly type: 'chaos.clear'; readonly id?: string }
  | { readonly type: 'chaos.partition'; readonly groups: readonly (readonly string[])[] }
  | { readonly type: 'chaos.heal' }
  | { readonly type: 'chaos.pause'; readonly actor: string }
  | { readonly type: 'chaos.resume'; readonly actor: string }
  | { readonly type: 'chaos.status' }

/** A subscription that keeps every message it receives, in arrival order. */
export interface Listener {
  readonly subject: string
  readonly messages: InboundMessage[]
  /** Decoded bodies of {@link messages} (bodies that do not decode are skipped). */
  events(): WireEvent[]
  /** Waits until `predicate` holds for the events so far; returns them. */
  waitFor(predicate: (events: WireEvent[]) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<WireEvent[]>
  unsubscribe(): void
}

export class RawClient {
  readonly cluster: string
  readonly transport: NatsTransport
  readonly #requester: Requester
  readonly #subscriptions: Subscription[] = []

  private constructor(transport: NatsTransport, cluster: string) {
    this.cluster = cluster
    this.transport = transport
    this.#requester = new Requester(transport, systemClock)
  }

  static async connect(url: string, options: { cluster?: string; name?: string } = {}): Promise<RawClient> {
    const transport = await NatsTransport.connect({ servers: [url], name: options.name ?? 'integration-test' })
    return new RawClient(transport, options.cluster ?? 'c1')
  }

  /** Connects and closes the client again at teardown. */
  static async connectFor(owner: TeardownOwner, url: string, options: { cluster?: string; name?: string } = {}): Promise<RawClient> {
    const client = await RawClient.connect(url, options)
    owner.teardown(() => client.close().catch(() => undefined))
    return client
  }

  subject(address: Address): string {
    return subjectFor(this.cluster, address)
  }

  /** One-way event to an actor. */
  send<E extends OutboundEvent>(to: Address, event: E, headers?: Headers): void {
    this.publishBytes(this.subject(to), encodeEvent(event), headers)
  }

  publishBytes(subject: string, data: Uint8Array, headers?: Headers): void {
    this.transport.publish(subject, data, headers ? { headers } : undefined)
  }

  /** Request to an actor; resolves with the decoded reply (which may be a `net.refused`). */
  request<E extends OutboundEvent>(to: Address, event: E, options: { timeoutMs?: number; headers?: Headers } = {}): Promise<WireEvent> {
    return this.requestBytes(this.subject(to), encodeEvent(event), options)
  }

  async requestBytes(subject: string, data: Uint8Array, options: { timeoutMs?: number; headers?: Headers } = {}): Promise<WireEvent> {
    const reply = await this.#requester.request(subject, data, { timeoutMs: options.timeoutMs ?? 2_000, ...(options.headers ? { headers: options.headers } : {}) })
    const event = decodeEvent(reply.data)
    if (event instanceof DecodeFailure) throw new ReplyDecodeError(`reply on ${subject} was ${event.reason}: ${event.detail}`)
    return event
  }

  /** Sends a chaos command to one host and returns its resulting status; a `chaos.error` throws. */
  async chaos(host: string, command: ChaosCommand): Promise<ChaosStatus> {
    const answer = await this.requestBytes(chaosSubject(this.cluster, host), encodeEvent(command), { timeoutMs: 5_000 })
    if (answer.type === 'chaos.error') throw new ChaosCommandError(`host ${host} refused ${command.type}: ${String(answer.message)}`)
    if (answer.type !== 'chaos.status') throw new ChaosCommandError(`host ${host} answered ${command.type} with ${answer.type}`)
    return answer as unknown as ChaosStatus
  }

  /** Sends a chaos command to every host of the cluster (the cluster-wide control subject). */
  chaosAll(command: ChaosCommand): void {
    this.publishBytes(chaosSubject(this.cluster), encodeEvent(command))
  }

  listen(target: Address | string): Listener {
    const subject = typeof target === 'string' ? target : this.subject(target)
    const messages: InboundMessage[] = []
    const subscription = this.transport.subscribe(subject, (message) => {
      messages.push(message)
    })
    this.#subscriptions.push(subscription)
    const events = () => {
      const out: WireEvent[] = []
      for (const m of messages) {
        const event = decodeEvent(m.data)
        if (!(event instanceof DecodeFailure)) out.push(event)
      }
      return out
    }
    return {
      subject,
      messages,
      events,
      waitFor: (predicate, options = {}) =>
        waitFor(
          () => {
            const all = events()
            return predicate(all) ? all : undefined
          },
          { timeoutMs: options.timeoutMs ?? 10_000, what: options.what ?? `events on ${subject}` },
        ),
      unsubscribe: () => subscription.unsubscribe(),
    }
  }

  /** Resolves once everything published so far (and every subscription) has reached the server. */
  flush(): Promise<void> {
    return this.transport.flush()
  }

  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.unsubscribe()
    this.#requester.close()
    await this.transport.close()
  }
}

/** An echo actor's counters, from an `echo.stats` request. */
export interface EchoStats {
  readonly id: string
  readonly host: string
  readonly received: number
  readonly lastSeq: number
}

export async function echoStats(client: RawClient, id: string, timeoutMs = 2_000): Promise<EchoStats> {
  const reply = await client.request(echo(id), { type: 'echo.stats' }, { timeoutMs })
  if (reply.type !== 'echo.stats' || typeof reply.received !== 'number' || typeof reply.lastSeq !== 'number') {
    throw new ReplyDecodeError(`echo ${id} answered echo.stats with ${JSON.stringify(reply)}`)
  }
  return { id: String(reply.id), host: String(reply.host), received: reply.received, lastSeq: reply.lastSeq }
}
