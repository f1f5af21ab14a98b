/**
 * The chaos experiment step on a simulated clock (experiment-driver.ts stands in for the
 * adapter): phases, Serial and Parallel faults, leases and renewals, abort healing everything at
 * once, repeat with interval, targets from the seed, time to detect / recover, availability, the
 * verdict rules, and a controller restarting mid-experiment with no fault left behind.
 */
import t from 'tap'
import type { ChaosExperimentSpec, FaultSpec } from '../../../actors/chaos/api.ts'
import { planOf } from '../../../actors/chaos/experiment-plan.ts'
import { restoreExperiment } from '../../../actors/chaos/experiment-status.ts'
import { Driver, T0, type Recorded } from './experiment-driver.ts'

const fault = (name: string, extra: Partial<FaultSpec> = {}): FaultSpec => ({ name, kind: 'host-stop', duration: '5s', target: { hosts: { roles: ['master'] } }, ...extra })
const probe = (name: string, interval = '500ms') => ({ name, type: 'http' as const, interval, timeout: '200ms', http: { url: 'http://127.0.0.1/' } })
const spec = (extra: Partial<ChaosExperimentSpec> = {}): ChaosExperimentSpec => ({ steadyState: { probes: [probe('web')] }, method: { faults: [fault('stop-a'), fault('stop-b')] }, ...extra })
const MASTERS = ['master-1', 'master-2', 'master-3']
const candidates = { 'stop-a': MASTERS, 'stop-b': MASTERS, a: MASTERS, b: MASTERS }
const kinds = (d: Driver): string[] => d.log.map((r) => r.effect.type).filter((type) => type !== 'armTimer' && type !== 'runProbe' && type !== 'writeStatus')
const at = (r: Recorded): number => r.at - T0

t.test('experiment - Serial: steady state, each fault injected for its duration and healed, then recovery and Passed', async (t) => {
  const d = Driver.start(spec(), 42, { candidates }).run()
  t.equal(d.state.phase, 'Completed')
  t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
  t.same(kinds(d).filter((k) => k !== 'event'), ['resolveTargets', 'inject', 'renew', 'heal', 'resolveTargets', 'inject', 'renew', 'heal'])
  const injects = d.effects('inject')
  const heals = d.effects('heal')
  t.same(injects.map((r) => r.effect.fault), ['stop-a', 'stop-b'])
  t.equal(at(heals[0]!) - at(injects[0]!), 5000, 'healed after its duration')
  t.equal(at(injects[1]!), at(heals[0]!), 'Serial: the next fault starts when the one before is healed')
  t.same(heals.map((r) => r.effect.targets), injects.map((r) => r.effect.targets), 'heals what was injected')
  const reasons = d.effects('event').map((r) => r.effect.reason)
  t.same(reasons, ['Started', 'SteadyStateMet', 'FaultInjected', 'FaultHealed', 'FaultInjected', 'FaultHealed', 'Recovered', 'Passed'])
  t.match(d.status, { phase: 'Completed', verdict: 'Passed', seed: 42, round: 1, faults: [{ name: 'stop-a', injectedAt: /Z$/, healedAt: /Z$/ }, { name: 'stop-b' }], probes: [{ name: 'web', failures: 0, availabilityPercent: 100 }], conditions: [{ type: 'Completed', status: 'True', reason: 'Passed' }] })
  t.equal(d.status?.timeToDetectMs, undefined, 'nothing failed, nothing detected')
})

t.test('experiment - leases: every inject and renew expires within one lease and never after the fault ends', async (t) => {
  const d = Driver.start(spec({ method: { faults: [fault('a', { duration: '30s' })] } }), 1, { candidates }).run()
  const inject = d.effects('inject')[0]!
  const end = inject.at + 30_000
  t.equal(inject.effect.leaseExpiresAt, inject.at + 10_000)
  const renews = d.effects('renew')
  t.ok(renews.length >= 8, `renewed every third of the lease (${renews.length})`)
  for (const r of renews) t.ok(r.effect.leaseExpiresAt <= Math.min(r.at + 10_000, end) && r.effect.leaseExpiresAt > r.at, `renew at +${r.at - inject.at}`)
  for (let i = 1; i < renews.length; i++) t.ok(renews[i]!.at - renews[i - 1]!.at <= 3334, 'no gap longer than a third of the lease')
  t.equal(renews.at(-1)!.effect.leaseExpiresAt, end, 'the last lease ends with the fault')
  const before = d.log[d.log.indexOf(inject) - 1]!
  t.match(before, { at: inject.at, effect: { type: 'writeStatus', status: { faults: [{ name: 'a', targets: inject.effect.targets, injectedAt: new Date(inject.at).toISOString() }] } } }, 'the status names the fault before it is injected')
})

