import type { Random } from '../random.ts'
import { subjectMatches } from '../subjects.ts'
import {
  NO_RESPONDERS_STATUS,
  type InboundMessage,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '../transport/transport.ts'
import type { VirtualClock } from './virtual-clock.ts'

interface MemorySubscription {
  readonly id: number
  readonly pattern: string
  readonly queue: string | undefined
  readonly handler: MessageHandler
  readonly owner: MemoryTransport
  active: boolean
  /** Last scheduled delivery time per sending connection name: the FIFO guarantee. */
  readonly lastDue: Map<string, number>
}

export interface MemoryNetworkOptions {
  /** Every delivery takes between min and max virtual ms, drawn from the seeded stream. */
  readonly minLatencyMs?: number
  readonly maxLatencyMs?: number
}

/**
 * An in-process NATS stand-in for deterministic simulation. Deliveries are tasks on a
 * {@link VirtualClock} with seeded latencies; like NATS, messages from one connection to one
 * subscription keep their order, and a request to a subject nobody serves gets a 503 reply.
 */
export class MemoryNetwork {
  readonly clock: VirtualClock
  readonly #random: Random
  readonly #minLatency: number
  readonly #maxLatency: number
  readonly #subscriptions: MemorySubscription[] = []
  /** Subscriptions without wildcards by subject, and the wildcard ones: routing looks up instead of matching all. */
  readonly #literal = new Map<string, MemorySubscription[]>()
  /** Wildcard subscriptions by the literal tokens before their first wildcard. */
  readonly #wildcard = new Map<string, MemorySubscription[]>()
  #nextId = 0

  constructor(clock: VirtualClock, random: Random, options: MemoryNetworkOptions = {}) {
    this.clock = clock
    this.#random = random
    this.#minLatency = options.minLatencyMs ?? 0
    this.#maxLatency = options.maxLatencyMs ?? 2
    if (this.#maxLatency < this.#minLatency) {
      throw new RangeError(`maxLatencyMs ${this.#maxLatency} is below minLatencyMs ${this.#minLatency}`)
    }
  }

  connect(name: string): MemoryTransport {
    return new MemoryTransport(this, name)
  }

  /** @internal used by MemoryTransport */
  addSubscription(owner: MemoryTransport, pattern: string, handler: MessageHandler, queue?: string): MemorySubscription {
    const subscription: MemorySubscription = { id: this.#nextId++, pattern, queue, handler, owner, active: true, lastDue: new Map() }
    this.#subscriptions.push(subscription)
    const [index, key] = this.#indexOf(pattern)
    const same = index.get(key)
    if (same) same.push(subscription)
    else index.set(key, [subscription])
    return subscription
  }

  /** @internal */
  removeSubscription(subscription: MemorySubscription): void {
    subscription.active = false
    remove(this.#subscriptions, subscription)
    const [index, key] = this.#indexOf(subscription.pattern)
    const same = index.get(key)
    if (!same) return
    remove(same, subscription)
    if (same.length === 0) index.delete(key)
  }

  #indexOf(pattern: string): [Map<string, MemorySubscription[]>, string] {
    const tokens = pattern.split('.')
    const wild = tokens.findIndex((t) => t === '*' || t === '>')
    return wild < 0 ? [this.#literal, pattern] : [this.#wildcard, tokens.slice(0, wild).join('.')]
  }

  /** @internal a closed connection's subscriptions go (a dead host's would slow every publish). */
  removeOwner(owner: MemoryTransport): void {
    for (const subscription of this.#subscriptions.filter((s) => s.owner === owner)) this.removeSubscription(subscription)
  }

  /** Open subscriptions matching `subject`, in the order they were made (deliveries are scheduled in it). */
  #matching(subject: string): MemorySubscription[] {
    const found: MemorySubscription[] = []
    const literal = this.#literal.get(subject)
    if (literal) for (const s of literal) if (s.owner.open) found.push(s)
    let wild = false
    if (this.#wildcard.size > 0) {
      // Every literal prefix of the subject, the empty one included, may key wildcard subscriptions.
      let end = subject.length
      for (;;) {
        const candidates = this.#wildcard.get(subject.slice(0, end))
        if (candidates) {
          for (const s of candidates) {
            if (s.owner.open && subjectMatches(s.pattern, subject)) {
              found.push(s)
              wild = true
            }
          }
        }
        if (end === 0) break
        end = Math.max(0, subject.lastIndexOf('.', end - 1))
      }
    }
    return wild ? found.sort((a, b) => a.id - b.id) : found
  }

  /** @internal */
  route(from: MemoryTransport, message: InboundMessage): void {
    const matching = this.#matching(message.subject)
    const targets: MemorySubscription[] = []
    // Most messages have no queue subscribers: no group map for them (routing runs per message).
    let groups: Map<string, MemorySubscription[]> | undefined
    for (const subscription of matching) {
      if (subscription.queue === undefined) targets.push(subscription)
      else {
        groups ??= new Map()
        const members = groups.get(subscription.queue)
        if (members) members.push(subscription)
        else groups.set(subscription.queue, [subscription])
      }
    }
    if (groups) {
      for (const members of groups.values()) targets.push(members[Math.floor(this.#random() * members.length)]!)
    }
    if (targets.length === 0) {
      if (message.reply) {
        this.#deliverTo(from, message.reply, { subject: message.reply, data: new Uint8Array(), headers: undefined, reply: undefined, status: NO_RESPONDERS_STATUS })
      }
      return
    }
    for (const target of targets) this.#schedule(from, target, message)
  }

  #deliverTo(from: MemoryTransport, subject: string, message: InboundMessage): void {
    for (const subscription of this.#matching(subject)) this.#schedule(from, subscription, message)
  }

  #schedule(from: MemoryTransport, target: MemorySubscription, message: InboundMessage): void {
    const latency = this.#minLatency + this.#random() * (this.#maxLatency - this.#minLatency)
    const due = Math.max(this.clock.now() + latency, target.lastDue.get(from.name) ?? 0)
    target.lastDue.set(from.name, due)
    this.clock.setTimeout(() => {
      if (target.active && target.owner.open) target.handler(message)
    }, due - this.clock.now())
  }
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item)
  if (index >= 0) list.splice(index, 1)
}

export class MemoryTransport implements Transport {
  readonly #network: MemoryNetwork
  readonly name: string
  #open = true
  #inboxes = 0

  constructor(network: MemoryNetwork, name: string) {
    this.#network = network
    this.name = name
  }

  get open(): boolean {
    return this.#open
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    if (!this.#open) throw new Error(`transport ${this.name} is closed`)
    this.#network.route(this, { subject, data, headers: options?.headers, reply: options?.reply })
  }

  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    const subscription = this.#network.addSubscription(this, subject, handler, options?.queue)
    return { unsubscribe: () => this.#network.removeSubscription(subscription) }
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#open = false
    this.#network.removeOwner(this)
  }

  newInbox(): string {
    return `_INBOX.${this.name}.${this.#inboxes++}`
  }
}
