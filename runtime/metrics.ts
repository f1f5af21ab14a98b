/**
 * Host metrics. The host calls the {@link HostMetrics} methods on its hot path, so label children
 * are cached per event type; {@link noMetrics} costs nothing where nobody scrapes (simulation).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type DropReason =
  | 'oversized'
  | 'malformed'
  | 'not-an-event'
  | 'unknown-type'
  | 'invalid'
  | 'duplicate'
  | 'paused-overflow'
  | 'encode-failed'
  | 'publish-failed'

export type FaultKind = 'drop' | 'delay' | 'duplicate' | 'reorder' | 'partition'

export interface HostMetrics {
  messageOut(eventType: string): void
  messageHandled(eventType: string, seconds: number): void
  dropped(reason: DropReason): void
  restarted(actorId: string): void
  faultApplied(kind: FaultKind): void
  setActorsRunning(count: number): void
  /**
   * A component's own metrics (the store's term, fsync latency...), created on first use. Names
   * follow `actorkube_<component>_<what>`; labels must be the same set on every call for a name.
   */
  gauge(name: string, help: string, labels: Readonly<Record<string, string>>, value: number): void
  observe(name: string, help: string, labels: Readonly<Record<string, string>>, value: number, buckets: readonly number[]): void
  /** Adds `by` to a component's counter (`..._total`), created on first use; labels as for gauge. */
  count(name: string, help: string, labels: Readonly<Record<string, string>>, by: number): void
}

export const noMetrics: HostMetrics = {
  messageOut: () => {},
  messageHandled: () => {},
  dropped: () => {},
  restarted: () => {},
  faultApplied: () => {},
  setActorsRunning: () => {},
  gauge: () => {},
  observe: () => {},
  count: () => {},
}

export class PrometheusHostMetrics implements HostMetrics {
  readonly registry = new Registry()
  readonly #out: Counter<'type'>
  readonly #in: Counter<'type'>
  readonly #handleSeconds: Histogram<'type'>
  readonly #dropped: Counter<'reason'>
  readonly #restarts: Counter<'actor'>
  readonly #faults: Counter<'kind'>
  readonly #actorsRunning: Gauge
  /**
   * Per-message counts wait here as plain numbers and reach the prom-client counters when they are
   * collected (a scrape): prom-client validates and hashes labels on every inc(), which cost more
   * than the rest of this class on the message path.
   */
  readonly #pendingOut = new Map<string, number>()
  readonly #pendingIn = new Map<string, number>()
  readonly #histByType = new Map<string, { observe(value: number): void }>()

  constructor(defaultLabels: Record<string, string>) {
    this.registry.setDefaultLabels(defaultLabels)
    collectDefaultMetrics({ register: this.registry })
    const registers = [this.registry]
    const pendingOut = this.#pendingOut
    const pendingIn = this.#pendingIn
    this.#out = new Counter({
      name: 'actorkube_messages_out_total',
      help: 'Messages published by actors, by event type',
      labelNames: ['type'],
      registers,
      collect() {
        flushPending(pendingOut, this)
      },
    })
    this.#in = new Counter({
      name: 'actorkube_messages_in_total',
      help: 'Messages delivered to actors, by event type',
      labelNames: ['type'],
      registers,
      collect() {
        flushPending(pendingIn, this)
      },
    })
    this.#handleSeconds = new Histogram({
      name: 'actorkube_message_handle_seconds',
      help: 'Time an actor took to process one delivered message',
      labelNames: ['type'],
      buckets: [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers,
    })
    this.#dropped = new Counter({ name: 'actorkube_messages_dropped_total', help: 'Inbound or outbound messages dropped, by reason', labelNames: ['reason'], registers })
    this.#restarts = new Counter({ name: 'actorkube_actor_restarts_total', help: 'Supervised actor restarts', labelNames: ['actor'], registers })
    this.#faults = new Counter({ name: 'actorkube_faults_applied_total', help: 'Injected faults applied to messages', labelNames: ['kind'], registers })
    this.#actorsRunning = new Gauge({ name: 'actorkube_actors_running', help: 'Actors currently running on this host', registers })
  }

  messageOut(eventType: string): void {
    this.#pendingOut.set(eventType, (this.#pendingOut.get(eventType) ?? 0) + 1)
  }

  messageHandled(eventType: string, seconds: number): void {
    this.#pendingIn.set(eventType, (this.#pendingIn.get(eventType) ?? 0) + 1)
    cached(this.#histByType, eventType, () => this.#handleSeconds.labels(eventType)).observe(seconds)
  }

  dropped(reason: DropReason): void {
    this.#dropped.labels(reason).inc()
  }

  restarted(actorId: string): void {
    this.#restarts.labels(actorId).inc()
  }

  faultApplied(kind: FaultKind): void {
    this.#faults.labels(kind).inc()
  }

  setActorsRunning(count: number): void {
    this.#actorsRunning.set(count)
  }

  readonly #gauges = new Map<string, Gauge>()
  readonly #histograms = new Map<string, Histogram>()
  readonly #counters = new Map<string, Counter>()

  gauge(name: string, help: string, labels: Readonly<Record<string, string>>, value: number): void {
    cached(this.#gauges, name, () => new Gauge({ name, help, labelNames: Object.keys(labels), registers: [this.registry] })).set(labels, value)
  }

  observe(name: string, help: string, labels: Readonly<Record<string, string>>, value: number, buckets: readonly number[]): void {
    cached(this.#histograms, name, () => new Histogram({ name, help, labelNames: Object.keys(labels), buckets: [...buckets], registers: [this.registry] })).observe(labels, value)
  }

  count(name: string, help: string, labels: Readonly<Record<string, string>>, by: number): void {
    cached(this.#counters, name, () => new Counter({ name, help, labelNames: Object.keys(labels), registers: [this.registry] })).inc(labels, by)
  }
}

function flushPending(pending: Map<string, number>, counter: Counter<'type'>): void {
  for (const [type, count] of pending) counter.inc({ type }, count)
  pending.clear()
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}