t.test('experiment - Parallel: all faults injected at once, each healed at its own end', async (t) => {
  const d = Driver.start(spec({ method: { mode: 'Parallel', faults: [fault('a', { duration: '2s' }), fault('b', { duration: '4s' })] } }), 3, { candidates }).run()
  const [a, b] = d.effects('inject')
  t.equal(a!.at, b!.at)
  t.same(d.effects('heal').map((r) => [r.effect.fault, r.at - a!.at]), [['a', 2000], ['b', 4000]])
  t.equal(d.state.verdict, 'Passed')
})

t.test('experiment - time to detect, time to recover and availability from probe results', async (t) => {
  // The service fails from 1.2 s to 3.4 s after the start (the fault goes in at ~0.01 s).
  const healthy = (_: string, when: number): boolean => !(when - T0 >= 1200 && when - T0 < 3400)
  const d = Driver.start(spec({ method: { faults: [fault('a', { duration: '5s' })] } }), 9, { candidates, healthy }).run()
  const injectedAt = d.effects('inject')[0]!.at
  t.equal(d.state.verdict, 'Passed', 'recovered within the recovery timeout')
  const round = d.status!.rounds[0]!
  t.equal(round.timeToDetectMs, Date.parse(round.detectedAt!) - injectedAt)
  t.ok(round.timeToDetectMs! >= 1200 - 10 && round.timeToDetectMs! <= 1200 + 500 + 10, `detected by the first run after 1.2 s: ${round.timeToDetectMs}`)
  t.ok(round.timeToRecoverMs! >= 3400 - 10 && round.timeToRecoverMs! <= 3400 + 500 + 10, `recovered at the first passing run after 3.4 s: ${round.timeToRecoverMs}`)
  t.equal(d.status!.timeToRecoverMs, round.timeToRecoverMs)
  const p = d.status!.probes[0]!
  t.ok(p.failures >= 4 && p.failures <= 5, `failing runs: ${p.failures}`)
  t.equal(p.availabilityPercent, Math.round((p.successes / (p.successes + p.failures)) * 10_000) / 100)
  t.same(d.effects('event').filter((r) => r.effect.eventType === 'Warning').map((r) => r.effect.reason), ['ProbeFailed'])
})

t.test('experiment - a probe failing during the faults aborts: every fault healed in one step, verdict Aborted', async (t) => {
  const healthy = (_: string, when: number): boolean => when - T0 < 1000
  const s = spec({ method: { mode: 'Parallel', faults: [fault('a', { duration: '20s' }), fault('b', { duration: '20s' })] }, abort: { onProbeFailure: true, failureThreshold: 2 } })
  const d = Driver.start(s, 5, { candidates, healthy }).run()
  t.equal(d.state.verdict, 'Aborted')
  const heals = d.effects('heal')
  t.equal(heals.length, 2)
  t.equal(heals[0]!.at, heals[1]!.at, 'healed at once')
  t.ok(heals[0]!.at - T0 < 2100, `aborted on the second failure, not at the faults' end: +${heals[0]!.at - T0}`)
  t.match(d.status, { verdict: 'Aborted', reason: /^probe web failed 2 time\(s\)/ })
  t.equal(d.status!.faults.filter((f) => f.healedAt === undefined).length, 0, 'no fault in force')
  const after = d.log.filter((r) => r.at > heals[0]!.at && r.effect.type !== 'writeStatus')
  t.same(after, [], 'nothing happens after the abort')
})

