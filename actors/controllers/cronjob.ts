/**
 * The CronJob controller's reconcile step (k8s.io/kubernetes/pkg/controller/cronjob, the v2
 * controller's syncCronJob): keep `status.active` to the CronJob's unfinished Jobs (noting
 * `lastSuccessfulTime` as they complete), delete finished Jobs beyond the history limits, and at
 * each scheduled time create the Job `<cronjob>-<scheduled time in minutes>`. Only the most
 * recent missed time starts (one start per pass), and not when it is more than
 * `startingDeadlineSeconds` late; concurrencyPolicy Forbid skips a time while a Job runs, Replace
 * deletes the running ones first. The schedule reads the wall clock of `spec.timeZone` (UTC when
 * unset). Pure: (cronjob, jobs, now) -> actions and when to look again.
 */
import type { CronJob, CronJobStatus, Job, ObjectReference } from '../kube/batch.ts'
import { CRONJOB_SCHEDULED_TIMESTAMP } from '../kube/batch.ts'
import { type Action, type EventAction, type TypeMeta, collectionPath, eventAction, pathOf } from './actions.ts'
import { controllerOf, controllerRef, isDeleting, timeOf, timestamp } from './_util.ts'
import { nextCronTime, parseCronSchedule, type CronSchedule } from './cron-schedule.ts'
import { timeZone, timeZoneError, type TimeZone } from './time-zone.ts'
import { JOB, finishedCondition } from './job.ts'

export const CRONJOB: TypeMeta = { apiVersion: 'batch/v1', kind: 'CronJob' }
export const CRONJOB_COMPONENT = 'cronjob-controller'

/** More missed start times than this get a TooManyMissedTimes warning (as Kubernetes). */
const MISSED_WARNING = 100
/** The search for the most recent missed time gives up this many firings back (a year of minutes). */
const MAX_WALK = 525_600
/** Kubernetes looks again a little after the next scheduled time. */
const NEXT_SCHEDULE_DELAY_MS = 100

export interface CronJobInput {
  readonly cronJob: CronJob
  /** The Jobs of the CronJob's namespace. */
  readonly jobs: readonly Job[]
}

export interface CronJobResult {
  readonly actions: Action[]
  readonly requeueAfterMs?: number
}

/** The Job a CronJob makes for a scheduled time: `<cronjob>-<minutes since the epoch>`. */
export const scheduledJobName = (cronJobName: string, scheduled: number): string => `${cronJobName}-${Math.floor(scheduled / 60_000)}`

/** The `namespace/name` of the CronJob controlling `job`, if one does. */
export function cronJobKeyOf(job: Job): string | undefined {
  const ref = controllerOf(job.metadata)
  return ref?.kind === 'CronJob' ? `${job.metadata.namespace ?? ''}/${ref.name}` : undefined
}

/** The latest firing time in (earliest, now], and how many there were; none: `time` undefined. */
export function mostRecentScheduleTime(schedule: CronSchedule, earliest: number, now: number, zone?: TimeZone): { readonly time?: number; readonly missed: number } {
  let time: number | undefined
  let missed = 0
  for (let t = nextCronTime(schedule, earliest, zone); t !== undefined && t <= now && missed < MAX_WALK; t = nextCronTime(schedule, t, zone)) {
    time = t
    missed++
  }
  return time === undefined ? { missed } : { time, missed }
}

/** The Job for `scheduled` (getJobFromTemplate2): the template's labels and annotations, the scheduled time, owned by the CronJob. */
export function jobForSchedule(cj: CronJob, scheduled: number): Job {
  const template = cj.spec.jobTemplate
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: scheduledJobName(cj.metadata.name ?? '', scheduled),
      namespace: cj.metadata.namespace,
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations: { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP]: timestamp(scheduled) },
      ownerReferences: [controllerRef(CRONJOB, cj)],
    },
    spec: template.spec,
  }
}

const reference = (job: Job): ObjectReference => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: job.metadata.name ?? '',
  namespace: job.metadata.namespace ?? '',
  ...(job.metadata.uid ? { uid: job.metadata.uid } : {}),
  ...(job.metadata.resourceVersion ? { resourceVersion: job.metadata.resourceVersion } : {}),
})

const startedAt = (job: Job): number => timeOf(job.status?.startTime) ?? timeOf(job.metadata.creationTimestamp) ?? 0

