/**
 * kube-apiserver's health endpoints: `/livez` and `/healthz` say the server answers; `/readyz`
 * says it can serve requests, which here means the cluster store answers a current (linearizable)
 * read, as kube-apiserver's readyz includes its etcd check. A load balancer in front of the
 * apiservers (runtime/cli/front-door.ts) sends new connections only to ready ones.
 */
import type { ApiResponse } from './http/api-request.ts'
import { storeKey } from './meta/keys.ts'
import type { ApiPorts } from './ports.ts'

export const HEALTH_PATHS: readonly string[] = ['/livez', '/healthz', '/readyz']

/** The answer for a health path, or undefined when `path` is not one. */
export async function healthRoute(path: string, method: string, ports: ApiPorts): Promise<ApiResponse | undefined> {
  if (!HEALTH_PATHS.includes(path) || method !== 'GET') return undefined
  if (path !== '/readyz') return ok()
  try {
    await ports.objects.get(storeKey({ resource: 'namespaces' }, undefined, 'default'))
    return ok()
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    return { kind: 'raw', status: 503, body: `[-]store failed: ${why}\nreadyz check failed\n`, contentType: 'text/plain; charset=utf-8' }
  }
}

const ok = (): ApiResponse => ({ kind: 'raw', status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' })
