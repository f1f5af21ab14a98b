/**
 * The downward API as files (Kubernetes' downwardAPI volume and projected downwardAPI source):
 * a fieldRef's value (metadata.name, namespace, uid, one label or annotation as the env reads
 * them, downward-api.ts; all labels or annotations as `key="value"` lines in key order, fieldpath.FormatMap) or a
 * resourceFieldRef's (a container's limits/requests of cpu, memory or ephemeral-storage divided
 * by the divisor and rounded up; a limit the container does not set is the node's allocatable).
 */
import type { Pod } from '../kube/objects.ts'
import { fieldRefValue, type NodeAllocatable, resourceValue } from './downward-api.ts'
import type { DownwardAPIVolumeFile } from './volume-sources.ts'

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
