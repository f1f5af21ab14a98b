/**
 * The StatefulSet controller's reconcile step (k8s.io/kubernetes/pkg/controller/statefulset,
 * updateStatefulSet): pods with stable names `<set>-<ordinal>`, hostname = their name and
 * subdomain = spec.serviceName (so a headless Service gives each a DNS name), and a claim per
 * volumeClaimTemplate per ordinal, `<template>-<set>-<ordinal>`, that outlives the pod and every
 * scale down. OrderedReady makes ordinal i+1 only once 0..i are Running and Ready and removes
 * the highest ordinal first, one at a time; Parallel creates and deletes at once. A changed
 * template rolls out from the highest ordinal down to the partition, one pod at a time, each
 * replacement Ready before the next goes. Pure: (stateful set, pods, claims) -> actions.
 *
 * The revision is `<set>-<hash>` of the template (the `controller-revision-hash` label and the
 * status), each a ControllerRevision (controller-history.ts) when the input carries the
 * namespace's revisions.
 *
 * Differs from Kubernetes: a pod below the partition that is deleted comes back from the new template; rolling update
 * maxUnavailable is read as 1. persistentVolumeClaimRetentionPolicy (default Retain/Retain):
 * whenDeleted Delete makes the set an owner of its claims, whenScaled Delete makes a condemned
 * member the owner of its claims (instead of the set) before it is deleted; the garbage collector
 * does the rest. Owners are not taken off again when the policy goes back to Retain (Kubernetes does).
 */
import type { PersistentVolumeClaim, PodVolume, StatefulPodSpec, StatefulSet, StatefulSetStatus } from '../kube/apps.ts'
import { CONTROLLER_REVISION_HASH_LABEL, POD_INDEX_LABEL, STATEFULSET_POD_NAME_LABEL } from '../kube/apps.ts'
import type { OwnerReference, Pod } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { type Action, MERGE_PATCH_CONTENT_TYPE, POD, type TypeMeta, collectionPath, eventAction, pathOf } from './actions.ts'
import { claim, controllerOf, controllerRef, isDeleting, isPodAvailable, isPodReady } from './_util.ts'
import { computeHash } from './pod-template-hash.ts'
import { untilAvailable } from './availability.ts'
import { syncHistory } from './controller-history.ts'
import type { ControllerRevision } from '../kube/controller-revision.ts'

export const STATEFUL_SET: TypeMeta = { apiVersion: 'apps/v1', kind: 'StatefulSet' }
export const PERSISTENT_VOLUME_CLAIM: TypeMeta = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' }
export const STATEFUL_SET_COMPONENT = 'statefulset-controller'

export interface StatefulSetInput {
  readonly statefulSet: StatefulSet
  /** The pods of the set's namespace. */
  readonly pods: readonly Pod[]
  /** The PersistentVolumeClaims of the set's namespace. */
  readonly claims: readonly PersistentVolumeClaim[]
  /** The ControllerRevisions of the namespace; without them no history is kept. */
  readonly revisions?: readonly ControllerRevision[]
}

export interface StatefulSetResult {
  readonly actions: Action[]
  /** A Ready member becomes available (minReadySeconds) this much later: look again then. */
  readonly requeueAfterMs?: number
}

/** The `namespace/name` of the StatefulSet controlling `pod`, if one does. */
export function statefulSetKeyOf(pod: Pod): string | undefined {
  const ref = controllerOf(pod.metadata)
  return ref?.kind === 'StatefulSet' ? `${pod.metadata.namespace ?? ''}/${ref.name}` : undefined
}

/** The ordinal in a member's name (`web-2` of `web`: 2), or undefined when the pod is not named as a member. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  const prefix = `${setName}-`
  if (!podName.startsWith(prefix)) return undefined
  const rest = podName.slice(prefix.length)
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined
}

/** The revision name of the set's template: `<set>-<hash>`. */
export const statefulSetRevision = (set: StatefulSet): string => `${set.metadata.name ?? ''}-${computeHash(set.spec.template, set.status?.collisionCount ?? 0)}`

/** The claim of template `templateName` for ordinal `ordinal`: `<template>-<set>-<ordinal>`. */
export const claimName = (templateName: string, setName: string, ordinal: number): string => `${templateName}-${setName}-${ordinal}`

