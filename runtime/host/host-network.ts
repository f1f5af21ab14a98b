import { fromCallback, type AnyActorLogic } from 'xstate'
import type { ActorKind } from '../../actors/kit/actor-kind.ts'
import type { Address } from '../../actors/kit/address.ts'
import type { NetCommand, NetFailed, NetOutcome, NetRequest } from '../../actors/kit/network.ts'
import type { Clock } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent, EncodeError, type OutboundEvent, type WireEvent } from '../codec.ts'
import type { Logger } from '../log.ts'
import { ExponentialLogSampler } from '../log.ts'
import type { DropReason, HostMetrics } from '../metrics.ts'
import { subjectFor } from '../subjects.ts'
import type { Tracing } from '../telemetry.ts'
import { NoRespondersError, RequestTimeoutError, type Requester } from '../transport/requester.ts'
import type { InboundMessage, Subscription, Transport } from '../transport/transport.ts'
import { DedupCache, IN_PROGRESS } from './dedup-cache.ts'
import { Mailbox } from './mailbox.ts'

/** Header carrying the id that makes a retried message idempotent. */
export const MSG_ID_HEADER = 'ak-msg-id'

/** The event a host sends back instead of a reply when it refused a request. */
export const REFUSED = 'net.refused'

const DEFAULT_REQUEST_TIMEOUT_MS = 2_000
const NO_RESPONDERS_RETRY_MS = 100
const PAUSED_BUFFER_LIMIT = 10_000

export interface HostNetworkOptions {
  readonly cluster: string
  readonly host: string
  readonly transport: Transport
  readonly requester: Requester
  readonly clock: Clock
  readonly log: Logger
  readonly metrics: HostMetrics
  readonly tracing: Tracing
  readonly maxMessageBytes: number
  /** Unique per host process: message ids must not repeat across restarts. */
  readonly incarnation: string
  /** When a mailbox flushes its batch: after the current turn (default: a microtask). */
  readonly defer?: (flush: () => void) => void
}

interface PausedActor {
  readonly work: Array<() => void>
}

/**
 * The host side of every actor's `network` child: it binds the actor's subjects, turns inbound
 * messages into events (dropping and logging what is malformed, oversized, unknown or a duplicate)
 * and turns the actor's network commands into messages, with tracing and metrics on both paths.
 */
export class HostNetwork {
  readonly #o: HostNetworkOptions
  readonly #dedup: DedupCache
  readonly #sampler = new ExponentialLogSampler()
  readonly #paused = new Map<string, PausedActor>()
  /** Each running actor's inbox, for events from the host itself. */
  readonly #local = new Map<string, (event: WireEvent) => void>()
  readonly #subjects = new WeakMap<Address, { readonly component: string; readonly instance: string; readonly verb: string | undefined; readonly subject: string }>()
  #nextMessageId = 0

  constructor(options: HostNetworkOptions) {
    this.#o = options
    this.#dedup = new DedupCache(options.clock)
  }

