/**
 * batch/v1 Jobs and CronJobs on the API server: defaulting (SetDefaults_Job, SetDefaults_CronJob
 * and the Job strategy's selector generation) and validation with field paths
 * (k8s.io/kubernetes/pkg/apis/batch/validation). The pod template's own defaulting and
 * validation are the core ones, passed in by defaults.ts and kinds.ts.
 */
import { parseCronSchedule } from '../../controllers/cron-schedule.ts'
import { timeZoneError } from '../../controllers/time-zone.ts'
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../../kube/batch.ts'
import { FieldPath, invalid, notSupported, required, type FieldError } from '../field-errors.ts'
import type { KubeObject } from '../ports.ts'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const objOf = (v: unknown): Obj => (isObj(v) ? v : {})

export type PodSpecDefaulter = (spec: unknown) => Obj
export type PodSpecValidator = (spec: unknown, path: FieldPath) => FieldError[]

// ------------------------------------------------------------------ defaults

/** The pod template with the core pod spec defaults. */
function templateDefaults(template: unknown, podSpec: PodSpecDefaulter): unknown {
  return isObj(template) ? { ...template, spec: podSpec(template.spec) } : template
}

/**
 * SetDefaults_Job, plus the create strategy's generated selector: unless manualSelector, a Job
 * selects its pods by `batch.kubernetes.io/controller-uid: <uid>`, and its template carries that
 * label and the job name (new and legacy keys). The selector is made only for an object with a
 * uid and no selector, which is a new Job (updates carry the stored one).
 */
export function defaultJob(o: KubeObject, podSpec: PodSpecDefaulter): KubeObject {
  const s = objOf(o.spec)
  const bothUnset = s.completions === undefined && s.parallelism === undefined
  const spec: Obj = {
    ...(bothUnset ? { completions: 1 } : {}),
    parallelism: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
    manualSelector: false,
    podReplacementPolicy: 'TerminatingOrFailed',
    ...s,
    template: templateDefaults(s.template, podSpec),
  }
  const uid = o.metadata?.uid
  if (spec.manualSelector !== true && spec.selector === undefined && typeof uid === 'string' && uid !== '' && isObj(spec.template)) {
    const name = o.metadata?.name ?? ''
    const meta = objOf(spec.template.metadata)
    const labels = { ...objOf(meta.labels), [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name }
    spec.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } }
    spec.template = { ...spec.template, metadata: { ...meta, labels } }
  }
  // A Job without labels of its own takes its template's (so `kubectl get jobs -l job-name=x` finds it).
  const templateLabels = objOf(objOf(objOf(spec.template).metadata).labels) as Record<string, string>
  const ownLabels = o.metadata?.labels ?? {}
  if (Object.keys(ownLabels).length === 0 && Object.keys(templateLabels).length > 0) return { ...o, metadata: { ...o.metadata, labels: { ...templateLabels } }, spec }
  return { ...o, spec }
}

/** SetDefaults_CronJob: Allow, not suspended, keep 3 succeeded and 1 failed Jobs. */
export function defaultCronJob(o: KubeObject, podSpec: PodSpecDefaulter): KubeObject {
  const s = objOf(o.spec)
  const jobTemplate = isObj(s.jobTemplate) ? { ...s.jobTemplate, spec: { ...objOf(s.jobTemplate.spec), template: templateDefaults(objOf(s.jobTemplate.spec).template, podSpec) } } : s.jobTemplate
  return { ...o, spec: { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, ...s, jobTemplate } }
}

// ---------------------------------------------------------------- validation

const RESTART_POLICIES = ['OnFailure', 'Never']
const COMPLETION_MODES = ['NonIndexed', 'Indexed']
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace']
/** A CronJob's Jobs are named `<cronjob>-<minutes>`: 11 characters more within a 63-character label. */
const CRONJOB_NAME_MAX = 52

function nonNegative(s: Obj, field: string, path: FieldPath): FieldError[] {
  const v = s[field]
  if (v === undefined || v === null) return []
  return Number.isInteger(v) && (v as number) >= 0 ? [] : [invalid(path.child(field), v, 'must be greater than or equal to 0')]
}

function positive(s: Obj, field: string, path: FieldPath): FieldError[] {
  const v = s[field]
  if (v === undefined || v === null) return []
  return Number.isInteger(v) && (v as number) > 0 ? [] : [invalid(path.child(field), v, 'must be greater than 0')]
}

