/**
 * An in-memory {@link ObjectsPort} with runtime/apiserver/object-store.ts's semantics, for the
 * handle-*.test.ts tests: one global revision counter (every write bumps it), per-key modRevision
 * and version (version restarts at 1 when a key is created again), resourceVersion = modRevision,
 * compare-and-swap create/update/delete, list at the current revision, and watches that replay the
 * history after a revision in order (ADDED for version 1, MODIFIED, DELETED carrying the last
 * stored object at the deletion's revision) and then deliver live events. Not a test file.
 */
import type { ApiRequest, ApiResponse } from '../../../actors/apiserver/http/api-request.ts'
import type { ApiPorts, KubeObject, ObjectEvent, ObjectsPort, WriteOutcome } from '../../../actors/apiserver/ports.ts'
import { watchLines } from '../../../runtime/apiserver/watch-lines.ts'

interface Entry {
  readonly value: string
  readonly modRevision: number
  readonly createRevision: number
  readonly version: number
}

interface Change {
  readonly revision: number
  readonly key: string
  readonly type: 'PUT' | 'DELETE'
  /** PUT: the new value; DELETE: the value before. */
  readonly value: string
  readonly version: number
  /** DELETE: the deleted entry's modRevision (unused in events; kept for inspection). */
  readonly prevModRevision?: number
  /** PUT over an existing key: the object before. */
  readonly previous?: KubeObject
}

interface Watcher {
  readonly prefix: string
  cursor: number
  readonly onEvents: (events: readonly ObjectEvent[]) => void
  readonly onError?: (error: Error) => void
  cancelled: boolean
  scheduled: boolean
}

/** The object as stored: without resourceVersion (the store's revision stands for it). */
function encode(object: KubeObject): string {
  const { resourceVersion: _, ...metadata } = object.metadata ?? {}
  return JSON.stringify({ ...object, metadata })
}

function decode(value: string, revision: number): KubeObject {
  const object = JSON.parse(value) as KubeObject
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } }
}

export class MemoryObjects implements ObjectsPort {
  #revision = 0
  #compacted = 0
  readonly #data = new Map<string, Entry>()
  readonly #history: Change[] = []
  readonly #watchers = new Set<Watcher>()
  /** Every call, for assertions ("the store was not written"). */
  readonly calls: string[] = []

  get revision(): number {
    return this.#revision
  }

  get watcherCount(): number {
    return this.#watchers.size
  }

  /** Forgets history up to and including `revision`: watches from before it fail (410). */
  compact(revision: number): void {
    this.#compacted = Math.max(this.#compacted, revision)
  }

