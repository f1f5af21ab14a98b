/**
 * batch/v1 Jobs and CronJobs on the API server: defaulting (SetDefaults_Job, SetDefaults_CronJob
 * and the Job strategy's selector generation) and validation with field paths
 * (k8s.io/kubernetes/pkg/apis/batch/validation): podFailurePolicy, backoffLimitPerIndex /
 * maxFailedIndexes, successPolicy, podReplacementPolicy, and on update the fields Kubernetes
 * keeps immutable. The pod template's own defaulting and validation are the core ones, passed
 * in by defaults.ts and kinds.ts.
 */
import { parseCronSchedule } from '../../controllers/cron-schedule.ts'
import { timeZoneError } from '../../controllers/time-zone.ts'
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../../kube/batch.ts'
import { FieldPath, duplicate, invalid, invalidOmitValue, notSupported, required, tooLong, tooMany, type FieldError } from '../field-errors.ts'
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../meta/names.ts'
import type { KubeObject } from '../ports.ts'
import { immutableField } from './field-values.ts'

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
  const hasPolicy = isObj(s.podFailurePolicy)
  const spec: Obj = {
    ...(bothUnset ? { completions: 1 } : {}),
    parallelism: 1,
    // With backoffLimitPerIndex the Job-wide limit is off unless set (math.MaxInt32).
    backoffLimit: s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null ? 2147483647 : 6,
    completionMode: 'NonIndexed',
    suspend: false,
    manualSelector: false,
    podReplacementPolicy: hasPolicy ? 'Failed' : 'TerminatingOrFailed',
    ...s,
    ...(hasPolicy ? { podFailurePolicy: podFailurePolicyDefaults(s.podFailurePolicy as Obj) } : {}),
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

/** A pod failure policy's onPodConditions patterns without a status match status True. */
function podFailurePolicyDefaults(policy: Obj): Obj {
  if (!Array.isArray(policy.rules)) return policy
  const rules = policy.rules.map((rule: unknown) => {
    if (!isObj(rule) || !Array.isArray(rule.onPodConditions)) return rule
    return { ...rule, onPodConditions: rule.onPodConditions.map((p: unknown) => (isObj(p) && (p.status === undefined || p.status === '') ? { ...p, status: 'True' } : p)) }
  })
  return { ...policy, rules }
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

// Kubernetes' limits (pkg/apis/batch/validation).
const MAX_PARALLELISM_INDEXED = 100_000
const MAX_FAILED_INDEXES = 100_000
const COMPLETIONS_SOFT_LIMIT = 100_000
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10_000
const MAX_POLICY_RULES = 20
const MAX_EXIT_CODES = 255
const MAX_CONDITION_PATTERNS = 20
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024
const MAX_SUCCESS_RULES = 20
// sets.List order (sorted), as Kubernetes lists them.
const POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore']
const EXIT_CODE_OPERATORS = ['In', 'NotIn']
const CONDITION_STATUSES = ['False', 'True', 'Unknown']
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed']

const isSet = (v: unknown): boolean => v !== undefined && v !== null
/** Go's %q of a string list: `["Count" "FailIndex"]`. */
const quotedList = (values: readonly string[]): string => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`

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

/** backoffLimitPerIndex and maxFailedIndexes (Indexed only), and the Indexed limits on parallelism. */
function indexedLimits(s: Obj, path: FieldPath): FieldError[] {
  const errors = [...nonNegative(s, 'backoffLimitPerIndex', path), ...nonNegative(s, 'maxFailedIndexes', path)]
  const completions = s.completions as number | undefined
  const parallelism = s.parallelism as number | undefined
  const perIndex = s.backoffLimitPerIndex as number | undefined
  const maxFailed = s.maxFailedIndexes as number | undefined
  if (isSet(maxFailed) && !isSet(perIndex)) errors.push(required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'))
  if (s.completionMode === 'Indexed') {
    if (isSet(parallelism) && parallelism! > MAX_PARALLELISM_INDEXED) errors.push(invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`))
    if (isSet(completions) && isSet(maxFailed) && maxFailed! > completions!) errors.push(invalid(path.child('maxFailedIndexes'), maxFailed, 'must be less than or equal to completions'))
    if (isSet(maxFailed) && maxFailed! > MAX_FAILED_INDEXES) errors.push(invalid(path.child('maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES}`))
    if (isSet(completions) && completions! > COMPLETIONS_SOFT_LIMIT && isSet(perIndex)) {
      const high = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`
      if (!isSet(maxFailed)) errors.push(required(path.child('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`))
      if (isSet(parallelism) && parallelism! > PARALLELISM_LIMIT_HIGH_COMPLETIONS) errors.push(invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} ${high}`))
      if (isSet(maxFailed) && maxFailed! > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) errors.push(invalid(path.child('maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} ${high}`))
    }
  } else {
    if (isSet(perIndex)) errors.push(invalid(path.child('backoffLimitPerIndex'), perIndex, 'requires indexed completion mode'))
    if (isSet(maxFailed)) errors.push(invalid(path.child('maxFailedIndexes'), maxFailed, 'requires indexed completion mode'))
  }
  return errors
}

