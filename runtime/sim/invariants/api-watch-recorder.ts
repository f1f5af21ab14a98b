/**
 * Records one API collection as a client sees it: a list (the state at its resourceVersion), then
 * a watch from that version, every event kept with the virtual instant it arrived. The record is
 * what the watch, binding and leader checks read; the recorder itself judges nothing.
 */
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import type { ApiClient } from '../../apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../../apiserver/api-watch.ts'
import type { Clock } from '../../clock.ts'

export interface ObservedEvent {
  readonly type: WatchEvent['type']
  readonly object: KubeObject
  /** Virtual ms the event reached the probe. */
  readonly at: number
}

export interface CollectionRecord {
  /** The collection's path, e.g. /api/v1/pods. */
  readonly path: string
  /** The list the watch started from: its objects by key and its resourceVersion. */
  readonly listed: ReadonlyMap<string, KubeObject>
  readonly listRevision: number
  readonly events: readonly ObservedEvent[]
  /** Why the watch ended for good, if it did. */
  readonly ended?: string
}

/** namespace/name (cluster-scoped: /name): one object's identity in a collection. */
export function objectKey(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`
}

export function revisionOf(object: KubeObject): number {
  return Number(object.metadata?.resourceVersion ?? NaN)
}

/** Lists `path` into a map by key, with the list's resourceVersion. */
export async function listCollection(api: ApiClient, path: string): Promise<{ objects: Map<string, KubeObject>; revision: number }> {
  const list = await api.list(path)
  const objects = new Map(list.items.map((item) => [objectKey(item), item]))
  return { objects, revision: Number(list.metadata?.resourceVersion ?? NaN) }
}

export class ApiWatchRecorder {
  readonly path: string
  readonly #api: ApiClient
  readonly #clock: Clock
  readonly #events: ObservedEvent[] = []
  #listed = new Map<string, KubeObject>()
  #listRevision = NaN
  #ended: string | undefined
  #watch: ApiWatch | undefined

  constructor(api: ApiClient, path: string, clock: Clock) {
    this.#api = api
    this.path = path
    this.#clock = clock
  }

  async start(): Promise<void> {
    const { objects, revision } = await listCollection(this.#api, this.path)
    this.#listed = objects
    this.#listRevision = revision
    this.#watch = await this.#api.watch(this.path, { resourceVersion: String(revision) }, {
      onEvents: (events) => {
        const at = this.#clock.now()
        for (const e of events) this.#events.push({ type: e.type, object: e.object, at })
      },
      onError: (error) => (this.#ended = `${error.status}: ${error.message}`),
    })
  }

  /** The last resourceVersion the watch delivered (or started after). */
  get lastRevision(): number {
    return Number(this.#watch?.resourceVersion ?? this.#listRevision)
  }

  record(): CollectionRecord {
    return { path: this.path, listed: this.#listed, listRevision: this.#listRevision, events: [...this.#events], ...(this.#ended !== undefined ? { ended: this.#ended } : {}) }
  }

  async stop(): Promise<void> {
    await this.#watch?.cancel()
    this.#watch = undefined
  }
}
