/**
 * One run of a steady-state probe, as the chaos controller carries out the experiment step's
 * `runProbe`: Kubernetes probes read through the apiserver (a Deployment Available, N pods Ready
 * by selector, a node Ready), HTTP probes fetch a URL (or a Service through its NodePort) and
 * compare the status and the body. Store and metric probes are run by what the controller
 * passes in (store-probe.ts, metric-probe.ts): they keep state between runs. Each run is bounded
 * by the probe's timeout.
 */
import type { ProbeSpec } from '../../actors/chaos/api.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { Clock } from '../clock.ts'
import { selectorText } from './chaos-targets.ts'

export interface ProbeResult {
  readonly ok: boolean
  readonly error?: string
}

type Conditioned = { status?: { conditions?: readonly { type?: string; status?: string }[] } }
const conditionTrue = (object: unknown, type: string): boolean => ((object as Conditioned).status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')

/** The probes that keep state between runs: one run of this experiment's probe of that type. */
export type StatefulProbes = Partial<Record<'store' | 'metric', (spec: ProbeSpec, timeoutMs: number) => Promise<ProbeResult>>>

export async function runProbe(spec: ProbeSpec, timeoutMs: number, api: ApiClient, clock: Clock, stateful: StatefulProbes = {}): Promise<ProbeResult> {
  let timer: unknown
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = clock.setTimeout(() => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs)
  })
  try {
    return await Promise.race([runOnce(spec, timeoutMs, api, stateful), timeout])
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  } finally {
    clock.clearTimeout(timer)
  }
}

async function runOnce(spec: ProbeSpec, timeoutMs: number, api: ApiClient, stateful: StatefulProbes): Promise<ProbeResult> {
  if (spec.type === 'kubernetes' && spec.kubernetes !== undefined) return kubernetesProbe(spec.kubernetes, api)
  if (spec.type === 'http' && spec.http !== undefined) return httpProbe(spec.http, timeoutMs, api)
  const run = spec.type === 'store' || spec.type === 'metric' ? stateful[spec.type] : undefined
  if (run !== undefined) return run(spec, timeoutMs)
  return { ok: false, error: `${spec.type} probes are not run by the chaos controller yet` }
}

async function kubernetesProbe(k: NonNullable<ProbeSpec['kubernetes']>, api: ApiClient): Promise<ProbeResult> {
  if (k.deploymentAvailable !== undefined) {
    const { name, namespace = 'default' } = k.deploymentAvailable
    const deployment = await api.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`)
    return conditionTrue(deployment, 'Available') ? { ok: true } : { ok: false, error: `deployment ${namespace}/${name} is not Available` }
  }
  if (k.podsReady !== undefined) {
    const { namespace = 'default', selector, count } = k.podsReady
    const pods = await api.list(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selectorText(selector) })
    const ready = pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined && conditionTrue(p, 'Ready')).length
    return ready >= count ? { ok: true } : { ok: false, error: `${ready} of ${count} pods Ready` }
  }
  if (k.nodeReady !== undefined) {
    const node = await api.get(`/api/v1/nodes/${k.nodeReady.name}`)
    return conditionTrue(node, 'Ready') ? { ok: true } : { ok: false, error: `node ${k.nodeReady.name} is not Ready` }
  }
  return { ok: false, error: 'no Kubernetes check given' }
}

async function httpProbe(h: NonNullable<ProbeSpec['http']>, timeoutMs: number, api: ApiClient): Promise<ProbeResult> {
  const url = h.url ?? (await serviceUrl(h.service!, api))
  const response = await fetch(url, { method: h.method ?? 'GET', signal: AbortSignal.timeout(timeoutMs) })
  const body = await response.text()
  const expected = h.expectStatus ?? 200
  if (response.status !== expected) return { ok: false, error: `${url}: status ${response.status}, expected ${expected}` }
  if (h.bodyMatches !== undefined && !new RegExp(h.bodyMatches).test(body)) return { ok: false, error: `${url}: body does not match /${h.bodyMatches}/` }
  return { ok: true }
}

type ServiceShape = { spec?: { ports?: readonly { port?: number; nodePort?: number }[] } }
type NodeShape = { status?: { addresses?: readonly { type?: string; address?: string }[] } }

/** A Service through its NodePort, on the first Ready node's InternalIP. */
async function serviceUrl(service: { name: string; namespace?: string; port?: number }, api: ApiClient): Promise<string> {
  const svc = (await api.get(`/api/v1/namespaces/${service.namespace ?? 'default'}/services/${service.name}`)) as ServiceShape
  const port = (svc.spec?.ports ?? []).find((p) => service.port === undefined || p.port === service.port)
  if (port?.nodePort === undefined) throw new Error(`service ${service.name} has no NodePort${service.port !== undefined ? ` for port ${service.port}` : ''}`)
  const nodes = await api.list('/api/v1/nodes')
  const node = nodes.items.find((n) => conditionTrue(n, 'Ready'))
  const address = (node as NodeShape | undefined)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address
  if (address === undefined) throw new Error('no Ready node with an InternalIP to reach the NodePort on')
  return `http://${address}:${port.nodePort}/`
}
