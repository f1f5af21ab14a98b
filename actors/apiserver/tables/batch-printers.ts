/**
 * Table printers of batch/v1, as kubectl 1.32 prints them (pkg/printers/internalversion printJob,
 * printCronJob): a Job's STATUS, COMPLETIONS and DURATION; a CronJob's SCHEDULE, TIMEZONE,
 * SUSPEND, ACTIVE and LAST SCHEDULE. Wide columns: containers, images, selector.
 */
import { humanDuration, since } from './duration.ts'
import { AGE_COL, CONTAINERS_COL, IMAGES_COL, NAME_COL, ageOf, arr, col, containerCells, formatLabelSelector, nameOf, num, obj, str } from './columns.ts'
import type { Printer } from './printers.ts'
import type { Condition, ContainerShape, KubeObject, LabelSelector } from './types.ts'

const hasCondition = (o: KubeObject, type: string): boolean => arr<Condition>(obj(o['status'])['conditions']).some((c) => c.type === type && c.status === 'True')

/** printJob's STATUS: the first of these that holds. */
function jobStatus(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete'
  if (hasCondition(job, 'Failed')) return 'Failed'
  if (job.metadata?.deletionTimestamp) return 'Terminating'
  if (hasCondition(job, 'Suspended')) return 'Suspended'
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget'
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet'
  return 'Running'
}

/** printJob's COMPLETIONS: `succeeded/completions`, or `n/1 of parallelism` for a work queue. */
function jobCompletions(spec: Record<string, unknown>, succeeded: number): string {
  if (typeof spec['completions'] === 'number') return `${succeeded}/${spec['completions']}`
  const parallelism = spec['parallelism']
  if (typeof parallelism === 'number' && parallelism > 1) return `${succeeded}/1 of ${parallelism}`
  return `${succeeded}/1`
}

/** printJob's DURATION: start to completion, or to now while running; empty before it started. */
function jobDuration(status: Record<string, unknown>, now: number): string {
  const start = Date.parse(str(status['startTime']))
  if (Number.isNaN(start)) return ''
  const completion = Date.parse(str(status['completionTime']))
  return humanDuration((Number.isNaN(completion) ? now : completion) - start)
}

const selectorCell = (selector: unknown): string => formatLabelSelector(selector && typeof selector === 'object' ? (selector as LabelSelector) : undefined)

export const jobPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  row: (job, now) => {
    const spec = obj(job['spec'])
    const status = obj(job['status'])
    const [containers, images] = containerCells(arr<ContainerShape>(obj(obj(spec['template'])['spec'])['containers']))
    return { cells: [nameOf(job), jobStatus(job), jobCompletions(spec, num(status['succeeded'])), jobDuration(status, now), ageOf(job, now), containers, images, selectorCell(spec['selector'])] }
  },
}

export const cronJobPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  row: (cj, now) => {
    const spec = obj(cj['spec'])
    const status = obj(cj['status'])
    const jobSpec = obj(obj(spec['jobTemplate'])['spec'])
    const [containers, images] = containerCells(arr<ContainerShape>(obj(obj(jobSpec['template'])['spec'])['containers']))
    const lastSchedule = str(status['lastScheduleTime'])
    const suspend = typeof spec['suspend'] === 'boolean' ? String(spec['suspend']) : '<unset>'
    return {
      cells: [
        nameOf(cj),
        str(spec['schedule']),
        str(spec['timeZone']) || '<none>',
        suspend,
        arr(status['active']).length,
        lastSchedule ? since(lastSchedule, now) : '<none>',
        ageOf(cj, now),
        containers,
        images,
        selectorCell(jobSpec['selector']),
      ],
    }
  },
}

/** batch/v1 printers by `<group>/<resource>`, as printers.ts's PRINTERS keys them. */
export const BATCH_PRINTERS: Readonly<Record<string, Printer>> = {
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
}
