/**
 * The pure lease elector step on a simulated clock (times are plain numbers fed to the step):
 * acquiring, renewing, losing on the renew deadline with a renewal still in flight, 409
 * conflicts, taking over a lease whose holder stopped renewing, and releasing on stop.
 */
import t from 'tap'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { electorStep, startElector, type ElectorEffect, type ElectorInput, type ElectorState } from '../../../actors/leader/lease-elector-step.ts'
import { microTime, type LeaseRecord } from '../../../actors/leader/lease-election.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const config = { identity: 'me', leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 200 }

/**
 * One elector fed by hand; `at(ms, input)` feeds at T0 + ms on its monotonic clock, and on its
 * wall clock too unless `jumpWall` stepped that one, and returns the effects.
 */
function elector() {
  const first = startElector(config, 'kube-scheduler', T0, T0)
  let state: ElectorState = first.state
  let wallOffset = 0
  return {
    first: first.effects,
    get state() {
      return state
    },
    at(ms: number, input: ElectorInput): readonly ElectorEffect[] {
      const step = electorStep(state, input, T0 + ms, T0 + ms + wallOffset)
      state = step.state
      return step.effects
    },
    /** The wall clock steps by `ms` (NTP, an operator); the monotonic one does not. */
    jumpWall(ms: number): void {
      wallOffset += ms
    },
  }
}

const lease = (resourceVersion: string, spec: LeaseRecord): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system', uid: 'u1', resourceVersion }, spec })
/** What the apiserver answers to a write: the lease it was sent, with a uid, at a new version. */
const stored = (effect: ElectorEffect | undefined, resourceVersion: string): KubeObject => {
  if (effect?.type !== 'create' && effect?.type !== 'update') throw new Error(`expected a write, got ${JSON.stringify(effect)}`)
  return { ...effect.lease, metadata: { uid: 'u1', ...effect.lease.metadata, resourceVersion } }
}
const theirs = (renewedAtMs: number): LeaseRecord => ({ holderIdentity: 'them', leaseDurationSeconds: 1, renewTime: new Date(T0 + renewedAtMs).toISOString(), leaseTransitions: 4 })

/** An elector that created the Lease at T0 (answered at +5 ms, version 1) and leads. */
function leader() {
  const e = elector()
  const [create] = e.at(0, { type: 'read.notFound' })
  e.at(5, { type: 'write.succeeded', lease: stored(create, '1') })
  return e
}

t.test('lease elector - no Lease: read, create one held by me, report elected and arm the deadline', async (t) => {
  const e = elector()
  t.same(e.first, [{ type: 'read' }], 'a new elector reads at once')
  const [create, ...rest] = e.at(0, { type: 'read.notFound' })
  t.match(create, { type: 'create', lease: { metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 1, leaseTransitions: 0 } } })
  t.same(rest, [])
  t.same(e.at(5, { type: 'write.succeeded', lease: stored(create, '1') }), [
    { type: 'elected', identity: 'me', term: 0 },
    { type: 'armDeadline', at: T0 + 800 },
    { type: 'armTick', at: T0 + 200 },
  ], 'the next renewal a retry period after this write began')
  t.equal(e.state.role, 'leading')
})

t.test('lease elector - the leader renews with one PUT at the version it wrote, and the deadline moves', async (t) => {
  const e = leader()
  const [update, ...rest] = e.at(205, { type: 'tick' })
  t.match(update, { type: 'update', lease: { metadata: { resourceVersion: '1', uid: 'u1' }, spec: { holderIdentity: 'me', renewTime: '2026-01-01T00:00:00.205000Z', leaseTransitions: 0 } } })
  t.same(rest, [], 'no read first')
  t.same(e.at(210, { type: 'write.succeeded', lease: stored(update, '2') }), [
    { type: 'armDeadline', at: T0 + 205 + 800 },
    { type: 'armTick', at: T0 + 405 },
  ], 'elected is not reported again')
  t.match(e.at(405, { type: 'tick' }), [{ type: 'update', lease: { metadata: { resourceVersion: '2' } } }])
})

