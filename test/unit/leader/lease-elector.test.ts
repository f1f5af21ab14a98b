/**
 * The lease elector's runtime adapter (runtime/leader/lease-elector.ts) with a real ApiClient on
 * an in-memory network in virtual time, against a stand-in apiserver holding one Lease with
 * resourceVersion preconditions: one elector of two leads; stopping it hands over within a retry
 * period (the release), cutting it off from the API deposes it at the renew deadline and the
 * other takes over once the lease has expired for it; identities come from the injected seed.
 */
import t from 'tap'
import { assign, createActor, setup, type AnyActorLogic } from 'xstate'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import type { ElectorEvent, LeaderOptions } from '../../../actors/leader/leader-elected.machine.ts'
import { LEASES, leaseElectorLogic } from '../../../runtime/leader/lease-elector.ts'
import { decodeEvent, encodeEvent } from '../../../runtime/codec.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { settle } from '../store-client-fakes.ts'

const SEED = Number(process.env.LEASE_ELECTOR_SEED ?? 7)
const PATH = `${LEASES}/kube-scheduler`
const TIMING = { leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 200 }

type Api = { type: string; method: string; path: string; body?: KubeObject }

/**
 * Apiservers `api-<host>` (one per elector, so one can be cut off) sharing one Lease; writes
 * check the resourceVersion as the real apiserver's compare-and-swap does.
 */
function world(seed: number) {
  const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'))
  const network = new MemoryNetwork(clock, seededRandom(seed), { minLatencyMs: 1, maxLatencyMs: 3 })
  let lease: KubeObject | undefined
  let version = 0
  const cutOff = new Set<string>()
  const answer = (call: Api): { status: number; body: unknown } => {
    const status = (code: number, reason: string) => ({ status: code, body: { kind: 'Status', status: 'Failure', code, reason } })
    if (call.method === 'GET') return lease && call.path === PATH ? { status: 200, body: lease } : status(404, 'NotFound')
    if (call.method === 'POST' && lease !== undefined) return status(409, 'AlreadyExists')
    if (call.method === 'PUT' && call.body?.metadata?.resourceVersion !== lease?.metadata?.resourceVersion) return status(409, 'Conflict')
    lease = { ...call.body, metadata: { uid: 'u1', ...call.body?.metadata, resourceVersion: String(++version) } }
    return { status: call.method === 'POST' ? 201 : 200, body: lease }
  }
  const serve = (host: string) => {
    const server = network.connect(`api-${host}`)
    server.subscribe(subjectFor('c1', { component: 'apiserver', instance: `api-${host}` }), (message) => {
      const call = decodeEvent(message.data) as Api
      if (call.type !== 'api.request' || message.reply === undefined || cutOff.has(host)) return
      server.publish(message.reply, encodeEvent({ type: 'api.response', ...answer(call) }))
    })
  }
  /** An elector under a recording parent: what it reported, and when. */
  const elector = (host: string, random = seededRandom(seed + host.length)) => {
    serve(host)
    const options: LeaderOptions = { apiservers: [`api-${host}`], leaseName: 'kube-scheduler', ...TIMING }
    const logic: AnyActorLogic = leaseElectorLogic(host, options, { transport: network.connect(host), cluster: 'c1', clock, random, log: silentLogger })
    const reports: { at: number; event: ElectorEvent }[] = []
    const parent = setup({ types: { events: {} as ElectorEvent, context: {} as { leading: boolean } }, actors: { elector: logic } }).createMachine({
      context: { leading: false },
      invoke: { src: 'elector' },
      on: {
        'leader.elected': { actions: [assign({ leading: true }), ({ event }) => void reports.push({ at: clock.now(), event })] },
        'leader.lost': { actions: [assign({ leading: false }), ({ event }) => void reports.push({ at: clock.now(), event })] },
      },
    })
    const actor = createActor(parent).start()
    return { actor, reports, leading: () => actor.getSnapshot().context.leading }
  }
  return { clock, elector, cutOff, lease: () => lease }
}

t.test(`lease elector adapter - one leads; stopping it releases the lease and the other takes over within a retry period (seed ${SEED})`, async (t) => {
  const w = world(SEED)
  const a = w.elector('m1')
  await settle(w.clock, 100)
  const b = w.elector('m2')
  await settle(w.clock, 2000)
  t.ok(a.leading(), 'the first candidate leads')
  t.notOk(b.leading(), 'the second waits')
  t.match(a.reports, [{ event: { type: 'leader.elected', identity: /^m1_[0-9a-z]{18}$/, term: 0 } }])
  t.equal(a.reports.length, 1, 'renewals do not re-elect nor lose')
  t.equal((w.lease()?.spec as { holderIdentity?: string }).holderIdentity, (a.reports[0]!.event as { identity: string }).identity)
  a.actor.stop()
  const stoppedAt = w.clock.now()
  await settle(w.clock, 20)
  t.equal((w.lease()?.spec as { holderIdentity?: string }).holderIdentity, '', 'released')
  await settle(w.clock, 300)
  t.ok(b.leading(), 'the other leads')
  t.match(b.reports, [{ event: { type: 'leader.elected', identity: /^m2_/, term: 1 } }], 'in the next term')
  const tookOver = b.reports[0]!.at - stoppedAt
  t.ok(tookOver <= 200 + 20, `took over ${tookOver} ms after the stop, within a retry period (not the 1 s lease)`)
  b.actor.stop()
})

t.test(`lease elector adapter - a leader cut off from the API is deposed at the renew deadline, before anyone else leads (seed ${SEED})`, async (t) => {
  const w = world(SEED)
  const a = w.elector('m1')
  await settle(w.clock, 100)
  const b = w.elector('m2')
  await settle(w.clock, 1000)
  t.ok(a.leading(), 'm1 leads before the cut')
  w.cutOff.add('m1')
  const cutAt = w.clock.now()
  await settle(w.clock, 2000)
  const lost = a.reports.find((r) => r.event.type === 'leader.lost')
  const elected = b.reports.find((r) => r.event.type === 'leader.elected')
  t.ok(lost !== undefined && lost.at - cutAt <= 800, `deposed ${lost ? lost.at - cutAt : '-'} ms after the cut, within the renew deadline`)
  t.ok(elected !== undefined && lost !== undefined && elected.at > lost.at, `the other leads (after ${elected ? elected.at - cutAt : '-'} ms), only after the deposed one stopped`)
  a.actor.stop()
  b.actor.stop()
})

t.test('lease elector adapter - the identity is drawn from the injected random: the same seed gives the same one', async (t) => {
  const identity = async (seed: number) => {
    const w = world(seed)
    const a = w.elector('m1', seededRandom(seed))
    await settle(w.clock, 50)
    a.actor.stop()
    return (a.reports[0]?.event as { identity?: string } | undefined)?.identity
  }
  const first = await identity(SEED)
  t.match(first, /^m1_[0-9a-z]{18}$/)
  t.equal(await identity(SEED), first, 'replayed')
  t.not(await identity(SEED + 1), first, 'another seed, another identity')
})
