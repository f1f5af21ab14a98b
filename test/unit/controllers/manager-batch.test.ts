/** The controller manager runs the Job and CronJob steps: what their changes mark, expectations, the schedule's wake-ups. */
import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import type { Plan } from '../../../actors/controllers/manager.ts'
import type { CronJob, Job } from '../../../actors/kube/batch.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { T0, at, pod } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'

const actionsOf = (plan: Plan | undefined): readonly Action[] => (plan?.type === 'act' ? plan.actions : [])
const created = (plan: Plan | undefined) => actionsOf(plan).flatMap((a) => (a.type === 'create' ? [a.object] : []))
const LABELS = { 'batch.kubernetes.io/controller-uid': 'uid-pi' }

const job: Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'default', uid: 'uid-pi', resourceVersion: '2', creationTimestamp: at(T0) },
  spec: { completions: 2, parallelism: 1, backoffLimit: 6, selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
}

const cronJob: CronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'tick', namespace: 'default', uid: 'uid-tick', resourceVersion: '3', creationTimestamp: at(T0) },
  spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
}

const jobPod = (name: string, phase: 'Running' | 'Succeeded'): Pod => pod({ name, phase, labels: LABELS, owner: { kind: 'Job', name: 'pi', uid: 'uid-pi', apiVersion: 'batch/v1' } })

t.test('manager batch - a Job runs on sync; its pods mark it and settle its expected creates', async (t) => {
  const driver = new ManagerDriver()
  driver.change('jobs', 'ADDED', job)
  driver.sync()
  driver.runUntil(10)
  t.same(driver.startsOf('job:default/pi'), [0])
  t.equal(created(driver.starts[0]?.plan).length, 1, 'one pod (parallelism 1)')
  // A status write of the Job comes back: it runs again, but the create is not seen yet, so nothing more.
  driver.at(20, () => driver.change('jobs', 'MODIFIED', { ...job, metadata: { ...job.metadata, resourceVersion: '4' }, status: { active: 1, startTime: at(T0) } }))
  driver.at(30, () => driver.change('pods', 'ADDED', jobPod('pi-a', 'Running')))
  driver.at(40, () => driver.change('pods', 'MODIFIED', jobPod('pi-a', 'Succeeded')))
  driver.runUntil(50)
  const runs = driver.starts.filter((s) => s.item === 'job:default/pi')
  t.same(runs.map((r) => r.at), [0, 20, 30, 40])
  t.same(runs.map((r) => created(r.plan).length), [1, 0, 0, 1], 'the second pod once the first succeeded')
})

t.test('manager batch - a CronJob wakes the manager at its next scheduled time and makes its Job then', async (t) => {
  const driver = new ManagerDriver()
  driver.change('cronJobs', 'ADDED', cronJob)
  driver.sync()
  driver.runUntil(130_000)
  t.same(driver.startsOf('cronjob:default/tick'), [0, 60_100, 120_100])
  const names = driver.starts.filter((s) => s.item === 'cronjob:default/tick').map((s) => created(s.plan).map((o) => o.metadata.name))
  t.same(names, [[], [`tick-${(T0 + 60_000) / 60_000}`], [`tick-${(T0 + 120_000) / 60_000}`]])
})

t.test('manager batch - a Job made by a CronJob marks the CronJob', async (t) => {
  const driver = new ManagerDriver()
  driver.change('cronJobs', 'ADDED', cronJob)
  driver.sync()
  driver.runUntil(10)
  const made: Job = { ...job, metadata: { ...job.metadata, name: 'tick-1', uid: 'uid-t1', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'uid-tick', controller: true }] } }
  driver.at(20, () => driver.change('jobs', 'ADDED', made))
  driver.runUntil(30)
  t.same(driver.startsOf('cronjob:default/tick'), [0, 20])
  t.same(driver.startsOf('job:default/tick-1'), [20])
})
