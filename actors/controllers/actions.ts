/**
 * The one vocabulary of effects the controllers' pure reconcile steps return. The runtime
 * executes each action through the Kubernetes API (HTTP verb + path + body), in order.
 *
 * Contract for the runtime (see README.md):
 * - actions run in the order given; the first failing write stops the rest of that batch and
 *   the controller is reconciled again later (404 on a delete counts as done);
 * - `event` actions are best effort: a failure is logged and ignored;
 * - `onSuccess` / `onFailure` events attached to a write are recorded after it, with
 *   `{name}` replaced by the name the server gave the object and `{error}` by the error text
 *   (see {@link fillEvent}).
 */
import type { KubeEvent, ObjectMeta } from '../kube/objects.ts'
import { apiPathOf, findResourceByKind } from '../apiserver/discovery/resources.ts'
import { rfc3339Seconds } from '../apiserver/meta/object-meta.ts'
import { MERGE_PATCH_CONTENT_TYPE } from '../apiserver/patch/merge-patch.ts'
import { STRATEGIC_MERGE_PATCH_CONTENT_TYPE } from '../apiserver/patch/strategic-merge-patch.ts'
import { JSON_PATCH_CONTENT_TYPE } from '../apiserver/patch/json-patch.ts'

/** Any API object the controllers read or write. */
export interface ApiObject {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ObjectMeta
}

/** What an object is, for paths and events: `{ apiVersion: 'apps/v1', kind: 'ReplicaSet' }`. */
export interface TypeMeta {
  readonly apiVersion: string
  readonly kind: string
}

export const POD: TypeMeta = { apiVersion: 'v1', kind: 'Pod' }
export const NODE: TypeMeta = { apiVersion: 'v1', kind: 'Node' }
export const SERVICE: TypeMeta = { apiVersion: 'v1', kind: 'Service' }
export const ENDPOINTS: TypeMeta = { apiVersion: 'v1', kind: 'Endpoints' }
export const NAMESPACE: TypeMeta = { apiVersion: 'v1', kind: 'Namespace' }
export const EVENT: TypeMeta = { apiVersion: 'v1', kind: 'Event' }
export const REPLICA_SET: TypeMeta = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
export const DEPLOYMENT: TypeMeta = { apiVersion: 'apps/v1', kind: 'Deployment' }

export type PatchType = typeof MERGE_PATCH_CONTENT_TYPE | typeof STRATEGIC_MERGE_PATCH_CONTENT_TYPE | typeof JSON_PATCH_CONTENT_TYPE
export { MERGE_PATCH_CONTENT_TYPE, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, JSON_PATCH_CONTENT_TYPE }

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan'

interface WithEvents {
  /** Recorded after the write succeeded (`{name}` = the object's name as the server returned it). */
  readonly onSuccess?: EventAction
  /** Recorded after the write failed (`{error}` = the error's message). */
  readonly onFailure?: EventAction
}

/** POST `path` (a collection) with `object`. */
export interface CreateAction extends WithEvents {
  readonly type: 'create'
  readonly path: string
  readonly object: ApiObject
}

/** PUT `path` (an object) with `object`; `object.metadata.resourceVersion` is the precondition. */
export interface UpdateAction extends WithEvents {
  readonly type: 'update'
  readonly path: string
  readonly object: ApiObject
}

/** PUT `path` (an object's `/status`); `object.metadata.resourceVersion` is the precondition. */
export interface UpdateStatusAction extends WithEvents {
  readonly type: 'updateStatus'
  readonly path: string
  readonly object: ApiObject
}

/** PATCH `path` with `body` sent as `patchType` (a `metadata.resourceVersion` inside the body is a precondition). */
export interface PatchAction extends WithEvents {
  readonly type: 'patch'
  readonly path: string
  readonly patchType: PatchType
  readonly body: unknown
}