t.test('experiment - the abort annotation heals everything at once; later inputs change nothing', async (t) => {
  const d = Driver.start(spec({ method: { mode: 'Parallel', faults: [fault('a', { duration: '60s' }), fault('b', { duration: '60s' })] } }), 5, {
    candidates,
    inputs: [{ at: T0 + 7000, input: { type: 'abort', reason: 'annotation actorkube.io/abort=true' } }],
  }).run()
  t.equal(d.state.verdict, 'Aborted')
  t.same(d.effects('heal').map((r) => r.at - T0), [7000, 7000])
  const state = d.state
  d.feed({ type: 'probe.result', probe: 'web', ok: false })
  t.equal(d.state, state, 'a completed experiment ignores inputs')
})

t.test('experiment - repeat with interval: rounds separated by the interval, each checking the steady state first', async (t) => {
  const d = Driver.start(spec({ repeat: 3, interval: '10s', method: { faults: [fault('a', { duration: '2s' })] } }), 77, { candidates }).run()
  t.equal(d.state.verdict, 'Passed')
  const injects = d.effects('inject')
  t.same(injects.map((r) => r.effect.round), [1, 2, 3])
  for (let i = 1; i < 3; i++) t.ok(injects[i]!.at - d.effects('heal')[i - 1]!.at >= 10_000, `round ${i + 1} waits the interval`)
  t.equal(d.effects('event').filter((r) => r.effect.reason === 'SteadyStateMet').length, 3)
  t.same(d.status!.rounds.map((r) => r.round), [1, 2, 3])
  t.equal(d.status!.round, 3)
})

t.test('experiment - targets: modes, drawn from the seed, the same on a replay; nothing matched is a warning', async (t) => {
  const workers = Array.from({ length: 10 }, (_, i) => `worker-${i + 1}`)
  const cases = [
    { mode: 'one' as const, value: undefined, count: 1 },
    { mode: 'all' as const, value: undefined, count: 10 },
    { mode: 'fixed' as const, value: 3, count: 3 },
    { mode: 'percent' as const, value: 25, count: 3 },
  ]
  for (const c of cases) {
    const s = spec({ method: { faults: [fault('a', { mode: c.mode, ...(c.value !== undefined ? { value: c.value } : {}) })] } })
    const first = Driver.start(s, 1234, { candidates: { a: workers } }).run().effects('inject')[0]!.effect.targets
    const again = Driver.start(s, 1234, { candidates: { a: [...workers].reverse() } }).run().effects('inject')[0]!.effect.targets
    t.equal(first.length, c.count, `${c.mode} ${c.value ?? ''}`)
    t.same(again, first, 'the same seed draws the same targets, whatever order they are listed in')
  }
  const draws = new Set([1, 2, 3, 4, 5, 6].map((seed) => Driver.start(spec({ method: { faults: [fault('a')] } }), seed, { candidates: { a: workers } }).run().effects('inject')[0]!.effect.targets[0]))
  t.ok(draws.size > 1, `other seeds draw other targets: ${[...draws].join(', ')}`)
  const none = Driver.start(spec({ method: { faults: [fault('a'), fault('b')] } }), 1, { candidates: { b: ['master-1'] } }).run()
  t.equal(none.state.verdict, 'Passed')
  t.same(none.effects('inject').map((r) => r.effect.fault), ['b'])
  t.match(none.status!.warnings, [/fault a: the target selector matches nothing; not injected/])
})

