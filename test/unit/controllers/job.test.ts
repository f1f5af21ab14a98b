import t from 'tap'
import { failureBackoff, jobExpectationsKey, reconcileJob } from '../../../actors/controllers/job.ts'
import { formatIndexes, parseIndexes } from '../../../actors/controllers/job-indexes.ts'
import { observeCreate, observeDeletion, type Expectations } from '../../../actors/controllers/expectations.ts'
import type { JobSpec, JobStatus } from '../../../actors/kube/batch.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { T0, at, summary } from './fixtures.ts'
import { JOB_PATH, LABELS, PODS, conditionsOf, creates, job, jobPod, reasons, statusOf } from './job-fixtures.ts'

t.test('Job - creates parallelism pods owned by the Job, then waits for them (expectations)', async (t) => {
  const first = reconcileJob({ job: job({ completions: 3, parallelism: 2 }), pods: [] }, T0)
  t.same(summary(first.actions).filter((s) => !s.startsWith('event')), [`create ${PODS}`, `create ${PODS}`, `updateStatus ${JOB_PATH}/status`])
  const created = creates(first)[0]!.object as Pod
  t.same(created.metadata.generateName, 'pi-')
  t.same(created.metadata.labels, LABELS)
  t.same(created.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true, blockOwnerDeletion: true }])
  t.same(statusOf(first), { startTime: at(T0), active: 2, succeeded: 0, failed: 0, ready: 0, terminating: 0 })
  // Until both creates are seen, nothing more is created.
  const again = reconcileJob({ job: job({ completions: 3, parallelism: 2 }, statusOf(first)), pods: [], expectations: first.expectations }, T0 + 10)
  t.same(creates(again), [], 'expectations hold creates back')
})

