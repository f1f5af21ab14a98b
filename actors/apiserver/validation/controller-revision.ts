/**
 * ValidateControllerRevision / ValidateControllerRevisionUpdate (pkg/apis/apps/validation):
 * `data` is mandatory and never changes; `revision` is a whole number, at least 0 (a controller
 * renumbers a revision, which is how `kubectl rollout undo` shows as the newest).
 */
import { FieldPath, invalid, required, type FieldError } from '../field-errors.ts'
import type { KubeObject } from '../ports.ts'
import { immutableField } from './field-values.ts'

export function validateControllerRevision(o: KubeObject, old?: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  // Go's int64 without omitempty: absent is 0.
  const revision = o['revision'] ?? 0
  if (o['data'] === undefined || o['data'] === null) errors.push(required(FieldPath.root('data'), 'data is mandatory'))
  if (!(Number.isInteger(revision) && (revision as number) >= 0)) errors.push(invalid(FieldPath.root('revision'), revision, 'must be greater than or equal to 0'))
  return old === undefined ? errors : [...errors, ...immutableField(o['data'], old['data'], FieldPath.root('data'))]
}
