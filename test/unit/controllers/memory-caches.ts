/** Map-backed caches for the controller manager's steps, applied to the way the runtime's informers apply watch events. */
import type { ChangeType, ControllerCaches, ObjectCache, ObservedChange } from '../../../actors/controllers/caches.ts'
import type { ObjectMeta } from '../../../actors/kube/objects.ts'

type Cached = { readonly metadata: ObjectMeta }

const keyOf = (o: Cached): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name))

export class MemoryCache<T extends Cached> implements ObjectCache<T> {
  readonly #objects = new Map<string, T>()
  synced = true

  get(key: string): T | undefined {
    return this.#objects.get(key)
  }

  list(): T[] {
    return [...this.#objects.values()]
  }

  inNamespace(namespace: string): T[] {
    return this.list().filter((o) => o.metadata.namespace === namespace)
  }

  /** Applies a watch event; returns the object it replaced. */
  apply(type: ChangeType, object: T): T | undefined {
    const previous = this.#objects.get(keyOf(object))
    if (type === 'DELETED') this.#objects.delete(keyOf(object))
    else this.#objects.set(keyOf(object), object)
    return previous
  }
}

export type MemoryCaches = { readonly [K in keyof ControllerCaches]: ControllerCaches[K] extends ObjectCache<infer T extends Cached> ? MemoryCache<T> : never }

export function memoryCaches(): MemoryCaches {
  return {
    pods: new MemoryCache(),
    replicaSets: new MemoryCache(),
    deployments: new MemoryCache(),
    daemonSets: new MemoryCache(),
    statefulSets: new MemoryCache(),
    persistentVolumeClaims: new MemoryCache(),
    persistentVolumes: new MemoryCache(),
    storageClasses: new MemoryCache(),
    resourceQuotas: new MemoryCache(),
    nodes: new MemoryCache(),
    leases: new MemoryCache(),
    services: new MemoryCache(),
    endpoints: new MemoryCache(),
    namespaces: new MemoryCache(),
    serviceAccounts: new MemoryCache(),
    jobs: new MemoryCache(),
    cronJobs: new MemoryCache(),
    podDisruptionBudgets: new MemoryCache(),
    clusterRoles: new MemoryCache(),
    controllerRevisions: new MemoryCache(),
    rootCaConfigMaps: new MemoryCache(),
  }
}

/** Applies `object`'s event to its cache and returns it as the informer would report it. */
export function apply<C extends keyof ControllerCaches>(caches: MemoryCaches, cache: C, type: ChangeType, object: Extract<ObservedChange, { cache: C }>['object']): ObservedChange {
  const previous = (caches[cache] as unknown as MemoryCache<Cached>).apply(type, object)
  return { cache, type, object, previous } as ObservedChange
}