t.test('Job - completions with parallelism: succeeded pods count, the last one completes the Job', async (t) => {
  const spec = { completions: 3, parallelism: 2 }
  const status: JobStatus = { startTime: at(T0), active: 2, succeeded: 0, failed: 0, ready: 0 }
  const oneDone = reconcileJob({ job: job(spec, status), pods: [jobPod('a', 'Succeeded', { endedAt: T0 + 5000 }), jobPod('b', 'Running')] }, T0 + 6000)
  t.equal(creates(oneDone).length, 1, 'one more pod: 3 - 1 succeeded leaves 2 to run, 1 running')
  t.match(statusOf(oneDone), { active: 2, succeeded: 1 })
  const lastOne = reconcileJob({ job: job(spec, statusOf(oneDone)), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Succeeded'), jobPod('c', 'Running')] }, T0 + 7000)
  t.same(creates(lastOne), [], 'the running pod is the last needed')
  const done = reconcileJob({ job: job(spec, statusOf(lastOne)), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Succeeded'), jobPod('c', 'Succeeded')] }, T0 + 9000)
  const s = statusOf(done)
  t.same(conditionsOf(s), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'])
  t.match(s, { succeeded: 3, active: 0, startTime: at(T0), completionTime: at(T0 + 9000) })
  t.same(reasons(done), ['Completed'])
  const after = reconcileJob({ job: job(spec, s), pods: [jobPod('a', 'Succeeded')] }, T0 + 10_000)
  t.same(after.actions, [], 'a finished Job is left alone')
})

t.test('Job - a work queue (no completions) completes when one pod succeeded and none runs', async (t) => {
  const spec = { completions: undefined, parallelism: 3 }
  const running = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Running')] }, T0 + 1000)
  t.same(creates(running), [], 'after a success no new pods start')
  t.same(conditionsOf(statusOf(running)), [])
  const done = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Succeeded')] }, T0 + 2000)
  t.same(conditionsOf(statusOf(done)), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'])
})

t.test('Job - pod-failure backoff: 10 s doubling per failure in a row, capped at 6 min', async (t) => {
  const failed = (n: number, from = T0) => Array.from({ length: n }, (_, i) => jobPod(`f${i}`, 'Failed', { endedAt: from + i * 1000 }))
  const cases: [number, number][] = [
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [6, 320_000],
    [7, 360_000],
    [12, 360_000],
  ]
  for (const [n, delay] of cases) t.same(failureBackoff([], failed(n), {}), { until: T0 + (n - 1) * 1000 + delay }, `${n} failures: ${delay} ms`)
  t.same(failureBackoff([jobPod('ok', 'Succeeded', { endedAt: T0 + 5000 })], failed(3), {}), undefined, 'failures before the last success do not count')

  const spec = { backoffLimit: 6 }
  const pods = failed(2)
  const early = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods }, T0 + 1000 + 19_999)
  t.same(creates(early), [], 'no pod within the backoff')
  t.equal(early.requeueAfterMs, 1, 'looks again when it ends')
  const due = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods }, T0 + 1000 + 20_000)
  t.equal(creates(due).length, 1, 'a replacement once it ended')
  t.match(statusOf(due), { failed: 2, active: 1 })
})

t.test('Job - backoffLimit: one failure too many: FailureTarget and its running pods deleted, then Failed once they are gone', async (t) => {
  const spec = { backoffLimit: 1, parallelism: 2, completions: 5 }
  const pods = [jobPod('f0', 'Failed', { endedAt: T0 }), jobPod('f1', 'Failed', { endedAt: T0 + 10 }), jobPod('run', 'Running')]
  const r = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods }, T0 + 20)
  t.same(summary(r.actions), [`delete ${PODS}/run`, `updateStatus ${JOB_PATH}/status`])
  t.same(conditionsOf(statusOf(r)), ['FailureTarget=True:BackoffLimitExceeded'])
  t.match(statusOf(r), { failed: 2, active: 0, terminating: 1 })
  // The deleted pod is still terminating: not Failed yet.
  const deleting = { ...pods[2]!, metadata: { ...pods[2]!.metadata, deletionTimestamp: at(T0 + 20) } }
  const waiting = reconcileJob({ job: job(spec, statusOf(r)), pods: [pods[0]!, pods[1]!, deleting], expectations: observeDeletion(r.expectations, jobExpectationsKey('default/pi'), 'uid-run') }, T0 + 30)
  t.same(summary(waiting.actions), [], 'nothing while a pod terminates')
  const gone = reconcileJob({ job: job(spec, statusOf(r)), pods: pods.slice(0, 2), expectations: observeDeletion(r.expectations, jobExpectationsKey('default/pi'), 'uid-run') }, T0 + 40)
  t.same(summary(gone.actions), ['event Warning BackoffLimitExceeded Job/pi: Job has reached the specified backoff limit', `updateStatus ${JOB_PATH}/status`])
  t.same(conditionsOf(statusOf(gone)), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded'])
  t.match(statusOf(gone), { failed: 2, active: 0, terminating: 0 })
  t.notOk(statusOf(gone)?.completionTime, 'a failed Job has no completionTime')

  // restartPolicy OnFailure: container restarts count as failures.
  const onFailure = job({ backoffLimit: 2, template: { metadata: { labels: LABELS }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } }, { startTime: at(T0) })
  const restarting = reconcileJob({ job: onFailure, pods: [jobPod('r', 'Running', { restarts: 3 })] }, T0 + 30)
  t.same(conditionsOf(statusOf(restarting)), ['FailureTarget=True:BackoffLimitExceeded'])
})

t.test('Job - activeDeadlineSeconds: requeued for the deadline, then Failed with DeadlineExceeded', async (t) => {
  const spec = { activeDeadlineSeconds: 30 }
  const running = reconcileJob({ job: job(spec, { startTime: at(T0), active: 1 }), pods: [jobPod('a', 'Running')] }, T0 + 10_000)
  t.equal(running.requeueAfterMs, 20_000)
  const late = reconcileJob({ job: job(spec, { startTime: at(T0), active: 1 }), pods: [jobPod('a', 'Running')] }, T0 + 30_000)
  t.same(conditionsOf(statusOf(late)), ['FailureTarget=True:DeadlineExceeded'])
  t.same(summary(late.actions).slice(0, 1), [`delete ${PODS}/a`])
  const ended = reconcileJob({ job: job(spec, statusOf(late)), pods: [], expectations: observeDeletion(late.expectations, jobExpectationsKey('default/pi'), 'uid-a') }, T0 + 31_000)
  t.same(conditionsOf(statusOf(ended)), ['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded'])
  t.same(reasons(ended), ['DeadlineExceeded'])
})

t.test('Job - ttlSecondsAfterFinished: the finished Job is deleted (its pods go by garbage collection)', async (t) => {
  const finished: JobStatus = { startTime: at(T0), completionTime: at(T0 + 5000), succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at(T0 + 5000) }] }
  const waiting = reconcileJob({ job: job({ ttlSecondsAfterFinished: 60 }, finished), pods: [jobPod('a', 'Succeeded')] }, T0 + 6000)
  t.same([waiting.actions, waiting.requeueAfterMs], [[], 59_000])
  const due = reconcileJob({ job: job({ ttlSecondsAfterFinished: 60 }, finished), pods: [jobPod('a', 'Succeeded')] }, T0 + 65_000)
  t.same(summary(due.actions), [`delete ${JOB_PATH} (Background)`])
  const failed: JobStatus = { startTime: at(T0), conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: at(T0 + 1000) }] }
  const failedDue = reconcileJob({ job: job({ ttlSecondsAfterFinished: 0 }, failed), pods: [] }, T0 + 1000)
  t.same(summary(failedDue.actions), [`delete ${JOB_PATH} (Background)`], 'a failed Job: from its Failed condition')
})

