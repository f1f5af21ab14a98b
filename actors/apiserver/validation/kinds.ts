/**
 * Per-kind validation of what the API server stores (beyond ObjectMeta): the fields Kubernetes
 * requires and that the scheduler, controllers and kubelets rely on. Errors carry field paths,
 * so kubectl prints `The Pod "x" is invalid: spec.containers[0].image: Required value`.
 */
import { FieldPath, forbidden, invalid, notSupported, required, duplicate, type FieldError } from '../field-errors.ts'
import { HIGHEST_USER_DEFINABLE_PRIORITY } from '../admission/priority.ts'
import type { KubeObject } from '../ports.ts'
import { validateDaemonSet, validateStatefulSet } from './apps-kinds.ts'
import { CORE_KIND_VALIDATORS } from './core-kinds.ts'
import { NETWORKING_KIND_VALIDATORS } from './networking-kinds.ts'
import { POLICY_KIND_VALIDATORS } from './policy-kinds.ts'
import { STORAGE_KIND_VALIDATORS } from './storage-kinds.ts'
import type { ValidateNameFunc } from '../meta/names.ts'
import { RBAC_NAME_RULES, RBAC_VALIDATORS } from './rbac.ts'
import { CHAOS_VALIDATORS } from './chaos-kinds.ts'
import { validateCronJob, validateJob } from './batch-kinds.ts'
import { validateControllerRevision } from './controller-revision.ts'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const spec = (o: KubeObject): Obj | undefined => (isObj(o.spec) ? o.spec : undefined)

function podSpec(s: unknown, path: FieldPath): FieldError[] {
  if (!isObj(s)) return [required(path)]
  const errors: FieldError[] = []
  const containers = s.containers
  if (!Array.isArray(containers) || containers.length === 0) return [required(path.child('containers'))]
  const names = new Set<string>()
  containers.forEach((c, i) => {
    const at = path.child('containers').index(i)
    if (!isObj(c)) return void errors.push(invalid(at, c, 'must be an object'))
    if (typeof c.name !== 'string' || c.name === '') errors.push(required(at.child('name')))
    else if (names.has(c.name)) errors.push(duplicate(at.child('name'), c.name))
    else names.add(c.name)
    if (typeof c.image !== 'string' || c.image.trim() === '') errors.push(required(at.child('image')))
  })
  if (s.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(String(s.preemptionPolicy))) errors.push(notSupported(path.child('preemptionPolicy'), s.preemptionPolicy, PREEMPTION_POLICIES))
  const policy = s.restartPolicy
  if (policy !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(policy))) errors.push(notSupported(path.child('restartPolicy'), policy, ['Always', 'OnFailure', 'Never']))
  return errors
}

function replicated(o: KubeObject): FieldError[] {
  const s = spec(o)
  const root = FieldPath.root('spec')
  if (s === undefined) return [required(root)]
  const errors: FieldError[] = []
  if (s.replicas !== undefined && !(Number.isInteger(s.replicas) && (s.replicas as number) >= 0)) errors.push(invalid(root.child('replicas'), s.replicas, 'must be greater than or equal to 0'))
  const selector = s.selector
  if (!isObj(selector)) errors.push(required(root.child('selector')))
  const template = s.template
  if (!isObj(template)) return [...errors, required(root.child('template'))]
  errors.push(...podSpec(template.spec, root.child('template').child('spec')))
  const labels = isObj(template.metadata) && isObj(template.metadata.labels) ? (template.metadata.labels as Record<string, string>) : {}
  const matchLabels = isObj(selector) && isObj(selector.matchLabels) ? (selector.matchLabels as Record<string, string>) : {}
  if (isObj(selector) && Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) {
    errors.push(invalid(root.child('template').child('metadata').child('labels'), labels, '`selector` does not match template `labels`'))
  }
  return errors
}

function service(o: KubeObject): FieldError[] {
  const s = spec(o) ?? {}
  const root = FieldPath.root('spec')
  const errors: FieldError[] = []
  const type = s.type ?? 'ClusterIP'
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(String(type))) errors.push(notSupported(root.child('type'), type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']))
  const ports = s.ports
  if (type !== 'ExternalName' && (!Array.isArray(ports) || ports.length === 0)) return [...errors, required(root.child('ports'))]
  ;(Array.isArray(ports) ? ports : []).forEach((p, i) => {
    const at = root.child('ports').index(i)
    if (!isObj(p) || !Number.isInteger(p.port) || (p.port as number) < 1 || (p.port as number) > 65535) errors.push(invalid(at.child('port'), isObj(p) ? p.port : p, 'must be between 1 and 65535, inclusive'))
  })
  return errors
}

const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority']

/** ValidatePriorityClass; the built-in system- classes are not stored, so that prefix is refused outright. */
function priorityClass(o: KubeObject): FieldError[] {
  const pc = o as Obj
  const errors: FieldError[] = []
  const name = o.metadata?.name ?? ''
  if (name.startsWith('system-')) errors.push(forbidden(FieldPath.root('metadata').child('name'), "priority class names with 'system-' prefix are reserved for system use only"))
  const value = pc.value ?? 0
  if (!Number.isInteger(value)) errors.push(invalid(FieldPath.root('value'), value, 'must be an integer'))
  else if ((value as number) > HIGHEST_USER_DEFINABLE_PRIORITY) errors.push(forbidden(FieldPath.root('value'), `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`))
  if (pc.globalDefault !== undefined && typeof pc.globalDefault !== 'boolean') errors.push(invalid(FieldPath.root('globalDefault'), pc.globalDefault, 'must be a boolean'))
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(String(pc.preemptionPolicy))) errors.push(notSupported(FieldPath.root('preemptionPolicy'), pc.preemptionPolicy, PREEMPTION_POLICIES))
  return errors
}

/** Each kind's validator; `old` is the stored object, on updates (immutable fields). */
const VALIDATORS: Readonly<Record<string, (o: KubeObject, old?: KubeObject) => FieldError[]>> = {
  PriorityClass: priorityClass,
  Pod: (o) => podSpec(o.spec, FieldPath.root('spec')),
  Deployment: replicated,
  ReplicaSet: replicated,
  Service: service,
  DaemonSet: (o, old) => validateDaemonSet(o, old, replicated),
  StatefulSet: (o, old) => validateStatefulSet(o, old, replicated),
  ControllerRevision: validateControllerRevision,
  ...CORE_KIND_VALIDATORS,
  ...STORAGE_KIND_VALIDATORS,
  ...POLICY_KIND_VALIDATORS,
  ...NETWORKING_KIND_VALIDATORS,
  ...RBAC_VALIDATORS,
  ...CHAOS_VALIDATORS,
  Job: (o, old) => validateJob(o, podSpec, old),
  CronJob: (o) => validateCronJob(o, podSpec),
}

/** The name rule of kinds whose names are not DNS subdomains (validateObjectMeta's default). */
export const nameRuleOf = (kind: string): ValidateNameFunc | undefined => RBAC_NAME_RULES[kind]

export function validateKind(kind: string, object: KubeObject, old?: KubeObject): FieldError[] {
  return VALIDATORS[kind]?.(object, old) ?? []
}