t.test('lease elector - no renewal for renewDeadlineMs: lost, though the renewal is still in flight', async (t) => {
  const e = leader()
  t.match(e.at(205, { type: 'tick' }), [{ type: 'update' }])
  // The deadline armed at the first write (T0 + 800) fires while that renewal is unanswered.
  t.same(e.at(799, { type: 'deadline' }), [{ type: 'armDeadline', at: T0 + 800 }], 'an early deadline is armed again')
  t.same(e.at(800, { type: 'deadline' }), [{ type: 'lost', why: 'no renewal for 800 ms' }])
  t.equal(e.state.role, 'candidate')
  t.same(e.at(900, { type: 'tick' }), [], 'no second attempt while one is in flight')
  // The renewal lands after all, but it began more than the renew deadline ago: too late to lead on.
  t.same(e.at(1100, { type: 'write.succeeded', lease: lease('2', { holderIdentity: 'me', leaseDurationSeconds: 1, leaseTransitions: 0 }) }), [{ type: 'armTick', at: T0 + 1300 }])
  t.equal(e.state.role, 'candidate')
  t.same(e.at(1300, { type: 'tick' }), [{ type: 'read' }], 'a candidate reads before it writes')
  t.same(e.at(1301, { type: 'deadline' }), [], 'a stale deadline does nothing to a candidate')
  // The Lease still names it: leading again is a new term, so the deposed term's token is dead.
  const [retake] = e.at(1302, { type: 'read.found', lease: lease('2', { holderIdentity: 'me', leaseDurationSeconds: 1, leaseTransitions: 0 }) })
  t.match(retake, { type: 'update', lease: { spec: { holderIdentity: 'me', leaseTransitions: 1 } } })
  t.match(e.at(1305, { type: 'write.succeeded', lease: stored(retake, '3') }), [{ type: 'elected', identity: 'me', term: 1 }])
})

t.test('lease elector - a renewal that lands in time but after the deposition does not revive the term', async (t) => {
  const e = leader()
  const [renewal] = e.at(205, { type: 'tick' })
  t.match(renewal, { type: 'update', lease: { spec: { leaseTransitions: 0 } } }, 'a renewal of term 0')
  t.same(e.at(800, { type: 'deadline' }), [{ type: 'lost', why: 'no renewal for 800 ms' }], 'the acquisition is 800 ms old')
  // The renewal began 695 ms ago (in time), but its term was deposed: no `elected` for term 0 again.
  t.same(e.at(900, { type: 'write.succeeded', lease: stored(renewal, '2') }), [{ type: 'armTick', at: T0 + 1100 }])
  t.equal(e.state.role, 'candidate')
  t.same(e.at(1100, { type: 'tick' }), [{ type: 'read' }])
  const [retake] = e.at(1101, { type: 'read.found', lease: lease('2', { holderIdentity: 'me', leaseDurationSeconds: 1, leaseTransitions: 0 }) })
  t.match(retake, { type: 'update', lease: { spec: { holderIdentity: 'me', leaseTransitions: 1 } } })
  t.match(e.at(1105, { type: 'write.succeeded', lease: stored(retake, '3') }), [{ type: 'elected', term: 1 }])
})

t.test('lease elector - a renewal that fails (no answer) leaves the leader leading until the deadline', async (t) => {
  const e = leader()
  e.at(205, { type: 'tick' })
  t.same(e.at(705, { type: 'write.failed' }), [{ type: 'armTick', at: T0 + 905 }])
  t.equal(e.state.role, 'leading')
  t.same(e.at(800, { type: 'deadline' }), [{ type: 'lost', why: 'no renewal for 800 ms' }])
})

