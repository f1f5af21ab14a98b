/**
 * `actorkube up --demo`: once the cluster is ready, applies examples/echo.yaml (a Deployment of
 * three echo pods and a NodePort Service) through the API, as `kubectl apply` would create it,
 * so that a newcomer's first command ends with something to curl.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { apiPathOf, findResourceByKind } from '../../actors/apiserver/discovery/resources.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import type { Transport } from '../transport/transport.ts'

export const DEMO_MANIFEST = fileURLToPath(new URL('../../examples/echo.yaml', import.meta.url))

/** Where an object of the manifest is created: its resource's collection, as discovery serves it. */
function collectionOf(object: KubeObject): string | undefined {
  const apiVersion = String(object.apiVersion ?? '')
  const slash = apiVersion.indexOf('/')
  const group = slash < 0 ? '' : apiVersion.slice(0, slash)
  const version = apiVersion.slice(slash + 1)
  const resource = findResourceByKind(group, version, String(object.kind))
  if (!resource) return undefined
  const namespace = resource.namespaced ? `/namespaces/${object.metadata?.namespace ?? 'default'}` : ''
  return `${apiPathOf(group, version)}${namespace}/${resource.name}`
}

/** Creates what the manifest holds (what exists already is left as it is); returns what it did. */
export async function applyDemo(transport: Transport, cluster: string, apiservers: readonly string[]): Promise<string[]> {
  const api = new ApiClient({ transport, cluster, apiservers, timeoutMs: 5000 })
  try {
    return await applyObjects(api, parseAllDocuments(readFileSync(DEMO_MANIFEST, 'utf8')).map((doc) => doc.toJS() as KubeObject), 'the demo manifest')
  } finally {
    await api.close()
  }
}

/** Creates each object in its collection (one that exists already is left as it is), as `kubectl create` would; returns what it did. */
export async function applyObjects(api: ApiClient, objects: readonly KubeObject[], source: string): Promise<string[]> {
  const done: string[] = []
  for (const object of objects) {
    const path = collectionOf(object)
    if (!path) throw new Error(`${source} holds a ${String(object.apiVersion)} ${String(object.kind)}, which the API does not serve`)
    try {
      await api.create(path, object)
      done.push(`${String(object.kind).toLowerCase()}/${object.metadata?.name} created`)
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) throw error
      done.push(`${String(object.kind).toLowerCase()}/${object.metadata?.name} unchanged`)
    }
  }
  return done
}