t.test('experiment - verdict rules', async (t) => {
  const notMet = Driver.start(spec(), 1, { candidates, healthy: () => false }).run()
  t.match(notMet.state, { verdict: 'Failed', reason: 'SteadyStateNotMet: web' })
  t.equal(notMet.effects('inject').length, 0, 'nothing injected without a steady state')
  t.equal(notMet.now - T0, 30_000, 'after the steady-state timeout')

  const stuck = Driver.start(spec({ recoveryTimeout: '20s', method: { faults: [fault('a')] } }), 1, { candidates, healthy: (_, when) => when - T0 < 2000 }).run()
  t.match(stuck.state, { verdict: 'Failed', reason: 'NotRecovered: web' })
  t.equal(stuck.now - stuck.effects('heal')[0]!.at, 20_000)

  const lowAvailability = { name: 'web', type: 'http' as const, interval: '500ms', minAvailabilityPercent: 90, http: { url: 'http://x/' } }
  const low = Driver.start(spec({ steadyState: { probes: [lowAvailability] }, method: { faults: [fault('a')] } }), 1, { candidates, healthy: (_, when) => !(when - T0 > 1000 && when - T0 < 3000) }).run()
  t.match(low.state, { verdict: 'Failed', reason: 'AvailabilityBelowTarget: web under 90%' })

  const storeSpec = spec({ steadyState: { probes: [probe('web'), { name: 'writes', type: 'store' }] }, method: { faults: [fault('a')] } })
  const lost = Driver.start(storeSpec, 1, { candidates, store: { linearizable: true, ackedWritesLost: 2 } }).run()
  t.match(lost.state, { verdict: 'Failed', reason: 'AckedWritesLost: 2' })
  t.same(lost.effects('checkStore').map((r) => r.effect.probes), [['writes']])
  t.match(lost.status, { ackedWritesLost: 2, linearizable: true })
  const nonLinear = Driver.start(storeSpec, 1, { candidates, store: { linearizable: false, ackedWritesLost: 0 } }).run()
  t.match(nonLinear.state, { verdict: 'Failed', reason: 'NotLinearizable' })
  const silent = Driver.start(storeSpec, 1, { candidates, store: 'silent' }).run()
  t.match(silent.state, { verdict: 'Failed', reason: 'StoreCheckMissing' })
  const good = Driver.start(storeSpec, 1, { candidates }).run()
  t.match(good.state, { verdict: 'Passed' })

  const refused = Driver.start(spec({ method: { faults: [fault('a')] } }), 1, { candidates, inputs: [{ at: T0 + 100, input: { type: 'inject.failed', fault: 'a', error: 'host master-2: no such actor' } }] }).run()
  t.match(refused.state, { verdict: 'Failed', reason: /^InjectionFailed: round 1: fault a: host master-2: no such actor/ })
  t.match(refused.status!.faults, [{ name: 'a', error: 'host master-2: no such actor' }])

  const lostRuns = Driver.start(spec({ steadyState: { probes: [probe('web'), probe('mute')] }, method: { faults: [fault('a')] } }), 1, { candidates, silentProbes: ['mute'] }).run()
  t.match(lostRuns.state, { verdict: 'Failed', reason: 'SteadyStateNotMet: mute' }, 'a probe that never answers never passes')
})

t.test('experiment - a controller restarting mid-experiment: state rebuilt from .status, no fault left behind', async (t) => {
  const s = spec({ repeat: 2, method: { mode: 'Parallel', faults: [fault('a', { duration: '60s' }), fault('b', { duration: '60s' })] } })
  const old = Driver.start(s, 31, { candidates }).run(T0 + 20_000)
  t.equal(old.state.phase, 'Observing')
  const written = old.status!
  t.equal(written.faults.filter((f) => f.healedAt === undefined).length, 2, 'two faults in force when the controller dies')
  const leases = written.faults.map((f) => Date.parse(f.leaseExpiresAt!))
  t.ok(leases.every((l) => l <= T0 + 20_000 + 10_000), 'each lapses on its host within a lease if nobody heals it')

  // The new leader takes over 15 s later, knowing only the status.
  const takeover = T0 + 35_000
  const restored = restoreExperiment(planOf(s), written, 999, takeover)
  const heals = restored.effects.filter((e) => e.type === 'heal')
  t.same(heals.map((h) => (h.type === 'heal' ? [h.fault, h.round, h.targets] : [])), written.faults.map((f) => [f.name, 1, f.targets]), 'heals what the status shows in force, at once')
  t.match(restored.effects.find((e) => e.type === 'event'), { eventType: 'Warning', reason: 'ControllerRestarted' })
  t.equal(restored.state.seed, 31, 'the seed comes from the status, not the new controller')
  t.equal(restored.state.phase, 'Recovering')

  const d = new Driver({ candidates }, restored, takeover).run()
  t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
  t.same(d.effects('inject').map((r) => [r.effect.fault, r.effect.round]), [['a', 2], ['b', 2]], 'round 2 runs in full')
  t.same(d.status!.faults.filter((f) => f.healedAt === undefined), [], 'no fault in force at the end')
  t.match(d.status!.warnings, [/^controller restarted at .* in Observing, round 1: healed a, b; the rest of the round skipped$/])
  t.same(d.status!.faults.slice(0, 2).map((f) => f.healedAt), [new Date(takeover).toISOString(), new Date(takeover).toISOString()])
  t.same(d.status!.probes[0]!.successes >= written.probes[0]!.successes, true, 'probe counts carried over')

  const again = Driver.start(s, 31, { candidates }).run()
  t.same(d.effects('inject').map((r) => r.effect.targets), again.effects('inject').filter((r) => r.effect.round === 2).map((r) => r.effect.targets), 'round 2 draws the targets an uninterrupted run draws')

  const done = restoreExperiment(planOf(s), again.status, 1, T0 + 999_000)
  t.same(done.effects, [], 'a completed experiment: nothing to do')
  t.equal(done.state.verdict, 'Passed')
  const fresh = restoreExperiment(planOf(s), undefined, 4242, T0)
  t.equal(fresh.state.seed, 4242, 'no status yet: a fresh start with the seed given')
})

