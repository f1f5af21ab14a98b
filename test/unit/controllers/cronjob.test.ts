import t from 'tap'
import type { CreateAction, UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import { jobForSchedule, mostRecentScheduleTime, reconcileCronJob, scheduledJobName, type CronJobResult } from '../../../actors/controllers/cronjob.ts'
import { parseCronSchedule, type CronSchedule } from '../../../actors/controllers/cron-schedule.ts'
import type { CronJob, CronJobSpec, CronJobStatus, Job } from '../../../actors/kube/batch.ts'
import { T0, at, summary } from './fixtures.ts'

const MIN = 60_000
const JOBS = '/apis/batch/v1/namespaces/default/jobs'
const CJ_PATH = '/apis/batch/v1/namespaces/default/cronjobs/tick'

function cronJob(spec: Partial<CronJobSpec> = {}, status?: CronJobStatus, created = T0 + 10_000): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default', uid: 'uid-tick', resourceVersion: '3', creationTimestamp: at(created) },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    ...(status ? { status } : {}),
  }
}

/** A Job of the CronJob made for `scheduled`; finished: Complete or Failed at `scheduled + 30 s`. */
function ownedJob(scheduled: number, finished?: 'Complete' | 'Failed'): Job {
  const job = jobForSchedule(cronJob(), scheduled)
  const end = scheduled + 30_000
  return {
    ...job,
    metadata: { ...job.metadata, uid: `uid-${job.metadata.name}`, resourceVersion: '7', creationTimestamp: at(scheduled) },
    status: {
      startTime: at(scheduled),
      ...(finished ? { conditions: [{ type: finished, status: 'True', lastTransitionTime: at(end) }] } : { active: 1 }),
      ...(finished === 'Complete' ? { completionTime: at(end), succeeded: 1 } : {}),
    },
  }
}

const statusOf = (r: CronJobResult): CronJobStatus | undefined => ((r.actions.find((a) => a.type === 'updateStatus') as UpdateStatusAction | undefined)?.object as CronJob | undefined)?.status
const createdJobs = (r: CronJobResult): Job[] => r.actions.filter((a): a is CreateAction => a.type === 'create').map((a) => a.object as Job)
function everyMinute(): CronSchedule {
  const parsed = parseCronSchedule('*/1 * * * *')
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.schedule
}
const reasons = (r: CronJobResult): string[] => r.actions.flatMap((a) => (a.type === 'event' ? [a.event.reason] : []))

t.test('CronJob - nothing due before the first scheduled time; requeued just after it', async (t) => {
  const r = reconcileCronJob({ cronJob: cronJob(), jobs: [] }, T0 + 30_000)
  t.same(r.actions, [])
  t.equal(r.requeueAfterMs, 30_000 + 100)
})

t.test('CronJob - at the scheduled time: the Job <name>-<minutes>, owned, annotated; lastScheduleTime', async (t) => {
  const r = reconcileCronJob({ cronJob: cronJob(), jobs: [] }, T0 + MIN + 500)
  const [job] = createdJobs(r)
  const name = `tick-${(T0 + MIN) / MIN}`
  t.equal(job?.metadata.name, name)
  t.equal(scheduledJobName('tick', T0 + MIN + 59_999), name, 'named after the minute')
  t.same(job?.metadata.labels, { app: 'tick' })
  t.same(job?.metadata.annotations, { 'batch.kubernetes.io/cronjob-scheduled-timestamp': at(T0 + MIN) })
  t.same(job?.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'uid-tick', controller: true, blockOwnerDeletion: true }])
  t.same(job?.spec, cronJob().spec.jobTemplate.spec)
  t.same(summary(r.actions), [`create ${JOBS}`, `updateStatus ${CJ_PATH}/status`])
  t.same(statusOf(r), { lastScheduleTime: at(T0 + MIN) })
  t.equal(r.requeueAfterMs, MIN - 500 + 100)

  // The next pass sees the Job: it is active, and the same minute starts nothing more.
  const seen = reconcileCronJob({ cronJob: cronJob({}, statusOf(r)), jobs: [ownedJob(T0 + MIN)] }, T0 + MIN + 900)
  t.same(createdJobs(seen), [])
  t.same(statusOf(seen)?.active?.map((a) => a.name), [name])
})

