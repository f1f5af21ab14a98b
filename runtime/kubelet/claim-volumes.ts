/**
 * The kubelet's persistent volumes for process pods (Kubernetes' volume manager for
 * `persistentVolumeClaim` volumes of local PersistentVolumes): before a pod's containers start,
 * each claim it names must be Bound; its volume's directory (`spec.local.path` or
 * `spec.hostPath.path`) is made when it lies under this kubelet's volume dir (the local
 * provisioner's volumes) and must exist otherwise; then the containers get it as
 * `ACTORKUBE_VOLUME_<NAME>` and, where that needs no root, at their mountPath (volume-mounts.ts).
 *
 * A claim that is not Bound yet (its volume is being provisioned) is waited for, up to
 * `waitMs`; then, or for a claim that does not exist, the mount fails, which fails the sandbox:
 * the pod actor retries with backoff (Kubernetes' FailedMount). When a PersistentVolume under the
 * volume dir is deleted (its claim was, reclaim policy Delete), its directory is removed.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import type { PersistentVolumeClaim, PodVolume } from '../../actors/kube/apps.ts'
import type { Pod } from '../../actors/kube/objects.ts'
import type { PersistentVolume } from '../../actors/kube/storage.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { Informer } from '../controllers/informer.ts'
import type { EngineDeps } from '../engine.ts'
import type { Logger } from '../log.ts'
import { randomClientId } from '../random.ts'
import { mountVolumes, unmountVolumes, type SandboxVolume, type VolumeMount } from './volume-mounts.ts'

/** How long a pod waits for its claims to be bound before its sandbox fails (the kubelet's 2 minutes). */
export const CLAIM_WAIT_MS = 120_000
/** How often a claim that is not bound yet is read again. */
export const CLAIM_POLL_MS = 250

export interface ClaimVolumesDeps {
  readonly api: ApiClient
  readonly clock: Clock
  readonly log: Logger
  /** This kubelet's volume dir: the local provisioner's volumes of its nodes live under it. */
  readonly root: string
  readonly waitMs?: number
}

export class ClaimVolumes {
  readonly root: string
  readonly #deps: ClaimVolumesDeps
  readonly #mounted = new Map<string, { readonly links: readonly string[]; readonly volumes: readonly SandboxVolume[] }>()
  #informer: Informer<PersistentVolume> | undefined
  #retry: TimerHandle | undefined
  #closed = false

  constructor(deps: ClaimVolumesDeps) {
    this.#deps = deps
    this.root = resolve(deps.root)
  }

