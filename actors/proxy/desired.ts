/**
 * kube-proxy's view of the cluster, computed from Services and Endpoints: the TCP listeners a
 * node should have and, for each Service port, the backends connections are spread over.
 * Pure: the runtime (runtime/proxy/) opens and closes the sockets.
 */
import type { Endpoints, Service, ServicePort } from '../kube/objects.ts'
import { LOCALHOST, localAddressOf } from './addresses.ts'

export interface Backend {
  readonly ip: string
  readonly port: number
}

/** One Service port as the balancer sees it. */
export interface Target {
  /** `<namespace>/<name>:<port name>`: the ClusterIP and NodePort listeners of a port share it. */
  readonly id: string
  readonly backends: readonly Backend[]
  /** ClientIP session affinity: how long a client keeps its backend after its last connection. */
  readonly affinityMs?: number
}

export type ListenerKind = 'clusterIP' | 'nodePort' | 'localhostNodePort'

export interface Listener {
  /** `<address>:<port>`; unique within a node. */
  readonly key: string
  readonly address: string
  readonly port: number
  readonly kind: ListenerKind
  readonly target: string
}

export interface DesiredProxy {
  readonly listeners: readonly Listener[]
  readonly targets: ReadonlyMap<string, Target>
}

/** Kubernetes' default `sessionAffinityConfig.clientIP.timeoutSeconds`. */
export const DEFAULT_AFFINITY_SECONDS = 10800

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`
export const backendKey = (b: Backend): string => `${b.ip}:${b.port}`

/** The ready addresses of `endpoints` for service port `sp`, matched by port name as kube-proxy does. */
export function backendsFor(sp: ServicePort, endpoints: Endpoints | undefined): Backend[] {
  const name = sp.name ?? ''
  const seen = new Map<string, Backend>()
  for (const subset of endpoints?.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === 'TCP')
    if (port === undefined) continue
    for (const a of subset.addresses ?? []) {
      const b = { ip: a.ip, port: port.port }
      seen.set(backendKey(b), b)
    }
  }
  return [...seen.values()]
}

function affinityMs(service: Service): number | undefined {
  if (service.spec.sessionAffinity !== 'ClientIP') return undefined
  return (service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) * 1000
}

/**
 * The listeners and targets of one node: for every TCP port of every Service, a listener at the
 * ClusterIP's local address; for NodePort and LoadBalancer Services also one at `nodeIP:nodePort`
 * and one at `127.0.0.1:nodePort`. Headless and ExternalName Services get none (no virtual IP).
 */
export function desiredProxy(services: readonly Service[], endpoints: readonly Endpoints[], node: { readonly nodeIP: string }): DesiredProxy {
  const byKey = new Map(endpoints.map((e) => [keyOf(e), e]))
  const listeners = new Map<string, Listener>()
  const targets = new Map<string, Target>()
  const add = (address: string, port: number, kind: ListenerKind, target: string) => {
    const key = `${address}:${port}`
    if (!listeners.has(key)) listeners.set(key, { key, address, port, kind, target })
  }
  for (const service of services) {
    const type = service.spec.type ?? 'ClusterIP'
    const local = localAddressOf(service.spec.clusterIP ?? '')
    const nodePorts = type === 'NodePort' || type === 'LoadBalancer'
    if (local === undefined && !nodePorts) continue
    for (const sp of service.spec.ports ?? []) {
      if ((sp.protocol ?? 'TCP') !== 'TCP') continue
      const id = `${keyOf(service)}:${sp.name ?? ''}`
      const ms = affinityMs(service)
      targets.set(id, { id, backends: backendsFor(sp, byKey.get(keyOf(service))), ...(ms !== undefined ? { affinityMs: ms } : {}) })
      if (local !== undefined) add(local, sp.port, 'clusterIP', id)
      if (nodePorts && sp.nodePort !== undefined && sp.nodePort > 0) {
        add(node.nodeIP, sp.nodePort, 'nodePort', id)
        add(LOCALHOST, sp.nodePort, 'localhostNodePort', id)
      }
    }
  }
  return { listeners: [...listeners.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), targets }
}