t.test('CronJob - missed times: only the most recent starts; startingDeadlineSeconds bounds how late', async (t) => {
  // The controller was away for 10 minutes.
  const r = reconcileCronJob({ cronJob: cronJob({}, { lastScheduleTime: at(T0 + MIN) }), jobs: [] }, T0 + 11 * MIN + 5000)
  t.same(createdJobs(r).map((j) => j.metadata.name), [scheduledJobName('tick', T0 + 11 * MIN)], 'one start, the latest')
  t.same(mostRecentScheduleTime(everyMinute(), T0 + MIN, T0 + 11 * MIN + 5000), { time: T0 + 11 * MIN, missed: 10 })
  t.same(mostRecentScheduleTime(everyMinute(), T0 + MIN, T0 + MIN + 59_000), { missed: 0 })

  const hourly = cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 60 }, { lastScheduleTime: at(T0) })
  const tooLate = reconcileCronJob({ cronJob: hourly, jobs: [] }, T0 + 60 * MIN + 61_000)
  t.same(createdJobs(tooLate), [], 'more than 60 s late: skipped')
  const inTime = reconcileCronJob({ cronJob: hourly, jobs: [] }, T0 + 60 * MIN + 59_000)
  t.same(createdJobs(inTime).length, 1, 'within the deadline: started')

  const many = reconcileCronJob({ cronJob: cronJob({}, { lastScheduleTime: at(T0) }), jobs: [] }, T0 + 200 * MIN)
  t.same(reasons(many), ['TooManyMissedTimes'], 'a warning past 100 missed times')
  t.equal(createdJobs(many).length, 1)
})

t.test('CronJob - concurrencyPolicy: Allow runs alongside, Forbid skips, Replace deletes the running Job', async (t) => {
  const running = ownedJob(T0 + MIN)
  const status = { lastScheduleTime: at(T0 + MIN), active: [{ name: running.metadata.name }] }
  const now = T0 + 2 * MIN + 100
  const allow = reconcileCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Allow' }, status), jobs: [running] }, now)
  t.equal(createdJobs(allow).length, 1)
  t.equal(statusOf(allow)?.active?.length, 1, 'the new Job is active once seen')
  const forbid = reconcileCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Forbid' }, status), jobs: [running] }, now)
  t.same(createdJobs(forbid), [])
  t.same(reasons(forbid), ['JobAlreadyActive'])
  const replace = reconcileCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Replace' }, status), jobs: [running] }, now)
  t.same(summary(replace.actions).slice(0, 2), [`delete ${JOBS}/${running.metadata.name} (Background)`, `create ${JOBS}`])
  t.same(statusOf(replace), { lastScheduleTime: at(T0 + 2 * MIN) }, 'the replaced Job is no longer active')
})

t.test('CronJob - finished Jobs leave status.active; lastSuccessfulTime; history limits delete the oldest', async (t) => {
  const jobs = [1, 2, 3, 4, 5].map((m) => ownedJob(T0 + m * MIN, 'Complete'))
  const failed = [6, 7].map((m) => ownedJob(T0 + m * MIN, 'Failed'))
  const status = { lastScheduleTime: at(T0 + 7 * MIN), active: [{ name: jobs[4]!.metadata.name }] }
  const r = reconcileCronJob({ cronJob: cronJob({}, status), jobs: [...jobs, ...failed] }, T0 + 7 * MIN + 40_000)
  t.same(summary(r.actions), [
    `event Normal SawCompletedJob CronJob/tick: Saw completed job: ${jobs[4]!.metadata.name}, condition: Complete`,
    `delete ${JOBS}/${jobs[0]!.metadata.name} (Background)`,
    `delete ${JOBS}/${jobs[1]!.metadata.name} (Background)`,
    `delete ${JOBS}/${failed[0]!.metadata.name} (Background)`,
    `updateStatus ${CJ_PATH}/status`,
  ])
  t.same(statusOf(r), { lastScheduleTime: at(T0 + 7 * MIN), lastSuccessfulTime: at(T0 + 5 * MIN + 30_000) })
})

