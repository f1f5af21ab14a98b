/**
 * One claim's pass of the volume binder and the local provisioner (Kubernetes' PV controller
 * syncClaim plus an external provisioner, for StorageClasses whose provisioner is
 * `actorkube.io/local`):
 *
 *   1. an unbound claim of a local class whose node is chosen (the scheduler's
 *      `volume.kubernetes.io/selected-node`, WaitForFirstConsumer) gets a PersistentVolume
 *      `pvc-<claim uid>`: a `local` directory `<node's volume dir>/pvc-<uid>`, node affinity to
 *      that node, the class's reclaim policy, and a claimRef to the claim;
 *   2. a claim some PersistentVolume's claimRef names (by uid) gets `spec.volumeName` (and the
 *      bind-completed / bound-by-controller annotations);
 *   3. a claim with its volumeName gets status Bound with the volume's capacity and access modes;
 *      a Bound claim whose volume is gone is Lost.
 *
 * One write per pass: each write changes the claim (or makes the volume), and that change brings
 * the next pass. Claims of other provisioners, without a class, or without a selected node wait
 * (a WaitForFirstConsumer one with the event `WaitForFirstConsumer`, as Kubernetes').
 */
import type { PersistentVolumeClaim } from '../kube/apps.ts'
import type { Node } from '../kube/objects.ts'
import {
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  claimClassOf,
  LOCAL_PROVISIONER,
  NODE_VOLUME_DIR_ANNOTATION,
  PROVISIONED_BY_ANNOTATION,
  SELECTED_NODE_ANNOTATION,
  type ClaimStatus,
  type PersistentVolume,
  type StorageClass,
} from '../kube/storage.ts'
import { collectionPath, eventAction, pathOf, type Action, type EventAction, type TypeMeta } from './actions.ts'
import { isDeleting } from './_util.ts'
import { PERSISTENT_VOLUME_CLAIM } from './statefulset.ts'

export const PERSISTENT_VOLUME: TypeMeta = { apiVersion: 'v1', kind: 'PersistentVolume' }
export const PROVISIONER_COMPONENT = 'persistentvolume-controller'
/** Where a node that did not say (a hollow node) keeps its volumes. */
export const DEFAULT_VOLUME_DIR = '/var/lib/actorkube/volumes'

export interface ClaimInput {
  readonly claim: PersistentVolumeClaim
  /** Every PersistentVolume (by name). */
  readonly volumes: { get(name: string): PersistentVolume | undefined; list(): readonly PersistentVolume[] }
  readonly classes: { get(name: string): StorageClass | undefined }
  readonly nodes: { get(name: string): Node | undefined }
}

/** Kubernetes' name for a provisioned volume. */
export const provisionedVolumeName = (claim: PersistentVolumeClaim): string => `pvc-${claim.metadata.uid ?? ''}`

export function reconcileClaim(input: ClaimInput, now: number): { readonly actions: Action[] } {
  const { claim, volumes } = input
  if (isDeleting(claim.metadata)) return { actions: [] }
  const volumeName = claim.spec.volumeName ?? ''
  if (volumeName !== '') return { actions: boundClaimStatus(claim, volumes.get(volumeName)) }
  const claimed = volumes.list().find((pv) => pv.spec.claimRef?.uid !== undefined && pv.spec.claimRef.uid === claim.metadata.uid)
  if (claimed !== undefined) return { actions: [bindClaim(claim, claimed)] }
  return { actions: provision(input, now) }
}

function boundClaimStatus(claim: PersistentVolumeClaim, volume: PersistentVolume | undefined): Action[] {
  const phase = claim.status?.phase
  if (volume === undefined) return phase === 'Bound' ? [claimStatus(claim, { phase: 'Lost' })] : []
  if (volume.spec.claimRef?.uid !== claim.metadata.uid || phase === 'Bound') return []
  return [claimStatus(claim, { phase: 'Bound', accessModes: volume.spec.accessModes ?? [], capacity: volume.spec.capacity ?? {} })]
}

const claimStatus = (claim: PersistentVolumeClaim, status: ClaimStatus): Action => ({
  type: 'updateStatus',
  path: pathOf(PERSISTENT_VOLUME_CLAIM, claim, 'status'),
  object: { ...PERSISTENT_VOLUME_CLAIM, ...claim, status } as PersistentVolumeClaim,
})

function bindClaim(claim: PersistentVolumeClaim, volume: PersistentVolume): Action {
  const annotations = { ...claim.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: 'yes', [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' }
  const object = { ...PERSISTENT_VOLUME_CLAIM, ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: volume.metadata.name ?? '' } }
  return { type: 'update', path: pathOf(PERSISTENT_VOLUME_CLAIM, claim), object }
}

function provision(input: ClaimInput, now: number): Action[] {
  const { claim } = input
  const className = claimClassOf(claim)
  const cls = className === '' ? undefined : input.classes.get(className)
  if (cls?.provisioner !== LOCAL_PROVISIONER) return []
  const nodeName = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION]
  if (nodeName === undefined || nodeName === '') {
    // What `kubectl describe pvc` shows a claim waiting for its first pod (the PV controller's event).
    const waiting = cls.volumeBindingMode === 'WaitForFirstConsumer'
    return waiting ? [claimEvent(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding', now)] : []
  }
  const node = input.nodes.get(nodeName)
  if (node === undefined) return [claimEvent(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": node "${nodeName}" not found`, now)]
  const volume = localVolume(claim, cls, node)
  const done = claimEvent(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata.name ?? ''}`, now)
  const failed = claimEvent(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": {error}`, now)
  return [{ type: 'create', path: collectionPath(PERSISTENT_VOLUME), object: volume, onSuccess: done, onFailure: failed }]
}

/** The volume provisioned for `claim` on `node`: a directory of its own there. */
export function localVolume(claim: PersistentVolumeClaim, cls: StorageClass, node: Node): PersistentVolume {
  const name = provisionedVolumeName(claim)
  const dir = node.metadata.annotations?.[NODE_VOLUME_DIR_ANNOTATION] ?? DEFAULT_VOLUME_DIR
  const hostname = node.metadata.labels?.['kubernetes.io/hostname'] ?? node.metadata.name ?? ''
  const { name: claimName, namespace, uid, resourceVersion } = claim.metadata
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PROVISIONER } },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.['storage'] ?? '0' },
      accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: cls.metadata.name ?? '',
      volumeMode: claim.spec.volumeMode ?? 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace, name: claimName, uid, resourceVersion },
      local: { path: `${dir.replace(/\/+$/, '')}/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
    },
  }
}

const claimEvent = (claim: PersistentVolumeClaim, eventType: 'Normal' | 'Warning', reason: string, message: string, now: number): EventAction =>
  eventAction({ type: PERSISTENT_VOLUME_CLAIM, object: claim, eventType, reason, message, component: PROVISIONER_COMPONENT, now })