  /** The pod's claim volumes made ready; the environment its containers get. */
  async mount(pod: Pod, sandbox: { readonly dir?: string }): Promise<Record<string, string>> {
    const claims = ((pod.spec as { readonly volumes?: readonly PodVolume[] }).volumes ?? []).filter((v) => v.persistentVolumeClaim?.claimName)
    if (claims.length === 0) return {}
    const namespace = pod.metadata.namespace ?? 'default'
    const volumes: SandboxVolume[] = []
    for (const v of claims) volumes.push({ name: v.name, path: await this.#directoryOf(namespace, v.name, v.persistentVolumeClaim!.claimName) })
    const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers] as readonly { readonly volumeMounts?: readonly VolumeMount[] }[]
    const { env, links } = mountVolumes(volumes, containers.flatMap((c) => c.volumeMounts ?? []), sandbox.dir ?? this.root)
    this.#mounted.set(pod.metadata.uid ?? '', { links, volumes })
    return env
  }

  /** The links made at the pod's mountPaths go (its directories stay: they belong to the volumes). */
  unmount(podUid: string): void {
    const mounted = this.#mounted.get(podUid)
    if (mounted === undefined) return
    this.#mounted.delete(podUid)
    unmountVolumes(mounted.links, mounted.volumes)
  }

  /** Watches PersistentVolumes to remove the directories of deleted ones under the volume dir. */
  start(): void {
    if (this.#closed || this.#informer !== undefined) return
    const informer = new Informer<PersistentVolume>(this.#deps.api, '/api/v1/persistentvolumes', (change, pv) => change === 'DELETED' && this.#removeDirectory(pv), this.#deps.log)
    this.#informer = informer
    informer.start().catch((error: unknown) => {
      this.#informer = undefined
      if (this.#closed) return
      this.#deps.log.debug({ err: String(error) }, 'persistent volume watch not started; retrying')
      this.#retry = this.#deps.clock.setTimeout(() => this.start(), 1000)
    })
  }

  close(): Promise<void> {
    this.#closed = true
    if (this.#retry !== undefined) this.#deps.clock.clearTimeout(this.#retry)
    return this.#informer?.stop() ?? Promise.resolve()
  }

  async #directoryOf(namespace: string, volume: string, claimName: string): Promise<string> {
    const deadline = this.#deps.clock.now() + (this.#deps.waitMs ?? CLAIM_WAIT_MS)
    for (;;) {
      const claim = await this.#read<PersistentVolumeClaim>(`/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claimName}`)
      if (claim === undefined) throw new Error(`Unable to attach or mount volumes: unmounted volumes=[${volume}]: persistentvolumeclaim "${claimName}" not found`)
      const volumeName = claim.spec.volumeName ?? ''
      if (volumeName !== '' && claim.status?.phase === 'Bound') return this.#prepare(volume, volumeName)
      if (this.#deps.clock.now() >= deadline) throw new Error(`Unable to attach or mount volumes: unmounted volumes=[${volume}]: persistentvolumeclaim "${claimName}" is not bound`)
      await new Promise<void>((done) => this.#deps.clock.setTimeout(done, CLAIM_POLL_MS))
    }
  }

  async #prepare(volume: string, volumeName: string): Promise<string> {
    const pv = await this.#read<PersistentVolume>(`/api/v1/persistentvolumes/${volumeName}`)
    const path = pv?.spec.local?.path ?? pv?.spec.hostPath?.path
    if (path === undefined) throw new Error(`Unable to attach or mount volumes: unmounted volumes=[${volume}]: persistentvolume "${volumeName}" has no local or hostPath directory`)
    if (this.#owns(path)) mkdirSync(path, { recursive: true })
    else if (!existsSync(path)) throw new Error(`Unable to attach or mount volumes: unmounted volumes=[${volume}]: path "${path}" does not exist`)
    return path
  }

  async #read<T>(path: string): Promise<T | undefined> {
    try {
      return (await this.#deps.api.get(path)) as unknown as T
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined
      throw error
    }
  }

  /** Only directories under the volume dir are this kubelet's to make and remove. */
  #owns(path: string): boolean {
    const full = resolve(path)
    return full.startsWith(this.root + sep) && full !== this.root
  }

  #removeDirectory(pv: PersistentVolume): void {
    const path = pv.spec.local?.path
    if (path === undefined || !this.#owns(path)) return
    rmSync(path, { recursive: true, force: true })
    this.#deps.log.info({ volume: pv.metadata.name, path }, 'deleted volume directory removed')
  }
}

/** Where a kubelet host keeps its local volumes. */
export const volumeRoot = (kubeletDir: string): string => join(kubeletDir, 'volumes')

/** A kubelet host's claim volumes with an API client of their own; `close` stops the watch and the client. */
export function claimVolumes(apiservers: readonly string[], kubeletDir: string, deps: EngineDeps): { volumes: ClaimVolumes; close(): Promise<void> } {
  const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers, clock: deps.clock, clientId: randomClientId('pv', deps.random) })
  const volumes = new ClaimVolumes({ api, clock: deps.clock, log: deps.log, root: volumeRoot(kubeletDir) })
  volumes.start()
  return {
    volumes,
    async close() {
      await volumes.close()
      await api.close()
    },
  }
}