export function reconcileCronJob(input: CronJobInput, now: number): CronJobResult {
  const cj = input.cronJob
  const actions: Action[] = []
  let seq = 0
  const event = (reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal') =>
    eventAction({ type: CRONJOB, object: cj, eventType, reason, message, component: CRONJOB_COMPONENT, now, seq: seq++ })
  const owned = input.jobs.filter((j) => controllerOf(j.metadata)?.uid === cj.metadata.uid && cj.metadata.uid !== undefined)
  const wasActive = new Set((cj.status?.active ?? []).map((r) => r.name))

  // status.active: the owned Jobs still running; those that finished since are noted once.
  let lastSuccessful = timeOf(cj.status?.lastSuccessfulTime)
  const active: Job[] = []
  for (const job of owned) {
    const finished = finishedCondition(job)
    if (finished === undefined) {
      if (!isDeleting(job.metadata)) active.push(job)
      continue
    }
    if (!wasActive.has(job.metadata.name ?? '')) continue
    actions.push(event('SawCompletedJob', `Saw completed job: ${job.metadata.name ?? ''}, condition: ${finished.type}`))
    const completed = finished.type === 'Complete' ? timeOf(job.status?.completionTime) : undefined
    if (completed !== undefined && (lastSuccessful === undefined || completed > lastSuccessful)) lastSuccessful = completed
  }
  let lastSchedule = timeOf(cj.status?.lastScheduleTime)
  let requeueAfterMs: number | undefined

  if (!isDeleting(cj.metadata)) {
    actions.push(...cleanUpHistory(cj, owned, event))
    const parsed = parseCronSchedule(cj.spec.schedule)
    const zoneName = cj.spec.timeZone ?? undefined
    const zoneError = zoneName === undefined ? undefined : timeZoneError(zoneName)
    if (!parsed.ok) actions.push(event('UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${parsed.error}`, 'Warning'))
    else if (zoneError !== undefined) actions.push(event('UnknownTimeZone', `invalid timeZone: ${JSON.stringify(zoneName)}: ${zoneError}`, 'Warning'))
    else if (cj.spec.suspend !== true) {
      const zone = timeZone(zoneName)
      const next = nextCronTime(parsed.schedule, now, zone)
      requeueAfterMs = next === undefined ? undefined : next - now + NEXT_SCHEDULE_DELAY_MS
      const started = startDue(cj, parsed.schedule, zone, owned, active, lastSchedule, now, event)
      actions.push(...started.actions)
      if (started.scheduled !== undefined) lastSchedule = started.scheduled
      if (started.replaced) active.length = 0
    }
  }

  const status: CronJobStatus = {
    ...(active.length > 0 ? { active: active.map(reference) } : {}),
    ...(lastSchedule !== undefined ? { lastScheduleTime: timestamp(lastSchedule) } : {}),
    ...(lastSuccessful !== undefined ? { lastSuccessfulTime: timestamp(lastSuccessful) } : {}),
  }
  if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) actions.push({ type: 'updateStatus', path: pathOf(CRONJOB, cj, 'status'), object: { ...cj, ...CRONJOB, status } as CronJob })
  return requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs }
}

type EventOf = (reason: string, message: string, eventType?: 'Normal' | 'Warning') => EventAction

/** The start due now, if one is: its Job's creation (and, Replace, the running Jobs' deletion). */
function startDue(
  cj: CronJob,
  schedule: CronSchedule,
  zone: TimeZone,
  owned: readonly Job[],
  active: readonly Job[],
  lastSchedule: number | undefined,
  now: number,
  event: EventOf,
): { readonly actions: Action[]; readonly scheduled?: number; readonly replaced?: boolean } {
  const deadline = cj.spec.startingDeadlineSeconds
  let earliest = lastSchedule ?? timeOf(cj.metadata.creationTimestamp) ?? now
  if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000)
  const recent = mostRecentScheduleTime(schedule, earliest, now, zone)
  const scheduled = recent.time
  if (scheduled === undefined) return { actions: [] }
  const actions: Action[] = []
  if (recent.missed > MISSED_WARNING) actions.push(event('TooManyMissedTimes', `too many missed start times: ${recent.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`, 'Warning'))
  const name = scheduledJobName(cj.metadata.name ?? '', scheduled)
  // Already made (seen, or recorded as the last schedule): nothing to start.
  if (owned.some((j) => j.metadata.name === name) || lastSchedule === scheduled) return { actions }
  if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
    return { actions: [...actions, event('MissSchedule', `Missed scheduled time to start a job: ${timestamp(scheduled)}`, 'Warning')] }
  }
  if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    return { actions: [...actions, event('JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid')] }
  }
  const replaced = cj.spec.concurrencyPolicy === 'Replace' && active.length > 0
  if (replaced) {
    for (const job of active) {
      actions.push({ type: 'delete', path: pathOf(JOB, job), preconditions: { uid: job.metadata.uid }, propagationPolicy: 'Background', onSuccess: event('SuccessfulDelete', `Deleted job ${job.metadata.name ?? ''}`) })
    }
  }
  actions.push({
    type: 'create',
    path: collectionPath(JOB, cj.metadata.namespace),
    object: jobForSchedule(cj, scheduled),
    onSuccess: event('SuccessfulCreate', `Created job ${name}`),
    onFailure: event('FailedCreate', `Error creating job: {error}`, 'Warning'),
  })
  return { actions, scheduled, replaced }
}

/** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit go, oldest first. */
function cleanUpHistory(cj: CronJob, owned: readonly Job[], event: EventOf): Action[] {
  const finished = owned.filter((j) => !isDeleting(j.metadata))
  const succeeded = finished.filter((j) => finishedCondition(j)?.type === 'Complete')
  const failed = finished.filter((j) => finishedCondition(j)?.type === 'Failed')
  const surplus = (jobs: Job[], limit: number | undefined): Job[] => (limit === undefined || limit === null ? [] : jobs.sort((a, b) => startedAt(a) - startedAt(b)).slice(0, Math.max(0, jobs.length - limit)))
  return [...surplus(succeeded, cj.spec.successfulJobsHistoryLimit), ...surplus(failed, cj.spec.failedJobsHistoryLimit)].map((job) => ({
    type: 'delete',
    path: pathOf(JOB, job),
    preconditions: { uid: job.metadata.uid },
    propagationPolicy: 'Background',
    onSuccess: event('SuccessfulDelete', `Deleted job ${job.metadata.name ?? ''}`),
  }))
}
