/**
 * The hook resource-handlers.ts calls around Service writes: allocation before a create or an
 * update, release after a delete. Other kinds pass straight through.
 */
import type { ResourceSpec } from '../discovery/resources.ts'
import type { ResourcePath } from '../http/route.ts'
import type { StatusError } from '../meta/status.ts'
import type { ApiPorts, KubeObject } from '../ports.ts'
import { allocateService, releaseService, type ServiceAllocation } from './allocate.ts'

const isService = (r: ResourceSpec) => r.name === 'services' && r.group === ''
const done = async () => {}

/**
 * What to store for `next` (over `previous` on an update), with the reservations to settle after
 * the write. A status write cannot change the spec, so it allocates nothing.
 */
export function allocationFor(at: ResourcePath, ports: ApiPorts, next: KubeObject, previous?: KubeObject): Promise<{ ok: true; allocation: ServiceAllocation } | { ok: false; status: StatusError }> {
  if (!isService(at.resource) || at.subresource === 'status') return Promise.resolve({ ok: true, allocation: { object: next, rollback: done, commit: done } })
  return allocateService(ports, next, previous)
}

/** After `removed` left the store: its cluster IP and node ports are free again. */
export function releaseRemoved(r: ResourceSpec, ports: ApiPorts, removed: KubeObject): Promise<void> {
  return isService(r) ? releaseService(ports.objects, removed) : done()
}
