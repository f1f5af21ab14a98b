/**
 * The RBAC objects an apiserver has seen, kept from a list and its watch events, and the policy
 * they make with the bootstrap (rbac.ts). The policy is rebuilt only after a change, so a request
 * costs a lookup, not a read of the store. Pure: the runtime feeds it (rbac-informer.ts).
 */
import type { KubeObject, ObjectEvent } from '../ports.ts'
import type { Policy } from './policy.ts'
import { policyWithObjects, type RbacObjects } from './rbac.ts'

/** The four RBAC resources, by the field of {@link RbacObjects} that holds each. */
export const RBAC_RESOURCES: Readonly<Record<keyof RbacObjects, string>> = {
  roles: 'roles',
  clusterRoles: 'clusterroles',
  roleBindings: 'rolebindings',
  clusterRoleBindings: 'clusterrolebindings',
}

export type RbacKind = keyof RbacObjects

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`

export class RbacIndex {
  readonly #bootstrap: Policy
  readonly #objects: Record<RbacKind, Map<string, KubeObject>> = { roles: new Map(), clusterRoles: new Map(), roleBindings: new Map(), clusterRoleBindings: new Map() }
  #policy: Policy | undefined

  constructor(bootstrap: Policy) {
    this.#bootstrap = bootstrap
  }

  /** A fresh list of one kind replaces what was kept of it. */
  reset(kind: RbacKind, items: readonly KubeObject[]): void {
    this.#objects[kind] = new Map(items.map((o) => [keyOf(o), o]))
    this.#policy = undefined
  }

  apply(kind: RbacKind, events: readonly ObjectEvent[]): void {
    const objects = this.#objects[kind]
    for (const e of events) {
      if (e.type === 'DELETED') objects.delete(keyOf(e.object))
      else objects.set(keyOf(e.object), e.object)
    }
    if (events.length > 0) this.#policy = undefined
  }

  /** The bootstrap joined with the kept objects (rebuilt after a change). */
  policy(): Policy {
    this.#policy ??= policyWithObjects(this.#bootstrap, {
      roles: [...this.#objects.roles.values()],
      clusterRoles: [...this.#objects.clusterRoles.values()],
      roleBindings: [...this.#objects.roleBindings.values()],
      clusterRoleBindings: [...this.#objects.clusterRoleBindings.values()],
    })
    return this.#policy
  }
}
