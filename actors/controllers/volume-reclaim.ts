/**
 * One PersistentVolume's pass of the volume binder (Kubernetes' PV controller syncVolume): its
 * phase follows its claimRef, and a volume whose claim is gone is reclaimed.
 *
 *   - no claimRef: Available;
 *   - its claim (same uid) names it in spec.volumeName: Bound;
 *   - its claim is gone (or was made again with another uid): with reclaim policy Delete the
 *     volume is deleted (uid precondition; the node's kubelet then removes the directory),
 *     otherwise it is Released and stays.
 *
 * The claims cache must be synced (or a live claim looks gone): the manager only runs this on a
 * synced cache.
 */
import type { PersistentVolumeClaim } from '../kube/apps.ts'
import type { PersistentVolume } from '../kube/storage.ts'
import { eventAction, pathOf, type Action } from './actions.ts'
import { PERSISTENT_VOLUME, PROVISIONER_COMPONENT } from './local-provisioner.ts'

export interface VolumeInput {
  readonly volume: PersistentVolume
  /** The claim its claimRef names (by namespace/name), if the cache has one. */
  readonly claim: PersistentVolumeClaim | undefined
}

export function reconcileVolume({ volume, claim }: VolumeInput, now: number): { readonly actions: Action[] } {
  if (volume.metadata.deletionTimestamp) return { actions: [] }
  const ref = volume.spec.claimRef
  const phase = volume.status?.phase
  if (ref === undefined) return { actions: phase === 'Available' ? [] : [volumeStatus(volume, 'Available')] }
  const live = claim !== undefined && (ref.uid === undefined || claim.metadata.uid === ref.uid)
  if (live) {
    const bound = claim.spec.volumeName === volume.metadata.name
    return { actions: bound && phase !== 'Bound' ? [volumeStatus(volume, 'Bound')] : [] }
  }
  if (volume.spec.persistentVolumeReclaimPolicy === 'Delete') {
    const message = `Deleted volume ${volume.metadata.name ?? ''}: its claim ${ref.namespace ?? ''}/${ref.name ?? ''} is gone`
    const deleted = eventAction({ type: PERSISTENT_VOLUME, object: volume, eventType: 'Normal', reason: 'VolumeDelete', message, component: PROVISIONER_COMPONENT, now })
    return { actions: [{ type: 'delete', path: pathOf(PERSISTENT_VOLUME, volume), preconditions: { uid: volume.metadata.uid ?? '' }, onSuccess: deleted }] }
  }
  return { actions: phase === 'Released' ? [] : [volumeStatus(volume, 'Released')] }
}

const volumeStatus = (volume: PersistentVolume, phase: string): Action => ({
  type: 'updateStatus',
  path: pathOf(PERSISTENT_VOLUME, volume, 'status'),
  object: { ...PERSISTENT_VOLUME, ...volume, status: { phase } } as PersistentVolume,
})
