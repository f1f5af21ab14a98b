/**
 * Reserves a Service's cluster IP and node ports in the store before the Service is written.
 * Every apiserver allocates on its own, so uniqueness rests on one marker key per address or
 * port (`/registry/actorkube.io/serviceips/<ip>`, `.../servicenodeports/<port>`) created with the
 * store's create-if-absent: of two apiservers wanting the same one, one gets AlreadyExists and
 * tries another.
 *
 * Leaks: an apiserver that dies between reserving and writing the Service, or a release that
 * fails, leaves a marker no Service holds. Rather than a repair loop (Kubernetes' repair
 * controllers), a marker older than {@link STALE_MARKER_MS} whose owner no longer holds its value
 * is taken over by the next request that wants it; a fresh one may belong to a write in flight.
 */
import { clusterIPOf, nodePortsOf, planServiceAllocation, withAllocations, type IPWant, type PortWant } from './allocation-plan.ts'
import { ALLOCATABLE_IPS, allocatableIP, NODE_PORTS, nodePortAt } from './ranges.ts'
import { FieldPath, invalid as invalidField, type FieldError } from '../field-errors.ts'
import { storeKey } from '../meta/keys.ts'
import { rfc3339Seconds } from '../meta/object-meta.ts'
import { internal, invalid, type StatusError } from '../meta/status.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'

export const IP_MARKERS = '/registry/actorkube.io/serviceips/'
export const NODE_PORT_MARKERS = '/registry/actorkube.io/servicenodeports/'
export const STALE_MARKER_MS = 60_000
/** Candidates probed from a random start before looking at the whole range's markers. */
const ATTEMPTS = 16

export interface AllocationDeps {
  readonly objects: ObjectsPort
  now(): number
  random(): number
}

export interface ServiceAllocation {
  /** The Service with its cluster IP and node ports filled in. */
  readonly object: KubeObject
  /** The write did not happen: frees what this request reserved. */
  rollback(): Promise<void>
  /** The write happened: frees what it gave up. Best effort (see the leaks note above). */
  commit(): Promise<void>
}

type Marker = { readonly key: string; readonly value: string; readonly resourceVersion: string }
interface Owner {
  readonly namespace: string
  readonly name: string
  readonly uid: string
}

const ipKey = (ip: string) => `${IP_MARKERS}${ip}`
const portKey = (port: number) => `${NODE_PORT_MARKERS}${port}`
const ownerOf = (o: KubeObject): Owner => ({ namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '', uid: o.metadata?.uid ?? '' })
const ipTaken = (ip: string): FieldError => invalidField(FieldPath.root('spec').child('clusterIP'), ip, 'provided IP is already allocated')
const portTaken = (port: number, i: number): FieldError => invalidField(FieldPath.root('spec').child('ports').index(i).child('nodePort'), port, 'provided port is already allocated')
const markerOwner = (m: KubeObject | undefined): Owner | undefined => (m?.owner as Owner | undefined)

class Reserver {
  readonly reserved: Marker[] = []
  readonly #deps: AllocationDeps
  readonly #owner: Owner

  constructor(deps: AllocationDeps, owner: Owner) {
    this.#deps = deps
    this.#owner = owner
  }

