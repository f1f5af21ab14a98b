/**
 * The Endpoints controller's reconcile step (k8s.io/kubernetes/pkg/controller/endpoint): for
 * each Service with a selector, the Endpoints object of the same name lists the selected pods'
 * IPs -- ready ones in `addresses`, the others in `notReadyAddresses` -- with the ports the
 * Service's targetPorts resolve to on each pod, grouped into subsets of pods sharing the same
 * ports (RepackSubsets). Written only when it differs; deleted when its Service is gone.
 */
import type { EndpointAddress, EndpointSubset, Endpoints, Pod, Service, ServicePort } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { semanticEqual } from '../apiserver/meta/object-meta.ts'
import { type Action, ENDPOINTS, collectionPath, pathOf } from './actions.ts'
import { isDeleting, isPodReady } from './_util.ts'

export interface EndpointsInput {
  readonly services: readonly Service[]
  /** Pods of the same namespaces (all, or the informer's view). */
  readonly pods: readonly Pod[]
  /** Existing Endpoints of the same namespaces. */
  readonly endpoints: readonly Endpoints[]
}

export interface EndpointsResult {
  readonly actions: Action[]
}

type EndpointPort = NonNullable<EndpointSubset['ports']>[number]

/** podutil.FindPort: the container port a Service port's targetPort names, or undefined. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port
  if (typeof target === 'number') return target
  if (/^\d+$/.test(target)) return Number(target)
  const protocol = sp.protocol ?? 'TCP'
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort
  }
  return undefined
}

/** endpointsliceutil.ShouldPodBeInEndpoints: an IP, not terminal, not being deleted. */
function inEndpoints(pod: Pod): boolean {
  if (!pod.status?.podIP) return false
  if (isDeleting(pod.metadata)) return false
  const phase = pod.status.phase
  if (phase === 'Failed' || phase === 'Succeeded') return false
  return true
}

const portKey = (ports: readonly EndpointPort[]): string => JSON.stringify(ports)
const byIp = (a: EndpointAddress, b: EndpointAddress): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.uid ?? '') < (b.targetRef?.uid ?? '') ? -1 : 1)

/** The subsets a Service's selected pods make. */
export function subsetsFor(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const parsed = labelSelectorFromObject({ matchLabels: service.spec.selector ?? {} })
  if (!parsed.ok) return []
  const ns = service.metadata.namespace
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>()
  for (const pod of pods) {
    if (pod.metadata.namespace !== ns || !parsed.selector.matches(pod.metadata.labels) || !inEndpoints(pod)) continue
    const ports: EndpointPort[] = []
    for (const sp of service.spec.ports ?? []) {
      const port = findPort(pod, sp)
      if (port === undefined) continue
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' })
    }
    if ((service.spec.ports ?? []).length > 0 && ports.length === 0) continue
    ports.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : a.port - b.port))
    const address: EndpointAddress = {
      ip: pod.status?.podIP ?? '',
      ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
    }
    const key = portKey(ports)
    const group = groups.get(key) ?? { ports, ready: [], notReady: [] }
    groups.set(key, group)
    if (isPodReady(pod)) group.ready.push(address)
    else group.notReady.push(address)
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({
      ...(g.ready.length > 0 ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length > 0 ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length > 0 ? { ports: g.ports } : {}),
    }))
}

/** The Endpoints object a Service should have (labels copied from the Service). */
export function endpointsFor(service: Service, pods: readonly Pod[]): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: service.metadata.name, namespace: service.metadata.namespace, ...(service.metadata.labels ? { labels: { ...service.metadata.labels } } : {}) },
    subsets: subsetsFor(service, pods),
  }
}

/** syncService for every Service, plus deletes of Endpoints whose Service is gone. */
export function reconcileEndpoints(input: EndpointsInput): EndpointsResult {
  const actions: Action[] = []
  const key = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`
  const existing = new Map(input.endpoints.map((e) => [key(e.metadata.namespace, e.metadata.name), e]))
  const services = new Set(input.services.map((s) => key(s.metadata.namespace, s.metadata.name)))
  for (const service of input.services) {
    // A Service without a selector has its Endpoints managed by someone else.
    if (service.spec.selector === undefined || isDeleting(service.metadata)) continue
    const want = endpointsFor(service, input.pods)
    const have = existing.get(key(service.metadata.namespace, service.metadata.name))
    if (have === undefined) {
      actions.push({ type: 'create', path: collectionPath(ENDPOINTS, service.metadata.namespace), object: want })
      continue
    }
    if (semanticEqual(have.subsets ?? [], want.subsets) && semanticEqual(have.metadata.labels ?? {}, want.metadata.labels ?? {})) continue
    actions.push({
      type: 'update',
      path: pathOf(ENDPOINTS, have),
      object: { ...want, metadata: { ...have.metadata, labels: want.metadata.labels ?? {} } },
    })
  }
  for (const e of input.endpoints) {
    if (services.has(key(e.metadata.namespace, e.metadata.name))) continue
    actions.push({ type: 'delete', path: pathOf(ENDPOINTS, e), preconditions: { uid: e.metadata.uid } })
  }
  return { actions }
}
