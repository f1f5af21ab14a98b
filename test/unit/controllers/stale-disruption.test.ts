/**
 * The stale DisruptionTarget pass (actors/controllers/stale-disruption.ts) on a simulated clock:
 * which pods it looks at, the 2-minute wait, the status write; and through the manager, a pod
 * marked by an eviction that never went is marked for the pass and set False 2 minutes later.
 */
import t from 'tap'
import { reconcileStaleDisruption, STALE_DISRUPTION_MS } from '../../../actors/controllers/stale-disruption.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { at, pod, T0 } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'

function marked(o: { since: number; reason?: string; status?: 'True' | 'False'; phase?: 'Running' | 'Failed'; deleting?: boolean }): Pod {
  const p = pod({ name: 'web-0', labels: { app: 'web' }, ready: true, ...(o.phase ? { phase: o.phase } : {}), ...(o.deleting ? { deleting: true } : {}) })
  const condition = { type: 'DisruptionTarget', status: o.status ?? 'True', reason: o.reason ?? 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: at(o.since) } as const
  return { ...p, status: { ...p.status, conditions: [...(p.status?.conditions ?? []), condition] } }
}

const rows: { name: string; pod: Pod; now: number; want: object }[] = [
  { name: 'fresh: wait until it has stood 2 minutes', pod: marked({ since: T0 }), now: T0 + 30_000, want: { actions: [], requeueAfterMs: STALE_DISRUPTION_MS - 30_000 } },
  { name: 'stale: set False', pod: marked({ since: T0 }), now: T0 + STALE_DISRUPTION_MS, want: { actions: [{ type: 'updateStatus', path: '/api/v1/namespaces/default/pods/web-0/status' }] } },
  { name: 'being deleted: the eviction went', pod: marked({ since: T0, deleting: true }), now: T0 + 10 * 60_000, want: { actions: [], requeueAfterMs: undefined } },
  { name: 'finished: left as it is', pod: marked({ since: T0, phase: 'Failed' }), now: T0 + 10 * 60_000, want: { actions: [], requeueAfterMs: undefined } },
  { name: "the kubelet's condition is never stale", pod: marked({ since: T0, reason: 'TerminationByKubelet' }), now: T0 + 10 * 60_000, want: { actions: [], requeueAfterMs: undefined } },
  { name: 'already False: nothing', pod: marked({ since: T0, status: 'False' }), now: T0 + 10 * 60_000, want: { actions: [], requeueAfterMs: undefined } },
]

for (const row of rows) {
  t.test(`stale disruption - ${row.name}`, async (t) => {
    t.match(reconcileStaleDisruption(row.pod, row.now), row.want)
  })
}

t.test('stale disruption - the written status: DisruptionTarget False now, the other conditions kept', async (t) => {
  const { actions } = reconcileStaleDisruption(marked({ since: T0 }), T0 + STALE_DISRUPTION_MS + 5000)
  const action = actions[0]
  if (action?.type !== 'updateStatus') throw new Error(`expected a status write, got ${JSON.stringify(actions)}`)
  const conditions = (action.object as Pod).status?.conditions
  t.match(conditions, [{ type: 'Ready', status: 'True' }, { type: 'DisruptionTarget', status: 'False', lastTransitionTime: at(T0 + STALE_DISRUPTION_MS + 5000) }])
  t.equal(action.object.metadata.resourceVersion, '1', 'written at the version read')
})

t.test('stale disruption - through the manager: marked by the pod change, run again after 2 minutes', async (t) => {
  const driver = new ManagerDriver()
  driver.sync()
  driver.at(1000, () => driver.change('pods', 'ADDED', marked({ since: T0 + 1000 })))
  driver.runUntil(2000 + STALE_DISRUPTION_MS)
  const runs = driver.starts.filter((s) => s.item === 'stale-disruption:default/web-0')
  t.same(runs.map((s) => s.at), [1000, 1000 + STALE_DISRUPTION_MS], 'once on the change, once when it goes stale')
  t.match(runs[1]?.plan, { type: 'act', actions: [{ type: 'updateStatus' }] })
})
