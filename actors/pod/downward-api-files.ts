/**
 * The downward API as files (Kubernetes' downwardAPI volume and projected downwardAPI source):
 * a fieldRef's value (metadata.name, namespace, uid, one label or annotation as env.ts reads
 * them; all labels or annotations as `key="value"` lines in key order, fieldpath.FormatMap) or a
 * resourceFieldRef's (a container's limits/requests of cpu, memory or ephemeral-storage divided
 * by the divisor and rounded up; a limit the container does not set is the node's allocatable).
 */
import type { Container, Pod } from '../kube/objects.ts'
import { parseQuantity } from '../kube/quantity.ts'
import { fieldRefValue } from './env.ts'
import type { DownwardAPIVolumeFile } from './volume-sources.ts'

/** The node's allocatable resources, for limits a container leaves out. */
export type NodeAllocatable = Readonly<Record<string, string | number | undefined>>

type Files = { readonly files: readonly { path: string; content: string; encoding: 'utf8'; mode: number }[] } | { readonly error: string }

export function downwardApiFiles(items: readonly DownwardAPIVolumeFile[], defaultMode: number, pod: Pod, allocatable: NodeAllocatable = {}): Files {
  const files: { path: string; content: string; encoding: 'utf8'; mode: number }[] = []
  for (const item of items) {
    let value: string | undefined
    if (item.fieldRef !== undefined) value = fieldValue(pod, item.fieldRef.fieldPath)
    else if (item.resourceFieldRef !== undefined) value = resourceValue(pod, item.resourceFieldRef, allocatable)
    if (value === undefined) return { error: `unable to get the downward API value for ${item.path}: ${describe(item)}` }
    files.push({ path: item.path, content: value, encoding: 'utf8', mode: item.mode ?? defaultMode })
  }
  return { files }
}

function describe(item: DownwardAPIVolumeFile): string {
  if (item.fieldRef !== undefined) return `unsupported fieldPath "${item.fieldRef.fieldPath}"`
  if (item.resourceFieldRef !== undefined) return `unsupported resource "${item.resourceFieldRef.resource}" of container "${item.resourceFieldRef.containerName ?? ''}"`
  return 'neither fieldRef nor resourceFieldRef'
}

/** A fieldRef's value in a file: the whole label and annotation maps as well as env.ts' paths. */
export function fieldValue(pod: Pod, fieldPath: string): string | undefined {
  if (fieldPath === 'metadata.labels') return formatMap(pod.metadata.labels ?? {})
  if (fieldPath === 'metadata.annotations') return formatMap(pod.metadata.annotations ?? {})
  return fieldRefValue(pod, fieldPath, { nodeName: pod.spec.nodeName ?? '', podIP: pod.status?.podIP, hostIP: pod.status?.hostIP ?? '' })
}

/** fieldpath.FormatMap: `key="value"` lines, keys sorted, no newline at the end. */
export function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${JSON.stringify(map[key])}`)
    .join('\n')
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