const MAX_MANAGED_BY_LENGTH = 63
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/

/** managedBy: a domain-prefixed path (IsDomainPrefixedPath), at most 63 characters. */
function managedBy(s: Obj, path: FieldPath): FieldError[] {
  const value = s.managedBy
  if (!isSet(value)) return []
  const text = String(value)
  const at = path.child('managedBy')
  const errors: FieldError[] = []
  const slash = text.indexOf('/')
  if (text === '') errors.push(required(at))
  else if (slash <= 0 || slash === text.length - 1) errors.push(invalid(at, text, 'must be a domain-prefixed path (such as "acme.io/foo")'))
  else {
    const host = text.slice(0, slash)
    const rest = text.slice(slash + 1)
    errors.push(...isDNS1123Subdomain(host).map((m) => invalid(at, host, m)))
    if (!HTTP_PATH.test(rest)) errors.push(invalid(at, rest, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"))
  }
  if (text.length > MAX_MANAGED_BY_LENGTH) errors.push(tooLong(at, MAX_MANAGED_BY_LENGTH))
  return errors
}

/** validatePodFailurePolicy: at most 20 rules, each with a known action and exactly one of onExitCodes / onPodConditions. */
function podFailurePolicy(s: Obj, template: Obj, path: FieldPath): FieldError[] {
  const policy = s.podFailurePolicy
  if (!isSet(policy)) return []
  if (!isObj(policy)) return [invalid(path, policy, 'must be an object')]
  const rules = Array.isArray(policy.rules) ? policy.rules : []
  const rulesPath = path.child('rules')
  const errors: FieldError[] = rules.length > MAX_POLICY_RULES ? [tooMany(rulesPath, rules.length, MAX_POLICY_RULES)] : []
  const podSpec = objOf(template.spec)
  const names = new Set([...(Array.isArray(podSpec.containers) ? podSpec.containers : []), ...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : [])].map((c) => objOf(c).name))
  rules.forEach((rule, i) => errors.push(...podFailurePolicyRule(objOf(rule), isSet(s.backoffLimitPerIndex), names, rulesPath.index(i))))
  return errors
}

function podFailurePolicyRule(rule: Obj, perIndex: boolean, containerNames: ReadonlySet<unknown>, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const action = rule.action
  const actionPath = path.child('action')
  if (action === undefined || action === null || action === '') errors.push(required(actionPath, `valid values: ${quotedList(POLICY_ACTIONS)}`))
  else if (action === 'FailIndex') {
    if (!perIndex) errors.push(invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'))
  } else if (!POLICY_ACTIONS.includes(String(action))) errors.push(notSupported(actionPath, action, POLICY_ACTIONS))
  const onExitCodes = isSet(rule.onExitCodes)
  const conditions = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : []
  if (onExitCodes) errors.push(...exitCodesRequirement(objOf(rule.onExitCodes), containerNames, path.child('onExitCodes')))
  if (conditions.length > 0) errors.push(...podConditionPatterns(conditions, path.child('onPodConditions')))
  if (onExitCodes && conditions.length > 0) errors.push(invalidOmitValue(path, 'specifying both OnExitCodes and OnPodConditions is not supported'))
  if (!onExitCodes && conditions.length === 0) errors.push(invalidOmitValue(path, 'specifying one of OnExitCodes and OnPodConditions is required'))
  return errors
}

function exitCodesRequirement(req: Obj, containerNames: ReadonlySet<unknown>, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const operator = req.operator
  if (operator === undefined || operator === null || operator === '') errors.push(required(path.child('operator'), `valid values: ${quotedList(EXIT_CODE_OPERATORS)}`))
  else if (!EXIT_CODE_OPERATORS.includes(String(operator))) errors.push(notSupported(path.child('operator'), operator, EXIT_CODE_OPERATORS))
  if (isSet(req.containerName) && !containerNames.has(req.containerName)) errors.push(invalid(path.child('containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'))
  const values: unknown[] = Array.isArray(req.values) ? req.values : []
  const valuesPath = path.child('values')
  if (values.length === 0) errors.push(invalid(valuesPath, values, 'at least one value is required'))
  else if (values.length > MAX_EXIT_CODES) errors.push(tooMany(valuesPath, values.length, MAX_EXIT_CODES))
  const seen = new Set<unknown>()
  let ordered = true
  values.forEach((v, j) => {
    if (operator === 'In' && v === 0) errors.push(invalid(valuesPath.index(j), v, 'must not be 0 for the In operator'))
    if (seen.has(v)) errors.push(duplicate(valuesPath.index(j), v))
    else seen.add(v)
    if (j > 0 && (values[j - 1] as number) > (v as number)) ordered = false
  })
  if (!ordered) errors.push(invalid(valuesPath, values, 'must be ordered'))
  return errors
}

function podConditionPatterns(patterns: readonly unknown[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = patterns.length > MAX_CONDITION_PATTERNS ? [tooMany(path, patterns.length, MAX_CONDITION_PATTERNS)] : []
  patterns.forEach((raw, j) => {
    const p = objOf(raw)
    const at = path.index(j)
    const type = typeof p.type === 'string' ? p.type : ''
    errors.push(...isQualifiedName(type).map((m) => invalid(at.child('type'), type, m)))
    if (p.status === undefined || p.status === null || p.status === '') errors.push(required(at.child('status'), `valid values: ${quotedList(CONDITION_STATUSES)}`))
    else if (!CONDITION_STATUSES.includes(String(p.status))) errors.push(notSupported(at.child('status'), p.status, CONDITION_STATUSES))
  })
  return errors
}

/** validateIndexesFormat: `0-2,5`, increasing, below completions; the number of indexes or why it does not parse. */
export function indexesFormat(text: string, completions: number): { total: number } | { error: string } {
  if (text === '') return { total: 0 }
  let last: number | undefined
  let total = 0
  for (const part of text.split(',')) {
    const limits = part.split('-')
    if (limits.length > 2) return { error: `the fragment ${JSON.stringify(part)} violates the requirement that an index interval can have at most two parts separated by '-'` }
    const bounds: number[] = []
    for (const limit of limits) {
      // strconv.Atoi: an optional sign and digits.
      if (!/^[+-]?\d+$/.test(limit)) return { error: `cannot convert string to integer for index: ${JSON.stringify(limit)}` }
      const n = Number(limit)
      if (n >= completions) return { error: `too large index: ${JSON.stringify(limit)}` }
      bounds.push(n)
    }
    const x = bounds[0]!
    const y = bounds[1] ?? x
    if (bounds.length === 2 && x >= y) return { error: `non-increasing order, previous: ${x}, current: ${y}` }
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` }
    total += y - x + 1
    last = y
  }
  return { total }
}

/** validateSuccessPolicy (Indexed Jobs only): 1 to 20 rules, each with succeededIndexes and/or succeededCount. */
function successPolicy(s: Obj, path: FieldPath): FieldError[] {
  const policy = s.successPolicy
  if (!isSet(policy)) return []
  if (s.completionMode !== 'Indexed') return [invalid(path, policy, 'requires indexed completion mode')]
  const rules = Array.isArray(objOf(policy).rules) ? (objOf(policy).rules as unknown[]) : []
  const rulesPath = path.child('rules')
  const errors: FieldError[] = []
  if (rules.length === 0) errors.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'))
  if (rules.length > MAX_SUCCESS_RULES) errors.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_RULES))
  const completions = typeof s.completions === 'number' ? s.completions : 0
  rules.forEach((raw, i) => {
    const rule = objOf(raw)
    const at = rulesPath.index(i)
    if (!isSet(rule.succeededCount) && !isSet(rule.succeededIndexes)) errors.push(required(at, 'at least one of succeededCount or succeededIndexes must be specified'))
    let total = 0
    if (isSet(rule.succeededIndexes)) {
      const text = String(rule.succeededIndexes)
      if (text.length > MAX_SUCCEEDED_INDEXES_LENGTH) errors.push(tooLong(at.child('succeededIndexes'), MAX_SUCCEEDED_INDEXES_LENGTH))
      const parsed = indexesFormat(text, completions)
      if ('error' in parsed) errors.push(invalid(at.child('succeededIndexes'), text, `error parsing succeededIndexes: ${parsed.error}`))
      else total = parsed.total
    }
    if (isSet(rule.succeededCount)) {
      const count = rule.succeededCount as number
      errors.push(...nonNegative(rule, 'succeededCount', at))
      if (count > completions) errors.push(invalid(at.child('succeededCount'), count, `must be less than or equal to ${completions} (the number of specified completions)`))
      if (isSet(rule.succeededIndexes) && count > total) errors.push(invalid(at.child('succeededCount'), count, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`))
    }
  })
  return errors
}