t.test('lease elector - 409: another candidate wrote first; the next attempt reads and waits for it', async (t) => {
  const e = elector()
  const [take] = e.at(0, { type: 'read.found', lease: lease('7', { holderIdentity: '', leaseTransitions: 2 }) })
  t.match(take, { type: 'update', lease: { metadata: { resourceVersion: '7' }, spec: { holderIdentity: 'me', leaseTransitions: 3 } } })
  t.same(e.at(5, { type: 'write.conflicted' }), [{ type: 'armTick', at: T0 + 205 }])
  t.same(e.at(205, { type: 'tick' }), [{ type: 'read' }])
  t.same(e.at(210, { type: 'read.found', lease: lease('8', theirs(5)) }), [{ type: 'armTick', at: T0 + 410 }], 'their live lease: wait')
  t.equal(e.state.role, 'candidate')
})

t.test('lease elector - a leader whose renewal conflicts reads, sees another holder, and reports lost', async (t) => {
  const e = leader()
  e.at(205, { type: 'tick' })
  t.same(e.at(210, { type: 'write.conflicted' }), [{ type: 'armTick', at: T0 + 410 }])
  t.equal(e.state.role, 'leading', 'a conflict alone proves nothing: the next read decides')
  t.same(e.at(410, { type: 'tick' }), [{ type: 'read' }], 'no blind PUT after a conflict')
  t.same(e.at(415, { type: 'read.found', lease: lease('9', theirs(400)) }), [{ type: 'lost', why: 'them holds the lease' }, { type: 'armTick', at: T0 + 615 }])
})

t.test('lease elector - another holder stops renewing: its lease expires a duration after I saw it change', async (t) => {
  const e = elector()
  // Their renewTime is a minute old by my clock (skew): only when I saw the version change counts.
  const stale = lease('10', theirs(-60_000))
  t.same(e.at(0, { type: 'read.found', lease: stale }), [{ type: 'armTick', at: T0 + 200 }])
  for (const ms of [200, 400, 600, 800]) {
    t.same(e.at(ms, { type: 'tick' }), [{ type: 'read' }])
    t.same(e.at(ms, { type: 'read.found', lease: stale }), [{ type: 'armTick', at: T0 + ms + 200 }], `still theirs at +${ms} ms`)
  }
  e.at(1000, { type: 'tick' })
  const [take] = e.at(1000, { type: 'read.found', lease: stale })
  t.match(take, { type: 'update', lease: { metadata: { resourceVersion: '10' }, spec: { holderIdentity: 'me', leaseTransitions: 5, acquireTime: '2026-01-01T00:00:01.000000Z' } } })
  t.same(e.at(1003, { type: 'write.succeeded', lease: stored(take, '11') }).slice(0, 1), [{ type: 'elected', identity: 'me', term: 5 }])
})

t.test('lease elector - stop releases the lease at its last version; then nothing more happens', async (t) => {
  const e = leader()
  const [release, ...rest] = e.at(100, { type: 'stop' })
  t.match(release, { type: 'release', lease: { metadata: { resourceVersion: '1', uid: 'u1' }, spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: '2026-01-01T00:00:00.100000Z' } } })
  t.same(rest, [])
  t.equal(e.state.role, 'stopped')
  for (const input of [{ type: 'tick' }, { type: 'deadline' }, { type: 'stop' }, { type: 'read.notFound' }] as const) t.same(e.at(5000, input), [], `${input.type} after stop`)
})

t.test('lease elector - stop during a renewal waits for it and releases at the version it wrote', async (t) => {
  const e = leader()
  const [update] = e.at(205, { type: 'tick' })
  t.same(e.at(206, { type: 'stop' }), [], 'nothing to release at a version about to go stale')
  t.equal(e.state.role, 'stopping')
  t.same(e.at(800, { type: 'deadline' }), [], 'a stopping elector reports nothing')
  t.match(e.at(210, { type: 'write.succeeded', lease: stored(update, '2') }), [{ type: 'release', lease: { metadata: { resourceVersion: '2' }, spec: { holderIdentity: '' } } }])
  t.equal(e.state.role, 'stopped')
})