t.test('CronJob - suspended: no starts and no requeue; a bad schedule is an event', async (t) => {
  const suspended = reconcileCronJob({ cronJob: cronJob({ suspend: true }), jobs: [] }, T0 + 5 * MIN)
  t.same([suspended.actions, suspended.requeueAfterMs], [[], undefined])
  const bad = reconcileCronJob({ cronJob: cronJob({ schedule: '* * *' }), jobs: [] }, T0 + 5 * MIN)
  t.same(reasons(bad), ['UnparseableSchedule'])
  t.equal(bad.requeueAfterMs, undefined)
})

t.test('CronJob - a simulated hour of */1: one Job per minute, history trimmed to 3, every start on time', async (t) => {
  let cj = cronJob()
  let jobs: Job[] = []
  const starts: number[] = []
  let now = T0 + 10_000
  for (let pass = 0; pass < 200 && now < T0 + 60 * MIN; pass++) {
    // Each Job completes 30 s after its start.
    jobs = jobs.map((j) => (Date.parse(j.status!.startTime!) + 30_000 <= now && !j.status?.conditions ? ownedJob(Date.parse(j.status!.startTime!), 'Complete') : j))
    const r = reconcileCronJob({ cronJob: cj, jobs }, now)
    for (const a of r.actions) {
      if (a.type === 'create') {
        const scheduled = Date.parse((a.object as Job).metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']!)
        starts.push(now - scheduled)
        jobs.push(ownedJob(scheduled))
      } else if (a.type === 'delete') jobs = jobs.filter((j) => !a.path.endsWith(`/${j.metadata.name}`))
      else if (a.type === 'updateStatus') cj = a.object as CronJob
    }
    now += r.requeueAfterMs ?? 1000
  }
  t.equal(starts.length, 59, 'one start per minute (minutes 1 to 59)')
  t.ok(starts.every((late) => late === 100), 'each 100 ms after its time')
  t.ok(jobs.length <= 4, `history: at most 3 finished + 1 running (${jobs.length})`)
})

t.test('CronJob - spec.timeZone: the schedule fires at the zone wall time; an unknown zone is an event', async (t) => {
  // 2026-03-29 is the EU spring-forward day (02:00 CET -> 03:00 CEST); 09:00 Berlin is then 07:00 UTC.
  const created = Date.parse('2026-03-28T12:00:00Z')
  const berlin = cronJob({ schedule: '0 9 * * *', timeZone: 'Europe/Berlin' }, undefined, created)
  const before = reconcileCronJob({ cronJob: berlin, jobs: [] }, Date.parse('2026-03-29T06:59:00Z'))
  t.same(createdJobs(before), [])
  t.equal(before.requeueAfterMs, MIN + 100, 'requeued just after 07:00 UTC')
  const due = reconcileCronJob({ cronJob: berlin, jobs: [] }, Date.parse('2026-03-29T07:00:00Z'))
  t.same(createdJobs(due).map((j) => j.metadata.name), [scheduledJobName('tick', Date.parse('2026-03-29T07:00:00Z'))])
  t.equal(statusOf(due)?.lastScheduleTime, '2026-03-29T07:00:00Z')
  const unknown = reconcileCronJob({ cronJob: cronJob({ timeZone: 'Mars/Olympus' }), jobs: [] }, T0 + 5 * MIN)
  t.same(reasons(unknown), ['UnknownTimeZone'])
  t.equal(unknown.requeueAfterMs, undefined)
})
