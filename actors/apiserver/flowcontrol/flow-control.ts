/**
 * API Priority and Fairness as plain state: a request is classified (classify.ts), then runs at
 * once if its priority level has a free seat, waits in the level's fair queues (queue-set.ts) if
 * not, or is rejected (429) when its queues are full, the level does not queue, or it waited past
 * the queue wait limit. Each finished request frees its seat for the next waiting one of its
 * level. Exempt levels never wait.
 *
 * No clock and no I/O: the caller passes `now`, arms a timer for {@link FlowControl.nextDeadline}
 * and calls {@link FlowControl.expire} when it fires; the answers say which requests to start
 * or to reject. Counts per flow schema feed the apiserver_flowcontrol_* metrics.
 */
import { classify, type FlowRequest } from './classify.ts'
import { nominalSeats, validateFlowControl, type FlowControlConfig, type PriorityLevel } from './config.ts'
import { QueueSet } from './queue-set.ts'

/** Kubernetes' reasons (apiserver_flowcontrol_rejected_requests_total{reason}). */
export type RejectReason = 'queue-full' | 'concurrency-limit' | 'time-out'

export interface Seat {
  readonly id: number
  readonly flowSchema: string
  readonly priorityLevel: string
  /** The level's writes go to the store as priority proposals. */
  readonly storePriority: boolean
}

export type Admission =
  | { readonly kind: 'execute'; readonly seat: Seat }
  | { readonly kind: 'queued'; readonly seat: Seat }
  | { readonly kind: 'rejected'; readonly seat: Seat; readonly reason: RejectReason }

export interface Rejection {
  readonly seat: Seat
  readonly reason: RejectReason
}

/** Counts of one flow schema (at one priority level), as the metrics report them. */
export interface SchemaCounts {
  readonly flowSchema: string
  readonly priorityLevel: string
  executing: number
  waiting: number
  /** Requests that ever waited in a queue (dispatched later, or rejected on time-out). */
  enqueued: number
  dispatched: number
  readonly rejected: Record<RejectReason, number>
}

interface Level {
  readonly config: PriorityLevel
  readonly seats: number
  executing: number
  readonly queues: QueueSet<Seat> | undefined
}

export class FlowControl {
  readonly config: FlowControlConfig
  readonly #levels = new Map<string, Level>()
  readonly #counts = new Map<string, SchemaCounts>()
  /** Seats taken by executing requests, by id. */
  readonly #executing = new Map<number, Seat>()

  constructor(config: FlowControlConfig) {
    this.config = validateFlowControl(config)
    const seats = nominalSeats(this.config)
    for (const level of this.config.priorityLevels) {
      this.#levels.set(level.name, { config: level, seats: seats.get(level.name) ?? Infinity, executing: 0, queues: level.type === 'Limited' && level.queuing ? new QueueSet<Seat>(level.queuing) : undefined })
    }
    for (const schema of this.config.flowSchemas) this.#countsOf(schema.name, schema.priorityLevel)
  }

  /** Classifies request `id` and decides: run now, wait, or be rejected. An `execute` seat must be {@link release}d. */
  admit(id: number, request: FlowRequest, now: number): Admission {
    const classified = classify(request, this.config.flowSchemas)
    // The default schemas end in a catch-all; a custom set without one leaves a request unmatched.
    if (classified === undefined) throw new Error(`flow control: no flow schema matches ${JSON.stringify(request.attributes)}`)
    const level = this.#levels.get(classified.priorityLevel)!
    const seat: Seat = { id, flowSchema: classified.flowSchema, priorityLevel: classified.priorityLevel, storePriority: level.config.storePriority === true }
    if (level.config.type === 'Exempt' || (level.executing < level.seats && (level.queues?.size ?? 0) === 0)) {
      this.#start(seat, level)
      return { kind: 'execute', seat }
    }
    if (level.queues === undefined) return this.#reject(seat, 'concurrency-limit')
    if (!level.queues.enqueue(classified.flow, { item: seat, deadline: now + this.config.queueWaitMs })) return this.#reject(seat, 'queue-full')
    const counts = this.#countsOf(seat.flowSchema, seat.priorityLevel)
    counts.waiting++
    counts.enqueued++
    return { kind: 'queued', seat }
  }

  /** Frees request `id`'s seat; returns the waiting requests that now run (each to be released in turn). */
  release(id: number): Seat[] {
    const seat = this.#executing.get(id)
    if (seat === undefined) return []
    this.#executing.delete(id)
    const level = this.#levels.get(seat.priorityLevel)!
    level.executing--
    this.#countsOf(seat.flowSchema, seat.priorityLevel).executing--
    return this.#dispatch(level)
  }

  /** Rejects the waiting requests whose queue wait limit has passed. */
  expire(now: number): Rejection[] {
    const rejected: Rejection[] = []
    for (const level of this.#levels.values()) {
      for (const seat of level.queues?.expire(now) ?? []) {
        this.#countsOf(seat.flowSchema, seat.priorityLevel).waiting--
        rejected.push(this.#reject(seat, 'time-out'))
      }
    }
    return rejected
  }

  /** When the first waiting request times out (arm a timer for it), if any waits. */
  nextDeadline(): number | undefined {
    let next: number | undefined
    for (const level of this.#levels.values()) {
      const d = level.queues?.nextDeadline()
      if (d !== undefined && (next === undefined || d < next)) next = d
    }
    return next
  }

  /** Counts per flow schema, every schema listed (zeros included). */
  counts(): readonly Readonly<SchemaCounts>[] {
    return [...this.#counts.values()]
  }

  /** Seats of each priority level (Infinity: exempt). */
  seats(): ReadonlyMap<string, number> {
    return new Map([...this.#levels].map(([name, level]) => [name, level.seats]))
  }

  #dispatch(level: Level): Seat[] {
    const started: Seat[] = []
    while (level.executing < level.seats) {
      const next = level.queues?.dequeue()
      if (next === undefined) break
      this.#countsOf(next.flowSchema, next.priorityLevel).waiting--
      this.#start(next, level)
      started.push(next)
    }
    return started
  }

  #start(seat: Seat, level: Level): void {
    level.executing++
    this.#executing.set(seat.id, seat)
    const counts = this.#countsOf(seat.flowSchema, seat.priorityLevel)
    counts.executing++
    counts.dispatched++
  }

  #reject(seat: Seat, reason: RejectReason): { kind: 'rejected'; seat: Seat; reason: RejectReason } {
    this.#countsOf(seat.flowSchema, seat.priorityLevel).rejected[reason]++
    return { kind: 'rejected', seat, reason }
  }

  #countsOf(flowSchema: string, priorityLevel: string): SchemaCounts {
    let counts = this.#counts.get(flowSchema)
    if (counts === undefined) {
      counts = { flowSchema, priorityLevel, executing: 0, waiting: 0, enqueued: 0, dispatched: 0, rejected: { 'queue-full': 0, 'concurrency-limit': 0, 'time-out': 0 } }
      this.#counts.set(flowSchema, counts)
    }
    return counts
  }
}
