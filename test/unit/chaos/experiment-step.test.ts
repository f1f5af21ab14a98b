/**
 * The chaos experiment step on a simulated clock (experiment-driver.ts stands in for the
 * adapter): phases, Serial and Parallel faults, leases and renewals, abort healing everything at
 * once, repeat with interval, targets from the seed, time to detect / recover, availability, the
 * verdict rules, and a controller taking over mid-experiment: faults resumed until their planned
 * end, expired ones healed, the round going on as planned, no fault left behind.
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

t.test('experiment - a controller taking over mid-experiment resumes the faults in force until their planned end', async (t) => {
  const s = spec({ repeat: 2, method: { mode: 'Parallel', faults: [fault('a', { duration: '60s' }), fault('b', { duration: '60s' })] } })
  const old = Driver.start(s, 31, { candidates }).run(T0 + 20_000)
  t.equal(old.state.phase, 'Observing')
  const written = old.status!
  t.equal(written.faults.filter((f) => f.healedAt === undefined).length, 2, 'two faults in force when the controller dies')
  const leases = written.faults.map((f) => Date.parse(f.leaseExpiresAt!))
  t.ok(leases.every((l) => l <= T0 + 20_000 + 10_000), 'each lapses on its host within a lease if nobody renews it')
  const ends = written.faults.map((f) => Date.parse(f.injectedAt!) + 60_000)

  // The new leader takes over 15 s later, knowing only the status.
  const takeover = T0 + 35_000
  const restored = restoreExperiment(planOf(s), written, 999, takeover)
  t.same(restored.effects.filter((e) => e.type === 'heal'), [], 'nothing healed: both are still within their 60 s')
  const resumed = restored.effects.filter((e) => e.type === 'inject')
  t.same(
    resumed.map((e) => (e.type === 'inject' ? [e.fault, e.round, e.targets, e.leaseExpiresAt, e.resume] : [])),
    written.faults.map((f) => [f.name, 1, f.targets, takeover + 10_000, true]),
    'granted again under the same lease (fault, round), for one lease from the takeover',
  )
  t.match(restored.effects.find((e) => e.type === 'event'), { eventType: 'Warning', reason: 'ControllerRestarted' })
  t.equal(restored.state.seed, 31, 'the seed comes from the status, not the new controller')
  t.equal(restored.state.phase, 'Observing')

  const d = new Driver({ candidates }, restored, takeover).run()
  t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
  const roundOne = d.log.filter((r) => (r.effect.type === 'renew' || r.effect.type === 'heal') && r.effect.round === 1)
  t.same(d.effects('heal').filter((r) => r.effect.round === 1).map((r) => [r.effect.fault, r.at]), [['a', ends[0]], ['b', ends[1]]], 'healed at their planned end')
  const renews = roundOne.filter((r) => r.effect.type === 'renew')
  t.ok(renews.length >= 2 * 7, `renewed until then (${renews.length})`)
  for (const r of renews) if (r.effect.type === 'renew') t.ok(r.effect.leaseExpiresAt <= ends[0]! && r.effect.leaseExpiresAt > r.at, `renew at +${r.at - takeover} within the fault's end`)
  const roundTwo = d.effects('inject').filter((r) => r.effect.round === 2)
  t.same(roundTwo.map((r) => [r.effect.fault, r.effect.resume ?? false]), [['a', false], ['b', false]], 'round 2 runs in full')
  t.same(d.status!.faults.filter((f) => f.healedAt === undefined), [], 'no fault in force at the end')
  const until = new Date(ends[0]!).toISOString()
  t.same(d.status!.warnings, [`controller restarted at ${new Date(takeover).toISOString()} in Observing, round 1: resumed a until ${until}, b until ${until}`])
  t.same(d.status!.probes[0]!.successes >= written.probes[0]!.successes, true, 'probe counts carried over')

  const again = Driver.start(s, 31, { candidates }).run()
  t.same(roundTwo.map((r) => r.effect.targets), again.effects('inject').filter((r) => r.effect.round === 2).map((r) => r.effect.targets), 'round 2 draws the targets an uninterrupted run draws')
  t.same(d.status!.faults.map((f) => f.healedAt), again.status!.faults.map((f) => f.healedAt).map((h, i) => (i < 2 ? h : d.status!.faults[i]!.healedAt)), 'round 1 ends when an uninterrupted run ends it')

  const done = restoreExperiment(planOf(s), again.status, 1, T0 + 999_000)
  t.same(done.effects, [], 'a completed experiment: nothing to do')
  t.equal(done.state.verdict, 'Passed')
  const fresh = restoreExperiment(planOf(s), undefined, 4242, T0)
  t.equal(fresh.state.seed, 4242, 'no status yet: a fresh start with the seed given')
})

t.test("experiment - a controller taking over after a fault's planned end heals it at once and goes on", async (t) => {
  const s = spec({ method: { faults: [fault('a', { duration: '20s' }), fault('b', { duration: '5s' })] } })
  const old = Driver.start(s, 8, { candidates }).run(T0 + 10_000)
  const written = old.status!
  t.match(written, { phase: 'Observing', faults: [{ name: 'a' }] })
  const end = Date.parse(written.faults[0]!.injectedAt!) + 20_000
  // Taken over only after the fault's end (the store was slow, say): its lease lapsed long ago.
  const takeover = end + 3000
  const restored = restoreExperiment(planOf(s), written, 1, takeover)
  t.same(restored.effects.filter((e) => e.type === 'heal').map((e) => (e.type === 'heal' ? e.fault : '')), ['a'], 'healed at once')
  t.same(restored.effects.filter((e) => e.type === 'inject'), [], 'not granted again')
  const d = new Driver({ candidates }, restored, takeover).run()
  t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
  t.same(d.effects('inject').map((r) => [r.effect.fault, r.at]), [['b', takeover]], 'Serial: the next fault follows')
  t.match(d.status!.warnings, [/^controller restarted at .* in Observing, round 1: healed a$/])
  t.equal(d.status!.faults[0]!.healedAt, new Date(takeover).toISOString())
})

t.test('experiment - a Serial plan taken over mid-fault resumes it, then goes on with its next fault', async (t) => {
  const s = spec({ method: { faults: [fault('a', { duration: '20s' }), fault('b', { duration: '5s' }), fault('c', { duration: '5s' })] } })
  const withC = { ...candidates, c: MASTERS }
  const uninterrupted = Driver.start(s, 8, { candidates: withC }).run()
  const old = Driver.start(s, 8, { candidates: withC }).run(T0 + 10_000)
  const written = old.status!
  const takeover = T0 + 14_000
  const restored = restoreExperiment(planOf(s), written, 1, takeover)
  t.equal(restored.state.nextFault, 1, 'the fault after the one recorded')
  const d = new Driver({ candidates: withC }, restored, takeover).run()
  t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
  const schedule = (x: Driver) => x.log.filter((r) => (r.effect.type === 'inject' && r.effect.resume === undefined) || r.effect.type === 'heal').map((r) => [r.effect.type, 'fault' in r.effect ? r.effect.fault : '', r.at])
  t.same(schedule(d), schedule(uninterrupted).filter(([, , at]) => (at as number) >= takeover), 'a heals at its planned end, b and c follow as in an uninterrupted run')
  t.same(d.effects('inject').filter((r) => r.effect.resume === true).map((r) => r.effect.fault), ['a'])
  t.match(d.status!.warnings, [/^controller restarted at .* in Observing, round 1: resumed a until \S+Z$/])

  // Taken over while b was being aimed (a already healed): b is aimed and injected.
  const aiming = uninterrupted.effects('writeStatus').map((r) => r.effect.status).find((w) => w.phase === 'Injecting' && w.faults.length === 1)
  if (aiming === undefined) return t.fail('no Injecting status with one fault was written')
  const next = new Driver({ candidates: withC }, restoreExperiment(planOf(s), aiming, 1, T0 + 40_000), T0 + 40_000).run()
  t.same(next.effects('inject').map((r) => r.effect.fault), ['b', 'c'], 'the rest of the round runs')
  t.equal(next.state.verdict, 'Passed', next.state.reason ?? '')
})

t.test('experiment - a Parallel plan taken over while aiming its faults aims the unrecorded ones again', async (t) => {
  const s = spec({ method: { mode: 'Parallel', faults: [fault('a', { duration: '20s' }), fault('b', { duration: '20s' })] } })
  const old = Driver.start(s, 8, { candidates }).run()
  const written = old.effects('writeStatus').map((r) => r.effect.status).find((w) => w.phase === 'Injecting' && w.faults.length === 1)
  if (written === undefined) return t.fail('no Injecting status with one fault was written')
  const takeover = Date.parse(written.faults[0]!.injectedAt!) + 2000
  const d = new Driver({ candidates }, restoreExperiment(planOf(s), written, 1, takeover), takeover).run()
  t.same(d.effects('inject').map((r) => [r.effect.fault, r.effect.resume ?? false]), [['a', true], ['b', false]])
  t.same(d.effects('heal').map((r) => [r.effect.fault, r.at - takeover]), [['a', 18_000], ['b', 20_000]], 'each healed at its own planned end')
  t.match(d.status!.warnings, [/in Injecting, round 1: resumed a until \S+; aiming b again$/])
  t.equal(d.state.verdict, 'Passed', d.state.reason ?? '')
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
