/**
 * The kubelet's configMap, secret, emptyDir, downwardAPI and projected volumes for process pods:
 * before a pod's containers start, each volume's directory is made under the pod's directory
 * (`<pod dir>/volumes/kubernetes.io~configmap/<name>`...) and the files the pure decisions
 * (actors/pod/volume-payload.ts) give it are written with the AtomicWriter (atomic-writer.ts);
 * then the containers get it as `ACTORKUBE_VOLUME_<NAME>` and at their mountPath
 * (volume-mounts.ts). A volume whose mounts are all `readOnly` gets files without write bits.
 *
 * A ConfigMap or Secret that is missing (or a key of it) and not optional fails the mount with
 * Kubernetes' FailedMount message, which fails the sandbox: the pod actor retries with back-off,
 * so the pod starts once the object exists. While pods are mounted, every `syncMs` the objects
 * they read are read again, each once for all the node's pods, and a volume whose files changed
 * is written again (a subPath mount keeps its copy); projected tokens are renewed at 80% of their
 * life. Downward API files are written at mount (label changes are not followed).
 *
 * Hollow pods (no sandbox directory) write nothing, but their objects are still read: a missing
 * one keeps the pod from starting there too.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Pod } from '../../actors/kube/objects.ts'
import type { NodeAllocatable } from '../../actors/pod/downward-api.ts'
import { renewAfterMs } from '../../actors/pod/service-account-token.ts'
import { mountFailedMessage, samePayload, volumePayload, type DataObject, type PayloadFile } from '../../actors/pod/volume-payload.ts'
import {
  hasPayload,
  objectKey,
  objectPath,
  objectVolumes,
  PLUGIN_DIRS,
  podVolumeObjects,
  readFailure,
  uniqueObjects,
  volumeKindOf,
  volumeObjects,
  type ObjectRef,
  type ObjectVolume,
} from '../../actors/pod/volume-sources.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { EngineDeps } from '../engine.ts'
import type { Logger } from '../log.ts'
import { randomClientId } from '../random.ts'
import { writeAtomically } from './atomic-writer.ts'
import type { VolumeKind } from './joined-volumes.ts'
import { issuePodToken, type IssuedToken } from './service-account-volume.ts'
import { mountVolumes, podVolumeMounts, unmountVolumes, type SandboxVolume } from './volume-mounts.ts'

/** How often the objects mounted pods read are read again (Kubernetes syncs within about a minute). */
export const OBJECT_SYNC_MS = 10_000

export interface ObjectVolumesDeps {
  readonly api: Pick<ApiClient, 'call'>
  readonly clock: Clock
  readonly log: Logger
  /** The node's allocatable, for resourceFieldRefs of containers without limits. */
  readonly allocatable?: NodeAllocatable
  readonly syncMs?: number
  /** Issues a projected serviceAccountToken (service-account-volume.ts' issuePodToken by default). */
  readonly issueToken?: (pod: Pod, projection: { readonly audience?: string; readonly expirationSeconds?: number }, volume: string) => Promise<IssuedToken | undefined>
}

/** What was read for an object: it, not found (undefined), or why it could not be read. */
type Read = { readonly object: DataObject | undefined } | { readonly error: string }

interface Token extends IssuedToken {
  readonly renewAt: number
}

interface MountedVolume {
  readonly volume: ObjectVolume
  readonly path: string
  readonly readOnly: boolean
  files: readonly PayloadFile[]
  tokens: Record<string, Token>
}

interface MountedPod {
  readonly pod: Pod
  readonly volumes: readonly MountedVolume[]
  readonly links: readonly string[]
  readonly sandboxVolumes: readonly SandboxVolume[]
  readonly dir: string
}

/** A pod volume set-up failure: pod-runtime.ts reports it as Kubernetes' FailedMount. */
export class MountError extends Error {
  override readonly name = 'FailedMount'
}

export class ObjectVolumes implements VolumeKind {
  readonly #deps: ObjectVolumesDeps
  readonly #mounted = new Map<string, MountedPod>()
  #timer: TimerHandle | undefined
  #syncing: Promise<void> | undefined
  #closed = false

  constructor(deps: ObjectVolumesDeps) {
    this.#deps = deps
  }

