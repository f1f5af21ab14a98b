/**
 * Checks of the value types many kinds share, with Kubernetes' wording: immutable fields,
 * int-or-percent values (PodDisruptionBudget, rolling updates), resource quantities, label
 * selectors and ports. Each returns field errors at the path it is given.
 */
import { FieldPath, invalid, type FieldError } from '../field-errors.ts'
import { labelSelectorFromObject, type LabelSelectorObject } from '../meta/label-selector.ts'
import { FIELD_IMMUTABLE_ERROR_MSG, semanticEqual } from '../meta/object-meta.ts'
import { parseQuantity } from '../../kube/quantity.ts'

export type Obj = Record<string, unknown>
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
export const objOf = (v: unknown): Obj => (isObj(v) ? v : {})

/** ValidateImmutableField: `<path>: Invalid value: <new>: field is immutable`. */
export function immutableField(next: unknown, old: unknown, path: FieldPath): FieldError[] {
  return semanticEqual(next, old) ? [] : [invalid(path, next ?? null, FIELD_IMMUTABLE_ERROR_MSG)]
}

const PERCENT = /^[0-9]+%$/
const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent; undefined is fine (unset). */
export function intOrPercent(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === null) return []
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? [] : [invalid(path, value, 'must be greater than or equal to 0')]
  if (typeof value !== 'string' || !PERCENT.test(value)) return [invalid(path, value, PERCENT_MESSAGE)]
  return Number(value.slice(0, -1)) > 100 ? [invalid(path, value, 'must not be greater than 100%')] : []
}

/** A resource quantity ("500m", "1Gi"), as a number of base units, or an error at `path`. */
export function quantityAt(value: unknown, path: FieldPath): { ok: true; value: number } | { ok: false; error: FieldError } {
  const parsed = typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined
  if (parsed === undefined) return { ok: false, error: invalid(path, value ?? null, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'") }
  return { ok: true, value: parsed }
}

/** Every quantity of a ResourceList is a quantity and at least 0 (ValidateNonnegativeQuantity). */
export function nonNegativeQuantities(list: unknown, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  for (const [name, value] of Object.entries(objOf(list))) {
    const q = quantityAt(value, path.key(name))
    if (!q.ok) errors.push(q.error)
    else if (q.value < 0) errors.push(invalid(path.key(name), value, 'must be greater than or equal to 0'))
  }
  return errors
}

/** ValidateLabelSelector: matchLabels and matchExpressions that parse. */
export function labelSelector(selector: unknown, path: FieldPath): FieldError[] {
  if (selector === undefined || selector === null) return []
  if (!isObj(selector)) return [invalid(path, selector, 'must be a label selector')]
  const parsed = labelSelectorFromObject(selector as LabelSelectorObject)
  return parsed.ok ? [] : [invalid(path, selector, parsed.error)]
}

/** A port number: 1 to 65535. */
export function portNumber(value: unknown, path: FieldPath): FieldError[] {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535 ? [] : [invalid(path, value ?? null, 'must be between 1 and 65535, inclusive')]
}
