/**
 * The API server's request handling: discovery, OpenAPI, and the resource verbs (get, list,
 * watch, create, update, patch, delete) over the objects port. Kubernetes semantics where
 * kubectl depends on them (see ../shared/KUBECTL.md): Tables for `get`, resourceVersion
 * preconditions, metav1.Status errors, watch streams that start from a list's version.
 */
import { discoveryDocument } from './discovery/discovery.ts'
import { fencedObjects, FenceRefused, fenceRefusedStatus } from './fence.ts'
import { healthRoute } from './health.ts'
import { openApiRoute } from './discovery/openapi.ts'
import { json, type ApiRequest, type ApiResponse } from './http/api-request.ts'
import { routeResource } from './http/route.ts'
import { badRequest, methodNotAllowed } from './meta/status.ts'
import type { ApiPorts } from './ports.ts'
import { handleResource } from './resource-handlers.ts'
import { handleReview, isReview } from './authz/reviews.ts'
import { EscalationRefused, escalationGuarded } from './authz/escalation.ts'
import { RBAC_GROUP } from './authz/rbac.ts'

export async function handle(request: ApiRequest, ports: ApiPorts): Promise<ApiResponse> {
  const { path, method } = request
  const health = await healthRoute(path, method, ports)
  if (health) return health
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
    const doc = method === 'GET' ? openApiRoute(path) : undefined
    return doc ? { kind: 'raw', status: 200, body: doc.json, contentType: 'application/json' } : fail(notFound404(path))
  }
  const routed = routeResource(path)
  if (!routed.ok) {
    if (routed.reason === 'unknown-resource') return fail(notFound404(path))
    if (method !== 'GET') return fail(methodNotAllowed(path, method.toLowerCase()))
    const doc = discoveryDocument(path, { serverAddress: ports.serverAddress })
    return doc === undefined ? fail(notFound404(path)) : json(200, doc)
  }
  // Reviews (kubectl auth can-i) are questions to the authorizer: answered, never stored.
  if (isReview(routed.path)) return handleReview(request, routed.path, ports.authorizer)
  // A leader's request writes only while its lease term lasts: the first write after it ends stops it.
  const fenced = request.fence === undefined ? ports : { ...ports, objects: fencedObjects(ports.objects, request.fence) }
  // RBAC writes grant no more than the writer holds (escalation prevention, authz/escalation.ts).
  const guarded =
    ports.authorizer !== undefined && routed.path.resource.group === RBAC_GROUP
      ? { ...fenced, objects: escalationGuarded(fenced.objects, { user: request.user.name, groups: request.user.groups }, ports.authorizer) }
      : fenced
  try {
    return await handleResource(request, routed.path, guarded)
  } catch (error) {
    if (error instanceof SyntaxError) return fail(badRequest(error.message))
    if (error instanceof FenceRefused) return fail(fenceRefusedStatus(error))
    if (error instanceof EscalationRefused) return fail(error.status)
    throw error
  }
}

/** What kube-apiserver answers for a path it does not serve at all. */
const notFound404 = (path: string) => ({ code: 404, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server could not find the requested resource (${path})`, reason: 'NotFound', details: {}, code: 404 } })

function fail(s: { readonly code: number; readonly status: unknown }): ApiResponse {
  return json(s.code, s.status)
}