  async mount(pod: Pod, sandbox: { readonly dir?: string }): Promise<Record<string, string>> {
    const volumes = objectVolumes(pod)
    if (volumes.length === 0) return {}
    const reads = await this.#readAll(podVolumeObjects(pod))
    const mounts = podVolumeMounts(pod)
    const prepared: MountedVolume[] = []
    for (const volume of volumes) {
      const kind = volumeKindOf(volume)!
      const mv: MountedVolume = {
        volume,
        path: join(sandbox.dir ?? '', 'volumes', PLUGIN_DIRS[kind], volume.name),
        readOnly: mounts.some((m) => m.name === volume.name) && mounts.filter((m) => m.name === volume.name).every((m) => m.readOnly === true),
        files: [],
        tokens: {},
      }
      if (hasPayload(volume)) {
        // Tokens are issued only for pods that run something to read them.
        if (sandbox.dir !== undefined) mv.tokens = await this.#tokens(pod, volume, {})
        mv.files = this.#payload(pod, mv, reads, true)!
      }
      prepared.push(mv)
    }
    if (sandbox.dir === undefined) return {}
    for (const mv of prepared) {
      if (hasPayload(mv.volume)) writeAtomically(mv.path, mv.files, this.#deps.clock.now(), { readOnly: mv.readOnly })
      else mkdirSync(mv.path, { recursive: true })
    }
    const sandboxVolumes = prepared.map((mv) => ({ name: mv.volume.name, path: mv.path, snapshotSubPaths: hasPayload(mv.volume) }))
    const { env, links } = mountVolumes(sandboxVolumes, mounts, sandbox.dir)
    this.#mounted.set(pod.metadata.uid ?? '', { pod, volumes: prepared, links, sandboxVolumes, dir: sandbox.dir })
    this.#scheduleSync()
    return env
  }

  /** The pod's links go, and its volumes' directories (emptyDir's contents with them). */
  unmount(podUid: string): void {
    const mounted = this.#mounted.get(podUid)
    if (mounted === undefined) return
    this.#mounted.delete(podUid)
    unmountVolumes(mounted.links, [...mounted.sandboxVolumes, { name: '', path: join(mounted.dir, 'volume-subpaths') }])
    for (const mv of mounted.volumes) rmSync(mv.path, { recursive: true, force: true })
    rmSync(join(mounted.dir, 'volume-subpaths'), { recursive: true, force: true })
  }

  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** One pass: every object the mounted pods read, read once; the volumes whose files changed written again. A pass under way is joined. */
  sync(): Promise<void> {
    this.#syncing ??= this.#syncOnce().finally(() => (this.#syncing = undefined))
    return this.#syncing
  }

  async #syncOnce(): Promise<void> {
    const pods = [...this.#mounted.values()]
    const reads = await this.#readAll(uniqueObjects(pods.flatMap((p) => podVolumeObjects(p.pod))))
    for (const mounted of pods) {
      for (const mv of mounted.volumes) {
        if (!hasPayload(mv.volume) || volumeKindOf(mv.volume) === 'downwardAPI') continue
        try {
          const tokens = await this.#tokens(mounted.pod, mv.volume, mv.tokens)
          const renewed = tokens !== mv.tokens
          mv.tokens = tokens
          const files = this.#payload(mounted.pod, mv, reads, false)
          // Unmounted meanwhile: its directory is gone with the pod.
          if (files === undefined || this.#mounted.get(mounted.pod.metadata.uid ?? '') !== mounted) continue
          if (!renewed && samePayload(files, mv.files)) continue
          writeAtomically(mv.path, files, this.#deps.clock.now(), { readOnly: mv.readOnly })
          mv.files = files
          this.#deps.log.debug({ pod: `${mounted.pod.metadata.namespace}/${mounted.pod.metadata.name}`, volume: mv.volume.name }, 'volume files updated')
        } catch (error) {
          this.#deps.log.warn({ pod: `${mounted.pod.metadata.namespace}/${mounted.pod.metadata.name}`, volume: mv.volume.name, err: String(error) }, 'volume not updated')
        }
      }
    }
  }

  #scheduleSync(): void {
    if (this.#closed || this.#timer !== undefined) return
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined
      if (this.#mounted.size === 0) return
      this.sync()
        .catch((error: unknown) => this.#deps.log.warn({ err: String(error) }, 'volume sync failed'))
        .finally(() => this.#mounted.size > 0 && this.#scheduleSync())
    }, this.#deps.syncMs ?? OBJECT_SYNC_MS)
  }

  /**
   * The volume's files from what was read; at mount a failure throws the FailedMount error, in a
   * sync it keeps the files as they are (undefined), as the kubelet keeps the last good payload.
   */
  #payload(pod: Pod, mv: MountedVolume, reads: ReadonlyMap<string, Read>, atMount: boolean): readonly PayloadFile[] | undefined {
    const unreadable = volumeObjects(mv.volume, pod.metadata.namespace ?? 'default')
      .map((ref) => ({ ref, read: reads.get(objectKey(ref)) }))
      .find((r) => r.read !== undefined && 'error' in r.read)
    let error: string | undefined
    let files: readonly PayloadFile[] | undefined
    if (unreadable !== undefined) {
      error = mountFailedMessage(mv.volume.name, `failed to get ${unreadable.ref.kind} "${unreadable.ref.name}": ${(unreadable.read as { error: string }).error}`)
    } else {
      const tokens = Object.fromEntries(Object.entries(mv.tokens).map(([path, t]) => [path, t.token]))
      const lookup = (ref: ObjectRef): DataObject | undefined => {
        const read = reads.get(objectKey(ref))
        return read !== undefined && 'object' in read ? read.object : undefined
      }
      const payload = volumePayload(mv.volume, pod, { objects: lookup, tokens, ...(this.#deps.allocatable ? { allocatable: this.#deps.allocatable } : {}) })
      if ('error' in payload) error = payload.error
      else files = payload.files
    }
    if (error !== undefined && atMount) throw new MountError(error)
    if (error !== undefined) this.#deps.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: mv.volume.name, err: error }, 'volume not updated')
    return files
  }

  /** The projected tokens of the volume: those held while fresh, new ones when due; the same object when none changed. */
  async #tokens(pod: Pod, volume: ObjectVolume, held: Record<string, Token>): Promise<Record<string, Token>> {
    const now = this.#deps.clock.now()
    let tokens = held
    for (const source of volume.projected?.sources ?? []) {
      const projection = source.serviceAccountToken
      if (projection === undefined) continue
      const current = held[projection.path]
      if (current !== undefined && now < current.renewAt) continue
      const issue = this.#deps.issueToken ?? ((p, proj, v) => issuePodToken(this.#deps.api, this.#deps.log, p, proj, v))
      const issued = await issue(pod, { ...(projection.audience ? { audience: projection.audience } : {}), ...(projection.expirationSeconds ? { expirationSeconds: projection.expirationSeconds } : {}) }, volume.name)
      if (issued === undefined) continue
      tokens = { ...tokens, [projection.path]: { ...issued, renewAt: now + renewAfterMs(now, issued.expiresAt) } }
    }
    return tokens
  }

  /** Each object read once, side by side. */
  async #readAll(refs: readonly ObjectRef[]): Promise<Map<string, Read>> {
    const reads = await Promise.all(refs.map(async (ref): Promise<[string, Read]> => [objectKey(ref), await this.#read(ref)]))
    return new Map(reads)
  }

  async #read(ref: ObjectRef): Promise<Read> {
    try {
      const answer = await this.#deps.api.call('GET', objectPath(ref))
      if (answer.status === 200) return { object: answer.body as DataObject }
      if (answer.status === 404) return { object: undefined }
      return { error: readFailure(answer.status, answer.body) }
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) }
    }
  }
}

/** A kubelet host's object volumes with an API client of their own; `close` stops the sync and the client. */
export function kubeletObjectVolumes(apiservers: readonly string[], deps: EngineDeps, allocatable?: NodeAllocatable): { volumes: ObjectVolumes; close(): Promise<void> } {
  const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers, clock: deps.clock, clientId: randomClientId('vol', deps.random) })
  const volumes = new ObjectVolumes({ api, clock: deps.clock, log: deps.log, ...(allocatable ? { allocatable } : {}) })
  return {
    volumes,
    async close() {
      volumes.close()
      await api.close()
    },
  }
}
