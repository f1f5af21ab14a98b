/**
 * The store's whole state as plain data, for Raft snapshots. Canonical: equal states produce equal
 * structures (keys ascending, leases by id, events in log order), so encodings are byte-identical.
 *
 * No duplication between history and events: every history entry at or above the compaction point
 * is exactly one event, so the snapshot holds those events plus the `baseline`, the entries below
 * the compaction point that compaction kept (at most one live kv per key). Restore rebuilds the
 * per-key histories from the two. Lease key sets are derived from the kvs' lease fields.
 */
import type { EventLog } from './event-log.ts'
import type { KeyIndex } from './key-index.ts'
import type { LeaseTable } from './leases.ts'
import { MAX_KEY_LENGTH, type KeyValue, type WatchEvent } from './types.ts'

export const SNAPSHOT_FORMAT = 1

export interface LeaseSnapshot {
  readonly id: number
  readonly ttlMs: number
  readonly expiresAt: number
}

export interface StoreSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT
  readonly revision: number
  readonly compactRevision: number
  readonly nextLeaseId: number
  readonly leases: readonly LeaseSnapshot[]
  readonly baseline: readonly KeyValue[]
  readonly events: readonly WatchEvent[]
}

export function buildSnapshot(revision: number, compactRevision: number, leases: LeaseTable, index: KeyIndex, log: EventLog): StoreSnapshot {
  const baseline: KeyValue[] = []
  for (const [, history] of index.entries()) {
    for (const entry of history) {
      if (entry.revision >= compactRevision) break
      if (entry.kv !== null) baseline.push(entry.kv)
    }
  }
  return {
    format: SNAPSHOT_FORMAT,
    revision,
    compactRevision,
    nextLeaseId: leases.nextId,
    leases: leases.list().map((l) => ({ id: l.id, ttlMs: l.ttlMs, expiresAt: l.expiresAt })),
    baseline,
    events: [...log.all()],
  }
}

type Fields = Readonly<Record<string, unknown>>
const isRecord = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const isNatural = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

class Invalid {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Invalid(message)
}

function parseKv(raw: unknown, where: string): KeyValue {
  check(isRecord(raw), `${where}: kv must be an object`)
  const { key, value, createRevision, modRevision, version, lease } = raw
  check(typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH, `${where}: bad key`)
  check(value instanceof Uint8Array, `${where}: value must be bytes`)
  check(isNatural(createRevision) && isNatural(modRevision) && isNatural(version) && isNatural(lease), `${where}: bad kv numbers`)
  return { key, value, createRevision, modRevision, version, lease }
}

function parseEvent(raw: unknown, where: string): WatchEvent {
  check(isRecord(raw), `${where}: event must be an object`)
  const { type, revision, sub } = raw
  check(type === 'PUT' || type === 'DELETE', `${where}: bad event type`)
  check(isNatural(revision) && isNatural(sub), `${where}: bad event revision`)
  const kv = parseKv(raw['kv'], where)
  check(kv.modRevision === revision, `${where}: kv.modRevision differs from the event's revision`)
  const prevKv = raw['prevKv'] === null ? null : parseKv(raw['prevKv'], `${where} prevKv`)
  check(type === 'PUT' || prevKv !== null, `${where}: a DELETE needs its prevKv`)
  return { type, kv, prevKv, revision, sub }
}

function parse(raw: unknown): StoreSnapshot {
  check(isRecord(raw), 'snapshot must be an object')
  const { format, revision, compactRevision, nextLeaseId, leases, baseline, events } = raw
  check(format === SNAPSHOT_FORMAT, `unknown snapshot format ${JSON.stringify(format)}`)
  check(isNatural(revision) && revision >= 1, 'bad revision')
  check(isNatural(compactRevision) && compactRevision <= revision, 'bad compactRevision')
  check(isNatural(nextLeaseId) && nextLeaseId >= 1, 'bad nextLeaseId')
  check(Array.isArray(leases) && Array.isArray(baseline) && Array.isArray(events), 'leases, baseline and events must be arrays')
  const parsedLeases = leases.map((l: unknown, i): LeaseSnapshot => {
    check(isRecord(l) && isNatural(l['id']) && l['id'] > 0 && isNatural(l['ttlMs']) && isNatural(l['expiresAt']), `lease ${i} malformed`)
    return { id: l['id'], ttlMs: l['ttlMs'], expiresAt: l['expiresAt'] }
  })
  for (let i = 1; i < parsedLeases.length; i++) check(parsedLeases[i - 1]!.id < parsedLeases[i]!.id, 'leases must be ascending by id')
  const parsedBaseline = baseline.map((kv: unknown, i) => parseKv(kv, `baseline ${i}`))
  for (let i = 0; i < parsedBaseline.length; i++) {
    check(parsedBaseline[i]!.modRevision < compactRevision, `baseline ${i} is not below the compaction point`)
    check(i === 0 || parsedBaseline[i - 1]!.key < parsedBaseline[i]!.key, 'baseline keys must be ascending and unique')
  }
  const parsedEvents = events.map((e: unknown, i) => parseEvent(e, `event ${i}`))
  for (let i = 0; i < parsedEvents.length; i++) {
    const e = parsedEvents[i]!
    check(e.revision >= compactRevision && e.revision <= revision, `event ${i} outside [compactRevision, revision]`)
    const p = parsedEvents[i - 1]
    check(p === undefined || p.revision < e.revision || (p.revision === e.revision && p.sub < e.sub), `event ${i} out of order`)
  }
  return { format: SNAPSHOT_FORMAT, revision, compactRevision, nextLeaseId, leases: parsedLeases, baseline: parsedBaseline, events: parsedEvents }
}

export function parseSnapshot(raw: unknown): { ok: true; snapshot: StoreSnapshot } | { ok: false; message: string } {
  try {
    return { ok: true, snapshot: parse(raw) }
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, message: error.message }
    return { ok: false, message: error instanceof Error ? error.message : 'invalid snapshot' }
  }
}
