/**
 * Writes core/v1 Events for components, as client-go's EventRecorder: one Event per
 * (object, reason, message), and a repeat within a while bumps its `count` and `lastTimestamp`
 * instead of creating another. Recording never blocks or fails the caller: events are best
 * effort, as in Kubernetes.
 */
import type { KubeEvent } from '../../actors/kube/objects.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { rfc3339Seconds } from '../../actors/apiserver/meta/object-meta.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { Clock } from '../clock.ts'
import { tryAccept, type Bucket } from '../../actors/kit/token-bucket.ts'

export interface EventSource {
  readonly component: string
  readonly host?: string
}

/**
 * A token bucket for the Events one recorder writes (the kubelet's `--event-qps 50 --event-burst
 * 100`); past it Events are dropped, as client-go's spam filter drops them. Shared by the
 * recorders of all nodes of a host, so a hollow pool cannot flood the store with Events.
 */
export class EventRateLimit {
  readonly #qps: number
  readonly #burst: number
  readonly #clock: Clock
  #bucket: Bucket | undefined
  dropped = 0

  constructor(clock: Clock, qps: number, burst: number) {
    this.#clock = clock
    this.#qps = qps
    this.#burst = burst
  }

  take(): boolean {
    const taken = tryAccept(this.#bucket, this.#qps, this.#clock.now(), this.#burst)
    this.#bucket = taken.bucket
    if (!taken.ok) this.dropped++
    return taken.ok
  }
}

interface Recorded {
  readonly name: string
  readonly namespace: string
  count: number
  readonly firstTimestamp: string
}

const MAX_REMEMBERED = 4096

export class EventRecorder {
  readonly #api: ApiClient
  readonly #clock: Clock
  readonly #source: EventSource
  readonly #seen = new Map<string, Recorded>()
  #sequence = 0

  readonly #limit: EventRateLimit | undefined

  constructor(api: ApiClient, clock: Clock, source: EventSource, limit?: EventRateLimit) {
    this.#api = api
    this.#clock = clock
    this.#source = source
    this.#limit = limit
  }

  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.#limit && !this.#limit.take()) return
    const meta = object.metadata ?? {}
    const namespace = meta.namespace ?? 'default'
    const key = `${namespace}/${object.kind}/${meta.name}/${reason}/${message}`
    const now = rfc3339Seconds(this.#clock.now())
    const previous = this.#seen.get(key)
    if (previous !== undefined) {
      previous.count++
      void this.#api
        .patch(`/api/v1/namespaces/${namespace}/events/${previous.name}`, { count: previous.count, lastTimestamp: now }, 'application/merge-patch+json')
        .catch(() => this.#seen.delete(key))
      return
    }
    if (this.#seen.size >= MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value!)
    const name = `${meta.name}.${(this.#clock.now() * 1000 + (this.#sequence++ % 1000)).toString(16)}`
    this.#seen.set(key, { name, namespace, count: 1, firstTimestamp: now })
    const event: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { kind: String(object.kind ?? ''), namespace, name: meta.name ?? '', ...(meta.uid ? { uid: meta.uid } : {}), ...(object.apiVersion ? { apiVersion: object.apiVersion } : {}), ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}) },
      reason,
      message,
      type,
      source: { component: this.#source.component, ...(this.#source.host ? { host: this.#source.host } : {}) },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: this.#source.component,
      reportingInstance: this.#source.host ?? '',
    }
    void this.#api.create(`/api/v1/namespaces/${namespace}/events`, event as unknown as KubeObject).catch(() => this.#seen.delete(key))
  }
}
