/**
 * The apiserver's flow control at its one choke point: both edges (HTTPS and NATS) hand every
 * request to {@link FlowGate.handle} instead of the handlers. A request takes a seat of its
 * priority level before it runs and frees it when its answer is ready; it waits in the level's
 * fair queues when the seats are taken, and gets Kubernetes' 429 TooManyRequests (Retry-After)
 * when they are full or it waited too long. Long-running requests (watches, logs) bypass the
 * seats, as in Kubernetes. Writes of levels marked storePriority go to the store as priority
 * proposals.
 *
 * The decisions are actors/apiserver/flowcontrol's; this adapter owns the timers and the
 * promises, and reports the counts as apiserver_flowcontrol_* metrics once a second.
 */
import { isLongRunning } from '../../actors/apiserver/flowcontrol/classify.ts'
import type { FlowControlConfig } from '../../actors/apiserver/flowcontrol/config.ts'
import { FlowControl, type RejectReason } from '../../actors/apiserver/flowcontrol/flow-control.ts'
import { handle } from '../../actors/apiserver/handle.ts'
import { json, type ApiRequest, type ApiResponse } from '../../actors/apiserver/http/api-request.ts'
import { requestAttributes } from '../../actors/apiserver/http/request-attributes.ts'
import { tooManyRequests } from '../../actors/apiserver/meta/status.ts'
import type { ApiPorts, ObjectsPort } from '../../actors/apiserver/ports.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { HostMetrics } from '../metrics.ts'

export interface FlowGateDeps {
  readonly clock: Clock
  readonly metrics: HostMetrics
  /** The objects port whose writes are store priority proposals (for storePriority levels). */
  readonly priorityObjects?: ObjectsPort
}

const METRICS_INTERVAL_MS = 1000
const REASONS: readonly RejectReason[] = ['queue-full', 'concurrency-limit', 'time-out']

export class FlowGate {
  readonly #control: FlowControl
  readonly #deps: FlowGateDeps
  /** Queued requests: told true when they get a seat, false when they time out. */
  readonly #waiting = new Map<number, (started: boolean) => void>()
  /** What the metrics' counters have been told so far, by flow schema. */
  readonly #reported = new Map<string, { dispatched: number; enqueued: number; rejected: Record<RejectReason, number> }>()
  #nextId = 1
  #expiry: { readonly at: number; readonly timer: TimerHandle } | undefined
  #metricsTimer: TimerHandle | undefined
  #closed = false

  constructor(config: FlowControlConfig, deps: FlowGateDeps) {
    this.#control = new FlowControl(config)
    this.#deps = deps
    for (const [level, seats] of this.#control.seats()) {
      if (Number.isFinite(seats)) deps.metrics.gauge('apiserver_flowcontrol_nominal_limit_seats', 'Seats of each priority level: its share of the total concurrency', { priority_level: level }, seats)
    }
    this.#reportMetrics()
  }

  /** The handlers' answer to `request` once it has a seat, or a 429 Status. */
  async handle(request: ApiRequest, ports: ApiPorts): Promise<ApiResponse> {
    const attributes = requestAttributes(request.method, request.path, request.query)
    if (isLongRunning(attributes)) return handle(request, ports)
    const id = this.#nextId++
    const admission = this.#control.admit(id, { user: request.user.name, groups: request.user.groups, attributes }, this.#deps.clock.now())
    if (admission.kind === 'rejected') return this.#tooManyRequests()
    if (admission.kind === 'queued') {
      const started = new Promise<boolean>((resolve) => this.#waiting.set(id, resolve))
      this.#armExpiry()
      if (!(await started)) return this.#tooManyRequests()
    }
    const priority = admission.seat.storePriority && this.#deps.priorityObjects !== undefined
    try {
      return await handle(request, priority ? { ...ports, objects: this.#deps.priorityObjects! } : ports)
    } finally {
      this.#release(id)
    }
  }

  /** Stops the timers; requests still queued are answered 429. */
  close(): void {
    this.#closed = true
    if (this.#expiry) this.#deps.clock.clearTimeout(this.#expiry.timer)
    if (this.#metricsTimer !== undefined) this.#deps.clock.clearTimeout(this.#metricsTimer)
    for (const wake of this.#waiting.values()) wake(false)
    this.#waiting.clear()
  }

  #tooManyRequests(): ApiResponse {
    const s = tooManyRequests(this.#control.config.retryAfterSeconds)
    return json(s.code, s.status)
  }

  #release(id: number): void {
    for (const seat of this.#control.release(id)) this.#wake(seat.id, true)
  }

  #wake(id: number, started: boolean): void {
    const wake = this.#waiting.get(id)
    this.#waiting.delete(id)
    wake?.(started)
  }

  /** One timer, at the earliest queue deadline. */
  #armExpiry(): void {
    const next = this.#control.nextDeadline()
    if (this.#closed || next === undefined || (this.#expiry !== undefined && this.#expiry.at <= next)) return
    if (this.#expiry) this.#deps.clock.clearTimeout(this.#expiry.timer)
    const timer = this.#deps.clock.setTimeout(() => {
      this.#expiry = undefined
      for (const r of this.#control.expire(this.#deps.clock.now())) this.#wake(r.seat.id, false)
      this.#armExpiry()
    }, Math.max(0, next - this.#deps.clock.now()))
    this.#expiry = { at: next, timer }
  }

  #reportMetrics(): void {
    const { metrics } = this.#deps
    for (const c of this.#control.counts()) {
      const labels = { priority_level: c.priorityLevel, flow_schema: c.flowSchema }
      metrics.gauge('apiserver_flowcontrol_current_executing_requests', 'Requests executing (holding a seat), by priority level and flow schema', labels, c.executing)
      metrics.gauge('apiserver_flowcontrol_current_inqueue_requests', 'Requests waiting in the fair queues, by priority level and flow schema', labels, c.waiting)
      const before = this.#reported.get(c.flowSchema) ?? { dispatched: 0, enqueued: 0, rejected: { 'queue-full': 0, 'concurrency-limit': 0, 'time-out': 0 } }
      metrics.count('apiserver_flowcontrol_dispatched_requests_total', 'Requests that got a seat, by priority level and flow schema', labels, c.dispatched - before.dispatched)
      metrics.count('apiserver_flowcontrol_enqueued_requests_total', 'Requests that had to wait in a fair queue for a seat, by priority level and flow schema', labels, c.enqueued - before.enqueued)
      for (const reason of REASONS) {
        metrics.count('apiserver_flowcontrol_rejected_requests_total', 'Requests answered 429, by priority level, flow schema and reason', { ...labels, reason }, c.rejected[reason] - before.rejected[reason])
      }
      this.#reported.set(c.flowSchema, { dispatched: c.dispatched, enqueued: c.enqueued, rejected: { ...c.rejected } })
    }
    if (!this.#closed) this.#metricsTimer = this.#deps.clock.setTimeout(() => this.#reportMetrics(), METRICS_INTERVAL_MS)
  }
}
