/**
 * What a request does, in authorization terms (Kubernetes' RequestInfo): the verb (get, list,
 * watch, create, update, patch, delete, deletecollection) and the resource it acts on, or the
 * path of a non-resource request. Authorization and flow control both classify by it.
 */
import type { RequestAttributes } from '../authz/policy.ts'
import { routeResource } from './route.ts'

export function requestAttributes(method: string, path: string, query: Readonly<Record<string, string>>): RequestAttributes {
  const routed = routeResource(path)
  if (!routed.ok) return { verb: method.toLowerCase(), path }
  const { resource, namespace, name, subresource } = routed.path
  const watching = query.watch === 'true' || query.watch === '1'
  const verb =
    method === 'GET' ? (name === undefined ? (watching ? 'watch' : 'list') : 'get')
    : method === 'POST' ? 'create'
    : method === 'PUT' ? 'update'
    : method === 'PATCH' ? 'patch'
    : method === 'DELETE' ? (name === undefined ? 'deletecollection' : 'delete')
    : method.toLowerCase()
  return {
    verb,
    apiGroup: resource.group,
    apiVersion: resource.version,
    resource: resource.name,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  }
}