/** validatePodReplacementPolicy: only Failed with a podFailurePolicy. */
function podReplacementPolicy(s: Obj, path: FieldPath): FieldError[] {
  const value = s.podReplacementPolicy
  if (!isSet(value)) return []
  if (isSet(s.podFailurePolicy)) return value === 'Failed' ? [] : [notSupported(path, value, ['Failed'])]
  return REPLACEMENT_POLICIES.includes(String(value)) ? [] : [notSupported(path, value, REPLACEMENT_POLICIES)]
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
    ...indexedLimits(s, path),
    ...managedBy(s, path),
  ]
  if (s.completionMode !== undefined && !COMPLETION_MODES.includes(String(s.completionMode))) errors.push(notSupported(path.child('completionMode'), s.completionMode, COMPLETION_MODES))
  if (s.completionMode === 'Indexed' && (s.completions === undefined || s.completions === null)) errors.push(required(path.child('completions'), 'when completion mode is Indexed'))
  if (s.suspend !== undefined && typeof s.suspend !== 'boolean') errors.push(invalid(path.child('suspend'), s.suspend, 'must be a boolean'))
  if (requireSelector && !isObj(s.selector)) errors.push(required(path.child('selector')))
  const template = s.template
  if (!isObj(template)) return [...errors, ...podFailurePolicy(s, {}, path.child('podFailurePolicy')), required(path.child('template'))]
  errors.push(...podFailurePolicy(s, template, path.child('podFailurePolicy')), ...successPolicy(s, path.child('successPolicy')), ...podReplacementPolicy(s, path.child('podReplacementPolicy')))
  const podPath = path.child('template').child('spec')
  errors.push(...podSpec(template.spec, podPath))
  const policy = objOf(template.spec).restartPolicy
  // Pod defaulting makes an unset restartPolicy Always: both are "Required" (as Kubernetes words it).
  if (policy === undefined || policy === null || policy === '' || policy === 'Always') errors.push(required(podPath.child('restartPolicy'), 'valid values: "OnFailure", "Never"'))
  else if (!RESTART_POLICIES.includes(String(policy))) errors.push(notSupported(podPath.child('restartPolicy'), policy, RESTART_POLICIES))
  else if (isSet(s.podFailurePolicy) && policy !== 'Never') errors.push(invalid(podPath.child('restartPolicy'), policy, 'only "Never" is supported when podFailurePolicy is specified'))
  if (isObj(s.selector)) errors.push(...selectorMatchesTemplate(s.selector, template, path))
  return errors
}

