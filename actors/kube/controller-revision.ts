/**
 * apps/v1 ControllerRevision: an immutable snapshot of a DaemonSet's or StatefulSet's template
 * (`data`, the strategic merge patch that puts it back), numbered by `revision` within its
 * owner. `kubectl rollout history` lists them; `kubectl rollout undo` patches the owner with
 * one's data.
 */
import type { ObjectMeta } from './objects.ts'

export interface ControllerRevision {
  readonly apiVersion?: 'apps/v1'
  readonly kind?: 'ControllerRevision'
  readonly metadata: ObjectMeta
  readonly data?: unknown
  readonly revision: number
}