t.test('experiment - a controller taking over before a round injected anything runs that round in full', async (t) => {
  for (const mode of ['Serial', 'Parallel'] as const) {
    const s = spec({ method: { mode, faults: [fault('a'), fault('b')] } })
    const old = Driver.start(s, 7, { candidates }).run()
    // What the old leader last wrote before it lost its lease: Injecting, the targets not yet resolved.
    const written = old.effects('writeStatus').map((r) => r.effect.status).find((w) => w.phase === 'Injecting' && w.faults.length === 0)
    if (written === undefined) return t.fail(`${mode}: no Injecting status without faults was written`)
    const takeover = T0 + 20_000
    const restored = restoreExperiment(planOf(s), written, 999, takeover)
    t.equal(restored.state.phase, 'SteadyStateCheck', `${mode}: the round is checked again`)
    t.same(restored.effects.filter((e) => e.type === 'heal'), [], `${mode}: nothing to heal`)
    const d = new Driver({ candidates }, restored, takeover).run()
    t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
    t.same(d.effects('inject').map((r) => r.effect.fault), ['a', 'b'], `${mode}: both faults injected after the takeover`)
    t.same(d.effects('inject').map((r) => r.effect.targets), old.effects('inject').map((r) => r.effect.targets), `${mode}: the targets an uninterrupted run draws`)
    t.match(d.status!.warnings, [/^controller restarted at .* in Injecting, round 1: nothing injected yet; the round starts again$/])
  }
  // Taken over in its steady-state check, a Serial experiment also injects every fault.
  const serial = spec()
  const checking = Driver.start(serial, 7, { candidates }).effects('writeStatus')[0]!.effect.status
  t.equal(checking.phase, 'SteadyStateCheck')
  const resumed = new Driver({ candidates }, restoreExperiment(planOf(serial), checking, 1, T0 + 1000), T0 + 1000).run()
  t.same(resumed.effects('inject').map((r) => r.effect.fault), ['stop-a', 'stop-b'], 'Serial from its steady-state check: every fault')
})

t.test('experiment - status writes: phase changes at once, probe counts at most every statusEveryMs', async (t) => {
  const d = Driver.start(spec({ method: { faults: [fault('a', { duration: '10s' })] } }), 1, { candidates }).run()
  const writes = d.effects('writeStatus')
  for (let i = 1; i < writes.length; i++) {
    const [a, b] = [writes[i - 1]!, writes[i]!]
    const onlyCounts = JSON.stringify({ ...a.effect.status, probes: [] }) === JSON.stringify({ ...b.effect.status, probes: [] })
    if (onlyCounts) t.ok(b.at - a.at >= 1000, `probe-count write ${i} after ${b.at - a.at} ms`)
  }
  t.ok(writes.length < d.effects('runProbe').length, `fewer writes (${writes.length}) than probe runs (${d.effects('runProbe').length})`)
})
