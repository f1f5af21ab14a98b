/**
 * The probe timeline in `.status`: run-length segments merged while the result does not change,
 * the cap merging the oldest, kept by the experiment step on the simulated clock in every phase,
 * written to `.status` and rebuilt from it by a controller taking over.
 */
import t from 'tap'
import type { ChaosExperimentSpec } from '../../../actors/chaos/api.ts'
import { planOf } from '../../../actors/chaos/experiment-plan.ts'
import { restoreExperiment } from '../../../actors/chaos/experiment-status.ts'
import { recordResult, restoredTimeline, timelineStatus, type TimelineSegment } from '../../../actors/chaos/probe-timeline.ts'
import { Driver, T0 } from './experiment-driver.ts'

const record = (results: readonly (readonly [number, boolean, string?])[], max?: number, gapMs = Infinity): readonly TimelineSegment[] =>
  results.reduce<readonly TimelineSegment[]>((segments, [at, ok, error]) => recordResult(segments, ok, error, at, gapMs, max), [])

t.test('probe timeline - equal results extend a segment; a change starts the next where the last ended', async (t) => {
  const segments = record([[0, true], [500, true], [1000, false, 'timeout'], [1500, false, 'refused'], [2000, true], [2500, true]])
  t.same(segments, [
    { from: 0, to: 1000, ok: true },
    { from: 1000, to: 2000, ok: false, error: 'timeout' },
    { from: 2000, to: 2500, ok: true },
  ])
  t.same(record([[0, false]]), [{ from: 0, to: 0, ok: false, error: 'failed' }], 'a failure without a message still says it failed')
  t.same(record([[0, true], [500, true], [9000, true], [9500, false]], undefined, 2000), [
    { from: 0, to: 500, ok: true },
    { from: 9000, to: 9500, ok: true },
    { from: 9500, to: 9500, ok: false, error: 'failed' },
  ], 'no result for longer than the gap: a gap, even between equal results')
})

t.test('probe timeline - past the cap the two oldest segments merge (mixed when they differ); the recent ones keep their detail', async (t) => {
  const flapping = Array.from({ length: 50 }, (_, i) => [i * 100, i % 2 === 0, 'down'] as const)
  const segments = record(flapping, 10)
  t.equal(segments.length, 10)
  t.same(segments[0], { from: 0, to: 4100, ok: false, error: 'down', mixed: true }, 'the oldest 41 results in one mixed segment')
  t.same(segments.slice(1).map((s) => [s.from, s.ok]), [[4100, false], [4200, true], [4300, false], [4400, true], [4500, false], [4600, true], [4700, false], [4800, true], [4900, false]])
  t.same(record([[0, true], [1, true], [2, true]], 1), [{ from: 0, to: 2, ok: true }], 'equal results never need the cap')
})

t.test('probe timeline - to .status and back', async (t) => {
  const segments = record([[T0, true], [T0 + 1000, false, 'node worker-1 is not Ready'], [T0 + 3000, true]])
  const status = timelineStatus(segments)
  t.same(status[1], { from: '2026-12-06T12:00:01.000Z', to: '2026-12-06T12:00:03.000Z', ok: false, error: 'node worker-1 is not Ready' })
  t.same(restoredTimeline(status), segments)
  t.same(restoredTimeline([{ from: 'yesterday', to: '2026-12-06T12:00:03.000Z', ok: true }]), [], 'an unreadable segment is left out')
  t.same(restoredTimeline(undefined), [])
})

const spec: ChaosExperimentSpec = {
  steadyState: { probes: [{ name: 'web', type: 'http', interval: '500ms', timeout: '200ms', http: { url: 'http://127.0.0.1/' } }] },
  method: { faults: [{ name: 'stop', kind: 'host-stop', duration: '5s', target: { hosts: { roles: ['master'] } } }] },
}
const candidates = { stop: ['master-1', 'master-2', 'master-3'] }

t.test('probe timeline - kept by the step on the simulated clock, from the steady-state check to the verdict', async (t) => {
  // Fails from 1.2 s to 3.4 s after the start, while the fault (from ~0.01 s to ~5 s) is in.
  const healthy = (_: string, when: number): boolean => !(when - T0 >= 1200 && when - T0 < 3400)
  const d = Driver.start(spec, 9, { candidates, healthy }).run()
  t.equal(d.state.verdict, 'Passed')
  const timeline = d.status!.probes[0]!.timeline!
  t.same(timeline.map((s) => s.ok), [true, false, true])
  const [before, failing, after] = timeline.map((s) => ({ from: Date.parse(s.from) - T0, to: Date.parse(s.to) - T0 }))
  t.equal(before!.from, 10, 'the first result, in the steady-state check')
  t.ok(failing!.from >= 1200 && failing!.from < 1200 + 500 + 20, `the failure starts at the first failing run: +${failing!.from}`)
  t.equal(failing!.to, after!.from, 'contiguous')
  t.equal(Date.parse(timeline[1]!.from), Date.parse(d.status!.rounds[0]!.detectedAt!), 'the failing segment starts where the failure was detected')
  t.equal(Date.parse(timeline[2]!.from), Date.parse(d.status!.rounds[0]!.recoveredAt!), 'the passing one after it where the round recovered')
  t.equal(after!.to, Date.parse(d.status!.finishedAt!) - T0, 'up to the last result, at the verdict')
  t.equal(timeline[1]!.error, 'probe failed')
  t.ok(JSON.stringify(d.status).length < 3000, 'the status stays small')
})

t.test('probe timeline - a controller taking over keeps the timeline written and goes on adding to it', async (t) => {
  const healthy = (_: string, when: number): boolean => !(when - T0 >= 1200 && when - T0 < 2400)
  const old = Driver.start(spec, 9, { candidates, healthy }).run(T0 + 4000)
  const written = old.status!
  t.same(written.probes[0]!.timeline!.map((s) => s.ok), [true, false, true])
  const takeover = T0 + 9000
  const d = new Driver({ candidates }, restoreExperiment(planOf(spec), written, 1, takeover), takeover).run()
  t.equal(d.state.verdict, 'Passed')
  const timeline = d.status!.probes[0]!.timeline!
  t.same(timeline.slice(0, 2), written.probes[0]!.timeline!.slice(0, 2), 'what was written survives')
  t.same(timeline.slice(2).map((s) => s.ok), [true, true], 'a gap while no controller probed, then the new leader’s results')
  t.equal(timeline[3]!.from, new Date(takeover + 10).toISOString(), 'from the new leader’s first result')
  t.equal(d.status!.probes[0]!.failures, written.probes[0]!.failures, 'no run counted lost across the takeover')
})
