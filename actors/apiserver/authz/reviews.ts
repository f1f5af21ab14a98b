/**
 * The authorization.k8s.io/v1 reviews: questions to the authorizer, answered and never stored
 * (create only), and authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`: who the
 * requester is, after impersonation). SelfSubjectAccessReview (`kubectl auth can-i VERB RESOURCE`) and
 * SelfSubjectRulesReview (`kubectl auth can-i --list`) ask about the requester;
 * SubjectAccessReview and LocalSubjectAccessReview about anyone (for those allowed to create
 * them: admins). The answer is the request's object with its `status` filled in, 201.
 */
import { FieldPath, invalid, type FieldError } from '../field-errors.ts'
import { parseObjectBody } from '../http/body.ts'
import { json, type ApiRequest, type ApiResponse, type User } from '../http/api-request.ts'
import type { ResourcePath } from '../http/route.ts'
import { badRequest, invalid as invalidStatus, methodNotAllowed, serviceUnavailable, unsupportedMediaType, type StatusError } from '../meta/status.ts'
import type { Authorizer } from './authorizer.ts'
import type { PolicyRule, RequestAttributes, UserInfo } from './policy.ts'

export const AUTHORIZATION_GROUP = 'authorization.k8s.io'
export const AUTHENTICATION_GROUP = 'authentication.k8s.io'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [])

const fail = (s: StatusError): ApiResponse => json(s.code, s.status)

/** Whether a routed request is one of the reviews (answered here, not by the resource handlers). */
export const isReview = (at: ResourcePath): boolean => at.resource.group === AUTHORIZATION_GROUP || at.resource.group === AUTHENTICATION_GROUP

/** Answers a review request as `user` (already authorized to create it). */
export function handleReview(request: ApiRequest, at: ResourcePath, authorizer: Authorizer | undefined): ApiResponse {
  const r = at.resource
  if (request.method !== 'POST' || at.name !== undefined || at.subresource !== undefined) return fail(methodNotAllowed(r.name, request.method.toLowerCase(), r.group))
  if (authorizer === undefined) return fail(serviceUnavailable('this API server has no authorizer to answer reviews'))
  // kubectl auth can-i sends protobuf (http/body.ts decodes both).
  const parsed = parseObjectBody(request.body, request.contentType)
  if (!parsed.ok) return fail(parsed.unsupported ? unsupportedMediaType(['application/json', 'application/vnd.kubernetes.protobuf']) : badRequest(parsed.message))
  const review = parsed.value
  const apiVersion = `${r.group}/${r.version}`
  if (review.kind !== undefined && review.kind !== r.kind) return fail(badRequest(`the body is a ${String(review.kind)}, not a ${r.kind}`))
  if (review.apiVersion !== undefined && review.apiVersion !== apiVersion) return fail(badRequest(`the body's apiVersion ${String(review.apiVersion)} is not ${apiVersion}`))
  const spec = isObj(review.spec) ? review.spec : {}
  // A SelfSubjectReview has no spec: only the answer.
  const answer = (status: Obj): ApiResponse =>
    json(201, { ...review, kind: r.kind, apiVersion, metadata: isObj(review.metadata) ? review.metadata : {}, ...(r.kind === 'SelfSubjectReview' ? {} : { spec }), status })
  const refuse = (errors: readonly FieldError[]): ApiResponse => fail(invalidStatus(r.kind, str(isObj(review.metadata) ? review.metadata.name : ''), errors, r.group))

  switch (r.kind) {
    case 'SelfSubjectReview':
      return answer({ userInfo: { username: request.user.name, groups: request.user.groups } })
    case 'SelfSubjectRulesReview': {
      const namespace = str(spec.namespace)
      if (namespace === '') return fail(badRequest('no namespace on request'))
      const rules = authorizer.rulesFor(userInfo(request.user), namespace)
      return answer({ resourceRules: rules.resourceRules.map(resourceRule), nonResourceRules: rules.nonResourceRules.map(nonResourceRule), incomplete: false })
    }
    case 'SelfSubjectAccessReview': {
      const errors = attributeErrors(spec)
      if (errors.length > 0) return refuse(errors)
      return answer(accessStatus(authorizer, userInfo(request.user), attributesOf(spec)))
    }
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const errors = attributeErrors(spec)
      const user = str(spec.user)
      const groups = strings(spec.groups)
      if (user === '' && groups.length === 0) errors.push(invalid(FieldPath.root('spec').child('user'), user, 'at least one of user or group must be specified'))
      const resourceNamespace = isObj(spec.resourceAttributes) ? str(spec.resourceAttributes.namespace) : ''
      if (r.kind === 'LocalSubjectAccessReview' && resourceNamespace !== (at.namespace ?? '')) {
        errors.push(invalid(FieldPath.root('spec').child('resourceAttributes').child('namespace'), resourceNamespace, 'must match metadata.namespace'))
      }
      if (errors.length > 0) return refuse(errors)
      return answer(accessStatus(authorizer, { user, groups }, attributesOf(spec)))
    }
    default:
      return fail(methodNotAllowed(r.name, 'create', r.group))
  }
}

const userInfo = (user: User): UserInfo => ({ user: user.name, groups: user.groups })

/** ValidateSubjectAccessReviewSpec's one rule for every review: exactly one kind of attributes. */
function attributeErrors(spec: Obj): FieldError[] {
  const specPath = FieldPath.root('spec')
  const resource = spec.resourceAttributes
  const nonResource = spec.nonResourceAttributes
  if (resource !== undefined && nonResource !== undefined) return [invalid(specPath.child('nonResourceAttributes'), nonResource, 'cannot be specified in combination with resourceAttributes')]
  if (resource === undefined && nonResource === undefined) return [invalid(specPath.child('resourceAttributes'), null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')]
  return []
}

/** The request a review asks about, in the authorizer's terms. */
function attributesOf(spec: Obj): RequestAttributes {
  if (isObj(spec.nonResourceAttributes)) return { verb: str(spec.nonResourceAttributes.verb), path: str(spec.nonResourceAttributes.path) }
  const a = isObj(spec.resourceAttributes) ? spec.resourceAttributes : {}
  const optional = (key: 'subresource' | 'namespace' | 'name', value: string) => (value === '' ? {} : { [key]: value })
  return {
    verb: str(a.verb),
    apiGroup: str(a.group),
    resource: str(a.resource),
    ...optional('subresource', str(a.subresource)),
    ...optional('namespace', str(a.namespace)),
    ...optional('name', str(a.name)),
  }
}

/** SubjectAccessReviewStatus: a reason when allowed (which binding), none when merely not allowed (as RBAC's NoOpinion). */
function accessStatus(authorizer: Authorizer, user: UserInfo, attrs: RequestAttributes): Obj {
  const decision = authorizer.authorize(user, attrs)
  return decision.allowed ? { allowed: true, reason: decision.reason } : { allowed: false }
}

const withLists = (fields: Readonly<Record<string, readonly string[]>>): Obj => Object.fromEntries(Object.entries(fields).filter(([, v]) => v.length > 0))

/** authorizationv1.ResourceRule: verbs always, the other lists when not empty. */
const resourceRule = (r: PolicyRule): Obj => ({ verbs: r.verbs, ...withLists({ apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames }) })

const nonResourceRule = (r: PolicyRule): Obj => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })
