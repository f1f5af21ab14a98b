import t from 'tap'
import { electionStep, microTime, mustStepDown, observe, releasedRecord, validateElectionConfig, type ElectionConfig } from '../../../actors/leader/lease-election.ts'
import { parseLeaderOptions } from '../../../actors/leader/leader-options.ts'
import { LEADER_DEFAULTS, SCHEDULER_LEADER_DEFAULTS } from '../../../actors/leader/leader-elected.machine.ts'
import { schedulerKind } from '../../../actors/scheduler/scheduler.kind.ts'
import { controllerManagerKind } from '../../../actors/controllers/controller-manager.kind.ts'

const config: ElectionConfig = { identity: 'a', leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 200 }
const T0 = Date.parse('2026-01-01T00:00:00Z')

t.test('lease election - no lease: create one held by me', async (t) => {
  t.same(electionStep(undefined, T0, T0, config, false), {
    kind: 'create',
    record: { holderIdentity: 'a', leaseDurationSeconds: 1, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 0 },
  })
})

t.test('lease election - a live lease of another: wait; expired by my own clock: take it over, transitions + 1', async (t) => {
  const theirs = { holderIdentity: 'b', leaseDurationSeconds: 1, acquireTime: microTime(T0 - 60_000), renewTime: microTime(T0 - 60_000), leaseTransitions: 3 }
  // Their timestamps are a minute old (skewed clock), but I saw the record change just now: still live.
  const seen = observe(undefined, theirs, '10', T0)
  t.same(electionStep(seen, T0 + 999, T0 + 999, config, false), { kind: 'wait', holder: 'b' })
  // Reading the same version again does not restart the clock.
  t.equal(observe(seen, theirs, '10', T0 + 500).observedAt, T0)
  const step = electionStep(observe(seen, theirs, '10', T0 + 1000), T0 + 1000, T0 + 1000, config, false)
  t.match(step, { kind: 'update', resourceVersion: '10', record: { holderIdentity: 'a', leaseTransitions: 4, acquireTime: microTime(T0 + 1000) } })
  // A renewal by b (new version) restarts the wait.
  const renewed = observe(seen, { ...theirs, renewTime: microTime(T0 + 900) }, '11', T0 + 950)
  t.same(electionStep(renewed, T0 + 1500, T0 + 1500, config, false), { kind: 'wait', holder: 'b' })
})

t.test('lease election - renewing my own lease keeps acquireTime and transitions', async (t) => {
  const mine = { holderIdentity: 'a', leaseDurationSeconds: 1, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 }
  t.match(electionStep(observe(undefined, mine, '5', T0), T0 + 200, T0 + 200, config, true), { kind: 'update', resourceVersion: '5', record: { acquireTime: microTime(T0), renewTime: microTime(T0 + 200), leaseTransitions: 2 } })
})

t.test('lease election - a candidate that finds the lease in its own name (it stopped leading) starts a new term', async (t) => {
  const mine = { holderIdentity: 'a', leaseDurationSeconds: 1, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 }
  t.match(electionStep(observe(undefined, mine, '5', T0), T0 + 900, T0 + 900, config, false), { kind: 'update', resourceVersion: '5', record: { holderIdentity: 'a', acquireTime: microTime(T0 + 900), leaseTransitions: 3 } })
})

t.test('lease election - a released lease (no holder) is taken at once', async (t) => {
  const released = releasedRecord({ holderIdentity: 'b', leaseTransitions: 1 }, T0)
  t.equal(released.holderIdentity, '')
  t.match(electionStep(observe(undefined, released, '7', T0), T0, T0, config, false), { kind: 'update', record: { holderIdentity: 'a', leaseTransitions: 2 } })
})

t.test('lease election - the leader steps down once its last renewal is renewDeadline old', async (t) => {
  t.notOk(mustStepDown(T0, T0 + 799, config))
  t.ok(mustStepDown(T0, T0 + 800, config))
})

t.test('lease election - configs that could not fence are refused', async (t) => {
  t.throws(() => validateElectionConfig({ ...config, renewDeadlineMs: 1000 }), /must exceed renewDeadlineMs/)
  t.throws(() => validateElectionConfig({ ...config, renewDeadlineMs: 100 }), /must exceed retryPeriodMs/)
  t.throws(() => validateElectionConfig({ ...config, identity: '' }), /identity/)
  t.same(validateElectionConfig(config), config)
})

t.test('leader options - timings that could not fence are refused with the config, naming the kind', async (t) => {
  const base = { apiservers: ['m1'] }
  t.match(parseLeaderOptions(base, 'scheduler', 'kube-scheduler'), { leaseName: 'kube-scheduler', leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 })
  t.throws(() => parseLeaderOptions({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1500 }, 'scheduler', 'kube-scheduler'), { name: 'RangeError', message: /^scheduler: leader election: the lease duration \(1 s\) must exceed renewDeadlineMs \(1500\)/ })
  t.throws(() => parseLeaderOptions({ ...base, retryPeriodMs: 1500 }, 'controllermanager', 'kube-controller-manager'), /^controllermanager: .*must exceed retryPeriodMs/)
})

t.test("leader options - the scheduler's kind defaults to its timings, the others to LEADER_DEFAULTS; a config overrides either", async (t) => {
  const base = { apiservers: ['m1'] }
  t.match(schedulerKind.parseOptions(base), { leaseName: 'kube-scheduler', ...SCHEDULER_LEADER_DEFAULTS })
  t.match(schedulerKind.parseOptions({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 850, retryPeriodMs: 150 }), { leaseDurationMs: 1000, renewDeadlineMs: 850, retryPeriodMs: 150 })
  t.match(controllerManagerKind.parseOptions(base), { leaseName: 'kube-controller-manager', ...LEADER_DEFAULTS })
})
