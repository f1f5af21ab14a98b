/**
 * What an informer change marks for the volume binder (local-provisioner.ts, volume-reclaim.ts):
 * a claim marks itself and the volumes naming it or named by it (a deleted claim releases them);
 * a volume marks itself and the claim its claimRef names; a StorageClass that appears marks the
 * unbound claims of that class. Applied by the manager next to change-marks.ts' marks. Pure.
 */
import type { PersistentVolumeClaim } from '../kube/apps.ts'
import { claimClassOf } from '../kube/storage.ts'
import { keyOf } from './_util.ts'
import type { ControllerCaches, ObservedChange } from './caches.ts'
import type { ChangeMarks } from './change-marks.ts'
import { objectItem } from './work-item.ts'

/** Work item names: `volumeclaim:<namespace>/<name>`, `volume:<name>`. */
export const claimItem = (claim: PersistentVolumeClaim): string => objectItem('volumeclaim', keyOf(claim.metadata))
export const volumeItem = (name: string): string => objectItem('volume', name)

export function volumeMarks(change: ObservedChange, caches: ControllerCaches): ChangeMarks | undefined {
  switch (change.cache) {
    case 'persistentVolumeClaims': {
      const claim = change.object
      const volumes = caches.persistentVolumes.list().filter((pv) => pv.spec.claimRef?.uid === claim.metadata.uid || pv.metadata.name === claim.spec.volumeName)
      return marks([...(change.type === 'DELETED' ? [] : [claimItem(claim)]), ...volumes.map((pv) => volumeItem(pv.metadata.name ?? ''))])
    }
    case 'persistentVolumes': {
      const ref = change.object.spec.claimRef
      const claim = ref?.name === undefined ? [] : [objectItem('volumeclaim', `${ref.namespace ?? 'default'}/${ref.name}`)]
      return marks([...(change.type === 'DELETED' ? [] : [volumeItem(change.object.metadata.name ?? '')]), ...claim])
    }
    case 'storageClasses': {
      if (change.type === 'DELETED') return undefined
      const name = change.object.metadata.name ?? ''
      return marks(caches.persistentVolumeClaims.list().filter((c) => !c.spec.volumeName && claimClassOf(c) === name).map(claimItem))
    }
    default:
      return undefined
  }
}

const marks = (items: readonly string[]): ChangeMarks | undefined => (items.length === 0 ? undefined : { items, wholeCluster: false, graph: false })
