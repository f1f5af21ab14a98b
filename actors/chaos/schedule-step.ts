/**
 * The ChaosSchedule reconcile step, the CronJob controller's shape (actors/controllers/cronjob.ts,
 * whose schedule walk and naming it reuses): at each scheduled time on the injected clock, create
 * the ChaosExperiment `<schedule>-<scheduled time in minutes>` from the template (only the most
 * recent missed time, so a controller that was down does not fire a burst), owned by the
 * schedule; Forbid skips a time while an experiment it made is still running; completed
 * experiments beyond `historyLimit` are deleted oldest first; `status.active` and
 * `lastScheduleTime` are kept. Pure: (schedule, experiments, now) -> actions, when to look again.
 */
import type { ObjectMeta } from '../kube/objects.ts'
import { collectionPath, eventAction, pathOf, type Action, type TypeMeta } from '../controllers/actions.ts'
import { controllerOf, controllerRef, isDeleting, timeOf, timestamp } from '../controllers/_util.ts'
import { mostRecentScheduleTime, scheduledJobName } from '../controllers/cronjob.ts'
import { nextCronTime, parseCronSchedule } from '../controllers/cron-schedule.ts'
import { CHAOS_API_VERSION, type ChaosExperimentSpec, type ChaosExperimentStatus, type ChaosScheduleSpec, type ChaosScheduleStatus } from './api.ts'

export const CHAOS_SCHEDULE: TypeMeta = { apiVersion: CHAOS_API_VERSION, kind: 'ChaosSchedule' }
export const CHAOS_EXPERIMENT: TypeMeta = { apiVersion: CHAOS_API_VERSION, kind: 'ChaosExperiment' }
export const CHAOS_COMPONENT = 'chaos-controller'
const DEFAULT_HISTORY_LIMIT = 3
/** As the CronJob controller: look again a little after the next scheduled time. */
const NEXT_SCHEDULE_DELAY_MS = 100

export interface ChaosSchedule {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ObjectMeta
  readonly spec: ChaosScheduleSpec
  readonly status?: ChaosScheduleStatus
}

export interface ChaosExperiment {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ObjectMeta
  readonly spec: ChaosExperimentSpec
  readonly status?: ChaosExperimentStatus
}

export interface ScheduleResult {
  readonly actions: Action[]
  readonly requeueAfterMs?: number
}

/** The experiment a schedule makes for `scheduled`: the template's labels and spec, owned by the schedule. */
export function experimentForSchedule(schedule: ChaosSchedule, scheduled: number): ChaosExperiment {
  const template = schedule.spec.experimentTemplate
  return {
    ...CHAOS_EXPERIMENT,
    metadata: {
      name: scheduledJobName(schedule.metadata.name ?? '', scheduled),
      namespace: schedule.metadata.namespace,
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations: { 'chaos.actorkube.io/scheduled-at': timestamp(scheduled) },
      ownerReferences: [controllerRef(CHAOS_SCHEDULE, schedule)],
    },
    spec: template.spec,
  }
}

const completed = (e: ChaosExperiment): boolean => e.status?.phase === 'Completed'
const finishedAt = (e: ChaosExperiment): number => timeOf(e.status?.finishedAt) ?? timeOf(e.metadata.creationTimestamp) ?? 0

export function reconcileChaosSchedule(input: { readonly schedule: ChaosSchedule; readonly experiments: readonly ChaosExperiment[] }, now: number): ScheduleResult {
  const cs = input.schedule
  let seq = 0
  const event = (reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal') =>
    eventAction({ type: CHAOS_SCHEDULE, object: cs, eventType, reason, message, component: CHAOS_COMPONENT, now, seq: seq++ })
  const owned = input.experiments.filter((e) => cs.metadata.uid !== undefined && controllerOf(e.metadata)?.uid === cs.metadata.uid && !isDeleting(e.metadata))
  const active = owned.filter((e) => !completed(e))
  const limit = cs.spec.historyLimit ?? DEFAULT_HISTORY_LIMIT
  const surplus = owned.filter(completed).sort((a, b) => finishedAt(a) - finishedAt(b))
  const actions: Action[] = surplus.slice(0, Math.max(0, surplus.length - limit)).map((e) => ({
    type: 'delete',
    path: pathOf(CHAOS_EXPERIMENT, e),
    preconditions: { uid: e.metadata.uid },
    propagationPolicy: 'Background',
    onSuccess: event('SuccessfulDelete', `Deleted experiment ${e.metadata.name ?? ''}`),
  }))
  let lastSchedule = timeOf(cs.status?.lastScheduleTime)
  let requeueAfterMs: number | undefined
  const parsed = parseCronSchedule(cs.spec.schedule)
  if (!parsed.ok) actions.push(event('UnparseableSchedule', `unparseable schedule ${JSON.stringify(cs.spec.schedule)}: ${parsed.error}`, 'Warning'))
  else if (cs.spec.suspend !== true && !isDeleting(cs.metadata)) {
    const next = nextCronTime(parsed.schedule, now)
    if (next !== undefined) requeueAfterMs = next - now + NEXT_SCHEDULE_DELAY_MS
    const scheduled = mostRecentScheduleTime(parsed.schedule, lastSchedule ?? timeOf(cs.metadata.creationTimestamp) ?? now, now).time
    const name = scheduled === undefined ? '' : scheduledJobName(cs.metadata.name ?? '', scheduled)
    const made = scheduled === undefined || lastSchedule === scheduled || owned.some((e) => e.metadata.name === name)
    if (!made && cs.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      actions.push(event('ExperimentAlreadyActive', `Not starting an experiment: ${active.map((e) => e.metadata.name).join(', ')} still running and concurrencyPolicy is Forbid`))
    } else if (!made) {
      actions.push({
        type: 'create',
        path: collectionPath(CHAOS_EXPERIMENT, cs.metadata.namespace),
        object: experimentForSchedule(cs, scheduled!),
        onSuccess: event('SuccessfulCreate', `Created experiment ${name}`),
        onFailure: event('FailedCreate', 'Error creating experiment: {error}', 'Warning'),
      })
      lastSchedule = scheduled
    }
  }
  const status: ChaosScheduleStatus = {
    ...(active.length > 0 ? { active: active.map((e) => ({ name: e.metadata.name ?? '', ...(e.metadata.uid ? { uid: e.metadata.uid } : {}) })) } : {}),
    ...(lastSchedule !== undefined ? { lastScheduleTime: timestamp(lastSchedule) } : {}),
  }
  if (JSON.stringify(status) !== JSON.stringify(cs.status ?? {})) actions.push({ type: 'updateStatus', path: pathOf(CHAOS_SCHEDULE, cs, 'status'), object: { ...cs, ...CHAOS_SCHEDULE, status } as ChaosSchedule })
  return requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs }
}
