/**
 * The chaos report model (actors/chaos/experiment-report.ts) from an experiment run by the pure
 * step on the simulated clock: the spec summarized in words, the seed and verdict, per fault its
 * targets and times, per round time to detect and recover, per probe availability and timeline,
 * store results when the status has them; a status-less experiment refused with a clear error.
 */
import t from 'tap'
import type { ChaosExperimentSpec } from '../../../actors/chaos/api.ts'
import { buildReport, probeText, REPORT_VERSION, targetText } from '../../../actors/chaos/experiment-report.ts'
import { T0 } from './experiment-driver.ts'
import { WORKER_KILL, workerKillRun } from './report-fixture.ts'

const at = (s: number): string => new Date(T0 + s).toISOString()

t.test('chaos report - the model of a finished run: verdict, seed, faults, rounds, probes with their timelines', async (t) => {
  const d = workerKillRun()
  const report = buildReport({ metadata: { name: 'worker-kill', namespace: 'default', uid: 'u-1' }, spec: WORKER_KILL, status: d.status! }, at(60_000))
  t.match(report, {
    reportVersion: REPORT_VERSION,
    experiment: { name: 'worker-kill', namespace: 'default', uid: 'u-1' },
    generatedAt: at(60_000),
    phase: 'Completed',
    verdict: 'Passed',
    reason: 'AllProbesRecovered',
    seed: 9,
    startedAt: at(0),
    spec: { mode: 'Serial', repeat: 1, faults: [{ name: 'kill-worker', kind: 'host-kill', duration: '5s', mode: 'one', target: 'hosts roles=worker' }] },
  })
  t.equal(report.durationMs, Date.parse(report.finishedAt!) - T0)
  const [fault] = report.faults
  t.equal(fault!.targets.length, 1)
  t.equal(fault!.durationMs, 5000, 'in force from injection to heal')
  const [round] = report.rounds
  t.equal(round!.timeToDetectMs, d.status!.rounds[0]!.timeToDetectMs)
  t.equal(round!.timeToRecoverMs, d.status!.timeToRecoverMs)
  t.same(report.probes.map((p) => [p.name, p.type, p.checks]), [
    ['web', 'http', 'GET service default/web:80 -> 200'],
    ['worker-ready', 'kubernetes', 'node worker-1 Ready'],
  ])
  t.equal(report.probes[0]!.minAvailabilityPercent, 50)
  t.same(report.probes[1]!.timeline.map((s) => s.ok), [true, false, true])
  t.same(report.probes[1]!.timeline, d.status!.probes[1]!.timeline, 'the timeline as the status has it')
  t.equal(report.store, undefined, 'no store probe, no store section')
  t.same(JSON.parse(JSON.stringify(report)), report, 'plain JSON')
})

t.test('chaos report - mid-run, store results, unhealed faults and an experiment with no status', async (t) => {
  const status = {
    phase: 'Observing' as const,
    seed: 3,
    round: 1,
    startedAt: at(0),
    faults: [{ name: 'stop', round: 1, kind: 'host-stop', targets: ['master-2'], injectedAt: at(1000) }],
    rounds: [{ round: 1, injectedAt: at(1000) }],
    probes: [{ name: 'writes', successes: 5, failures: 0, availabilityPercent: 100, linearizable: true, operations: 120, ackedWritesLost: 0 }],
    ackedWritesLost: 0,
    linearizable: true,
    errors: [],
    warnings: ['round 1: fault x: the target selector matches nothing; not injected'],
    conditions: [],
  }
  const spec: ChaosExperimentSpec = { steadyState: { probes: [{ name: 'writes', type: 'store', store: { keyPrefix: '/chaos/a/' } }] }, method: { faults: [{ name: 'stop', kind: 'host-stop', duration: '1m', target: { leader: 'store' } }] } }
  const report = buildReport({ metadata: { name: 'a' }, spec, status }, at(31_000))
  t.equal(report.verdict, undefined)
  t.equal(report.faults[0]!.durationMs, 30_000, 'a fault still in force: up to the report')
  t.match(report.probes[0], { checks: 'linearizable writes and reads under /chaos/a/', linearizable: true, operations: 120, ackedWritesLost: 0, timeline: [] })
  t.same(report.store, { linearizable: true, ackedWritesLost: 0 })
  t.same(report.warnings, status.warnings)
  t.throws(() => buildReport({ metadata: { name: 'fresh' }, spec }, at(0)), /chaosexperiment fresh has no status yet: no chaos controller has run it/)
})

t.test('chaos report - selectors and probes in words', async (t) => {
  t.equal(targetText({ hosts: { names: ['master-1'], roles: ['master'] } }), 'hosts names=master-1 roles=master')
  t.equal(targetText({ actors: { kind: 'scheduler', ids: ['master-2'] } }), 'actors scheduler/master-2')
  t.equal(targetText({ pods: { namespace: 'demo', selector: { matchLabels: { app: 'web' } } } }), 'pods demo app=web')
  t.equal(targetText({ groups: [['master-1'], ['master-2', 'master-3']] }), 'groups [master-1] | [master-2,master-3]')
  t.equal(targetText({ nodes: {} }), 'nodes all')
  t.equal(probeText({ name: 'd', type: 'kubernetes', kubernetes: { deploymentAvailable: { name: 'web' } } }), 'deployment default/web Available')
  t.equal(probeText({ name: 'p', type: 'kubernetes', kubernetes: { podsReady: { selector: { matchLabels: { app: 'web' } }, count: 3 } } }), '3 pods Ready in default (app=web)')
  t.equal(probeText({ name: 'h', type: 'http', http: { url: 'http://127.0.0.1:8080/healthz', bodyMatches: 'ok' } }), 'GET http://127.0.0.1:8080/healthz -> 200 /ok/')
  t.equal(probeText({ name: 'm', type: 'metric', metric: { expr: 'up', comparator: { op: '>=', value: 3 } } }), 'up >= 3')
})
