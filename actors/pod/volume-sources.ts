/**
 * The pod volumes the kubelet fills from the API or makes itself (Kubernetes' configMap, secret,
 * emptyDir, downwardAPI and projected volume plugins), as the pod spec names them, and which
 * ConfigMaps and Secrets a pod's volumes need: one entry per object however many volumes (and
 * pods) name it, so a node reads each once.
 */
import type { Pod } from '../kube/objects.ts'

export interface KeyToPath {
  readonly key: string
  readonly path: string
  readonly mode?: number
}

export interface ConfigMapVolumeSource {
  readonly name?: string
  readonly items?: readonly KeyToPath[]
  readonly defaultMode?: number
  readonly optional?: boolean
}

export interface SecretVolumeSource {
  readonly secretName?: string
  readonly items?: readonly KeyToPath[]
  readonly defaultMode?: number
  readonly optional?: boolean
}

export interface DownwardAPIVolumeFile {
  readonly path: string
  readonly fieldRef?: { readonly fieldPath: string }
  readonly resourceFieldRef?: { readonly containerName?: string; readonly resource: string; readonly divisor?: string | number }
  readonly mode?: number
}

export interface DownwardAPIVolumeSource {
  readonly items?: readonly DownwardAPIVolumeFile[]
  readonly defaultMode?: number
}

export interface ServiceAccountTokenProjection {
  readonly path: string
  readonly audience?: string
  readonly expirationSeconds?: number
}

export interface VolumeProjection {
  readonly configMap?: Omit<ConfigMapVolumeSource, 'defaultMode'>
  readonly secret?: { readonly name?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean }
  readonly downwardAPI?: { readonly items?: readonly DownwardAPIVolumeFile[] }
  readonly serviceAccountToken?: ServiceAccountTokenProjection
}

export interface ProjectedVolumeSource {
  readonly sources?: readonly VolumeProjection[]
  readonly defaultMode?: number
}

export interface EmptyDirVolumeSource {
  readonly medium?: string
  readonly sizeLimit?: string
}

/** A pod volume of one of the kinds this module knows. */
export interface ObjectVolume {
  readonly name: string
  readonly configMap?: ConfigMapVolumeSource
  readonly secret?: SecretVolumeSource
  readonly emptyDir?: EmptyDirVolumeSource
  readonly downwardAPI?: DownwardAPIVolumeSource
  readonly projected?: ProjectedVolumeSource
}

export type VolumeKindName = 'configMap' | 'secret' | 'emptyDir' | 'downwardAPI' | 'projected'
const KINDS: readonly VolumeKindName[] = ['configMap', 'secret', 'emptyDir', 'downwardAPI', 'projected']

/** Kubernetes' plugin directory names (`<pod>/volumes/kubernetes.io~configmap/<name>`). */
export const PLUGIN_DIRS: Readonly<Record<VolumeKindName, string>> = {
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  emptyDir: 'kubernetes.io~empty-dir',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
}

/** Kubernetes' mode for files that name none (0644). */
export const DEFAULT_FILE_MODE = 0o644

/** The volume's kind, or undefined for another kind (a claim, hostPath...). */
export function volumeKindOf(volume: ObjectVolume): VolumeKindName | undefined {
  return KINDS.find((kind) => volume[kind] !== undefined && volume[kind] !== null)
}

/** The pod's volumes of these kinds, in spec order. */
export function objectVolumes(pod: Pod): readonly ObjectVolume[] {
  const volumes = (pod.spec as { readonly volumes?: readonly ObjectVolume[] }).volumes ?? []
  return volumes.filter((v) => volumeKindOf(v) !== undefined)
}

export interface ObjectRef {
  readonly kind: 'configmap' | 'secret'
  readonly namespace: string
  readonly name: string
}

/** One key per object: `configmap/<namespace>/<name>`. */
export const objectKey = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`

/** The object's path in the API (a volume's and a container env's reads alike). */
export const objectPath = (ref: ObjectRef): string =>
  `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/${ref.kind === 'configmap' ? 'configmaps' : 'secrets'}/${encodeURIComponent(ref.name)}`

/** Why a read of an object that neither answered 200 nor 404 failed: the Status's message, else the HTTP status. */
export function readFailure(status: number, body: unknown): string {
  const message = (body as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && message !== '' ? message : `HTTP ${status}`
}

/** The ConfigMaps and Secrets the volume reads (a projected volume may read several). */
export function volumeObjects(volume: ObjectVolume, namespace: string): readonly ObjectRef[] {
  const refs: ObjectRef[] = []
  if (volume.configMap?.name) refs.push({ kind: 'configmap', namespace, name: volume.configMap.name })
  if (volume.secret?.secretName) refs.push({ kind: 'secret', namespace, name: volume.secret.secretName })
  for (const source of volume.projected?.sources ?? []) {
    if (source.configMap?.name) refs.push({ kind: 'configmap', namespace, name: source.configMap.name })
    if (source.secret?.name) refs.push({ kind: 'secret', namespace, name: source.secret.name })
  }
  return refs
}

/** Every object the pod's volumes read, each once. */
export function podVolumeObjects(pod: Pod): readonly ObjectRef[] {
  return uniqueObjects(objectVolumes(pod).flatMap((v) => volumeObjects(v, pod.metadata.namespace ?? 'default')))
}

/** The objects, each once (first seen first): what a node reads for all its pods in one pass. */
export function uniqueObjects(refs: readonly ObjectRef[]): readonly ObjectRef[] {
  const seen = new Map<string, ObjectRef>()
  for (const ref of refs) if (!seen.has(objectKey(ref))) seen.set(objectKey(ref), ref)
  return [...seen.values()]
}

/** Whether the volume's files come from the API or the pod (all but emptyDir): written by the kubelet, synced, read-only. */
export const hasPayload = (volume: ObjectVolume): boolean => volumeKindOf(volume) !== undefined && volumeKindOf(volume) !== 'emptyDir'