const revisionOf = (pod: Pod): string | undefined => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]
const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded'
/** isRunningAndReady: Running with Ready=True. */
const isHealthy = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod) && !isDeleting(pod.metadata)

export function reconcileStatefulSet(input: StatefulSetInput, now: number): StatefulSetResult {
  const set = input.statefulSet
  if (isDeleting(set.metadata)) return { actions: [] }
  const parsed = labelSelectorFromObject(set.spec.selector)
  if (!parsed.ok) return { actions: [] }
  const name = set.metadata.name ?? ''
  const claimed = claim(STATEFUL_SET, set, parsed.selector, POD, input.pods.filter((p) => ordinalOf(name, p.metadata.name ?? '') !== undefined))
  const run = new StatefulSetRun(set, claimed.owned, input.claims, now)
  run.sync()
  const wait = untilAvailable(claimed.owned.filter(isHealthy), set.spec.minReadySeconds ?? 0, now)
  const history = input.revisions === undefined ? [] : statefulSetHistory(set, claimed.owned, input.revisions)
  return { actions: [...claimed.actions, ...history, ...run.actions, ...run.statusAction()], ...(wait !== undefined ? { requeueAfterMs: wait } : {}) }
}

/** The set's revisions made current; its members' revisions and the status' current and update revisions are in use. */
function statefulSetHistory(set: StatefulSet, members: readonly Pod[], revisions: readonly ControllerRevision[]): Action[] {
  const inUse = new Set([...members.flatMap((p) => revisionOf(p) ?? []), ...[set.status?.currentRevision, set.status?.updateRevision].flatMap((r) => r ?? [])])
  const hash = computeHash(set.spec.template, set.status?.collisionCount ?? 0)
  return syncHistory({ ownerType: STATEFUL_SET, owner: set, hash, revisions, inUse })
}

/** One pass: the members by ordinal, and the actions collected. */
class StatefulSetRun {
  readonly actions: Action[] = []
  private readonly set: StatefulSet
  private readonly members: Map<number, Pod>
  private readonly claims: ReadonlyMap<string, PersistentVolumeClaim>
  private readonly now: number
  private readonly updateRevision: string
  private readonly start: number
  private readonly replicas: number
  private readonly ordered: boolean
  private seq = 0

