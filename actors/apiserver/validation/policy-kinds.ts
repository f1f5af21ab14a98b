/**
 * policy/v1 PodDisruptionBudget on the API server, validated with field paths as
 * ValidatePodDisruptionBudgetSpec does: minAvailable or maxUnavailable (never both), each a
 * whole number or a percent up to 100%, a selector that parses, a known unhealthy-pod policy.
 * policy/v1 defaults nothing.
 */
import { FieldPath, invalid, notSupported, type FieldError } from '../field-errors.ts'
import type { KubeObject } from '../ports.ts'
import { intOrPercent, labelSelector, objOf } from './field-values.ts'

const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget']

export function validatePodDisruptionBudget(o: KubeObject): FieldError[] {
  const spec = FieldPath.root('spec')
  const s = objOf(o.spec)
  const errors: FieldError[] = []
  if (s.minAvailable !== undefined && s.minAvailable !== null && s.maxUnavailable !== undefined && s.maxUnavailable !== null) {
    errors.push(invalid(spec, s, 'minAvailable and maxUnavailable cannot be both set'))
  }
  errors.push(...intOrPercent(s.minAvailable, spec.child('minAvailable')), ...intOrPercent(s.maxUnavailable, spec.child('maxUnavailable')), ...labelSelector(s.selector, spec.child('selector')))
  const policy = s.unhealthyPodEvictionPolicy
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(String(policy))) errors.push(notSupported(spec.child('unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES))
  return errors
}

/** By kind, as VALIDATORS keys them. */
export const POLICY_KIND_VALIDATORS: Readonly<Record<string, (o: KubeObject) => FieldError[]>> = {
  PodDisruptionBudget: validatePodDisruptionBudget,
}
