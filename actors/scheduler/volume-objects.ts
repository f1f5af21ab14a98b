/**
 * The scheduler's view of storage (the PVC, PV and StorageClass listers kube-scheduler's
 * VolumeBinding plugin reads): the latest object of each from the watches, by key. The snapshot
 * hands it to the plugin; it changes only through watch events, between cycles.
 */
import type { PersistentVolumeClaim } from '../kube/apps.ts'
import type { PersistentVolume, StorageClass } from '../kube/storage.ts'
import type { WatchEventType } from './scheduler.ts'

/** What VolumeBinding reads. */
export interface VolumeLister {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined
  volume(name: string): PersistentVolume | undefined
  storageClass(name: string): StorageClass | undefined
}

type Named = { readonly metadata: { readonly name?: string; readonly namespace?: string } }
const keyOf = (o: Named): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`

function apply<T extends Named>(map: Map<string, T>, type: WatchEventType, object: T): void {
  if (type === 'DELETED') map.delete(keyOf(object))
  else map.set(keyOf(object), object)
}

export class VolumeObjects implements VolumeLister {
  private readonly claims = new Map<string, PersistentVolumeClaim>()
  private readonly volumes = new Map<string, PersistentVolume>()
  private readonly classes = new Map<string, StorageClass>()

  onClaim(type: WatchEventType, claim: PersistentVolumeClaim): void {
    apply(this.claims, type, claim)
  }

  onVolume(type: WatchEventType, volume: PersistentVolume): void {
    apply(this.volumes, type, volume)
  }

  onClass(type: WatchEventType, storageClass: StorageClass): void {
    apply(this.classes, type, storageClass)
  }

  claim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.claims.get(`${namespace}/${name}`)
  }

  volume(name: string): PersistentVolume | undefined {
    return this.volumes.get(`/${name}`)
  }

  storageClass(name: string): StorageClass | undefined {
    return this.classes.get(`/${name}`)
  }
}

/** No storage at all (a snapshot built by hand). */
export const NO_VOLUMES: VolumeLister = { claim: () => undefined, volume: () => undefined, storageClass: () => undefined }
