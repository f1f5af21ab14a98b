/**
 * Feeds an {@link RbacIndex} from the apiserver's own watch cache: per RBAC resource a list at
 * any resourceVersion, then a watch from it (both served by the cache, no store read per
 * request). A watch that ends (its cache's feed broke) is re-listed after a second; meanwhile the
 * last policy holds, as an informer's does.
 */
import { RbacIndex, RBAC_RESOURCES, type RbacKind } from '../../actors/apiserver/authz/rbac-index.ts'
import { RBAC_GROUP } from '../../actors/apiserver/authz/rbac.ts'
import type { Policy } from '../../actors/apiserver/authz/policy.ts'
import { storePrefix } from '../../actors/apiserver/meta/keys.ts'
import type { ObjectsPort } from '../../actors/apiserver/ports.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'

const RELIST_AFTER_MS = 1000

export class RbacInformer {
  readonly #index: RbacIndex
  readonly #objects: ObjectsPort
  readonly #clock: Clock
  readonly #log: Logger
  readonly #watches = new Map<RbacKind, { cancel(): Promise<void> }>()
  readonly #timers = new Set<TimerHandle>()
  #closed = false

  private constructor(objects: ObjectsPort, bootstrap: Policy, clock: Clock, log: Logger) {
    this.#index = new RbacIndex(bootstrap)
    this.#objects = objects
    this.#clock = clock
    this.#log = log
  }

  /** Resolves once every kind is listed and watched: from then on {@link policy} is current. */
  static async start(objects: ObjectsPort, bootstrap: Policy, deps: { readonly clock: Clock; readonly log: Logger }): Promise<RbacInformer> {
    const informer = new RbacInformer(objects, bootstrap, deps.clock, deps.log)
    await Promise.all((Object.keys(RBAC_RESOURCES) as RbacKind[]).map((kind) => informer.#follow(kind)))
    return informer
  }

  policy(): Policy {
    return this.#index.policy()
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const timer of this.#timers) this.#clock.clearTimeout(timer)
    await Promise.allSettled([...this.#watches.values()].map((w) => w.cancel()))
  }

  async #follow(kind: RbacKind): Promise<void> {
    const prefix = storePrefix({ group: RBAC_GROUP, resource: RBAC_RESOURCES[kind] })
    const listed = await this.#objects.list(prefix, { anyVersion: true })
    this.#index.reset(kind, listed.items)
    const watch = await this.#objects.watch(
      prefix,
      listed.resourceVersion,
      (events) => this.#index.apply(kind, events),
      (error) => this.#relistLater(kind, error),
    )
    if (this.#closed) return void watch.cancel()
    this.#watches.set(kind, watch)
  }

  #relistLater(kind: RbacKind, error: Error): void {
    if (this.#closed) return
    this.#log.warn({ kind, err: error.message }, 'RBAC watch ended; listing again')
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer)
      if (this.#closed) return
      this.#follow(kind).catch((e: unknown) => this.#relistLater(kind, e instanceof Error ? e : new Error(String(e))))
    }, RELIST_AFTER_MS)
    this.#timers.add(timer)
  }
}