  #put(key: string, object: KubeObject): KubeObject {
    const prev = this.#data.get(key)
    const revision = ++this.#revision
    const value = encode(object)
    const version = prev === undefined ? 1 : prev.version + 1
    this.#data.set(key, { value, modRevision: revision, createRevision: prev?.createRevision ?? revision, version })
    this.#record({ revision, key, type: 'PUT', value, version, ...(prev ? { previous: decode(prev.value, prev.modRevision) } : {}) })
    return decode(value, revision)
  }

  #record(change: Change): void {
    this.#history.push(change)
    for (const w of this.#watchers) this.#schedule(w)
  }

  #schedule(w: Watcher): void {
    if (w.scheduled || w.cancelled) return
    w.scheduled = true
    queueMicrotask(() => {
      w.scheduled = false
      this.#flush(w)
    })
  }

  #flush(w: Watcher): void {
    const batch: ObjectEvent[] = []
    for (const change of this.#history) {
      if (change.revision <= w.cursor) continue
      w.cursor = change.revision
      if (!change.key.startsWith(w.prefix)) continue
      if (change.type === 'DELETE') batch.push({ type: 'DELETED', object: decode(change.value, change.revision) })
      else if (change.version === 1 || change.previous === undefined) batch.push({ type: 'ADDED', object: decode(change.value, change.revision) })
      else batch.push({ type: 'MODIFIED', object: decode(change.value, change.revision), previous: change.previous })
    }
    if (batch.length > 0 && !w.cancelled) w.onEvents(batch)
  }

  async create(key: string, object: KubeObject): Promise<WriteOutcome> {
    this.calls.push(`create ${key}`)
    if (this.#data.has(key)) return { ok: false, reason: 'AlreadyExists' }
    return { ok: true, object: this.#put(key, object) }
  }

  /**
   * What an `anyVersion` get returns instead of the current object, as a lagging apiserver cache
   * would: a stale copy, or null when the cache does not have the key yet.
   */
  readonly cached = new Map<string, KubeObject | null>()

  async get(key: string, options: { readonly anyVersion?: boolean } = {}): Promise<KubeObject | undefined> {
    this.calls.push(`get ${key}${options.anyVersion ? ' (any version)' : ''}`)
    const stale = options.anyVersion ? this.cached.get(key) : undefined
    if (stale !== undefined) return stale ?? undefined
    const e = this.#data.get(key)
    return e && decode(e.value, e.modRevision)
  }

  async list(prefix: string, options: { readonly anyVersion?: boolean } = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    this.calls.push(`list ${prefix}${options.anyVersion ? ' (any version)' : ''}`)
    const keys = [...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort()
    return { items: keys.map((k) => decode(this.#data.get(k)!.value, this.#data.get(k)!.modRevision)), resourceVersion: String(this.#revision) }
  }

  #guard(key: string, resourceVersion: string | undefined): WriteOutcome | undefined {
    const e = this.#data.get(key)
    if (resourceVersion === undefined) return e === undefined ? { ok: false, reason: 'NotFound' } : undefined
    if (e === undefined) return { ok: false, reason: 'NotFound' }
    return e.modRevision === Number(resourceVersion) ? undefined : { ok: false, reason: 'Conflict' }
  }

  async update(key: string, object: KubeObject, resourceVersion?: string): Promise<WriteOutcome> {
    this.calls.push(`update ${key}${resourceVersion === undefined ? '' : ` @${resourceVersion}`}`)
    const refused = this.#guard(key, resourceVersion)
    if (refused) return refused
    return { ok: true, object: this.#put(key, object) }
  }

  async delete(key: string, resourceVersion?: string): Promise<WriteOutcome> {
    this.calls.push(`delete ${key}${resourceVersion === undefined ? '' : ` @${resourceVersion}`}`)
    const refused = this.#guard(key, resourceVersion)
    if (refused) return refused
    const prev = this.#data.get(key)!
    this.#data.delete(key)
    const revision = ++this.#revision
    this.#record({ revision, key, type: 'DELETE', value: prev.value, version: 0, prevModRevision: prev.modRevision })
    return { ok: true, object: decode(prev.value, prev.modRevision) }
  }

  async confirm(key: string, resourceVersion?: string): Promise<WriteOutcome> {
    this.calls.push(`confirm ${key}${resourceVersion === undefined ? '' : ` @${resourceVersion}`}`)
    const refused = this.#guard(key, resourceVersion)
    if (refused) return refused
    const e = this.#data.get(key)!
    return { ok: true, object: decode(e.value, e.modRevision) }
  }

  async watch(prefix: string, resourceVersion: string, onEvents: (events: readonly ObjectEvent[]) => void, onError?: (error: Error) => void): Promise<{ cancel(): Promise<void> }> {
    this.calls.push(`watch ${prefix} ${resourceVersion}`)
    const from = Number(resourceVersion)
    if (!Number.isSafeInteger(from) || from < 0) throw new Error(`invalid resourceVersion ${resourceVersion}`)
    const w: Watcher = { prefix, cursor: from, onEvents, ...(onError ? { onError } : {}), cancelled: false, scheduled: false }
    if (from + 1 <= this.#compacted) {
      queueMicrotask(() => onError?.(new Error(`too old resource version: ${from} (${this.#compacted + 1})`)))
      return { cancel: async () => {} }
    }
    this.#watchers.add(w)
    this.#schedule(w)
    return {
      cancel: async () => {
        w.cancelled = true
        this.#watchers.delete(w)
      },
    }
  }
}

// ---------------------------------------------------------------- request helpers for the tests

export const NOW = Date.parse('2024-05-01T12:00:00Z')
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io'

export interface TestPorts extends ApiPorts {
  readonly objects: MemoryObjects
}

/** Fixed time, counting uids (`uid-1`, `uid-2`, ...) and a constant random. */
export function makePorts(objects = new MemoryObjects()): TestPorts {
  let n = 0
  return {
    objects,
    now: () => NOW,
    random: () => 0.5,
    uid: () => `uid-${++n}`,
    serverAddress: '10.0.0.1:6443',
  }
}

export interface RequestInit {
  readonly query?: Record<string, string>
  readonly accept?: string
  readonly contentType?: string
  readonly body?: unknown
}

const encoder = new TextEncoder()

export function request(method: string, pathAndQuery: string, init: RequestInit = {}): ApiRequest {
  const [path, qs] = pathAndQuery.split('?', 2) as [string, string | undefined]
  const query: Record<string, string> = {}
  if (qs !== undefined) for (const [k, v] of new URLSearchParams(qs)) query[k] = v
  Object.assign(query, init.query ?? {})
  const body = init.body === undefined ? undefined : init.body instanceof Uint8Array ? init.body : encoder.encode(typeof init.body === 'string' ? init.body : JSON.stringify(init.body))
  return {
    method,
    path,
    query,
    accept: init.accept ?? 'application/json',
    contentType: init.contentType ?? 'application/json',
    body,
    user: { name: 'admin', groups: ['system:masters'] },
  }
}

/** The status and the JSON body of a non-stream response (raw bodies are parsed). */
export function bodyOf(response: ApiResponse): { status: number; body: any } {
  if (response.kind === 'json') return { status: response.status, body: JSON.parse(JSON.stringify(response.body)) }
  if (response.kind === 'raw') return { status: response.status, body: JSON.parse(response.body) }
  throw new Error(`expected a json response, got a stream`)
}

/** Opens a stream response and collects its lines (parsed) until `stop()`. */
export function openStream(response: ApiResponse): { events: any[]; raw: string[]; ended: () => boolean; stop: () => void } {
  if (response.kind !== 'stream') throw new Error(`expected a stream response, got ${response.kind} ${response.status}: ${JSON.stringify((response as { body?: unknown }).body)}`)
  const raw: string[] = []
  const events: any[] = []
  let ended = false
  const stop = response.open(
    (batch) => {
      for (const line of watchLines(batch).split('\n').slice(0, -1)) {
        raw.push(line)
        events.push(JSON.parse(line))
      }
    },
    () => {
      ended = true
    },
  )
  return { events, raw, ended: () => ended, stop }
}

// ---------------------------------------------------------------- fixtures

export const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })

export const pod = (name: string, extra: { labels?: Record<string, string>; image?: string; nodeName?: string } = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
  spec: { containers: [{ name: 'app', image: extra.image ?? 'nginx:1.27' }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
})

export const deployment = (name: string, replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
  },
})

export const PODS = '/api/v1/namespaces/default/pods'

/** Ports with namespace `default` (and any others named) created through handle(). */
export async function cluster(handle: (r: ApiRequest, p: ApiPorts) => Promise<ApiResponse>, ...namespaces: string[]): Promise<TestPorts> {
  const ports = makePorts()
  for (const ns of ['default', ...namespaces]) {
    const r = bodyOf(await handle(request('POST', '/api/v1/namespaces', { body: namespace(ns) }), ports))
    if (r.status !== 201) throw new Error(`namespace ${ns}: ${r.status} ${JSON.stringify(r.body)}`)
  }
  return ports
}