  /**
   * The logic the host provides as `network` to one actor of the given kind. `actorKey` names the
   * actor in logs, metrics and pause commands; `id` is its instance in subjects.
   */
  logicFor(kind: ActorKind, actorKey: string, id: string, options: unknown): AnyActorLogic {
    const actorId = actorKey
    const addresses: Address[] = [{ component: kind.component, instance: id }, ...(kind.topics?.(id, options) ?? [])]
    // Batches would hide each message's own handle span, so tracing turns batching off.
    const batchable = this.#o.tracing.enabled ? undefined : kind.batchable
    return fromCallback<NetCommand>(({ sendBack, receive }) => {
      let open = true
      const deliver = (event: WireEvent) => {
        if (open) sendBack(event)
      }
      const mailbox = new Mailbox({ deliver, batchable, defer: this.#o.defer ?? queueMicrotask, metrics: this.#o.metrics })
      const subscriptions: Subscription[] = addresses.map((address) => {
        const subject = subjectFor(this.#o.cluster, address)
        return this.#o.transport.subscribe(subject, (message) => this.#inbound(actorId, kind, message, mailbox, deliver))
      })
      receive((command) => this.#whenRunning(actorId, () => this.#outbound(actorId, command, deliver)))
      this.#local.set(actorId, deliver)
      return () => {
        open = false
        if (this.#local.get(actorId) === deliver) this.#local.delete(actorId)
        for (const subscription of subscriptions) subscription.unsubscribe()
      }
    })
  }

  /** Hands an event from the host (not the network) to a running actor; false if it is not running. */
  notify(actorId: string, event: WireEvent): boolean {
    const deliver = this.#local.get(actorId)
    if (deliver === undefined) return false
    deliver(event)
    return true
  }

  pause(actorId: string): void {
    if (!this.#paused.has(actorId)) this.#paused.set(actorId, { work: [] })
  }

  /** Resumes a paused actor, delivering in order what it received and sent while paused. */
  resume(actorId: string): void {
    const paused = this.#paused.get(actorId)
    if (!paused) return
    this.#paused.delete(actorId)
    for (const work of paused.work) work()
  }

  get pausedActors(): readonly string[] {
    return [...this.#paused.keys()]
  }

  #whenRunning(actorId: string, work: () => void): void {
    const paused = this.#paused.get(actorId)
    if (!paused) return work()
    if (paused.work.length >= PAUSED_BUFFER_LIMIT) return this.#drop('paused-overflow', actorId, 'paused actor buffer full')
    paused.work.push(work)
  }

  #inbound(actorId: string, kind: ActorKind, message: InboundMessage, mailbox: Mailbox, deliver: (event: WireEvent) => void): void {
    this.#whenRunning(actorId, () => {
      const event = this.#accept(actorId, kind, message)
      if (event === undefined || mailbox.offer(event)) return
      mailbox.flush()
      const started = performance.now()
      if (this.#o.tracing.enabled) this.#o.tracing.handle(message.subject, event.type, message.headers, () => deliver(event))
      else deliver(event)
      this.#o.metrics.messageHandled(event.type, (performance.now() - started) / 1000)
    })
  }

  /** The event to deliver, or undefined when the message was dropped (and, if a request, refused). */
  #accept(actorId: string, kind: ActorKind, message: InboundMessage): WireEvent | undefined {
    const decoded = decodeEvent(message.data, this.#o.maxMessageBytes)
    if (decoded instanceof DecodeFailure) {
      this.#refuse(message, decoded.reason, actorId, `${decoded.reason} message on ${message.subject}: ${decoded.detail}`)
      return undefined
    }
    if (!kind.accepts.has(decoded.type)) {
      this.#refuse(message, 'unknown-type', actorId, `event type ${JSON.stringify(decoded.type)} is not one ${kind.component} accepts`)
      return undefined
    }
    const messageId = message.headers?.[MSG_ID_HEADER]
    if (messageId !== undefined) {
      const seen = this.#dedup.get(messageId)
      if (seen !== undefined) {
        this.#o.metrics.dropped('duplicate')
        if (seen !== IN_PROGRESS && message.reply) this.#o.transport.publish(message.reply, seen)
        return undefined
      }
      this.#dedup.set(messageId, IN_PROGRESS)
    }
    return message.reply ? { ...decoded, replyTo: replyToken(message.reply, messageId) } : decoded
  }

  #outbound(actorId: string, command: NetCommand, deliver: (event: WireEvent) => void): void {
    switch (command.type) {
      case 'net.sendMany': {
        if (!Array.isArray(command.events) || command.events.length === 0) return
        const subject = this.#subjectFor(actorId, command.to)
        if (subject === undefined) {
          // #subjectFor counted (and logged) one drop; every message of the batch is one.
          for (let i = 1; i < command.events.length; i++) this.#o.metrics.dropped('invalid')
          return
        }
        for (const event of command.events) {
          const data = this.#encode(actorId, event)
          if (data) this.#publish(subject, event.type, data)
        }
        return
      }
      case 'net.send': {
        const subject = this.#subjectFor(actorId, command.to)
        const data = subject === undefined ? undefined : this.#encode(actorId, command.event)
        if (subject !== undefined && data) this.#publish(subject, command.event.type, data)
        return
      }
      case 'net.respond': {
        const data = this.#encode(actorId, command.event)
        if (!data) return
        const { reply, messageId } = parseReplyToken(command.replyTo)
        if (messageId !== undefined) this.#dedup.set(messageId, data)
        this.#publish(reply, command.event.type, data)
        return
      }
      case 'net.request':
        void this.#request(actorId, command, deliver)
        return
    }
  }

  async #request(actorId: string, command: NetRequest, deliver: (event: WireEvent) => void): Promise<void> {
    const fail = (reason: NetFailed['reason'], message: string) =>
      deliver({ type: 'net.failed', requestId: command.requestId, reason, message } satisfies NetOutcome)
    const subject = this.#subjectFor(actorId, command.to)
    if (subject === undefined) return fail('refused', `invalid address for ${command.event.type}`)
    const data = this.#encode(actorId, command.event)
    if (!data) return fail('refused', `event ${command.event.type} could not be encoded`)
    const messageId = `${this.#o.incarnation}.${(this.#nextMessageId++).toString(36)}`
    const attempts = Math.max(1, command.attempts ?? 1)
    const timeoutMs = command.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    let lastError: Error | undefined
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const sent = this.#o.tracing.startSend(subject, command.event.type)
      this.#o.metrics.messageOut(command.event.type)
      try {
        const reply = await this.#o.requester.request(subject, data, {
          timeoutMs,
          headers: { ...sent?.headers, [MSG_ID_HEADER]: messageId },
        })
        sent?.span.end()
        const event = decodeEvent(reply.data, this.#o.maxMessageBytes)
        if (event instanceof DecodeFailure) return fail('refused', `reply was ${event.reason}: ${event.detail}`)
        if (event.type === REFUSED) return fail('refused', String(event.message))
        return deliver({ type: 'net.reply', requestId: command.requestId, event } satisfies NetOutcome)
      } catch (error) {
        sent?.span.end()
        lastError = error instanceof Error ? error : new Error(String(error))
        if (!(error instanceof RequestTimeoutError) && !(error instanceof NoRespondersError)) break
        if (error instanceof NoRespondersError && attempt < attempts) await this.#sleep(NO_RESPONDERS_RETRY_MS * attempt)
      }
    }
    if (lastError instanceof NoRespondersError) return fail('no-responders', lastError.message)
    if (lastError instanceof RequestTimeoutError) return fail('timeout', `${lastError.message} (${attempts} attempt(s))`)
    return fail('refused', lastError?.message ?? 'request failed')
  }

