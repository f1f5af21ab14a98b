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
}

export const noMetrics: HostMetrics = {
  messageOut: () => {},
  messageHandled: () => {},
  dropped: () => {},
  restarted: () => {},
  faultApplied: () => {},
  setActorsRunning: () => {},
}

type Child<T> = { inc(value?: number): void } & T

export class PrometheusHostMetrics implements HostMetrics {
  readonly registry = new Registry()
  readonly #out: Counter<'type'>
  readonly #in: Counter<'type'>
  readonly #handleSeconds: Histogram<'type'>
  readonly #dropped: Counter<'reason'>
  readonly #restarts: Counter<'actor'>
  readonly #faults: Counter<'kind'>
  readonly #actorsRunning: Gauge
  readonly #outByType = new Map<string, Child<object>>()
  readonly #inByType = new Map<string, Child<object>>()
  readonly #histByType = new Map<string, { observe(value: number): void }>()

  constructor(defaultLabels: Record<string, string>) {
    this.registry.setDefaultLabels(defaultLabels)
    collectDefaultMetrics({ register: this.registry })
    const registers = [this.registry]
    this.#out = new Counter({ name: 'actorkube_messages_out_total', help: 'Messages published by actors, by event type', labelNames: ['type'], registers })
    this.#in = new Counter({ name: 'actorkube_messages_in_total', help: 'Messages delivered to actors, by event type', labelNames: ['type'], registers })
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
    cached(this.#outByType, eventType, () => this.#out.labels(eventType)).inc()
  }

  messageHandled(eventType: string, seconds: number): void {
    cached(this.#inByType, eventType, () => this.#in.labels(eventType)).inc()
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
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}
