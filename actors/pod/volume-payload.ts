/**
 * The files a configMap, secret or projected volume holds, as the kubelet's volume plugins make
 * their payload (configmap.MakePayload, secret.MakePayload, projected.collectData): every key of
 * the object as a file named after it, or only the `items` named (key -> path, nested paths
 * allowed), each with its `mode` or the volume's `defaultMode` (0644); Secret data stays base64
 * here and is decoded when written. A missing object or key fails the mount unless the source is
 * `optional`, with Kubernetes' messages (the FailedMount event's). Decided without I/O: the
 * caller passes the objects it read.
 */
import type { Pod } from '../kube/objects.ts'
import { downwardApiFiles } from './downward-api-files.ts'
import type { NodeAllocatable } from './downward-api.ts'
import {
  DEFAULT_FILE_MODE,
  volumeKindOf,
  type KeyToPath,
  type ObjectRef,
  type ObjectVolume,
} from './volume-sources.ts'

export interface PayloadFile {
  /** Relative to the volume's directory; may hold `/`. */
  readonly path: string
  readonly content: string
  readonly encoding: 'utf8' | 'base64'
  readonly mode: number
}

export type Payload = { readonly files: readonly PayloadFile[] } | { readonly error: string }

/** A ConfigMap or a Secret as the API returns it (the fields read here). */
export interface DataObject {
  readonly data?: Readonly<Record<string, string>>
  readonly binaryData?: Readonly<Record<string, string>>
}

/** The objects read for the pod: undefined for one that does not exist. */
export type ObjectLookup = (ref: ObjectRef) => DataObject | undefined

export interface PayloadContext {
  readonly objects: ObjectLookup
  /** For resourceFieldRefs of containers without limits. */
  readonly allocatable?: NodeAllocatable
  /** Projected serviceAccountToken files: the token issued for each path (a path without one is left out). */
  readonly tokens?: Readonly<Record<string, string>>
}

/** The FailedMount event's message (operation_generator.go's MountVolume.SetUp failure). */
export const mountFailedMessage = (volume: string, cause: string): string => `MountVolume.SetUp failed for volume "${volume}" : ${cause}`

/** The files of a volume that has a payload (all kinds but emptyDir), or why it cannot be mounted. */
export function volumePayload(volume: ObjectVolume, pod: Pod, ctx: PayloadContext): Payload {
  const namespace = pod.metadata.namespace ?? 'default'
  const kind = volumeKindOf(volume)
  let payload: Payload
  if (kind === 'configMap') {
    const source = volume.configMap!
    payload = keyFiles('configmap', { kind: 'configmap', namespace, name: source.name ?? '' }, source, source.defaultMode ?? DEFAULT_FILE_MODE, ctx.objects)
  } else if (kind === 'secret') {
    const source = volume.secret!
    payload = keyFiles('secret', { kind: 'secret', namespace, name: source.secretName ?? '' }, source, source.defaultMode ?? DEFAULT_FILE_MODE, ctx.objects)
  } else if (kind === 'downwardAPI') {
    const source = volume.downwardAPI!
    payload = downwardApiFiles(source.items ?? [], source.defaultMode ?? DEFAULT_FILE_MODE, pod, ctx.allocatable)
  } else if (kind === 'projected') {
    payload = projectedFiles(volume, pod, namespace, ctx)
  } else {
    payload = { files: [] }
  }
  if ('error' in payload) return { error: mountFailedMessage(volume.name, payload.error) }
  const bad = payload.files.find((f) => !isSafePath(f.path))
  return bad === undefined ? payload : { error: mountFailedMessage(volume.name, `invalid path "${bad.path}": must be relative and may not contain '..'`) }
}

function projectedFiles(volume: ObjectVolume, pod: Pod, namespace: string, ctx: PayloadContext): Payload {
  const mode = volume.projected?.defaultMode ?? DEFAULT_FILE_MODE
  const files: PayloadFile[] = []
  for (const source of volume.projected?.sources ?? []) {
    let part: Payload = { files: [] }
    if (source.configMap) part = keyFiles('configmap', { kind: 'configmap', namespace, name: source.configMap.name ?? '' }, source.configMap, mode, ctx.objects)
    else if (source.secret) part = keyFiles('secret', { kind: 'secret', namespace, name: source.secret.name ?? '' }, source.secret, mode, ctx.objects)
    else if (source.downwardAPI) part = downwardApiFiles(source.downwardAPI.items ?? [], mode, pod, ctx.allocatable)
    else if (source.serviceAccountToken) {
      // No token to be had (a cluster without a signing key): the file is left out, as the service account volume starts the pod without one.
      const token = ctx.tokens?.[source.serviceAccountToken.path]
      if (token !== undefined) part = { files: [{ path: source.serviceAccountToken.path, content: token, encoding: 'utf8', mode }] }
    }
    if ('error' in part) return part
    files.push(...part.files)
  }
  return { files }
}

/** A ConfigMap's or Secret's keys as files (all, or the items named). */
function keyFiles(
  kind: 'configmap' | 'secret',
  ref: ObjectRef,
  source: { readonly items?: readonly KeyToPath[]; readonly optional?: boolean },
  defaultMode: number,
  objects: ObjectLookup,
): Payload {
  const object = objects(ref)
  if (object === undefined) return source.optional === true ? { files: [] } : { error: `${kind} "${ref.name}" not found` }
  const values = valuesOf(kind, object)
  if (source.items === undefined || source.items.length === 0) {
    return { files: [...values.keys()].sort().map((key) => ({ path: key, ...values.get(key)!, mode: defaultMode })) }
  }
  const files: PayloadFile[] = []
  for (const item of source.items) {
    const value = values.get(item.key)
    if (value === undefined) {
      if (source.optional === true) continue
      return { error: kind === 'configmap' ? `configmap references non-existent config key: ${item.key}` : `references non-existent secret key: ${item.key}` }
    }
    files.push({ path: item.path, ...value, mode: item.mode ?? defaultMode })
  }
  return { files }
}

function valuesOf(kind: 'configmap' | 'secret', object: DataObject): Map<string, { content: string; encoding: 'utf8' | 'base64' }> {
  const values = new Map<string, { content: string; encoding: 'utf8' | 'base64' }>()
  const dataEncoding = kind === 'secret' ? 'base64' : 'utf8'
  for (const [key, content] of Object.entries(object.data ?? {})) values.set(key, { content, encoding: dataEncoding })
  for (const [key, content] of Object.entries(object.binaryData ?? {})) values.set(key, { content, encoding: 'base64' })
  return values
}

/** What AtomicWriter accepts: relative, no `..` element, not empty. */
function isSafePath(path: string): boolean {
  if (path === '' || path.startsWith('/')) return false
  return path.split('/').every((part) => part !== '..' && part !== '' && !part.startsWith('..'))
}

/** The same files (what a sync compares before writing again). */
export function samePayload(a: readonly PayloadFile[], b: readonly PayloadFile[]): boolean {
  if (a.length !== b.length) return false
  return a.every((f, i) => {
    const g = b[i]!
    return f.path === g.path && f.content === g.content && f.encoding === g.encoding && f.mode === g.mode
  })
}
