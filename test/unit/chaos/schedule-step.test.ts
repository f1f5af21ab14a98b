/**
 * The ChaosSchedule step on a simulated clock: experiments named by their scheduled minute, made
 * only at scheduled times (the most recent missed one after downtime, never a burst), Forbid,
 * suspend, the history limit, status.active / lastScheduleTime, requeue at the next time.
 */
import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import { reconcileChaosSchedule, type ChaosExperiment, type ChaosSchedule } from '../../../actors/chaos/schedule-step.ts'
import type { ChaosScheduleSpec } from '../../../actors/chaos/api.ts'

const T0 = Date.parse('2026-12-06T12:00:30Z')
const MIN = 60_000

const schedule = (spec: Partial<ChaosScheduleSpec> = {}, status?: ChaosSchedule['status']): ChaosSchedule => ({
  apiVersion: 'chaos.actorkube.io/v1alpha1',
  kind: 'ChaosSchedule',
  metadata: { name: 'kill', namespace: 'default', uid: 'cs-uid', creationTimestamp: new Date(T0).toISOString() },
  spec: { schedule: '*/10 * * * *', experimentTemplate: { metadata: { labels: { team: 'sre' } }, spec: { method: { faults: [{ name: 'a', kind: 'pod-kill', duration: '10s', target: { pods: {} } }] } } }, ...spec },
  ...(status ? { status } : {}),
})

/** An experiment the schedule made, completed or not. */
const made = (name: string, phase: 'Observing' | 'Completed', finishedAt?: number): ChaosExperiment => ({
  metadata: { name, namespace: 'default', uid: `${name}-uid`, ownerReferences: [{ apiVersion: 'chaos.actorkube.io/v1alpha1', kind: 'ChaosSchedule', name: 'kill', uid: 'cs-uid', controller: true }] },
  spec: { method: { faults: [] } },
  status: { phase, seed: 1, round: 1, faults: [], rounds: [], probes: [], errors: [], warnings: [], conditions: [], ...(finishedAt ? { finishedAt: new Date(finishedAt).toISOString() } : {}) },
})

const creates = (actions: readonly Action[]) => actions.filter((a) => a.type === 'create').map((a) => (a.type === 'create' ? a.object : undefined)!)
const statusOf = (actions: readonly Action[]) => actions.find((a) => a.type === 'updateStatus')

t.test('chaos schedule - nothing before the first scheduled time; requeue at it', async (t) => {
  const r = reconcileChaosSchedule({ schedule: schedule(), experiments: [] }, T0)
  t.same(creates(r.actions), [])
  t.equal(r.requeueAfterMs, Date.parse('2026-12-06T12:10:00Z') - T0 + 100)
})

t.test('chaos schedule - a simulated hour: one experiment per scheduled time, named by its minute, owned and labelled', async (t) => {
  let cs = schedule()
  const experiments: ChaosExperiment[] = []
  for (let now = T0; now <= T0 + 60 * MIN; now += 15_000) {
    const r = reconcileChaosSchedule({ schedule: cs, experiments }, now)
    for (const object of creates(r.actions)) experiments.push(object as ChaosExperiment)
    const update = statusOf(r.actions)
    if (update?.type === 'updateStatus') cs = update.object as ChaosSchedule
  }
  t.same(
    experiments.map((e) => e.metadata.name),
    [10, 20, 30, 40, 50, 60].map((m) => `kill-${Math.floor(Date.parse(`2026-12-06T12:00:00Z`) / MIN) + m}`),
  )
  t.match(experiments[0], { kind: 'ChaosExperiment', metadata: { namespace: 'default', labels: { team: 'sre' }, annotations: { 'chaos.actorkube.io/scheduled-at': '2026-12-06T12:10:00Z' }, ownerReferences: [{ kind: 'ChaosSchedule', uid: 'cs-uid', controller: true }] }, spec: { method: { faults: [{ name: 'a' }] } } })
  t.equal(cs.status?.lastScheduleTime, '2026-12-06T13:00:00Z')
})

t.test('chaos schedule - after downtime only the most recent missed time fires', async (t) => {
  const r = reconcileChaosSchedule({ schedule: schedule({}, { lastScheduleTime: '2026-12-06T12:10:00Z' }), experiments: [] }, T0 + 95 * MIN)
  t.same(creates(r.actions).map((o) => o.metadata.annotations?.['chaos.actorkube.io/scheduled-at']), ['2026-12-06T13:30:00Z'])
  const again = reconcileChaosSchedule({ schedule: schedule({}, { lastScheduleTime: '2026-12-06T13:30:00Z' }), experiments: [] }, T0 + 95 * MIN)
  t.same(creates(again.actions), [], 'a time already recorded is not made twice')
})

t.test('chaos schedule - Forbid skips a time while one runs; Allow does not; suspend makes none', async (t) => {
  const running = made('kill-1', 'Observing')
  const at = T0 + 10 * MIN
  const forbid = reconcileChaosSchedule({ schedule: schedule({ concurrencyPolicy: 'Forbid' }), experiments: [running] }, at)
  t.same(creates(forbid.actions), [])
  t.match(forbid.actions.find((a) => a.type === 'event'), { event: { reason: 'ExperimentAlreadyActive' } })
  t.match(statusOf(forbid.actions), { object: { status: { active: [{ name: 'kill-1', uid: 'kill-1-uid' }] } } })
  t.equal(creates(reconcileChaosSchedule({ schedule: schedule(), experiments: [running] }, at).actions).length, 1)
  t.same(creates(reconcileChaosSchedule({ schedule: schedule({ suspend: true }), experiments: [] }, at).actions), [])
})

t.test('chaos schedule - completed experiments beyond the history limit are deleted, oldest first', async (t) => {
  const done = [1, 2, 3, 4, 5].map((i) => made(`kill-${i}`, 'Completed', T0 + i * MIN))
  const r = reconcileChaosSchedule({ schedule: schedule({ historyLimit: 2 }), experiments: [...done.reverse(), made('kill-9', 'Observing')] }, T0 + 5 * MIN)
  t.same(
    r.actions.filter((a) => a.type === 'delete').map((a) => (a.type === 'delete' ? [a.path, a.preconditions?.uid] : [])),
    ['kill-1', 'kill-2', 'kill-3'].map((n) => [`/apis/chaos.actorkube.io/v1alpha1/namespaces/default/chaosexperiments/${n}`, `${n}-uid`]),
  )
  const mine = made('other', 'Completed', T0)
  const foreign = { ...mine, metadata: { ...mine.metadata, ownerReferences: [] } }
  t.same(reconcileChaosSchedule({ schedule: schedule({ historyLimit: 0 }), experiments: [foreign] }, T0).actions.filter((a) => a.type === 'delete'), [], 'experiments it did not make are not its to delete')
})
