import { matchesEventTypes, type EventEnvelope } from '../../actors/chaos/event-types.ts'
import type { Clock } from '../clock.ts'
import { readEnvelope } from '../codec-envelope.ts'
import type { FaultKind } from '../metrics.ts'
import type { Random } from '../random.ts'
import { subjectMatches } from '../subjects.ts'
import type { InboundMessage, MessageHandler, PublishOptions, SubscribeOptions, Subscription, Transport } from '../transport/transport.ts'
import { hostsCutOff, type FaultRule } from './fault-rules.ts'

/** Header naming the sending host; stamped only while a partition is in force. */
export const HOST_HEADER = 'ak-host'

interface Held {
  readonly subject: string
  readonly data: Uint8Array
  readonly options: PublishOptions | undefined
  readonly timer: unknown
}

/**
 * Wraps a transport and applies the fault rules in force to what this host publishes (drop, delay,
 * duplicate, reorder; a rule with `eventTypes` only to messages of those types, read from the
 * envelope) and the partition in force to what it receives. With no rules and no partition
 * it adds one branch per message and nothing else. Randomness and delays come from the injected
 * Random and Clock, so faults replay exactly under simulation.
 */
export class FaultyTransport implements Transport {
  readonly #inner: Transport
  readonly #clock: Clock
  readonly #random: Random
  readonly #host: string
  readonly #onFault: (kind: FaultKind, subject: string) => void
  #rules: readonly FaultRule[] = []
  #cutOff: ReadonlySet<string> = new Set()
  #partitioned = false
  readonly #held = new Map<string, Held>()

  constructor(inner: Transport, options: { clock: Clock; random: Random; host: string; onFault?: (kind: FaultKind, subject: string) => void }) {
    this.#inner = inner
    this.#clock = options.clock
    this.#random = options.random
    this.#host = options.host
    this.#onFault = options.onFault ?? (() => {})
  }

  get rules(): readonly FaultRule[] {
    return this.#rules
  }

  get partitionedFrom(): readonly string[] {
    return [...this.#cutOff]
  }

  /** Adds a rule, replacing any rule with the same id. */
  setRule(rule: FaultRule): void {
    this.#rules = [...this.#rules.filter((r) => r.id !== rule.id), rule]
  }

  /** Removes one rule, or every rule when `id` is omitted; held messages are released. */
  clearRules(id?: string): void {
    this.#rules = id === undefined ? [] : this.#rules.filter((r) => r.id !== id)
    if (id === undefined) this.#releaseAllHeld()
  }

  partition(groups: readonly (readonly string[])[]): void {
    this.#cutOff = hostsCutOff(groups, this.#host)
    this.#partitioned = true
  }

  heal(): void {
    this.#cutOff = new Set()
    this.#partitioned = false
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    const stamped = this.#partitioned ? { ...options, headers: { ...options?.headers, [HOST_HEADER]: this.#host } } : options
    if (this.#rules.length === 0) {
      this.#inner.publish(subject, data, stamped)
      return
    }
    let copies = 1
    let delay = 0
    let reorder: FaultRule | undefined
    let envelope: EventEnvelope | undefined
    for (const rule of this.#rules) {
      if (!subjectMatches(rule.subject, subject)) continue
      // Read once per message, and only when a rule picks by event type: no draw for the others.
      if (rule.eventTypes !== undefined && !matchesEventTypes(rule.eventTypes, (envelope ??= readEnvelope(data)))) continue
      if (this.#random() >= rule.probability) continue
      this.#onFault(rule.kind, subject)
      switch (rule.kind) {
        case 'drop':
          return
        case 'duplicate':
          copies = 2
          break
        case 'delay':
          delay += Math.max(0, rule.delayMs + (this.#random() * 2 - 1) * rule.jitterMs)
          break
        case 'reorder':
          reorder = rule
          break
      }
    }
    const send = () => {
      for (let i = 0; i < copies; i++) this.#publishReleasingHeld(subject, data, stamped)
    }
    if (reorder) this.#hold(reorder, subject, data, stamped, copies)
    else if (delay > 0) this.#clock.setTimeout(send, delay)
    else send()
  }

  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    return this.#inner.subscribe(
      subject,
      (message: InboundMessage) => {
        if (this.#partitioned) {
          const from = message.headers?.[HOST_HEADER]
          if (from !== undefined && this.#cutOff.has(from)) {
            this.#onFault('partition', message.subject)
            return
          }
        }
        handler(message)
      },
      options,
    )
  }

  flush(): Promise<void> {
    return this.#inner.flush()
  }

  async close(): Promise<void> {
    this.#releaseAllHeld()
    await this.#inner.close()
  }

  newInbox(): string {
    return this.#inner.newInbox()
  }

  /** A held message goes out right after the next message its rule matches. */
  #hold(rule: FaultRule, subject: string, data: Uint8Array, options: PublishOptions | undefined, copies: number): void {
    const previous = this.#held.get(rule.id)
    if (previous) {
      // Two chosen in a row: this one overtakes the held one and both go out now (otherwise, at
      // probability 1, each message would merely release its predecessor and nothing would reorder).
      this.#clock.clearTimeout(previous.timer)
      this.#held.delete(rule.id)
      for (let i = 0; i < copies; i++) this.#inner.publish(subject, data, options)
      this.#inner.publish(previous.subject, previous.data, previous.options)
      return
    }
    const timer = this.#clock.setTimeout(() => this.#release(rule.id), rule.delayMs)
    this.#held.set(rule.id, { subject, data, options, timer })
    for (let i = 1; i < copies; i++) this.#inner.publish(subject, data, options)
  }

  #publishReleasingHeld(subject: string, data: Uint8Array, options: PublishOptions | undefined): void {
    this.#inner.publish(subject, data, options)
    if (this.#held.size === 0) return
    for (const rule of this.#rules) {
      if (rule.kind === 'reorder' && this.#held.has(rule.id) && this.#picks(rule, subject, data)) this.#release(rule.id)
    }
  }

  /** Whether `rule` applies to this message (its subject, and its event type when the rule names some). */
  #picks(rule: FaultRule, subject: string, data: Uint8Array): boolean {
    return subjectMatches(rule.subject, subject) && (rule.eventTypes === undefined || matchesEventTypes(rule.eventTypes, readEnvelope(data)))
  }

  #release(ruleId: string): void {
    const held = this.#held.get(ruleId)
    if (!held) return
    this.#held.delete(ruleId)
    this.#clock.clearTimeout(held.timer)
    this.#inner.publish(held.subject, held.data, held.options)
  }

  #releaseAllHeld(): void {
    for (const id of [...this.#held.keys()]) this.#release(id)
  }
}
