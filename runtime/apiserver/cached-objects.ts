/**
 * The objects port of an apiserver with a watch cache per resource: writes and current reads go
 * to the store (ObjectStore); watches, and lists at any resourceVersion, are served from a
 * {@link WatchCache} that one store watch per resource keeps up to date. A thousand watchers of
 * pods are then one store watch, not a thousand.
 *
 * A resource's cache starts on its first watch (a list, then a store watch from the list's
 * revision) and lives as long as the apiserver. A watch from before a cache's window falls back
 * to its own store watch, which answers from the store's longer history (or fails: 410 Gone).
 * When a cache's store watch ends for good, its watchers get the error (clients relist, as with
 * Kubernetes' 410) and the next watch starts a fresh cache.
 */
import { resourcePrefixOf } from '../../actors/apiserver/meta/keys.ts'
import type { KubeObject, ObjectEvent, ObjectsPort, WriteOptions, WriteOutcome } from '../../actors/apiserver/ports.ts'
import { WatchCache, type StoreChange } from '../../actors/apiserver/watch-cache.ts'
import type { Logger } from '../log.ts'
import type { StoreClient } from '../store/store-client.ts'
import { ObjectStore } from './object-store.ts'
import type { StorageTransformer } from '../../actors/apiserver/encryption/storage-transformer.ts'

/** Changes kept per resource for watches that start at a recent resourceVersion. */
export const DEFAULT_WATCH_CACHE_CAPACITY = 10_000

export interface CachedObjectsOptions {
  readonly capacity?: number
  readonly log?: Logger
  /** Encryption at rest (secret-encryption.ts); plain without. */
  readonly transformer?: StorageTransformer
}

export class CachedObjects implements ObjectsPort {
  readonly #store: StoreClient
  readonly #objects: ObjectStore
  readonly #capacity: number
  readonly #log: Logger | undefined
  readonly #caches = new Map<string, Promise<WatchCache>>()
  readonly #feeds = new Set<{ cancel(): Promise<void> }>()
  #closed = false
  /** The same objects, writes as store priority proposals (flow control's leader-election and node-heartbeat levels). */
  readonly prioritized: ObjectsPort

  constructor(store: StoreClient, options: CachedObjectsOptions = {}) {
    this.#store = store
    const transformer = options.transformer === undefined ? {} : { transformer: options.transformer }
    this.#objects = new ObjectStore(store, transformer)
    this.#capacity = options.capacity ?? DEFAULT_WATCH_CACHE_CAPACITY
    this.#log = options.log
    this.prioritized = prioritizedWrites(this, new ObjectStore(store, { priority: true, ...transformer }))
  }

  create(key: string, object: KubeObject, options?: WriteOptions): Promise<WriteOutcome> {
    return this.#objects.create(key, object, options)
  }

  /** `anyVersion`: from the watch cache (started for the resource if need be), or the store if the cache cannot start. */
  async get(key: string, options: { readonly anyVersion?: boolean } = {}): Promise<KubeObject | undefined> {
    if (!options.anyVersion) return this.#objects.get(key)
    let cache: WatchCache
    try {
      cache = await this.#cacheFor(key)
    } catch {
      return this.#objects.get(key)
    }
    return cache.get(key)
  }

  update(key: string, object: KubeObject, resourceVersion?: string, options?: WriteOptions): Promise<WriteOutcome> {
    return this.#objects.update(key, object, resourceVersion, options)
  }

  delete(key: string, resourceVersion?: string, options?: WriteOptions): Promise<WriteOutcome> {
    return this.#objects.delete(key, resourceVersion, options)
  }

  confirm(key: string, resourceVersion?: string, options?: WriteOptions): Promise<WriteOutcome> {
    return this.#objects.confirm(key, resourceVersion, options)
  }

  async list(prefix: string, options: { readonly anyVersion?: boolean } = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    if (!options.anyVersion) return this.#objects.list(prefix)
    const listed = (await this.#cacheFor(prefix)).list(prefix)
    return { items: listed.items, resourceVersion: String(listed.revision) }
  }

  async watch(prefix: string, resourceVersion: string, onEvents: (events: readonly ObjectEvent[]) => void, onError?: (error: Error) => void): Promise<{ cancel(): Promise<void> }> {
    const after = Number(resourceVersion)
    const cache = await this.#cacheFor(prefix)
    const cached = cache.watch(prefix, after, onEvents, (error) => onError?.(error))
    if (cached.ok) return { cancel: async () => cached.cancel() }
    this.#log?.debug({ prefix, resourceVersion, oldest: cached.oldest }, 'watch from before the watch cache: served by the store')
    return this.#objects.watch(prefix, resourceVersion, onEvents, onError)
  }

  /** Watchers and objects per cached resource (for metrics and tests). */
  async stats(): Promise<{ prefix: string; watchers: number; objects: number; revision: number }[]> {
    const caches = await Promise.allSettled([...this.#caches.values()])
    return caches.flatMap((c) => (c.status === 'fulfilled' ? [{ prefix: c.value.prefix, watchers: c.value.watcherCount, objects: c.value.objectCount, revision: c.value.revision }] : []))
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#feeds].map((f) => f.cancel()))
  }

  #cacheFor(prefix: string): Promise<WatchCache> {
    const resource = resourcePrefixOf(prefix)
    let cache = this.#caches.get(resource)
    if (cache === undefined) {
      cache = this.#start(resource)
      this.#caches.set(resource, cache)
      // A cache that could not start is not kept: the next caller tries again.
      cache.catch(() => this.#caches.delete(resource))
    }
    return cache
  }

  async #start(resource: string): Promise<WatchCache> {
    if (this.#closed) throw new Error('the apiserver is stopping')
    const listed = await this.#objects.rangeAll(resource)
    const cache = new WatchCache(
      resource,
      listed.kvs.map((kv) => ({ key: kv.key, object: this.#objects.decodeKv(kv) })),
      listed.revision,
      this.#capacity,
    )
    const feed = await this.#store.watch(
      { key: resource, prefix: true, fromRevision: listed.revision + 1 },
      (events) => {
        const changes: StoreChange[] = events.map((e) =>
          e.type === 'DELETE' ? { key: e.kv.key, revision: e.revision, object: undefined } : { key: e.kv.key, revision: e.kv.modRevision, object: this.#objects.decodeKv(e.kv) },
        )
        cache.apply(changes)
      },
      {
        onError: (error) => {
          this.#log?.warn({ resource, err: error.message }, 'watch cache feed ended; its watchers must relist')
          this.#caches.delete(resource)
          this.#feeds.delete(feed)
          cache.fail(error)
        },
      },
    )
    this.#feeds.add(feed)
    return cache
  }
}

/** `objects` with its writes (create, update, delete, confirm) going to `writes` instead. */
function prioritizedWrites(objects: ObjectsPort, writes: ObjectStore): ObjectsPort {
  return {
    create: (key, object, options) => writes.create(key, object, options),
    update: (key, object, resourceVersion, options) => writes.update(key, object, resourceVersion, options),
    delete: (key, resourceVersion, options) => writes.delete(key, resourceVersion, options),
    confirm: (key, resourceVersion, options) => writes.confirm(key, resourceVersion, options),
    get: (key, options) => objects.get(key, options),
    list: (prefix, options) => objects.list(prefix, options),
    watch: (prefix, resourceVersion, onEvents, onError) => objects.watch(prefix, resourceVersion, onEvents, onError),
  }
}
