/**
 * Which resource a path names: `/api/v1/namespaces/default/pods/web/status` ->
 * pods in `default`, named `web`, subresource `status`. Cluster-scoped resources and
 * all-namespace lists have no namespace segment.
 */
import { findResource, type ResourceSpec } from '../discovery/resources.ts'

export interface ResourcePath {
  readonly resource: ResourceSpec
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
}

export type Routed = { readonly ok: true; readonly path: ResourcePath } | { readonly ok: false; readonly reason: 'not-a-resource-path' | 'unknown-resource'; readonly detail: string }

export function routeResource(path: string): Routed {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (parts[0] === 'api' && parts.length >= 3) [group, version, rest] = ['', parts[1]!, parts.slice(2)]
  else if (parts[0] === 'apis' && parts.length >= 4) [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)]
  else return { ok: false, reason: 'not-a-resource-path', detail: path }
  let namespace: string | undefined
  // `/namespaces/<ns>/<resource>...` is a namespaced resource; `/namespaces/<name>` is a namespace,
  // and `/namespaces/<name>/status|finalize` one of its subresources.
  const namespaceSubresource = group === '' && rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const [plural, name, subresource, ...extra] = rest
  if (plural === undefined || extra.length > 0) return { ok: false, reason: 'not-a-resource-path', detail: path }
  const resource = findResource(group, version, plural)
  if (resource === undefined) return { ok: false, reason: 'unknown-resource', detail: `${plural}${group ? `.${group}` : ''}` }
  if (namespace !== undefined && !resource.namespaced) return { ok: false, reason: 'not-a-resource-path', detail: path }
  return { ok: true, path: { resource, namespace, name, subresource } }
}
