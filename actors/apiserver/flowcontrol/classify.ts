/**
 * Which FlowSchema, priority level and flow a request belongs to (Kubernetes' APF classifier):
 * the first schema in precedence order whose subjects include the requester and one of whose
 * rules matches what the request does. Long-running requests (watches, logs) bypass flow
 * control altogether, as in Kubernetes: they would hold a seat for their whole life.
 */
import type { RequestAttributes, ResourceRequest } from '../authz/policy.ts'
import type { FlowSchema, NonResourcePolicyRule, ResourcePolicyRule, Subject } from './config.ts'

export interface FlowRequest {
  readonly user: string
  readonly groups: readonly string[]
  readonly attributes: RequestAttributes
}

export interface Classification {
  readonly flowSchema: string
  readonly priorityLevel: string
  /** Tells this request's flow from others of the same schema: fair queuing is between flows. */
  readonly flow: string
}

/** Subresources whose requests stream for as long as the client reads (kube-apiserver's long-running check). */
const LONG_RUNNING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy'])

export const isResourceRequest = (a: RequestAttributes): a is ResourceRequest => !('path' in a)

export function isLongRunning(a: RequestAttributes): boolean {
  return isResourceRequest(a) && (a.verb === 'watch' || (a.subresource !== undefined && LONG_RUNNING_SUBRESOURCES.has(a.subresource)))
}

/** The first matching schema in `schemas` (sorted by precedence); undefined when none matches. */
export function classify(request: FlowRequest, schemas: readonly FlowSchema[]): Classification | undefined {
  const schema = schemas.find((s) => s.subjects.some((subject) => subjectMatches(subject, request)) && ruleMatches(s, request.attributes))
  if (schema === undefined) return undefined
  const distinct = schema.distinguisher === 'ByUser' ? request.user : schema.distinguisher === 'ByNamespace' ? namespaceOf(request.attributes) : ''
  return { flowSchema: schema.name, priorityLevel: schema.priorityLevel, flow: `${schema.name}/${distinct}` }
}

const any = (list: readonly string[] | undefined, value: string) => list !== undefined && (list.includes('*') || list.includes(value))

function subjectMatches(subject: Subject, request: FlowRequest): boolean {
  if (subject.name === '*') return true
  return subject.kind === 'User' ? subject.name === request.user : request.groups.includes(subject.name)
}

function ruleMatches(schema: FlowSchema, a: RequestAttributes): boolean {
  return isResourceRequest(a) ? (schema.resourceRules ?? []).some((r) => resourceRuleMatches(r, a)) : (schema.nonResourceRules ?? []).some((r) => nonResourceRuleMatches(r, a.verb, a.path))
}

function resourceRuleMatches(rule: ResourcePolicyRule, a: ResourceRequest): boolean {
  const resource = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`
  if (!any(rule.verbs, a.verb) || !any(rule.apiGroups, a.apiGroup) || !any(rule.resources, resource)) return false
  return a.namespace === undefined || a.namespace === '' ? rule.clusterScope === true : any(rule.namespaces, a.namespace)
}

function nonResourceRuleMatches(rule: NonResourcePolicyRule, verb: string, path: string): boolean {
  return any(rule.verbs, verb) && rule.nonResourceURLs.some((url) => url === '*' || url === path || (url.endsWith('/*') && path.startsWith(url.slice(0, -1))))
}

function namespaceOf(a: RequestAttributes): string {
  return isResourceRequest(a) ? (a.namespace ?? '') : ''
}
