/**
 * VolumeBinding (plugins/volumebinding), for the claims a pod's volumes name:
 *
 *   PreFilter  a claim that does not exist, or is being deleted, rejects the pod on every node
 *              (`persistentvolumeclaim "x" not found`); an unbound claim whose class binds
 *              Immediately (or that has no class) is not this cycle's to bind: `pod has unbound
 *              immediate PersistentVolumeClaims`. No claims: Skip.
 *   Filter     a bound claim's volume must exist and its required node affinity match the node
 *              (a local volume lives on one node); an unbound WaitForFirstConsumer claim fits
 *              anywhere (its provisioner makes the volume where the pod goes).
 *   Reserve    notes the WaitForFirstConsumer claims whose `volume.kubernetes.io/selected-node`
 *              is not the chosen node: the runtime annotates them before the binding
 *              (`claimsToSelect`), which starts their provisioning there.
 *
 * Unlike kube-scheduler, the pod is bound without waiting for its volumes to be provisioned (the
 * kubelet waits for its claims to be Bound before it starts the pod).
 */
import type { PersistentVolumeClaim } from '../../../kube/apps.ts'
import { claimClassOf, podClaimNames, SELECTED_NODE_ANNOTATION, type PersistentVolume } from '../../../kube/storage.ts'
import type { CycleState } from '../../framework/cycle-state.ts'
import type { FilterPlugin, PreFilterPlugin, ReservePlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import type { Snapshot } from '../../framework/snapshot.ts'
import { errorStatus, sharedRejection, skip, unresolvable, type Result } from '../../framework/status.ts'
import { nodeSelectorTermMatches } from '../node-affinity/node-affinity.ts'

export const NAME = 'VolumeBinding'
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims'
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict'
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)'
const NODE_CONFLICT = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON_NODE_CONFLICT)
const PV_NOT_EXIST = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON_PV_NOT_EXIST)

interface PodVolumes {
  /** The volumes of the pod's bound claims (undefined: the claim names a volume that is not there). */
  readonly boundVolumes: readonly (PersistentVolume | undefined)[]
  /** Unbound claims of WaitForFirstConsumer classes. */
  readonly delayed: readonly PersistentVolumeClaim[]
  /** Set by Reserve: the delayed claims to annotate with the chosen node. */
  toSelect?: readonly string[]
}

function preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Result {
  const names = podClaimNames(pod.pod)
  if (names.length === 0) return skip()
  const lister = snapshot.volumes
  const boundVolumes: (PersistentVolume | undefined)[] = []
  const delayed: PersistentVolumeClaim[] = []
  let immediate = false
  for (const name of names) {
    const claim = lister.claim(pod.namespace, name)
    if (claim === undefined) return unresolvable(`persistentvolumeclaim "${name}" not found`)
    if (claim.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`)
    const volumeName = claim.spec.volumeName ?? ''
    if (volumeName !== '') {
      boundVolumes.push(lister.volume(volumeName))
      continue
    }
    const className = claimClassOf(claim)
    const cls = className === '' ? undefined : lister.storageClass(className)
    if (cls?.volumeBindingMode === 'WaitForFirstConsumer') delayed.push(claim)
    else immediate = true
  }
  if (immediate) return unresolvable(ERR_REASON_UNBOUND_IMMEDIATE)
  state.write(NAME, { boundVolumes, delayed } satisfies PodVolumes)
  return undefined
}

/** Whether a volume's required node affinity lets it be used on the node (none: anywhere). */
export function volumeFitsNode(volume: PersistentVolume, node: NodeInfo): boolean {
  const terms = volume.spec.nodeAffinity?.required?.nodeSelectorTerms
  if (terms === undefined) return true
  const labels = node.node?.metadata.labels ?? {}
  return terms.some((term) => nodeSelectorTermMatches(term, labels, node.name))
}

function filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Result {
  const pv = state.read<PodVolumes>(NAME)
  if (pv === undefined) return errorStatus('VolumeBinding: no PreFilter state')
  for (const volume of pv.boundVolumes) {
    if (volume === undefined) return PV_NOT_EXIST
    if (!volumeFitsNode(volume, node)) return NODE_CONFLICT
  }
  return undefined
}

function reserve(state: CycleState, _pod: PodInfo, nodeName: string): Result {
  const pv = state.read<PodVolumes>(NAME)
  if (pv !== undefined) pv.toSelect = pv.delayed.filter((c) => c.metadata.annotations?.[SELECTED_NODE_ANNOTATION] !== nodeName).map((c) => c.metadata.name ?? '')
  return undefined
}

/** The claims (of the pod's namespace) to annotate with the chosen node before binding the pod. */
export function claimsToSelect(state: CycleState): readonly string[] {
  return state.read<PodVolumes>(NAME)?.toSelect ?? []
}

export function newVolumeBinding(): PreFilterPlugin & FilterPlugin & ReservePlugin {
  return {
    name: NAME,
    preFilter,
    filter,
    reserve,
    unreserve(state) {
      const pv = state.read<PodVolumes>(NAME)
      if (pv !== undefined) pv.toSelect = []
    },
  }
}