  /** True once `key` is this Service's: created now, already its own, or taken over as stale. */
  async reserve(key: string, value: string, retries = 2): Promise<boolean> {
    const marker: KubeObject = { apiVersion: 'actorkube.io/v1', kind: 'ServiceAllocation', metadata: { name: value, creationTimestamp: rfc3339Seconds(this.#deps.now()) }, owner: this.#owner }
    const created = await this.#deps.objects.create(key, marker)
    if (created.ok) return this.#took(key, value, created.object)
    const existing = await this.#deps.objects.get(key)
    // Released between the create and the read: try again (a bounded number of times).
    if (existing === undefined) return retries > 0 ? this.reserve(key, value, retries - 1) : false
    if (markerOwner(existing)?.uid === this.#owner.uid) return true
    if (!(await this.#stale(existing, key, value))) return false
    const taken = await this.#deps.objects.update(key, marker, existing.metadata?.resourceVersion)
    return taken.ok ? this.#took(key, value, taken.object) : false
  }

  #took(key: string, value: string, stored: KubeObject): true {
    this.reserved.push({ key, value, resourceVersion: stored.metadata?.resourceVersion ?? '' })
    return true
  }

  async #stale(marker: KubeObject, key: string, value: string): Promise<boolean> {
    const since = Date.parse(marker.metadata?.creationTimestamp ?? '')
    if (!(this.#deps.now() - since > STALE_MARKER_MS)) return false
    const owner = markerOwner(marker)
    if (owner === undefined) return true
    const service = await this.#deps.objects.get(storeKey({ resource: 'services' }, owner.namespace, owner.name))
    if (service === undefined || service.metadata?.uid !== owner.uid) return true
    return key.startsWith(IP_MARKERS) ? clusterIPOf(service) !== value : !nodePortsOf(service).includes(Number(value))
  }

  async rollback(): Promise<void> {
    await Promise.all(this.reserved.map((m) => this.#deps.objects.delete(m.key, m.resourceVersion).catch(() => undefined)))
  }
}

/**
 * Probes consecutive candidates from a random start (a constant `random` in tests still walks the
 * range); after {@link ATTEMPTS} misses, reads the markers under `prefix` and tries the free ones,
 * so a range counts as full only when it is.
 */
async function reserveAny<T>(size: number, at: (i: number) => T, prefix: string, tryOne: (v: T) => Promise<boolean>, deps: AllocationDeps): Promise<T | undefined> {
  const start = Math.floor(deps.random() * size)
  for (let k = 0; k < ATTEMPTS; k++) {
    const candidate = at(start + k)
    if (await tryOne(candidate)) return candidate
  }
  const taken = new Set((await deps.objects.list(prefix)).items.map((m) => m.metadata?.name))
  for (let k = ATTEMPTS, tried = 0; k < size + ATTEMPTS && tried < ATTEMPTS; k++) {
    const candidate = at(start + k)
    if (taken.has(String(candidate))) continue
    tried++
    if (await tryOne(candidate)) return candidate
  }
  return undefined
}

async function resolveIP(want: IPWant, r: Reserver, deps: AllocationDeps): Promise<{ ip: string | undefined } | { error: StatusError | 'taken' }> {
  switch (want.kind) {
    case 'none':
      return { ip: undefined }
    case 'headless':
      return { ip: 'None' }
    case 'keep':
      return { ip: want.ip }
    case 'request':
      return (await r.reserve(ipKey(want.ip), want.ip)) ? { ip: want.ip } : { error: 'taken' }
    case 'allocate': {
      const ip = await reserveAny(ALLOCATABLE_IPS, allocatableIP, IP_MARKERS, (v) => r.reserve(ipKey(v), v), deps)
      return ip === undefined ? { error: internal('failed to allocate a serviceIP: range is full') } : { ip }
    }
  }
}

async function resolvePort(want: PortWant, r: Reserver, deps: AllocationDeps): Promise<{ port: number | undefined } | { error: StatusError | 'taken' }> {
  switch (want.kind) {
    case 'none':
      return { port: undefined }
    case 'keep':
      return { port: want.port }
    case 'request':
      return (await r.reserve(portKey(want.port), String(want.port))) ? { port: want.port } : { error: 'taken' }
    case 'allocate': {
      const port = await reserveAny(NODE_PORTS, nodePortAt, NODE_PORT_MARKERS, (v) => r.reserve(portKey(v), String(v)), deps)
      return port === undefined ? { error: internal('failed to allocate a nodePort: range is full') } : { port }
    }
  }
}

/**
 * Plans and reserves the allocations of `next` (a Service being created, or updated over
 * `previous`). On a failure nothing stays reserved.
 */
export async function allocateService(deps: AllocationDeps, next: KubeObject, previous: KubeObject | undefined): Promise<{ ok: true; allocation: ServiceAllocation } | { ok: false; status: StatusError }> {
  const name = next.metadata?.name ?? ''
  const planned = planServiceAllocation(next, previous)
  if (!planned.ok) return { ok: false, status: invalid('Service', name, planned.errors) }
  const { plan } = planned
  const r = new Reserver(deps, ownerOf(next))
  const fail = async (status: StatusError) => {
    await r.rollback()
    return { ok: false as const, status }
  }
  const ip = await resolveIP(plan.clusterIP, r, deps)
  if ('error' in ip) return fail(ip.error === 'taken' ? invalid('Service', name, [ipTaken(plan.clusterIP.kind === 'request' ? plan.clusterIP.ip : '')]) : ip.error)
  const ports: (number | undefined)[] = []
  for (const [i, want] of plan.nodePorts.entries()) {
    const port = await resolvePort(want, r, deps)
    if ('error' in port) return fail(port.error === 'taken' ? invalid('Service', name, [portTaken(want.kind === 'request' ? want.port : 0, i)]) : port.error)
    ports.push(port.port)
  }
  return {
    ok: true,
    allocation: {
      object: withAllocations(next, ip.ip, ports),
      rollback: () => r.rollback(),
      commit: () => release(deps.objects, ownerOf(next), plan.releaseIPs, plan.releasePorts),
    },
  }
}

/** Frees markers still owned by `owner` (a marker taken over by another Service is left alone). */
async function release(objects: ObjectsPort, owner: Owner, ips: readonly string[], ports: readonly number[]): Promise<void> {
  const keys = [...ips.map(ipKey), ...ports.map(portKey)]
  await Promise.all(
    keys.map(async (key) => {
      const marker = await objects.get(key).catch(() => undefined)
      if (marker === undefined || markerOwner(marker)?.uid !== owner.uid) return
      await objects.delete(key, marker.metadata?.resourceVersion).catch(() => undefined)
    }),
  )
}

/** A deleted Service's cluster IP and node ports go back to their ranges. */
export function releaseService(objects: ObjectsPort, service: KubeObject): Promise<void> {
  const ip = clusterIPOf(service)
  return release(objects, ownerOf(service), ip !== undefined && ip !== 'None' ? [ip] : [], nodePortsOf(service))
}
