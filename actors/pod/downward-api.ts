/**
 * The downward API's values (Kubernetes' fieldpath and resource.ExtractContainerResourceValue),
 * one place for both consumers: a container's env (env.ts) and downwardAPI volume files
 * (downward-api-files.ts). Pure.
 */
import type { Container, Pod } from '../kube/objects.ts'
import { parseQuantity } from '../kube/quantity.ts'
import type { DownwardAPIVolumeFile } from './volume-sources.ts'

/** What the fieldRefs read that is not in the pod object the API sent. */
export interface FieldRefContext {
  readonly nodeName: string
  readonly podIP: string | undefined
  readonly hostIP: string
}

/** The node's allocatable resources, for limits a container leaves out. */
export type NodeAllocatable = Readonly<Record<string, string | number | undefined>>

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/

/** The value of a downward API fieldPath, or undefined when the path is not one Kubernetes allows. */
export function fieldRefValue(pod: Pod, fieldPath: string, ctx: FieldRefContext): string | undefined {
  const meta = pod.metadata
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? ''
    case 'metadata.namespace':
      return meta.namespace ?? 'default'
    case 'metadata.uid':
      return meta.uid ?? ''
    case 'spec.nodeName':
      return pod.spec.nodeName ?? ctx.nodeName
    case 'spec.serviceAccountName':
      return serviceAccountName(pod)
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP ?? ''
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP
  }
  const m = SUBSCRIPT.exec(fieldPath)
  if (!m) return undefined
  const map = m[1] === 'labels' ? meta.labels : meta.annotations
  return map?.[m[2] ?? ''] ?? ''
}

/** PodSpec in objects.ts leaves serviceAccountName out; the API may still send it. */
function serviceAccountName(pod: Pod): string {
  const spec: object = pod.spec
  const name = 'serviceAccountName' in spec ? spec.serviceAccountName : undefined
  return typeof name === 'string' ? name : 'default'
}

const RESOURCES = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/

/** resource.ExtractContainerResourceValue with node allocatable as the default limit. */
export function resourceValue(pod: Pod, ref: NonNullable<DownwardAPIVolumeFile['resourceFieldRef']>, allocatable: NodeAllocatable): string | undefined {
  const m = RESOURCES.exec(ref.resource)
  if (m === null) return undefined
  const containers: readonly Container[] = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]
  const container = ref.containerName ? containers.find((c) => c.name === ref.containerName) : pod.spec.containers[0]
  if (container === undefined) return undefined
  const [, which, resource] = m as unknown as [string, 'limits' | 'requests', string]
  const set = container.resources?.[which]?.[resource]
  const raw = set ?? (which === 'limits' ? allocatable[resource] : undefined) ?? 0
  const amount = parseQuantity(raw)
  const divisor = parseQuantity(ref.divisor ?? 1)
  if (amount === undefined || divisor === undefined || divisor <= 0) return undefined
  // Kubernetes divides milli-values for cpu (so "1m" divides), whole values otherwise; both round up.
  const ratio = resource === 'cpu' ? Math.round(amount * 1000) / Math.round(divisor * 1000) : Math.ceil(amount - 1e-9) / Math.ceil(divisor - 1e-9)
  return String(Math.ceil(ratio - 1e-9))
}