t.test('lease elector - stop during a refused renewal still tries the release; a candidate releases nothing', async (t) => {
  const e = leader()
  e.at(205, { type: 'tick' })
  e.at(206, { type: 'stop' })
  t.match(e.at(210, { type: 'write.failed' }), [{ type: 'release', lease: { metadata: { resourceVersion: '1' } } }], 'the write may have landed: a stale version only conflicts')
  const c = elector()
  c.at(0, { type: 'read.found', lease: lease('8', theirs(0)) })
  t.same(c.at(100, { type: 'stop' }), [])
  t.equal(c.state.role, 'stopped')
})

t.test('lease elector - configs that could not fence are refused at start', async (t) => {
  t.throws(() => startElector({ ...config, renewDeadlineMs: 1000 }, 'kube-scheduler', T0, T0), /must exceed renewDeadlineMs/)
})

t.test('lease elector - a wall clock stepped ahead does not expire another holder\'s lease early', async (t) => {
  // Sim seeds 9 and 11: a master whose wall clock jumped ahead took a Lease 0.4-0.8 s after its holder's last renewal.
  const e = elector()
  e.at(0, { type: 'read.found', lease: lease('8', theirs(0)) })
  e.jumpWall(2200)
  t.same(e.at(400, { type: 'tick' }), [{ type: 'read' }])
  t.same(e.at(405, { type: 'read.found', lease: lease('8', theirs(0)) }), [{ type: 'armTick', at: T0 + 605 }], 'the holder has 1 s from when this candidate saw its record, on the monotonic clock')
  e.at(1005, { type: 'tick' })
  const [update] = e.at(1010, { type: 'read.found', lease: lease('8', theirs(0)) })
  t.match(update, { type: 'update', lease: { spec: { holderIdentity: 'me', renewTime: microTime(T0 + 1010 + 2200) } } }, 'taken over once expired; the timestamps are wall time')
})

t.test('lease elector - a wall clock stepped back does not keep a leader past its renew deadline', async (t) => {
  const e = leader()
  e.jumpWall(-5000)
  t.same(e.at(800, { type: 'deadline' }), [{ type: 'lost', why: 'no renewal for 800 ms' }], 'the deadline counts on the monotonic clock')
  t.equal(e.state.role, 'candidate')
})

t.test('lease elector - a watched renewal counts from when it arrived, not from when a stalled read brings it', async (t) => {
  const e = elector()
  e.at(0, { type: 'read.found', lease: lease('8', theirs(0)) })
  t.same(e.at(100, { type: 'watched', lease: lease('9', theirs(100)) }), [], 'a watched change starts nothing by itself')
  t.equal(e.state.observation?.observedAt, T0 + 100, 'observed as it arrived')
  e.at(200, { type: 'tick' })
  // The read was stalled (a store leader's failover) and brings the same renewal a second later.
  t.same(e.at(1050, { type: 'read.found', lease: lease('9', theirs(100)) }), [{ type: 'armTick', at: T0 + 1250 }], 'the holder still has 50 ms')
  t.equal(e.state.observation?.observedAt, T0 + 100, 'the read did not restart the wait')
  e.at(1250, { type: 'tick' })
  const [update] = e.at(1255, { type: 'read.found', lease: lease('9', theirs(100)) })
  t.match(update, { type: 'update', lease: { metadata: { resourceVersion: '9' }, spec: { holderIdentity: 'me', leaseTransitions: 5 } } }, 'taken over 1 s after the watched renewal')
})

t.test('lease elector - an older version, watched or read, never replaces the observation', async (t) => {
  const e = elector()
  e.at(0, { type: 'read.found', lease: lease('12', theirs(0)) })
  e.at(300, { type: 'watched', lease: lease('11', theirs(-100)) })
  t.match(e.state.observation, { resourceVersion: '12', observedAt: T0 }, 'a late watch event of an older write is ignored')
  e.at(400, { type: 'tick' })
  e.at(450, { type: 'read.found', lease: lease('13', theirs(400)) })
  e.at(500, { type: 'watched', lease: lease('13', theirs(400)) })
  t.match(e.state.observation, { resourceVersion: '13', observedAt: T0 + 450 }, 'the same version again changes nothing')
  e.at(650, { type: 'tick' })
  e.at(700, { type: 'read.found', lease: lease('12', theirs(0)) })
  t.match(e.state.observation, { resourceVersion: '13', observedAt: T0 + 450 }, 'nor does a read answering with an older version')
})