/** validateJobSpec; `requireSelector` is false inside a CronJob's template (its Jobs get one when made). */
function jobSpec(s: unknown, path: FieldPath, podSpec: PodSpecValidator, requireSelector: boolean): FieldError[] {
  if (!isObj(s)) return [required(path)]
  const errors: FieldError[] = [
    ...nonNegative(s, 'parallelism', path),
    ...nonNegative(s, 'completions', path),
    ...nonNegative(s, 'backoffLimit', path),
    ...positive(s, 'activeDeadlineSeconds', path),
    ...nonNegative(s, 'ttlSecondsAfterFinished', path),
  ]
  if (s.completionMode !== undefined && !COMPLETION_MODES.includes(String(s.completionMode))) errors.push(notSupported(path.child('completionMode'), s.completionMode, COMPLETION_MODES))
  if (s.completionMode === 'Indexed' && (s.completions === undefined || s.completions === null)) errors.push(required(path.child('completions'), 'when completion mode is Indexed'))
  if (s.suspend !== undefined && typeof s.suspend !== 'boolean') errors.push(invalid(path.child('suspend'), s.suspend, 'must be a boolean'))
  if (requireSelector && !isObj(s.selector)) errors.push(required(path.child('selector')))
  const template = s.template
  if (!isObj(template)) return [...errors, required(path.child('template'))]
  const podPath = path.child('template').child('spec')
  errors.push(...podSpec(template.spec, podPath))
  const policy = objOf(template.spec).restartPolicy
  if (policy === undefined) errors.push(required(podPath.child('restartPolicy'), 'valid values: "OnFailure", "Never"'))
  else if (!RESTART_POLICIES.includes(String(policy))) errors.push(notSupported(podPath.child('restartPolicy'), policy, RESTART_POLICIES))
  if (isObj(s.selector)) errors.push(...selectorMatchesTemplate(s.selector, template, path))
  return errors
}

function selectorMatchesTemplate(selector: Obj, template: Obj, path: FieldPath): FieldError[] {
  const labels = objOf(objOf(template.metadata).labels)
  const matchLabels = objOf(selector.matchLabels)
  if (Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return []
  return [invalid(path.child('template').child('metadata').child('labels'), labels, '`selector` does not match template `labels`')]
}

export function validateJob(o: KubeObject, podSpec: PodSpecValidator): FieldError[] {
  return jobSpec(o.spec, FieldPath.root('spec'), podSpec, true)
}

export function validateCronJob(o: KubeObject, podSpec: PodSpecValidator): FieldError[] {
  const root = FieldPath.root('spec')
  const errors: FieldError[] = []
  const name = o.metadata?.name ?? ''
  if (name.length > CRONJOB_NAME_MAX) errors.push(invalid(FieldPath.root('metadata').child('name'), name, `must be no more than ${CRONJOB_NAME_MAX} characters`))
  const s = o.spec
  if (!isObj(s)) return [...errors, required(root)]
  errors.push(...schedule(s.schedule, root.child('schedule')))
  if (s.timeZone !== undefined && s.timeZone !== null) {
    const zoneError = typeof s.timeZone === 'string' ? timeZoneError(s.timeZone) : 'must be a string'
    if (zoneError !== undefined) errors.push(invalid(root.child('timeZone'), s.timeZone, zoneError))
  }
  if (s.concurrencyPolicy !== undefined && !CONCURRENCY_POLICIES.includes(String(s.concurrencyPolicy))) errors.push(notSupported(root.child('concurrencyPolicy'), s.concurrencyPolicy, CONCURRENCY_POLICIES))
  errors.push(...nonNegative(s, 'startingDeadlineSeconds', root), ...nonNegative(s, 'successfulJobsHistoryLimit', root), ...nonNegative(s, 'failedJobsHistoryLimit', root))
  const jobTemplate = s.jobTemplate
  if (!isObj(jobTemplate)) return [...errors, required(root.child('jobTemplate'))]
  return [...errors, ...jobSpec(jobTemplate.spec, root.child('jobTemplate').child('spec'), podSpec, false)]
}

function schedule(value: unknown, path: FieldPath): FieldError[] {
  if (typeof value !== 'string' || value.trim() === '') return [required(path)]
  // Kubernetes refuses any `TZ` in a new schedule (validateScheduleFormat): the zone goes in timeZone.
  if (value.includes('TZ')) return [invalid(path, value, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead')]
  const parsed = parseCronSchedule(value)
  return parsed.ok ? [] : [invalid(path, value, parsed.error)]
}
