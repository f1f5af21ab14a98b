/**
 * Fault rules: what chaos experiments and tests switch on at run time. A rule applies to
 * messages a host publishes on subjects matching a NATS-style pattern, each with a probability,
 * optionally only to messages of given event types.
 */
export type MessageFaultKind = 'drop' | 'delay' | 'duplicate' | 'reorder'

export interface FaultRule {
  readonly id: string
  readonly kind: MessageFaultKind
  /** NATS subject pattern (`*` one token, `>` the rest). */
  readonly subject: string
  readonly probability: number
  /** delay: base delay; reorder: longest a held message waits for a successor. */
  readonly delayMs: number
  /** delay: uniform jitter added or subtracted. */
  readonly jitterMs: number
  /** Only messages of these event types (actors/chaos/event-types.ts: `raft.append`, `pods/binding`); all when absent. */
  readonly eventTypes?: readonly string[]
}

const KINDS: readonly MessageFaultKind[] = ['drop', 'delay', 'duplicate', 'reorder']

/** Validates a rule from the wire or a test; throws a TypeError naming the offending field. */
export function parseFaultRule(raw: unknown, path = 'rule'): FaultRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError(`${path}: expected an object`)
  const r = raw as Record<string, unknown>
  const id = r.id ?? `${String(r.kind)}:${String(r.subject)}`
  if (typeof id !== 'string' || id === '') throw new TypeError(`${path}.id: expected a non-empty string`)
  if (typeof r.kind !== 'string' || !KINDS.includes(r.kind as MessageFaultKind)) {
    throw new TypeError(`${path}.kind: expected one of ${KINDS.join(', ')}, got ${JSON.stringify(r.kind)}`)
  }
  if (typeof r.subject !== 'string' || r.subject === '') throw new TypeError(`${path}.subject: expected a subject pattern`)
  const probability = r.probability ?? 1
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw new TypeError(`${path}.probability: expected a number in [0, 1], got ${JSON.stringify(probability)}`)
  }
  const delayMs = r.delayMs ?? (r.kind === 'reorder' ? 50 : 0)
  const jitterMs = r.jitterMs ?? 0
  for (const [name, value] of [['delayMs', delayMs], ['jitterMs', jitterMs]] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${path}.${name}: expected a non-negative number, got ${JSON.stringify(value)}`)
    }
  }
  const eventTypes = r.eventTypes
  if (eventTypes !== undefined && (!Array.isArray(eventTypes) || eventTypes.length === 0 || eventTypes.some((e) => typeof e !== 'string' || e === ''))) {
    throw new TypeError(`${path}.eventTypes: expected a non-empty list of event types, got ${JSON.stringify(eventTypes)}`)
  }
  return { id, kind: r.kind as MessageFaultKind, subject: r.subject, probability, delayMs: delayMs as number, jitterMs: jitterMs as number, ...(eventTypes !== undefined ? { eventTypes: eventTypes as string[] } : {}) }
}

/** Validates partition groups: a list of disjoint lists of host names. */
export function parsePartition(raw: unknown): string[][] {
  if (!Array.isArray(raw) || raw.length < 2) throw new TypeError('groups: expected at least two groups of host names')
  const seen = new Set<string>()
  return raw.map((group, i) => {
    if (!Array.isArray(group) || group.some((h) => typeof h !== 'string' || h === '')) {
      throw new TypeError(`groups[${i}]: expected a list of host names`)
    }
    for (const host of group as string[]) {
      if (seen.has(host)) throw new TypeError(`groups[${i}]: host ${JSON.stringify(host)} is in two groups`)
      seen.add(host)
    }
    return [...(group as string[])]
  })
}

/** Hosts this host must not hear from while `groups` is in force. */
export function hostsCutOff(groups: readonly (readonly string[])[], self: string): Set<string> {
  const mine = groups.find((g) => g.includes(self))
  const cut = new Set<string>()
  for (const group of groups) {
    if (group === mine) continue
    // A host in no group is cut off from everyone named; named hosts are cut off from it.
    for (const host of group) cut.add(host)
  }
  return cut
}