function selectorMatchesTemplate(selector: Obj, template: Obj, path: FieldPath): FieldError[] {
  const labels = objOf(objOf(template.metadata).labels)
  const matchLabels = objOf(selector.matchLabels)
  if (Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return []
  return [invalid(path.child('template').child('metadata').child('labels'), labels, '`selector` does not match template `labels`')]
}

/** ValidateJob, and on update ValidateJobSpecUpdate against the stored Job `old`. */
export function validateJob(o: KubeObject, podSpec: PodSpecValidator, old?: KubeObject): FieldError[] {
  const errors = jobSpec(o.spec, FieldPath.root('spec'), podSpec, true)
  const s = objOf(o.spec)
  // An Indexed Job's pods get the hostname `<job>-<index>`: the largest must be a DNS label.
  if (s.completionMode === 'Indexed' && typeof s.completions === 'number' && s.completions > 0) {
    const hostname = `${o.metadata?.name ?? ''}-${s.completions - 1}`
    if (isDNS1123Label(hostname).length > 0) errors.push(invalid(FieldPath.root('metadata').child('name'), o.metadata?.name ?? '', `will not able to create pod with invalid DNS label: ${hostname}`))
  }
  return old === undefined ? errors : [...errors, ...jobSpecUpdate(s, objOf(old.spec), objOf(old.status))]
}

/**
 * ValidateJobSpecUpdate: selector, completionMode, podFailurePolicy, backoffLimitPerIndex,
 * managedBy and successPolicy never change; completions only for an Indexed Job, together with
 * parallelism (elastic Indexed Jobs); the template never, except that a suspended Job that never
 * started may change its scheduling directives (node affinity, nodeSelector, tolerations,
 * schedulingGates, labels and annotations).
 */
function jobSpecUpdate(s: Obj, old: Obj, oldStatus: Obj): FieldError[] {
  const spec = FieldPath.root('spec')
  const errors: FieldError[] = [...completionsUpdate(s, old, spec.child('completions'))]
  errors.push(...immutableField(s.selector, old.selector, spec.child('selector')))
  errors.push(...immutableField(s.template, mutableDirectivesFrom(s.template, old.template, old.suspend === true && !isSet(oldStatus.startTime)), spec.child('template')))
  for (const field of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) errors.push(...immutableField(s[field], old[field], spec.child(field)))
  return errors
}

function completionsUpdate(s: Obj, old: Obj, path: FieldPath): FieldError[] {
  if (s.completionMode !== 'Indexed') return immutableField(s.completions, old.completions, path)
  if (s.completions === old.completions || !isSet(s.completions)) return []
  return s.completions === s.parallelism ? [] : [invalid(path, s.completions, 'can only be modified in tandem with spec.parallelism')]
}

/** The old template with the new one's scheduling directives when they may change (validatePodTemplateUpdate). */
function mutableDirectivesFrom(next: unknown, old: unknown, allowed: boolean): unknown {
  if (!allowed || !isObj(next) || !isObj(old)) return old
  const nextSpec = objOf(next.spec)
  const oldSpec = objOf(old.spec)
  const nextMeta = objOf(next.metadata)
  const { nodeAffinity: _old, ...oldOtherAffinity } = objOf(oldSpec.affinity)
  let affinity: unknown
  if (!isSet(nextSpec.affinity)) affinity = Object.keys(oldOtherAffinity).length === 0 ? undefined : oldOtherAffinity
  else affinity = { ...oldOtherAffinity, ...(isSet(objOf(nextSpec.affinity).nodeAffinity) ? { nodeAffinity: objOf(nextSpec.affinity).nodeAffinity } : {}) }
  const spec = { ...oldSpec, affinity, nodeSelector: nextSpec.nodeSelector, tolerations: nextSpec.tolerations, schedulingGates: nextSpec.schedulingGates }
  const metadata = { ...objOf(old.metadata), labels: nextMeta.labels, annotations: nextMeta.annotations }
  return { ...old, metadata: dropUnset(metadata), spec: dropUnset(spec) }
}

const dropUnset = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

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
