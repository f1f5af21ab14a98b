/**
 * A local, always-current copy of one kind of object, as client-go's informers keep: list, then
 * watch from the list's resourceVersion over NATS, calling `onChange` for every change. When the
 * watch ends (410: the version is gone) it lists again and reports what changed meanwhile.
 */
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { ApiWatch } from '../apiserver/api-watch.ts'
import type { Logger } from '../log.ts'

export type Change = 'ADDED' | 'MODIFIED' | 'DELETED'

/** Any object with Kubernetes metadata. */
export interface Named {
  readonly metadata?: { readonly name?: string; readonly namespace?: string }
}

export const keyOf = (o: Named): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata?.name))

/** Only the objects these select (a kubelet: `spec.nodeName=<node>`). */
export interface InformerSelectors {
  readonly labelSelector?: string
  readonly fieldSelector?: string
}

export class Informer<T extends Named = KubeObject> {
  readonly #api: ApiClient
  readonly #path: string
  readonly #onChange: (type: Change, object: T, previous: T | undefined) => void
  readonly #log: Logger
  readonly #objects = new Map<string, T>()
  /** The same objects by namespace: controllers read one namespace per reconcile, on every pod event. */
  readonly #byNamespace = new Map<string, Map<string, T>>()
  readonly #selectors: InformerSelectors
  #watch: ApiWatch | undefined
  #stopped = false
  synced = false

  constructor(api: ApiClient, path: string, onChange: (type: Change, object: T, previous: T | undefined) => void, log: Logger, selectors: InformerSelectors = {}) {
    this.#api = api
    this.#path = path
    this.#onChange = onChange
    this.#log = log
    this.#selectors = selectors
  }

  /**
   * Starts watching with the current objects first (WatchList: no separate list call, which for
   * ten thousand pods would not fit in one message); resolves once they are all in (synced).
   * Restarted after a 410, objects that vanished meanwhile are reported DELETED.
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const seen = new Set<string>()
      let initial = true
      this.#api
        .watch(
          this.#path,
          this.#selectors,
          {
            onEvents: (events) => {
              for (const e of events) {
                const object = e.object as unknown as T
                if (initial) seen.add(keyOf(object))
                this.#apply(initial && e.type === 'ADDED' && this.#objects.has(keyOf(object)) ? 'MODIFIED' : e.type, object)
              }
            },
            onSynced: () => {
              if (!initial) return
              initial = false
              for (const [key, gone] of [...this.#objects]) if (!seen.has(key)) this.#apply('DELETED', gone)
              this.synced = true
              resolve()
            },
            onError: (error) => {
              if (this.#stopped) return
              this.#log.warn({ path: this.#path, err: error.message }, 'informer watch ended; starting over')
              this.start().then(resolve, reject)
            },
          },
        )
        .then((watch) => {
          this.#watch = watch
          if (this.#stopped) void watch.cancel()
        }, reject)
    })
  }

  get(key: string): T | undefined {
    return this.#objects.get(key)
  }

  list(): T[] {
    return [...this.#objects.values()]
  }

  inNamespace(namespace: string): T[] {
    return [...(this.#byNamespace.get(namespace)?.values() ?? [])]
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#watch?.cancel()
  }

  #apply(type: Change, object: T): void {
    const key = keyOf(object)
    const previous = this.#objects.get(key)
    const namespace = object.metadata?.namespace
    let inNamespace = namespace === undefined ? undefined : this.#byNamespace.get(namespace)
    if (type === 'DELETED') {
      this.#objects.delete(key)
      inNamespace?.delete(key)
    } else {
      this.#objects.set(key, object)
      if (namespace !== undefined && inNamespace === undefined) this.#byNamespace.set(namespace, (inNamespace = new Map()))
      inNamespace?.set(key, object)
    }
    this.#onChange(type, object, previous)
  }
}
