/**
 * Leases: a TTL and the keys attached to it. Expiry is a deadline in the leader's clock, set from
 * the `now` carried by grant and keepalive commands; replicas never consult a clock of their own.
 */

export interface Lease {
  readonly id: number
  readonly ttlMs: number
  expiresAt: number
  /** Keys currently attached. */
  readonly keys: Set<string>
}

export class LeaseTable {
  private readonly leases = new Map<number, Lease>()
  /** Next id to hand out when a grant names none; only grows, so ids are never reused. */
  nextId = 1

  get(id: number): Lease | undefined {
    return this.leases.get(id)
  }

  grant(id: number, ttlMs: number, now: number): Lease {
    const lease: Lease = { id, ttlMs, expiresAt: now + ttlMs, keys: new Set() }
    this.leases.set(id, lease)
    if (id >= this.nextId) this.nextId = id + 1
    return lease
  }

  /** A free id for a grant that names none. */
  allocateId(): number {
    while (this.leases.has(this.nextId)) this.nextId++
    return this.nextId
  }

  remove(id: number): void {
    this.leases.delete(id)
  }

  attach(id: number, key: string): void {
    this.leases.get(id)?.keys.add(key)
  }

  detach(id: number, key: string): void {
    this.leases.get(id)?.keys.delete(key)
  }

  /** Ids of leases whose deadline is at or before `now`, ascending (a deterministic order). */
  expired(now: number): number[] {
    const ids: number[] = []
    for (const lease of this.leases.values()) if (lease.expiresAt <= now) ids.push(lease.id)
    return ids.sort((a, b) => a - b)
  }

  /** All leases, ascending by id. */
  list(): Lease[] {
    return [...this.leases.values()].sort((a, b) => a.id - b.id)
  }
}
