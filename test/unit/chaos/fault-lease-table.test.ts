/**
 * The host's fault lease table (actors/chaos/fault-lease-table.ts), table-tested on a simulated
 * clock: what each input applies, lifts and arms, and that a lease no one renews lapses by itself.
 */
import t from 'tap'
import { EMPTY_LEASE_TABLE, leaseStep, MAX_LEASE_TTL_MS, type LeaseEffect, type LeaseInput, type LeaseTable } from '../../../actors/chaos/fault-lease-table.ts'

type Fault = { readonly rule: string }
const drop: Fault = { rule: 'drop ak.c1.api.>' }
const delay: Fault = { rule: 'delay ak.c1.api.>' }

interface Row {
  readonly name: string
  /** Inputs at times, run in order from the empty table. */
  readonly inputs: readonly { readonly at: number; readonly input: LeaseInput<Fault> }[]
  /** The last input's effects. */
  readonly effects: readonly LeaseEffect<Fault>[]
  /** Leases held after it: id and expiry. */
  readonly held: readonly [string, number][]
  readonly known?: boolean
}

const rows: Row[] = [
  { name: 'a grant applies the fault and arms the expiry', inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 10_000 } }], effects: [{ type: 'apply', id: 'a', fault: drop }, { type: 'armTimer', at: 10_000 }], held: [['a', 10_000]] },
  {
    name: 'a renew moves the expiry and applies nothing',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 10_000 } }, { at: 3000, input: { type: 'renew', id: 'a', ttlMs: 10_000 } }],
    effects: [{ type: 'armTimer', at: 13_000 }],
    held: [['a', 13_000]],
  },
  {
    name: 'not renewed: the tick at the expiry lifts it',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 10_000 } }, { at: 10_000, input: { type: 'tick' } }],
    effects: [{ type: 'lift', id: 'a', fault: drop, why: 'expired' }, { type: 'armTimer', at: undefined }],
    held: [],
  },
  {
    name: 'a tick before the expiry lifts nothing',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 10_000 } }, { at: 9999, input: { type: 'tick' } }],
    effects: [{ type: 'armTimer', at: 10_000 }],
    held: [['a', 10_000]],
  },
  {
    name: 'a heal lifts at once, before the expiry',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 10_000 } }, { at: 1, input: { type: 'heal', id: 'a' } }],
    effects: [{ type: 'lift', id: 'a', fault: drop, why: 'healed' }, { type: 'armTimer', at: undefined }],
    held: [],
  },
  {
    name: 'a heal of an unknown lease (lapsed already) is harmless and reported unknown',
    inputs: [{ at: 0, input: { type: 'heal', id: 'gone' } }],
    effects: [{ type: 'armTimer', at: undefined }],
    held: [],
    known: false,
  },
  {
    name: 'a renew after the lease lapsed does not bring the fault back',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 1000 } }, { at: 1000, input: { type: 'tick' } }, { at: 1500, input: { type: 'renew', id: 'a', ttlMs: 1000 } }],
    effects: [{ type: 'armTimer', at: undefined }],
    held: [],
    known: false,
  },
  {
    name: 'a renew that comes late lifts the lapsed lease itself (the timer did not fire yet)',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 1000 } }, { at: 1200, input: { type: 'grant', id: 'b', fault: delay, ttlMs: 1000 } }],
    effects: [{ type: 'apply', id: 'b', fault: delay }, { type: 'lift', id: 'a', fault: drop, why: 'expired' }, { type: 'armTimer', at: 2200 }],
    held: [['b', 2200]],
  },
  {
    name: 'granting a held lease again with the same fault only renews it',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 1000 } }, { at: 500, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 1000 } }],
    effects: [{ type: 'armTimer', at: 1500 }],
    held: [['a', 1500]],
  },
  {
    name: 'granting a held lease with another fault replaces it',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 1000 } }, { at: 500, input: { type: 'grant', id: 'a', fault: delay, ttlMs: 1000 } }],
    effects: [{ type: 'lift', id: 'a', fault: drop, why: 'replaced' }, { type: 'apply', id: 'a', fault: delay }, { type: 'armTimer', at: 1500 }],
    held: [['a', 1500]],
  },
  {
    name: 'the timer arms for the earliest of several leases',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 5000 } }, { at: 0, input: { type: 'grant', id: 'b', fault: delay, ttlMs: 2000 } }],
    effects: [{ type: 'apply', id: 'b', fault: delay }, { type: 'armTimer', at: 2000 }],
    held: [['a', 5000], ['b', 2000]],
  },
  {
    name: 'healAll lifts every lease',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 5000 } }, { at: 0, input: { type: 'grant', id: 'b', fault: delay, ttlMs: 2000 } }, { at: 1, input: { type: 'healAll' } }],
    effects: [{ type: 'lift', id: 'a', fault: drop, why: 'healed' }, { type: 'lift', id: 'b', fault: delay, why: 'healed' }, { type: 'armTimer', at: undefined }],
    held: [],
  },
  {
    name: 'a time to live beyond the maximum is cut to it',
    inputs: [{ at: 0, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 24 * 3_600_000 } }],
    effects: [{ type: 'apply', id: 'a', fault: drop }, { type: 'armTimer', at: MAX_LEASE_TTL_MS }],
    held: [['a', MAX_LEASE_TTL_MS]],
  },
  {
    name: 'a zero time to live applies and lifts in the same step',
    inputs: [{ at: 7, input: { type: 'grant', id: 'a', fault: drop, ttlMs: 0 } }],
    effects: [{ type: 'apply', id: 'a', fault: drop }, { type: 'lift', id: 'a', fault: drop, why: 'expired' }, { type: 'armTimer', at: undefined }],
    held: [],
  },
]

for (const row of rows) {
  t.test(row.name, async (t) => {
    let table: LeaseTable<Fault> = EMPTY_LEASE_TABLE
    let last: ReturnType<typeof leaseStep<Fault>> | undefined
    for (const { at, input } of row.inputs) {
      last = leaseStep(table, input, at)
      table = last.table
    }
    t.same(last!.effects, row.effects)
    t.same(
      table.leases.map((l) => [l.id, l.expiresAt]),
      row.held,
    )
    t.equal(last!.known, row.known ?? true)
  })
}

t.test('a controller that stops renewing: the fault is lifted one lease after the last renewal, never later', async (t) => {
  let table: LeaseTable<Fault> = EMPTY_LEASE_TABLE
  const lifted: number[] = []
  const feed = (input: LeaseInput<Fault>, at: number): number | undefined => {
    const step = leaseStep(table, input, at)
    table = step.table
    for (const e of step.effects) if (e.type === 'lift') lifted.push(at)
    const timer = step.effects.find((e) => e.type === 'armTimer')
    return timer?.type === 'armTimer' ? timer.at : undefined
  }
  let timer = feed({ type: 'grant', id: 'a', fault: drop, ttlMs: 3000 }, 0)
  for (const at of [1000, 2000, 3000, 4000]) timer = feed({ type: 'renew', id: 'a', ttlMs: 3000 }, at)
  t.equal(timer, 7000, 'the last renewal at 4 s holds it until 7 s')
  // The controller dies: only the host's timer fires now.
  while (timer !== undefined) timer = feed({ type: 'tick' }, timer)
  t.same(lifted, [7000])
  t.same(table.leases, [])
})
