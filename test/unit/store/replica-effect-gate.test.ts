/** effect-gate.ts: messages and replies never overtake the WAL writes they depend on, nor each other. */
import t from 'tap'
import { EffectGate } from '../../../actors/store/replica/effect-gate.ts'
import type { Persist } from '../../../actors/store/replica/persist.ts'
import type { Effects } from '../../../actors/store/replica/replica.ts'

/** Effects labelled through their single reply's replyTo, so released order is easy to read. */
function fx(label: string, persist: Persist | undefined, sync: boolean): Effects {
  return {
    persist,
    sync,
    urgent: [],
    messages: [],
    replies: [{ replyTo: label, event: { type: 'store.watchAlive', missing: [] } }],
    pushes: [],
    saveSnapshot: undefined,
  }
}
const labels = (list: readonly Effects[]): string[] => list.map((e) => e.replies[0]!.replyTo)
const commitOnly: Persist = { hardState: { term: 1, vote: 's1', commit: 2 } }
const entries: Persist = { entries: [{ index: 1, term: 1, kind: 'noop', data: new Uint8Array() }] }

t.test('effect gate - nothing to persist and nothing pending: released at once', async (t) => {
  const gate = new EffectGate()
  const a = gate.admit(fx('a', undefined, false))
  t.equal(a.write, undefined)
  t.same(labels(a.release), ['a'])
  t.notOk(gate.syncing)
})

t.test('effect gate - a write that needs no sync is issued but does not hold its effects', async (t) => {
  const gate = new EffectGate()
  const a = gate.admit(fx('a', commitOnly, false))
  t.same(a.write, { seq: 1, persist: commitOnly })
  t.same(labels(a.release), ['a'])
  t.notOk(gate.syncing)
})

t.test('effect gate - sync effects wait for their write; later ones queue behind in order', async (t) => {
  const gate = new EffectGate()
  const a = gate.admit(fx('a', entries, true))
  t.same(a.write?.seq, 1)
  t.same(a.release, [], 'held until seq 1 is durable')
  t.ok(gate.syncing)
  const b = gate.admit(fx('b', undefined, false))
  t.same(b.release, [], 'a later effect with nothing to persist must not overtake a')
  const c = gate.admit(fx('c', commitOnly, false))
  t.equal(c.write?.seq, 2, 'its write is still issued right away')
  t.same(c.release, [])
  t.same(labels(gate.persisted(1)), ['a', 'b', 'c'], 'released together, in admission order')
  t.notOk(gate.syncing)
  t.same(labels(gate.admit(fx('d', undefined, false)).release), ['d'], 'nothing pending any more')
})

t.test('effect gate - persisted(seq) releases only what waits for seq or less, in order', async (t) => {
  const gate = new EffectGate()
  gate.admit(fx('a', entries, true)) // seq 1
  gate.admit(fx('b', undefined, false)) // waits for 1
  gate.admit(fx('c', entries, true)) // seq 2
  gate.admit(fx('d', undefined, false)) // waits for 2
  gate.admit(fx('e', entries, true)) // seq 3
  t.same(labels(gate.persisted(1)), ['a', 'b'])
  t.ok(gate.syncing, 'seq 3 is still required')
  t.same(labels(gate.persisted(2)), ['c', 'd'])
  t.same(labels(gate.persisted(2)), [], 'a repeated notice releases nothing twice')
  t.same(labels(gate.persisted(3)), ['e'])
  t.notOk(gate.syncing)
})

t.test('effect gate - a later durable seq implies the earlier ones (the WAL completes in order)', async (t) => {
  const gate = new EffectGate()
  gate.admit(fx('a', entries, true))
  gate.admit(fx('b', entries, true))
  gate.admit(fx('c', entries, true))
  t.same(labels(gate.persisted(3)), ['a', 'b', 'c'])
  t.same(labels(gate.persisted(1)), [], 'an older notice after a newer one changes nothing')
  t.notOk(gate.syncing)
})

t.test('effect gate - non-sync write after a synced one: syncing tracks only the gating write', async (t) => {
  const gate = new EffectGate()
  gate.admit(fx('a', entries, true)) // seq 1
  gate.admit(fx('b', commitOnly, false)) // seq 2, no sync needed but queued behind a
  t.same(labels(gate.persisted(1)), ['a', 'b'], 'b only waited for a, not for its own write')
  t.notOk(gate.syncing)
})