  #publish(subject: string, eventType: string, data: Uint8Array): void {
    const sent = this.#o.tracing.startSend(subject, eventType)
    try {
      this.#o.transport.publish(subject, data, sent ? { headers: sent.headers } : undefined)
      this.#o.metrics.messageOut(eventType)
    } catch (error) {
      this.#drop('publish-failed', subject, error instanceof Error ? error.message : String(error))
    } finally {
      sent?.span.end()
    }
  }

  /**
   * The subject of an address an actor gave; an address that came off the wire may be anything, and
   * throwing here would crash the actor (net.send) or the whole process (net.request's promise).
   */
  #subjectFor(actorId: string, to: Address): string | undefined {
    // An actor sending a stream usually reuses one address object: remember its subject, which
    // costs four token validations and a join to build. The fields are compared on every hit.
    const memoizable = typeof to === 'object' && to !== null
    const memo = memoizable ? this.#subjects.get(to) : undefined
    if (memo && memo.component === to.component && memo.instance === to.instance && memo.verb === to.verb) return memo.subject
    try {
      const subject = subjectFor(this.#o.cluster, to)
      if (memoizable) this.#subjects.set(to, { component: to.component, instance: to.instance, verb: to.verb, subject })
      return subject
    } catch (error) {
      this.#drop('invalid', actorId, `bad address: ${error instanceof Error ? error.message : String(error)}`)
      return undefined
    }
  }

  #encode(actorId: string, event: OutboundEvent): Uint8Array | undefined {
    try {
      return encodeEvent(event, this.#o.maxMessageBytes)
    } catch (error) {
      const detail = error instanceof EncodeError ? error.message : `unencodable event ${JSON.stringify(event.type)}: ${String(error)}`
      this.#drop('encode-failed', actorId, detail)
      return undefined
    }
  }

  /** Drops an inbound message; a request gets a refusal so its sender need not wait out a timeout. */
  #refuse(message: InboundMessage, reason: DropReason, actorId: string, detail: string): void {
    this.#drop(reason, actorId, detail)
    if (message.reply) {
      const refusal = encodeEvent({ type: REFUSED, reason, message: detail })
      this.#o.transport.publish(message.reply, refusal)
    }
  }

  #drop(reason: DropReason, actorId: string, detail: string): void {
    this.#o.metrics.dropped(reason)
    const { log, count } = this.#sampler.shouldLog(reason)
    if (log) this.#o.log.warn({ actor: actorId, reason, count }, `dropped message: ${detail}`)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#o.clock.setTimeout(resolve, ms))
  }
}

/** Reply subjects never contain spaces, so one space separates the optional message id. */
function replyToken(reply: string, messageId: string | undefined): string {
  return messageId === undefined ? reply : `${reply} ${messageId}`
}

function parseReplyToken(token: string): { reply: string; messageId: string | undefined } {
  const space = token.indexOf(' ')
  return space < 0 ? { reply: token, messageId: undefined } : { reply: token.slice(0, space), messageId: token.slice(space + 1) }
}
