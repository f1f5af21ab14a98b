/**
 * Leader-write fencing: a deposed scheduler's or controller manager's write that lands after the
 * next leader's term began is refused (409), so at most one leader acts per lease term.
 *
 * A leader's engine puts its token {@link Fence} (the Lease it holds, its identity, its term:
 * the Lease's `leaseTransitions`) on every mutating request over NATS. The object store keeps a
 * term record per `kube-system` Lease at {@link fenceKey}, rewritten by every write of that Lease
 * in the same store transaction (a renewal rewrites the same value; a change of holder or term,
 * a release or a delete changes it), outside `/registry` so no list or watch sees it. A fenced
 * write adds one compare, the record still holding the token's holder and term, to the store
 * transaction it already is; the store's Raft log orders it against every term change.
 */
import type { KubeObject, ObjectsPort, WriteOptions } from './ports.ts'
import type { Compare, TxnOp } from '../store/mvcc/commands.ts'
import { compareBytes } from '../store/mvcc/compare.ts'
import type { KeyValue } from '../store/mvcc/types.ts'
import { storePrefix } from './meta/keys.ts'
import { conflict, type StatusError } from './meta/status.ts'

/** A leader's fencing token: the Lease (by name, in kube-system), its holder identity and term. */
export interface Fence {
  readonly lease: string
  readonly holder: string
  readonly term: number
}

export const FENCED_NAMESPACE = 'kube-system'
const LEASES = { group: 'coordination.k8s.io', resource: 'leases' } as const
const LEASE_PREFIX = storePrefix(LEASES, FENCED_NAMESPACE)
const encoder = new TextEncoder()

/** Where the term record of the kube-system Lease `lease` lives. */
export function fenceKey(lease: string): string {
  return `/fences/${FENCED_NAMESPACE}/${lease}`
}

/** The record's bytes: JSON with a fixed key order, so equal terms compare equal. */
function termRecord(holder: string, term: number): Uint8Array {
  return encoder.encode(JSON.stringify({ holder, term }))
}

/** The name of the kube-system Lease stored at `key`, or undefined for any other key. */
function fencedLeaseAt(key: string): string | undefined {
  if (!key.startsWith(LEASE_PREFIX)) return undefined
  const name = key.slice(LEASE_PREFIX.length)
  return name !== '' && !name.includes('/') ? name : undefined
}

/** The txn op that keeps the term record of the Lease `object` stored at `key` (none for other keys). */
export function termRecordPut(key: string, object: KubeObject): TxnOp | undefined {
  const lease = fencedLeaseAt(key)
  if (lease === undefined) return undefined
  const spec = (object.spec ?? {}) as { holderIdentity?: unknown; leaseTransitions?: unknown }
  const holder = typeof spec.holderIdentity === 'string' ? spec.holderIdentity : ''
  const term = typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0
  return { type: 'put', key: fenceKey(lease), value: termRecord(holder, term) }
}

/** The txn op that ends the term of the Lease deleted at `key` (none for other keys). */
export function termRecordDelete(key: string): TxnOp | undefined {
  const lease = fencedLeaseAt(key)
  return lease === undefined ? undefined : { type: 'deleteRange', key: fenceKey(lease) }
}

/** The compare a fenced write adds: the Lease's term record still names this holder and term. */
export function fenceCompare(fence: Fence): Compare {
  return { key: fenceKey(fence.lease), target: 'value', op: '=', value: termRecord(fence.holder, fence.term) }
}

/** The read a fenced write's failure branch adds, to tell a term that is over from a stale resourceVersion. */
export function fenceRead(fence: Fence): TxnOp {
  return { type: 'range', key: fenceKey(fence.lease) }
}

/** Whether the record read by {@link fenceRead} still holds the fence's term. */
export function fenceHolds(fence: Fence, kvs: readonly KeyValue[]): boolean {
  const stored = kvs[0]?.value
  return stored !== undefined && compareBytes(stored, termRecord(fence.holder, fence.term)) === 0
}

/** A fenced write found its term over: the handlers stop there, and the request is answered 409. */
export class FenceRefused extends Error {
  override readonly name = 'FenceRefused'
  readonly fence: Fence

  constructor(fence: Fence) {
    super(`the ${fence.lease} lease term ${fence.term} of ${fence.holder} is over`)
    this.fence = fence
  }
}

/** The Kubernetes Status a refused fence is answered with. */
export function fenceRefusedStatus(refused: FenceRefused): StatusError {
  return conflict(LEASES.resource, refused.fence.lease, LEASES.group, refused.message)
}

/** The fence of a request as it came over the wire, checked; a clear message when malformed. */
export function parseFence(value: unknown): { ok: true; fence: Fence } | { ok: false; message: string } {
  const f = value as { lease?: unknown; holder?: unknown; term?: unknown } | null
  const bad = (why: string) => ({ ok: false as const, message: `invalid fence: ${why}` })
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return bad('must be an object {lease, holder, term}')
  if (typeof f.lease !== 'string' || f.lease === '' || f.lease.includes('/')) return bad('lease must be the name of a Lease in kube-system')
  if (typeof f.holder !== 'string' || f.holder === '') return bad('holder must be a non-empty identity')
  if (typeof f.term !== 'number' || !Number.isSafeInteger(f.term) || f.term < 0) return bad('term must be a whole number >= 0')
  return { ok: true, fence: { lease: f.lease, holder: f.holder, term: f.term } }
}

/** `objects` with every write (and every confirm, a write with nothing to write) fenced by `fence`; reads pass through. */
export function fencedObjects(objects: ObjectsPort, fence: Fence): ObjectsPort {
  const fenced = (options: WriteOptions | undefined): WriteOptions => ({ ...options, fence })
  return {
    create: (key, object, options) => objects.create(key, object, fenced(options)),
    update: (key, object, resourceVersion, options) => objects.update(key, object, resourceVersion, fenced(options)),
    delete: (key, resourceVersion, options) => objects.delete(key, resourceVersion, fenced(options)),
    confirm: (key, resourceVersion, options) => objects.confirm(key, resourceVersion, fenced(options)),
    get: (key, options) => objects.get(key, options),
    list: (prefix, options) => objects.list(prefix, options),
    watch: (prefix, resourceVersion, onEvents, onError) => objects.watch(prefix, resourceVersion, onEvents, onError),
  }
}
