/**
 * metav1.Status error builders with Kubernetes' shapes, reasons, HTTP codes and wording
 * (k8s.io/apimachinery/pkg/api/errors, k8s.io/apiserver/pkg/endpoints/handlers/responsewriters).
 *
 * Every builder returns `{ code, status }`: the HTTP code and the JSON body. Keys are inserted in
 * the order Kubernetes serialises them (kind, apiVersion, metadata, status, message, reason,
 * details, code), and empty detail fields are omitted as Go's `omitempty` does.
 */
import type { FieldError } from '../field-errors.ts'

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'RequestEntityTooLarge'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'InternalError'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'ServiceUnavailable'
  | 'TooManyRequests'

export interface StatusCause {
  readonly reason?: string
  readonly message?: string
  readonly field?: string
}

export interface StatusDetails {
  readonly name?: string
  readonly group?: string
  readonly kind?: string
  readonly uid?: string
  readonly causes?: readonly StatusCause[]
  readonly retryAfterSeconds?: number
}

export interface Status {
  readonly kind: 'Status'
  readonly apiVersion: 'v1'
  readonly metadata: Record<string, never>
  readonly status: 'Failure' | 'Success'
  readonly message?: string
  readonly reason?: StatusReason
  readonly details?: StatusDetails
  readonly code: number
}

export interface StatusError {
  readonly code: number
  readonly status: Status
}

/** apimachinery's OptimisticLockErrorMsg: the detail of a resourceVersion conflict. */
export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again'

/** The apiserver's request body cap (3 MiB), as named in its 413 message. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024

/** schema.GroupResource.String() / GroupKind.String(): `pods`, `deployments.apps`. */
export const qualify = (name: string, group = ''): string => (group === '' ? name : `${name}.${group}`)

function details(d: { name?: string; group?: string; kind?: string; uid?: string; causes?: readonly StatusCause[] }): StatusDetails {
  const out: { -readonly [K in keyof StatusDetails]: StatusDetails[K] } = {}
  if (d.name) out.name = d.name
  if (d.group) out.group = d.group
  if (d.kind) out.kind = d.kind
  if (d.uid) out.uid = d.uid
  if (d.causes && d.causes.length > 0) out.causes = d.causes
  return out
}

function failure(code: number, reason: StatusReason, message: string, d?: StatusDetails): StatusError {
  const status: Status =
    d === undefined
      ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
      : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: d, code }
  return { code, status }
}

/** 404: `pods "x" not found`, `deployments.apps "web" not found`. */
export const notFound = (resource: string, name: string, group = ''): StatusError =>
  failure(404, 'NotFound', `${qualify(resource, group)} ${JSON.stringify(name)} not found`, details({ name, group, kind: resource }))

/** 404 for a subresource this server does not serve (yet): says so, instead of `pods/exec "x" not found`. */
export const subresourceNotServed = (resource: string, subresource: string, name: string, group = ''): StatusError =>
  failure(404, 'NotFound', `${qualify(resource, group)} ${JSON.stringify(name)}: the ${subresource} subresource is not served by actorkube (pods serve log, binding, eviction and status)`, details({ name, group, kind: resource }))

/** 409: `pods "x" already exists`. */
export const alreadyExists = (resource: string, name: string, group = ''): StatusError =>
  failure(409, 'AlreadyExists', `${qualify(resource, group)} ${JSON.stringify(name)} already exists`, details({ name, group, kind: resource }))