/** DELETE `path` with DeleteOptions built from `preconditions`, `propagationPolicy` and `gracePeriodSeconds`. */
export interface DeleteAction extends WithEvents {
  readonly type: 'delete'
  readonly path: string
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
  readonly propagationPolicy?: PropagationPolicy
  /** 0: a pod goes at once, no kubelet asked (a force delete). */
  readonly gracePeriodSeconds?: number
}

/** POST `path` (`/api/v1/namespaces/<ns>/events`) with a core/v1 Event; best effort. */
export interface EventAction {
  readonly type: 'event'
  readonly path: string
  readonly event: KubeEvent
}

export type Action = CreateAction | UpdateAction | UpdateStatusAction | PatchAction | DeleteAction | EventAction

const groupVersion = (apiVersion: string): { group: string; version: string } => {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) }
}

/**
 * The collection path of a kind: `/api/v1/namespaces/default/pods`, `/api/v1/nodes`. Kinds the
 * API server's resource table does not know get Kubernetes' default plural (lower case + `s`)
 * and are namespaced when a namespace is given.
 */
export function collectionPath(type: TypeMeta, namespace?: string): string {
  const { group, version } = groupVersion(type.apiVersion)
  const spec = findResourceByKind(group, version, type.kind)
  const plural = spec?.name ?? `${type.kind.toLowerCase()}s`
  const namespaced = spec?.namespaced ?? (namespace !== undefined && namespace !== '')
  const base = apiPathOf(group, version)
  return namespaced && namespace !== undefined && namespace !== '' ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`
}

/** The path of one object, or of its subresource: `/apis/apps/v1/namespaces/ns/replicasets/web/status`. */
export function objectPath(type: TypeMeta, namespace: string | undefined, name: string, subresource?: string): string {
  const path = `${collectionPath(type, namespace)}/${name}`
  return subresource === undefined ? path : `${path}/${subresource}`
}

/** The path of an object of a known type: `pathOf(POD, pod)`. */
export const pathOf = (type: TypeMeta, obj: ApiObject, subresource?: string): string =>
  objectPath(type, obj.metadata.namespace, obj.metadata.name ?? '', subresource)

export interface EventInput {
  readonly type: TypeMeta
  readonly object: ApiObject
  readonly eventType: 'Normal' | 'Warning'
  readonly reason: string
  readonly message: string
  /** The reporting controller, e.g. `replicaset-controller`. */
  readonly component: string
  readonly now: number
  /** Distinguishes events made in the same millisecond (the name is `<object>.<hex nanoseconds>`). */
  readonly seq?: number
}

/**
 * A core/v1 Event about `object`, named as client-go's recorder names them
 * (`<name>.<unix nanoseconds in hex>`), in the object's namespace (`default` for cluster-scoped objects).
 */
export function eventAction(input: EventInput): EventAction {
  const { object, now } = input
  const name = object.metadata.name ?? ''
  const namespace = object.metadata.namespace || 'default'
  const nanos = BigInt(Math.floor(now)) * 1_000_000n + BigInt(input.seq ?? 0)
  const time = rfc3339Seconds(now)
  const involvedObject = {
    kind: input.type.kind,
    apiVersion: input.type.apiVersion,
    name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
    ...(object.metadata.resourceVersion ? { resourceVersion: object.metadata.resourceVersion } : {}),
  }
  return {
    type: 'event',
    path: collectionPath(EVENT, namespace),
    event: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${nanos.toString(16)}`, namespace },
      involvedObject,
      reason: input.reason,
      message: input.message,
      type: input.eventType,
      source: { component: input.component },
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      reportingComponent: input.component,
    },
  }
}

/** Fills `{name}` / `{error}` into an attached event's message (the runtime calls this). */
export function fillEvent(action: EventAction, vars: { readonly name?: string; readonly error?: string }): EventAction {
  const message = action.event.message.replaceAll('{name}', vars.name ?? '').replaceAll('{error}', vars.error ?? '')
  return { ...action, event: { ...action.event, message } }
}