t.test('lease elector - a leader that watches another take the lease steps down at its next renewal, without a read', async (t) => {
  const e = leader()
  e.at(200, { type: 'tick' })
  e.at(210, { type: 'write.succeeded', lease: lease('2', { holderIdentity: 'me', leaseDurationSeconds: 1, leaseTransitions: 0 }) })
  e.at(300, { type: 'watched', lease: lease('3', theirs(300)) })
  t.same(e.at(410, { type: 'tick' }), [{ type: 'lost', why: 'them holds the lease' }, { type: 'armTick', at: T0 + 610 }])
})

t.test('lease elector - a write counts from when it was sent: a candidate whose read was stalled past the renew deadline still leads on the lease it won', async (t) => {
  const e = elector()
  e.at(0, { type: 'watched', lease: lease('9', theirs(0)) })
  e.at(100, { type: 'tick' })
  // The read took 1000 ms (a store leader's failover), more than the 800 ms renew deadline.
  const [update] = e.at(1100, { type: 'read.found', lease: lease('9', theirs(0)) })
  t.match(update, { type: 'update', lease: { spec: { holderIdentity: 'me' } } }, 'the lease expired: take it')
  t.same(e.at(1120, { type: 'write.succeeded', lease: stored(update, '10') }), [
    { type: 'elected', identity: 'me', term: 5 },
    { type: 'armDeadline', at: T0 + 1100 + 800 },
    { type: 'armTick', at: T0 + 1100 + 200 },
  ], 'elected, its deadline 800 ms after the write was sent')
})

t.test('lease elector - a slow renewal is followed at once: renewals keep their cadence from when each began', async (t) => {
  const e = leader()
  const [first] = e.at(200, { type: 'tick' })
  // 450 ms through a loaded store: more than the 200 ms retry period.
  t.same(e.at(650, { type: 'write.succeeded', lease: stored(first, '2') }), [
    { type: 'armDeadline', at: T0 + 200 + 800 },
    { type: 'armTick', at: T0 + 650 },
  ], 'no pause of a retry period after it')
  const [second] = e.at(650, { type: 'tick' })
  t.match(second, { type: 'update' })
  // Another 300 ms: 950 ms after the first began, within its 800 ms deadline counted from 200.
  t.same(e.at(950, { type: 'write.succeeded', lease: stored(second, '3') }), [
    { type: 'armDeadline', at: T0 + 650 + 800 },
    { type: 'armTick', at: T0 + 950 },
  ])
  t.equal(e.state.role, 'leading', 'still leading: with a pause after the first, the second would have begun at 850 and landed after its deadline at 1000')
  t.same(e.at(1000, { type: 'deadline' }), [{ type: 'armDeadline', at: T0 + 1450 }], 'the old deadline is armed again, not lost')
})

t.test("lease elector - a leader's renewal says its answer counts until the renew deadline; a candidate's write does not", async (t) => {
  const e = leader()
  const [renewal] = e.at(200, { type: 'tick' })
  t.match(renewal, { type: 'update', answerBy: T0 + 800 }, 'the term began with the write sent at 0: deadline 800')
  e.at(250, { type: 'write.succeeded', lease: stored(renewal, '2') })
  const [next] = e.at(400, { type: 'tick' })
  t.match(next, { type: 'update', answerBy: T0 + 200 + 800 }, 'counted from the last renewal that landed')
  const candidate = elector()
  candidate.at(0, { type: 'watched', lease: lease('9', theirs(0)) })
  candidate.at(1000, { type: 'tick' })
  const [take] = candidate.at(1010, { type: 'read.found', lease: lease('9', theirs(0)) })
  t.match(take, { type: 'update', lease: { spec: { holderIdentity: 'me' } } })
  t.notOk(take !== undefined && 'answerBy' in take, 'a takeover waits the client timeout, as any call')
})
