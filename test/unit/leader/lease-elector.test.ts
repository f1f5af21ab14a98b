/**
 * The lease elector's runtime adapter (runtime/leader/lease-elector.ts) with a real ApiClient on
 * an in-memory network in virtual time, against a stand-in apiserver holding one Lease with
 * resourceVersion preconditions: one elector of two leads; stopping it hands over within a retry
 * period (the release), cutting it off from the API deposes it at the renew deadline and the
 * other takes over once the lease has expired for it; identities come from the injected seed.
 */
import t from 'tap'
import { seededRandom } from '../../../runtime/random.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'
import { settle } from '../store-client-fakes.ts'
import { leaseWorld } from './lease-world.ts'

const [SEED = 7] = seedsFrom('LEASE_ELECTOR_SEED', [7])
t.comment(seedComment('LEASE_ELECTOR_SEED', SEED, import.meta.url))

/** A world with the stand-in apiservers, whose electors draw from `seed` (plus their host name's length). */
function world(seed: number) {
  const w = leaseWorld(seed)
  return { ...w, elector: (host: string, random = seededRandom(seed + host.length)) => w.elector(host, random) }
}

t.test(`lease elector adapter - one leads; stopping it releases the lease and the other takes over within a retry period`, async (t) => {
  const w = world(SEED)
  const a = w.elector('m1')
  await settle(w.clock, 100)
  const b = w.elector('m2')
  await settle(w.clock, 2000)
  t.ok(a.leading(), 'the first candidate leads')
  t.notOk(b.leading(), 'the second waits')
  t.match(a.reports, [{ event: { type: 'leader.elected', identity: /^m1_[0-9a-z]{18}$/, term: 0 } }])
  t.equal(a.reports.length, 1, 'renewals do not re-elect nor lose')
  t.equal(w.holder(), (a.reports[0]!.event as { identity: string }).identity)
  a.stop()
  const stoppedAt = w.clock.now()
  await settle(w.clock, 20)
  t.equal(w.holder(), '', 'released')
  await settle(w.clock, 300)
  t.ok(b.leading(), 'the other leads')
  t.match(b.reports, [{ event: { type: 'leader.elected', identity: /^m2_/, term: 1 } }], 'in the next term')
  const tookOver = b.reports[0]!.at - stoppedAt
  t.ok(tookOver <= 200 + 20, `took over ${tookOver} ms after the stop, within a retry period (not the 1 s lease)`)
  b.stop()
})

t.test(`lease elector adapter - a leader cut off from the API is deposed at the renew deadline, before anyone else leads`, async (t) => {
  const w = world(SEED)
  const a = w.elector('m1')
  await settle(w.clock, 100)
  const b = w.elector('m2')
  await settle(w.clock, 1000)
  t.ok(a.leading(), 'm1 leads before the cut')
  w.setMode('m1', 'silent')
  const cutAt = w.clock.now()
  await settle(w.clock, 2000)
  const lost = a.reports.find((r) => r.event.type === 'leader.lost')
  const elected = b.reports.find((r) => r.event.type === 'leader.elected')
  t.ok(lost !== undefined && lost.at - cutAt <= 800, `deposed ${lost ? lost.at - cutAt : '-'} ms after the cut, within the renew deadline`)
  t.ok(elected !== undefined && lost !== undefined && elected.at > lost.at, `the other leads (after ${elected ? elected.at - cutAt : '-'} ms), only after the deposed one stopped`)
  a.stop()
  b.stop()
})

t.test('lease elector adapter - the identity is drawn from the injected random: the same seed gives the same one', async (t) => {
  const identity = async (seed: number) => {
    const w = world(seed)
    const a = w.elector('m1', seededRandom(seed))
    await settle(w.clock, 50)
    a.stop()
    return (a.reports[0]?.event as { identity?: string } | undefined)?.identity
  }
  const first = await identity(SEED)
  t.match(first, /^m1_[0-9a-z]{18}$/)
  t.equal(await identity(SEED), first, 'replayed')
  t.not(await identity(SEED + 1), first, 'another seed, another identity')
})

t.test('lease elector adapter - every call through a loaded store takes 350 ms: the leader keeps its 1 s lease, renewing back to back', async (t) => {
  const w = world(SEED)
  const a = w.elector('m1')
  w.setLatency('m1', () => 350)
  await settle(w.clock, 5000)
  t.match(a.reports, [{ event: { type: 'leader.elected' } }], 'elected once')
  t.equal(a.reports.length, 1, 'never lost: 350 + 350 ms fit the 800 ms renew deadline (with a 200 ms pause between them they would not)')
  t.ok(a.leading())
  a.stop()
})

t.test('lease elector adapter - one renewal slower than the client timeout is waited for until the renew deadline, not given up and started over', async (t) => {
  const w = world(SEED)
  const a = w.elector('m1')
  await settle(w.clock, 1000)
  t.ok(a.leading(), 'leads')
  // The next PUT takes 550 ms (the client's timeout is 400), the ones after it 50 ms.
  let puts = 0
  w.setLatency('m1', (method) => (method === 'PUT' && ++puts === 1 ? 550 : 50))
  await settle(w.clock, 3000)
  t.ok(puts > 5, `the slow PUT and more renewals after it were sent (${puts})`)
  t.equal(a.reports.length, 1, `never lost: ${JSON.stringify(a.reports.map((r) => r.event.type))}`)
  t.ok(a.leading())
  a.stop()
})
