/**
 * apps/v1 DaemonSet and StatefulSet on the API server: defaulting (SetDefaults_DaemonSet,
 * SetDefaults_StatefulSet, their volume claim templates' as claims') and validation with field
 * paths (ValidateDaemonSet(Update), ValidateStatefulSet(Update)). The selector/template checks
 * and the pod template's defaults are the ones Deployments use, passed in by kinds.ts and
 * defaults.ts.
 */
import { FieldPath, forbidden, invalid, notSupported, type FieldError } from '../field-errors.ts'
import { semanticEqual } from '../meta/object-meta.ts'
import type { KubeObject } from '../ports.ts'
import { immutableField, intOrPercent, isObj, objOf, type Obj } from './field-values.ts'
import { defaultClaimSpec, validateClaimSpec } from './storage-kinds.ts'

/** Validates what every replicated workload shares: replicas, selector, template (kinds.ts's). */
export type WorkloadValidator = (o: KubeObject) => FieldError[]
/** Applies the pod template defaults to a workload spec (defaults.ts's). */
export type TemplateDefaulter = (spec: Obj) => Obj

const spec = FieldPath.root('spec')
const DAEMON_SET_STRATEGIES = ['OnDelete', 'RollingUpdate']
const POD_MANAGEMENT_POLICIES = ['OrderedReady', 'Parallel']
const RETENTION_POLICIES = ['Delete', 'Retain']
const STATEFUL_SET_UPDATABLE = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

// ------------------------------------------------------------------ defaults

export function defaultDaemonSet(o: KubeObject, template: TemplateDefaulter): KubeObject {
  const s = objOf(o.spec)
  const strategy = objOf(s.updateStrategy)
  const type = strategy.type ?? 'RollingUpdate'
  const updateStrategy = type === 'RollingUpdate' ? { ...strategy, type, rollingUpdate: { maxUnavailable: 1, maxSurge: 0, ...objOf(strategy.rollingUpdate) } } : { ...strategy, type }
  return { ...o, spec: template({ revisionHistoryLimit: 10, ...s, updateStrategy }) }
}

/** A volume claim template is defaulted as a claim is (volumeMode, Pending), with its apiVersion and kind. */
const claimTemplate = (t: unknown): unknown =>
  isObj(t) ? { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t, spec: defaultClaimSpec(t.spec), status: { phase: 'Pending', ...objOf(t.status) } } : t

export function defaultStatefulSet(o: KubeObject, template: TemplateDefaulter): KubeObject {
  const s = objOf(o.spec)
  const strategy = objOf(s.updateStrategy)
  const type = strategy.type ?? 'RollingUpdate'
  const updateStrategy = type === 'RollingUpdate' ? { ...strategy, type, rollingUpdate: { partition: 0, ...objOf(strategy.rollingUpdate) } } : { ...strategy, type }
  const defaulted: Obj = {
    replicas: 1,
    podManagementPolicy: 'OrderedReady',
    revisionHistoryLimit: 10,
    ...s,
    updateStrategy,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain', ...objOf(s.persistentVolumeClaimRetentionPolicy) },
  }
  if (Array.isArray(s.volumeClaimTemplates)) defaulted.volumeClaimTemplates = s.volumeClaimTemplates.map(claimTemplate)
  return { ...o, spec: template(defaulted) }
}

// ------------------------------------------------------------------ validation

/** A controller's pods are restarted by it, never by the kubelet alone: restartPolicy Always. */
function restartAlways(s: Obj): FieldError[] {
  const policy = objOf(objOf(s.template).spec).restartPolicy
  return policy === undefined || policy === 'Always' ? [] : [notSupported(spec.child('template').child('spec').child('restartPolicy'), policy, ['Always'])]
}

function emptySelector(s: Obj, kind: string): FieldError[] {
  const selector = s.selector
  if (!isObj(selector)) return []
  const empty = Object.keys(objOf(selector.matchLabels)).length === 0 && !(Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0)
  return empty ? [invalid(spec.child('selector'), selector, `empty selector is invalid for ${kind}`)] : []
}

export function validateDaemonSet(o: KubeObject, old: KubeObject | undefined, workload: WorkloadValidator): FieldError[] {
  const s = objOf(o.spec)
  const errors = [...workload(o), ...emptySelector(s, 'daemonset'), ...restartAlways(s)]
  const strategy = objOf(s.updateStrategy)
  const at = spec.child('updateStrategy')
  if (strategy.type !== undefined && !DAEMON_SET_STRATEGIES.includes(String(strategy.type))) errors.push(notSupported(at.child('type'), strategy.type, DAEMON_SET_STRATEGIES))
  const rolling = objOf(strategy.rollingUpdate)
  errors.push(...intOrPercent(rolling.maxUnavailable, at.child('rollingUpdate').child('maxUnavailable')), ...intOrPercent(rolling.maxSurge, at.child('rollingUpdate').child('maxSurge')))
  if (strategy.type === 'RollingUpdate' && isZero(rolling.maxUnavailable) && isZero(rolling.maxSurge)) {
    errors.push(invalid(at.child('rollingUpdate').child('maxUnavailable'), rolling.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'))
  }
  if (old !== undefined) errors.push(...immutableField(s.selector, objOf(old.spec).selector, spec.child('selector')))
  return errors
}

const isZero = (v: unknown): boolean => v === 0 || v === '0%'

export function validateStatefulSet(o: KubeObject, old: KubeObject | undefined, workload: WorkloadValidator): FieldError[] {
  const s = objOf(o.spec)
  const errors = [...workload(o), ...restartAlways(s)]
  if (s.podManagementPolicy !== undefined && !POD_MANAGEMENT_POLICIES.includes(String(s.podManagementPolicy))) errors.push(notSupported(spec.child('podManagementPolicy'), s.podManagementPolicy, POD_MANAGEMENT_POLICIES))
  const strategy = objOf(s.updateStrategy)
  const at = spec.child('updateStrategy')
  if (strategy.type !== undefined && !DAEMON_SET_STRATEGIES.includes(String(strategy.type))) errors.push(notSupported(at.child('type'), strategy.type, DAEMON_SET_STRATEGIES))
  const partition = objOf(strategy.rollingUpdate).partition
  if (partition !== undefined && !(Number.isInteger(partition) && (partition as number) >= 0)) errors.push(invalid(at.child('rollingUpdate').child('partition'), partition, 'must be greater than or equal to 0'))
  const retention = objOf(s.persistentVolumeClaimRetentionPolicy)
  for (const field of ['whenDeleted', 'whenScaled']) {
    if (retention[field] !== undefined && !RETENTION_POLICIES.includes(String(retention[field]))) errors.push(notSupported(spec.child('persistentVolumeClaimRetentionPolicy').child(field), retention[field], RETENTION_POLICIES))
  }
  const templates = Array.isArray(s.volumeClaimTemplates) ? s.volumeClaimTemplates : []
  templates.forEach((t, i) => errors.push(...validateClaimSpec(objOf(t).spec, spec.child('volumeClaimTemplates').index(i).child('spec'))))
  if (old !== undefined && !semanticEqual(fixedSpec(s), fixedSpec(objOf(old.spec)))) errors.push(forbidden(spec, STATEFUL_SET_UPDATABLE))
  return errors
}

/** The part of a StatefulSet's spec an update must leave alone. */
const fixedSpec = (s: Obj): Obj => ({ ...s, replicas: undefined, ordinals: undefined, template: undefined, updateStrategy: undefined, persistentVolumeClaimRetentionPolicy: undefined, minReadySeconds: undefined })
