/**
 * Three lease electors under seeded chaos in virtual time: their apiservers go silent, deaf (the
 * write lands, the answer is lost) or slow (a write may land after its client gave up), and
 * electors are stopped and started again under fresh identities. Safety: no two ever lead at
 * once, and no term is led twice. Liveness: once the faults heal, one leads within a second past
 * the lease duration.
 */
import t from 'tap'
import { seededRandom } from '../../../runtime/random.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'
import { settle } from '../store-client-fakes.ts'
import { leaseWorld, TIMING, type ApiMode, type ElectorHandle } from './lease-world.ts'

const SEEDS = seedsFrom('LEASE_ELECTOR_CHAOS_SEED', [1, 2, 3])
const HOSTS: readonly string[] = ['m1', 'm2', 'm3']
const CHAOS_MS = 15_000
const MODES: readonly ApiMode[] = ['ok', 'ok', 'silent', 'deaf', 'slow']

/** Each elector's terms of leadership as [elected, ended] on the virtual clock. */
type Term = { readonly host: string; readonly term: number; readonly from: number; readonly to: number }

function termsOf(e: ElectorHandle, stoppedAt: number): Term[] {
  const terms: Term[] = []
  let open: { term: number; from: number } | undefined
  for (const { at, event } of e.reports) {
    if (event.type === 'leader.elected') open = { term: event.term, from: at }
    else if (open) terms.push({ host: e.host, ...open, to: at }), (open = undefined)
  }
  if (open) terms.push({ host: e.host, ...open, to: stoppedAt })
  return terms
}

for (const seed of SEEDS) {
  t.test(`lease elector chaos - never two leaders, one term each, a leader after healing (${seedComment('LEASE_ELECTOR_CHAOS_SEED', seed, import.meta.url)})`, async (t) => {
    const w = leaseWorld(seed)
    const hostRandom = new Map(HOSTS.map((h, i) => [h, seededRandom(seed * 31 + i)]))
    const live = new Map(HOSTS.map((h) => [h, w.elector(h, hostRandom.get(h)!)]))
    const terms: Term[] = []
    const retire = (host: string) => {
      const e = live.get(host)!
      e.stop()
      terms.push(...termsOf(e, w.clock.now()))
    }
    const start = w.clock.now()
    while (w.clock.now() - start < CHAOS_MS) {
      await settle(w.clock, 50 + Math.floor(w.random() * 400))
      const host = HOSTS[Math.floor(w.random() * HOSTS.length)]!
      if (w.random() < 0.2) {
        retire(host)
        live.set(host, w.elector(host, hostRandom.get(host)!))
      } else {
        w.setMode(host, MODES[Math.floor(w.random() * MODES.length)]!)
      }
    }
    for (const host of HOSTS) w.setMode(host, 'ok')
    const healedAt = w.clock.now()
    await settle(w.clock, TIMING.leaseDurationMs + 1000)
    const leaders = [...live.values()].filter((e) => e.leading())
    const since = leaders[0]?.reports.at(-1)?.at ?? Number.NaN
    t.equal(leaders.length, 1, `one leads ${TIMING.leaseDurationMs + 1000} ms after healing (since +${Math.max(0, since - healedAt)} ms)`)
    for (const host of HOSTS) retire(host)
    terms.sort((a, b) => a.from - b.from)
    t.ok(terms.length >= 3, `leadership changed hands under chaos (${terms.length} terms)`)
    const overlaps = terms.filter((term, i) => i > 0 && term.from < terms[i - 1]!.to)
    t.same(overlaps, [], 'no term began before the previous one ended')
    const numbers = terms.map((term) => term.term)
    t.same(numbers, [...new Set(numbers)].sort((a, b) => a - b), 'terms grow and none is led twice')
  })
}