t.test('Job - Indexed: each pod gets its completion index; completedIndexes; completes when every index succeeded', async (t) => {
  const spec: Partial<JobSpec> = { completionMode: 'Indexed', completions: 4, parallelism: 2 }
  const first = reconcileJob({ job: job(spec), pods: [] }, T0)
  const made = creates(first).map((c) => c.object as Pod)
  t.same(made.map((p) => p.metadata.generateName), ['pi-0-', 'pi-1-'])
  t.same(made.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']), ['0', '1'])
  t.same(made.map((p) => p.metadata.labels?.['batch.kubernetes.io/job-completion-index']), ['0', '1'])
  t.same(made[1]!.spec.containers[0]!.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }])
  t.equal((made[1]!.spec as { hostname?: string }).hostname, 'pi-1')

  const pods = [jobPod('p0', 'Succeeded', { index: 0 }), jobPod('p1', 'Running', { index: 1 }), jobPod('p2', 'Failed', { index: 2, endedAt: T0 - 60_000 })]
  const next = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods }, T0 + 1000)
  t.same(creates(next).map((c) => c.object.metadata.generateName), ['pi-2-'], 'the lowest index neither done nor running')
  t.equal(statusOf(next)?.completedIndexes, '0')
  const done = reconcileJob({ job: job(spec, { startTime: at(T0), completedIndexes: '0,2-3' }), pods: [jobPod('p1', 'Succeeded', { index: 1 })] }, T0 + 2000)
  t.equal(statusOf(done)?.completedIndexes, '0-3')
  t.same(conditionsOf(statusOf(done)), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'])
  t.same([parseIndexes('0-2,5,x,7-8'), formatIndexes([8, 5, 0, 1, 2, 7]), formatIndexes([0, 1, 3])], [[0, 1, 2, 5, 7, 8], '0-2,5,7,8', '0,1,3'])
  t.same(parseIndexes('1-9,12', 4), [1, 2, 3], 'below completions')
})

t.test('Job - suspend deletes running pods and says Suspended; resuming restarts the clock', async (t) => {
  const suspended = reconcileJob({ job: job({ suspend: true, parallelism: 2, completions: 4 }, { startTime: at(T0), active: 2 }), pods: [jobPod('a', 'Running'), jobPod('b', 'Running')] }, T0 + 1000)
  t.same(summary(suspended.actions), ['event Normal Suspended Job/pi: Job suspended', `delete ${PODS}/a`, `delete ${PODS}/b`, `updateStatus ${JOB_PATH}/status`])
  const s = statusOf(suspended)
  t.same(conditionsOf(s), ['Suspended=True:JobSuspended'])
  t.match(s, { active: 0 })
  t.notOk(s?.startTime, 'a suspended Job has no startTime')
  let expectations: Expectations = suspended.expectations
  for (const uid of ['uid-a', 'uid-b']) expectations = observeDeletion(expectations, jobExpectationsKey('default/pi'), uid)
  const resumed = reconcileJob({ job: job({ suspend: false, parallelism: 2, completions: 4 }, s), pods: [], expectations }, T0 + 5000)
  t.same(conditionsOf(statusOf(resumed)), ['Suspended=False:JobResumed'])
  t.equal(statusOf(resumed)?.startTime, at(T0 + 5000))
  t.equal(creates(resumed).length, 2)
  t.same(reasons(resumed), ['Resumed'])
})

t.test('Job - a small world: 3 completions, parallelism 2, pods succeed 5 s after they start', async (t) => {
  let current = job({ completions: 3, parallelism: 2 })
  let pods: Pod[] = []
  let expectations: Expectations | undefined
  let now = T0
  let seq = 0
  for (let step = 0; step < 20 && !current.status?.completionTime; step++) {
    const r = reconcileJob({ job: current, pods, ...(expectations ? { expectations } : {}) }, now)
    expectations = r.expectations
    for (const c of creates(r)) {
      const p = jobPod(`p${seq++}`, 'Running')
      pods.push({ ...p, metadata: { ...p.metadata, creationTimestamp: at(now) } })
      expectations = observeCreate(expectations, jobExpectationsKey('default/pi'))
      t.equal(c.object.metadata.generateName, 'pi-')
    }
    const status = statusOf(r)
    if (status) current = { ...current, status }
    now += 5000
    pods = pods.map((p) => (p.status?.phase === 'Running' ? { ...p, status: { ...p.status, phase: 'Succeeded' } } : p))
  }
  t.equal(seq, 3, 'exactly 3 pods made')
  t.match(current.status, { succeeded: 3, active: 0, completionTime: at(T0 + 10_000) })
})