/** 409: `Operation cannot be fulfilled on pods "x": <detail>` (default: the optimistic-lock message). */
export const conflict = (resource: string, name: string, group = '', detail = OPTIMISTIC_LOCK_MESSAGE): StatusError =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualify(resource, group)} ${JSON.stringify(name)}: ${detail}`, details({ name, group, kind: resource }))

/** 403 for a reason other than authorization: `pods "x" is forbidden: <detail>`. */
export const forbiddenBecause = (resource: string, name: string, detail: string, group = ''): StatusError =>
  failure(403, 'Forbidden', `${qualify(resource, group)} ${JSON.stringify(name)} is forbidden: ${detail}`, details({ name, group, kind: resource }))

/** field.Error.Error(): `spec.containers[0].image: Required value`. */
export const fieldErrorString = (e: FieldError): string => `${e.field}: ${e.message}`

/**
 * utilerrors.Aggregate.Error() over field errors: one distinct error prints bare, several print
 * as `[a, b]`; duplicate messages are printed once.
 */
export function aggregateMessage(errors: readonly FieldError[]): string {
  const seen: string[] = []
  for (const e of errors) {
    const s = fieldErrorString(e)
    if (!seen.includes(s)) seen.push(s)
  }
  if (seen.length === 0) return ''
  if (seen.length === 1) return seen[0] ?? ''
  return `[${seen.join(', ')}]`
}

/**
 * 422: `Pod "x" is invalid: spec.containers[0].image: Required value` with details.causes
 * [{reason, message, field}] (kubectl prints `The <details.kind> "<name>" is invalid: ...`).
 */
export function invalid(kind: string, name: string, causes: readonly FieldError[], group = ''): StatusError {
  const agg = aggregateMessage(causes)
  const message = agg === '' ? `${qualify(kind, group)} ${JSON.stringify(name)} is invalid` : `${qualify(kind, group)} ${JSON.stringify(name)} is invalid: ${agg}`
  return failure(
    422,
    'Invalid',
    message,
    details({ name, group, kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) }),
  )
}

/** 400 with the message as given (no details), as errors.NewBadRequest. */
export const badRequest = (message: string): StatusError => failure(400, 'BadRequest', message)

/** 413: `Request entity too large: limit is 3145728`. */
export const tooLarge = (detail = `limit is ${MAX_REQUEST_BODY_BYTES}`): StatusError =>
  failure(413, 'RequestEntityTooLarge', `Request entity too large: ${detail}`)

/** 401; the apiserver's authentication failure says `Unauthorized`. */
export const unauthorized = (message = 'Unauthorized'): StatusError => failure(401, 'Unauthorized', message === '' ? 'not authorized' : message)

/** What was asked, for a 403 message (authorizer.Attributes). Without `resource` it is a non-resource request for `path`. */
export interface ForbiddenRequest {
  readonly user: string
  readonly verb: string
  readonly resource?: string
  readonly subresource?: string
  readonly group?: string
  readonly namespace?: string
  readonly name?: string
  readonly path?: string
  /** The authorizer's reason, appended as `: <reason>` when non-empty. */
  readonly reason?: string
}

const sanitize = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** responsewriters.forbiddenMessage. */
export function forbiddenMessage(r: ForbiddenRequest): string {
  const user = JSON.stringify(r.user)
  if (r.resource === undefined || r.resource === '') return `User ${user} cannot ${r.verb} path ${JSON.stringify(r.path ?? '')}`
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource
  const group = JSON.stringify(r.group ?? '')
  if (r.namespace) return `User ${user} cannot ${r.verb} resource ${JSON.stringify(resource)} in API group ${group} in the namespace ${JSON.stringify(r.namespace)}`
  return `User ${user} cannot ${r.verb} resource ${JSON.stringify(resource)} in API group ${group} at the cluster scope`
}

/**
 * 403: `pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"`,
 * `pods "x" is forbidden: ...` for a named object, `forbidden: User "bob" cannot get path "/x"` for non-resource URLs.
 */
export function forbidden(r: ForbiddenRequest): StatusError {
  const msg = sanitize(forbiddenMessage(r))
  const err = r.reason ? `${msg}: ${r.reason}` : msg
  const resource = r.resource ?? ''
  const group = r.group ?? ''
  const name = r.name ?? ''
  let message: string
  if (resource === '' && group === '') message = `forbidden: ${err}`
  else if (name === '') message = `${qualify(resource, group)} is forbidden: ${err}`
  else message = `${qualify(resource, group)} ${JSON.stringify(name)} is forbidden: ${err}`
  return failure(403, 'Forbidden', message, details({ name, group, kind: resource }))
}

/** 405: `PATCH is not supported on resources of kind "pods/log"`. */
export const methodNotAllowed = (resource: string, action: string, group = ''): StatusError =>
  failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${JSON.stringify(qualify(resource, group))}`, details({ group, kind: resource }))

/** The cacher's message for a watch/list from a compacted revision. */
export const tooOldResourceVersionMessage = (requested: number, oldest: number): string => `too old resource version: ${requested} (${oldest})`

/** 410: reason Expired (errors.NewResourceExpired: too-old resourceVersion), or Gone (errors.NewGone). */
export const gone = (message: string, reason: 'Expired' | 'Gone' = 'Expired'): StatusError => failure(410, reason, message)

/** 500: `Internal error occurred: <message>` with the message as the one cause. */
export const internal = (message: string): StatusError =>
  failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] })

/** 503 (errors.NewServiceUnavailable): the server cannot serve yet. */
export const serviceUnavailable = (message: string): StatusError => failure(503, 'ServiceUnavailable', message)

/** What kube-apiserver's flow control answers a request it will not queue (or queued too long). */
export const TOO_MANY_REQUESTS_MESSAGE = 'Too many requests, please try again later.'

/** 429 (errors.NewTooManyRequests): try again after `retryAfterSeconds` (also the HTTP Retry-After header). */
export const tooManyRequests = (retryAfterSeconds: number, message = TOO_MANY_REQUESTS_MESSAGE): StatusError =>
  failure(429, 'TooManyRequests', message, { retryAfterSeconds })

/** 415 (negotiation.NewUnsupportedMediaTypeError). */
export const unsupportedMediaType = (accepted: readonly string[]): StatusError =>
  failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`)

/** 406 (negotiation.NewNotAcceptableError). */
export const notAcceptable = (accepted: readonly string[]): StatusError =>
  failure(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`)
