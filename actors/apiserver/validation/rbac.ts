/**
 * Validation and defaulting of rbac.authorization.k8s.io/v1 objects, as Kubernetes'
 * pkg/apis/rbac/validation and v1 defaults: rules (ValidatePolicyRule, policy.ts), roleRef and
 * subjects with field paths, names as URL path segments (`system:basic-user` is a valid name).
 */
import { FieldPath, notSupported, required, invalid, type FieldError } from '../field-errors.ts'
import { nameIsDNSSubdomain, validatePathSegmentName, type ValidateNameFunc } from '../meta/names.ts'
import { ruleListErrors } from '../authz/policy.ts'
import { RBAC_GROUP } from '../authz/rbac.ts'
import type { KubeObject } from '../ports.ts'
import { isObj } from './field-values.ts'

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group']

/** ValidateRoleBindingSubject; `namespaced`: a RoleBinding's ServiceAccount subjects may leave out their namespace. */
function subjectErrors(subject: unknown, path: FieldPath, namespaced: boolean): FieldError[] {
  if (!isObj(subject)) return [invalid(path, subject, 'must be an object')]
  const errors: FieldError[] = []
  const name = str(subject.name)
  const apiGroup = str(subject.apiGroup)
  if (name === '') errors.push(required(path.child('name')))
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of nameIsDNSSubdomain(name, false)) errors.push(invalid(path.child('name'), name, msg))
      if (apiGroup !== '') errors.push(notSupported(path.child('apiGroup'), apiGroup, ['']))
      if (!namespaced && str(subject.namespace) === '') errors.push(required(path.child('namespace')))
      break
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errors.push(notSupported(path.child('apiGroup'), apiGroup, [RBAC_GROUP]))
      break
    default:
      errors.push(notSupported(path.child('kind'), subject.kind ?? '', SUBJECT_KINDS))
  }
  return errors
}

/** ValidateRoleBinding / ValidateClusterRoleBinding (roleRef, subjects). */
function bindingErrors(o: KubeObject, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = []
  const refPath = FieldPath.root('roleRef')
  const ref = isObj(o.roleRef) ? o.roleRef : undefined
  if (ref === undefined) return [required(refPath)]
  if (ref.apiGroup !== RBAC_GROUP) errors.push(notSupported(refPath.child('apiGroup'), ref.apiGroup ?? '', [RBAC_GROUP]))
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']
  if (!kinds.includes(str(ref.kind))) errors.push(notSupported(refPath.child('kind'), ref.kind ?? '', kinds))
  const refName = str(ref.name)
  if (refName === '') errors.push(required(refPath.child('name')))
  else for (const msg of validatePathSegmentName(refName, false)) errors.push(invalid(refPath.child('name'), refName, msg))
  const subjects = o.subjects
  const subjectsPath = FieldPath.root('subjects')
  if (subjects !== undefined && subjects !== null && !Array.isArray(subjects)) errors.push(invalid(subjectsPath, subjects, 'must be a list'))
  if (Array.isArray(subjects)) subjects.forEach((s, i) => errors.push(...subjectErrors(s, subjectsPath.index(i), namespaced)))
  return errors
}

const roleErrors = (o: KubeObject, clusterScoped: boolean): FieldError[] => {
  const errors = ruleListErrors(o.rules, FieldPath.root('rules'), clusterScoped)
  if (clusterScoped && o.aggregationRule !== undefined && !isObj(o.aggregationRule)) errors.push(invalid(FieldPath.root('aggregationRule'), o.aggregationRule, 'must be an object'))
  return errors
}

/** ValidateRoleBindingUpdate: a binding grants one role for life (delete and recreate to change it). */
function roleRefChange(o: KubeObject, old: KubeObject | undefined): FieldError[] {
  const ref = (b: KubeObject) => (isObj(b.roleRef) ? [b.roleRef.apiGroup, b.roleRef.kind, b.roleRef.name].join('\n') : '')
  if (old === undefined || ref(o) === ref(old)) return []
  return [invalid(FieldPath.root('roleRef'), o.roleRef, 'cannot change roleRef')]
}

/** Each kind's validator; `old` is the stored object on updates. */
export const RBAC_VALIDATORS: Readonly<Record<string, (o: KubeObject, old?: KubeObject) => FieldError[]>> = {
  Role: (o) => roleErrors(o, false),
  ClusterRole: (o) => roleErrors(o, true),
  RoleBinding: (o, old) => [...bindingErrors(o, true), ...roleRefChange(o, old)],
  ClusterRoleBinding: (o, old) => [...bindingErrors(o, false), ...roleRefChange(o, old)],
}

/** RBAC names are URL path segments (ValidateRBACName), not DNS names. */
export const RBAC_NAME_RULES: Readonly<Record<string, ValidateNameFunc>> = {
  Role: validatePathSegmentName,
  ClusterRole: validatePathSegmentName,
  RoleBinding: validatePathSegmentName,
  ClusterRoleBinding: validatePathSegmentName,
}

/** SetDefaults_Subject and SetDefaults_RoleBinding: the API groups a client may leave out (a ServiceAccount's is ""). */
function bindingDefaults(o: KubeObject): KubeObject {
  const roleRef = isObj(o.roleRef) && (o.roleRef.apiGroup === undefined || o.roleRef.apiGroup === '') ? { ...o.roleRef, apiGroup: RBAC_GROUP } : o.roleRef
  const subjects = Array.isArray(o.subjects)
    ? o.subjects.map((s) => (isObj(s) && (s.kind === 'User' || s.kind === 'Group') && (s.apiGroup === undefined || s.apiGroup === '') ? { ...s, apiGroup: RBAC_GROUP } : s))
    : o.subjects
  return { ...o, ...(roleRef !== undefined ? { roleRef } : {}), ...(subjects !== undefined ? { subjects } : {}) }
}

export const RBAC_DEFAULTERS: Readonly<Record<string, (o: KubeObject) => KubeObject>> = {
  RoleBinding: bindingDefaults,
  ClusterRoleBinding: bindingDefaults,
}