  constructor(set: StatefulSet, pods: readonly Pod[], claims: readonly PersistentVolumeClaim[], now: number) {
    this.set = set
    this.now = now
    this.members = new Map(pods.map((p) => [ordinalOf(set.metadata.name ?? '', p.metadata.name ?? '') ?? -1, p]))
    this.claims = new Map(claims.map((c) => [c.metadata.name ?? '', c]))
    this.updateRevision = statefulSetRevision(set)
    this.start = set.spec.ordinals?.start ?? 0
    this.replicas = set.spec.replicas ?? 1
    this.ordered = (set.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady'
  }

  /** Creates, scale down, then the rolling update; OrderedReady stops at the first pod it must wait for. */
  sync(): void {
    if (!this.scaleUp()) return
    if (!this.scaleDown()) return
    this.rollingUpdate()
  }

  /** Every ordinal in range gets its claims and pod; a finished pod is deleted (made again next pass). Returns whether to go on. */
  private scaleUp(): boolean {
    let proceed = true
    for (let ordinal = this.start; ordinal < this.start + this.replicas; ordinal++) {
      const pod = this.members.get(ordinal)
      this.createMissingClaims(ordinal)
      if (pod === undefined) this.createPod(ordinal)
      else if (isFinished(pod) && !isDeleting(pod.metadata)) this.deletePod(pod)
      if (pod === undefined || !isHealthy(pod)) {
        proceed = false
        if (this.ordered) return false
      }
    }
    return proceed || !this.ordered
  }

  /** Ordinals beyond the range go, highest first: one at a time when ordered (after the one before is gone), all at once when Parallel. */
  private scaleDown(): boolean {
    const condemned = [...this.members.entries()].filter(([o]) => o < this.start || o >= this.start + this.replicas).sort(([a], [b]) => b - a)
    for (const [, pod] of condemned) {
      if (isDeleting(pod.metadata)) {
        if (this.ordered) return false
        continue
      }
      this.releaseClaimsTo(pod)
      this.deletePod(pod)
      if (this.ordered) return false
    }
    return condemned.length === 0
  }

  /** RollingUpdate: from the highest ordinal down to the partition, replace one old pod, and wait for each to be Ready. */
  private rollingUpdate(): void {
    if ((this.set.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return
    const partition = this.set.spec.updateStrategy?.rollingUpdate?.partition ?? 0
    for (let ordinal = this.start + this.replicas - 1; ordinal >= this.start + partition; ordinal--) {
      const pod = this.members.get(ordinal)
      if (pod === undefined) return
      if (revisionOf(pod) !== this.updateRevision && !isDeleting(pod.metadata)) return this.deletePod(pod)
      if (!isHealthy(pod)) return
    }
  }

  /**
   * persistentVolumeClaimRetentionPolicy.whenScaled Delete: a condemned member's claims get the pod
   * as an owner before it goes, so the garbage collector deletes them after it.
   */
  private releaseClaimsTo(pod: Pod): void {
    if (this.set.spec.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return
    const ordinal = ordinalOf(this.set.metadata.name ?? '', pod.metadata.name ?? '') ?? -1
    for (const t of this.set.spec.volumeClaimTemplates ?? []) {
      const claim = this.claims.get(claimName(t.metadata.name ?? '', this.set.metadata.name ?? '', ordinal))
      if (claim === undefined || claim.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue
      // Only the pod: with the set still an owner (whenDeleted Delete) the collector would keep the claim.
      this.actions.push(setOwners(claim, [...otherOwners(claim, this.set.metadata.uid), { ...controllerRef(POD, pod), controller: false }]))
    }
  }

  /** whenDeleted Delete: an existing claim of a member in range that lacks the set as an owner gets it. */
  private ownClaim(claim: PersistentVolumeClaim): void {
    if (this.set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted !== 'Delete') return
    if (claim.metadata.ownerReferences?.some((r) => r.uid === this.set.metadata.uid)) return
    this.actions.push(setOwners(claim, [...otherOwners(claim, this.set.metadata.uid), this.setOwner()]))
  }

  /** The set as a claim's (non-controller) owner. */
  private setOwner() {
    return { ...controllerRef(STATEFUL_SET, this.set), controller: false }
  }

  private createMissingClaims(ordinal: number): void {
    for (const t of this.set.spec.volumeClaimTemplates ?? []) {
      const name = claimName(t.metadata.name ?? '', this.set.metadata.name ?? '', ordinal)
      const existing = this.claims.get(name)
      if (existing !== undefined) {
        this.ownClaim(existing)
        continue
      }
      const deleteWithSet = this.set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete'
      const object: PersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: this.set.metadata.namespace,
          labels: { ...t.metadata.labels, ...this.set.spec.selector.matchLabels },
          ...(t.metadata.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
          ...(deleteWithSet ? { ownerReferences: [this.setOwner()] } : {}),
        },
        spec: t.spec,
      }
      const podName = `${this.set.metadata.name ?? ''}-${ordinal}`
      this.actions.push({
        type: 'create',
        path: collectionPath(PERSISTENT_VOLUME_CLAIM, this.set.metadata.namespace),
        object,
        onSuccess: this.event('Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${this.set.metadata.name ?? ''} success`),
        onFailure: this.event('Warning', 'FailedCreate', `create Claim ${name} for Pod ${podName} in StatefulSet ${this.set.metadata.name ?? ''} failed error: {error}`),
      })
    }
  }

  private createPod(ordinal: number): void {
    const pod = statefulPod(this.set, ordinal, this.updateRevision)
    const setName = this.set.metadata.name ?? ''
    this.actions.push({
      type: 'create',
      path: collectionPath(POD, this.set.metadata.namespace),
      object: pod,
      onSuccess: this.event('Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name ?? ''} in StatefulSet ${setName} successful`),
      onFailure: this.event('Warning', 'FailedCreate', `create Pod ${pod.metadata.name ?? ''} in StatefulSet ${setName} failed error: {error}`),
    })
  }

  private deletePod(pod: Pod): void {
    this.actions.push({
      type: 'delete',
      path: pathOf(POD, pod),
      preconditions: { uid: pod.metadata.uid ?? '' },
      onSuccess: this.event('Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name ?? ''} in StatefulSet ${this.set.metadata.name ?? ''} successful`),
    })
  }

  private event(eventType: 'Normal' | 'Warning', reason: string, message: string) {
    return eventAction({ type: STATEFUL_SET, object: this.set, eventType, reason, message, component: STATEFUL_SET_COMPONENT, now: this.now, seq: this.seq++ })
  }

  statusAction(): Action[] {
    const status = statefulSetStatus(this.set, [...this.members.values()], this.updateRevision, this.now)
    const old = this.set.status as Record<string, unknown> | undefined
    if (Object.entries(status).every(([k, v]) => old?.[k] === v)) return []
    return [{ type: 'updateStatus', path: pathOf(STATEFUL_SET, this.set, 'status'), object: { ...this.set, ...STATEFUL_SET, status } as StatefulSet }]
  }
}

/** A claim's owner references other than `uid`'s. */
const otherOwners = (claim: PersistentVolumeClaim, uid: string | undefined): OwnerReference[] => (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)

/** A merge patch of a claim's ownerReferences, on the condition that the claim is still as read. */
function setOwners(claim: PersistentVolumeClaim, owners: readonly OwnerReference[]): Action {
  return { type: 'patch', path: pathOf(PERSISTENT_VOLUME_CLAIM, claim), patchType: MERGE_PATCH_CONTENT_TYPE, body: { metadata: { ownerReferences: owners, ...(claim.metadata.resourceVersion ? { resourceVersion: claim.metadata.resourceVersion } : {}) } } }
}

/** The pod of `ordinal` (newVersionedStatefulSetPod): identity, revision label, claims as volumes. */
export function statefulPod(set: StatefulSet, ordinal: number, revision: string): Pod {
  const setName = set.metadata.name ?? ''
  const name = `${setName}-${ordinal}`
  const meta = set.spec.template.metadata ?? {}
  const claimVolumes: PodVolume[] = (set.spec.volumeClaimTemplates ?? []).map((t) => ({ name: t.metadata.name ?? '', persistentVolumeClaim: { claimName: claimName(t.metadata.name ?? '', setName, ordinal) } }))
  const spec = set.spec.template.spec as StatefulPodSpec
  const volumes = [...(spec.volumes ?? []).filter((v) => !claimVolumes.some((c) => c.name === v.name)), ...claimVolumes]
  const podSpec: StatefulPodSpec = { ...spec, hostname: name, ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}), ...(volumes.length > 0 ? { volumes } : {}) }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...meta.labels, [CONTROLLER_REVISION_HASH_LABEL]: revision, [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [controllerRef(STATEFUL_SET, set)],
    },
    spec: podSpec,
  }
}

/** The set's status from its members; a finished rolling update makes the update revision current. */
export function statefulSetStatus(set: StatefulSet, pods: readonly Pod[], updateRevision: string, now: number): StatefulSetStatus {
  const currentRevision = set.status?.currentRevision ?? updateRevision
  const minReadySeconds = set.spec.minReadySeconds ?? 0
  let ready = 0
  let available = 0
  let current = 0
  let updated = 0
  for (const pod of pods) {
    if (isHealthy(pod)) ready++
    if (isHealthy(pod) && isPodAvailable(pod, minReadySeconds, now)) available++
    if (isDeleting(pod.metadata)) continue
    if (revisionOf(pod) === currentRevision) current++
    if (revisionOf(pod) === updateRevision) updated++
  }
  const replicas = pods.length
  const rolledOut = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && updated === replicas && ready === replicas
  return {
    ...(set.metadata.generation !== undefined ? { observedGeneration: set.metadata.generation } : {}),
    replicas,
    readyReplicas: ready,
    availableReplicas: available,
    currentReplicas: rolledOut ? updated : current,
    updatedReplicas: updated,
    currentRevision: rolledOut ? updateRevision : currentRevision,
    updateRevision,
    collisionCount: set.status?.collisionCount ?? 0,
  }
}
