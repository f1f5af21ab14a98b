/**
 * Which messages a message fault's `eventTypes` picks. An entry names either an event's `type`
 * (`raft.append`, `api.request`) or, for requests to the API, the resource they act on as RBAC
 * names it, `<resource>[/<subresource>]`: `pods/binding` picks the scheduler's bindings and
 * nothing else it sends to the apiservers. Matching reads only the envelope (a message's leading
 * `type`, `method` and `path` fields, runtime/codec-envelope.ts), never the body.
 */
import { routeResource } from '../apiserver/http/route.ts'

/** The fields of a message's envelope a fault matches on. */
export interface EventEnvelope {
  readonly type?: string
  readonly path?: string
}

const API_REQUEST = 'api.request'

/** `pods/binding` for `/api/v1/namespaces/default/pods/web-1/binding`, `deployments` for a Deployment; undefined for other paths. */
export function apiEventType(path: string): string | undefined {
  const routed = routeResource(path.split('?')[0]!)
  if (!routed.ok) return undefined
  const { resource, subresource } = routed.path
  return subresource === undefined ? resource.name : `${resource.name}/${subresource}`
}

/** The `eventTypes` param as a list: one string or a list of them (validation allows both). */
export function eventTypesParam(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.length > 0) return value.filter((v): v is string => typeof v === 'string')
  return undefined
}

export function matchesEventTypes(eventTypes: readonly string[], envelope: EventEnvelope): boolean {
  if (envelope.type === undefined) return false
  if (eventTypes.includes(envelope.type)) return true
  if (envelope.type !== API_REQUEST || envelope.path === undefined) return false
  const resource = apiEventType(envelope.path)
  return resource !== undefined && eventTypes.includes(resource)
}
