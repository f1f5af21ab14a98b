/**
 * The Deployment controller's reconcile step (k8s.io/kubernetes/pkg/controller/deployment):
 * claim replica sets, find or create the new one (named `<deployment>-<pod-template-hash>`),
 * roll out by RollingUpdate (maxSurge / maxUnavailable) or Recreate, scale proportionally on
 * a resize, clean up old replica sets past revisionHistoryLimit, and write the status with the
 * Available and Progressing conditions `kubectl rollout status` reads.
 *
 * Kubernetes makes several API calls in one sync and feeds each result to the next step; here
 * every step works on in-memory copies and the writes come out at the end, one per object:
 * adoptions, the new replica set's create, replica set updates, deletes, the Deployment's
 * status, the Deployment's revision annotation (a patch, since a status write keeps
 * metadata), then events.
 */
import type { Condition, Deployment, DeploymentStatus, Pod, ReplicaSet } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { semanticEqual } from '../apiserver/meta/object-meta.ts'
import {
  type Action,
  DEPLOYMENT,
  type EventAction,
  MERGE_PATCH_CONTENT_TYPE,
  REPLICA_SET,
  collectionPath,
  eventAction,
  pathOf,
} from './actions.ts'
import { byCreation, claim, conditionOf, controllerOf, controllerRef, isDeleting, timeOf, timestamp } from './_util.ts'
import { POD_TEMPLATE_HASH_LABEL, computeHash } from './pod-template-hash.ts'

export const DEPLOYMENT_COMPONENT = 'deployment-controller'

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision'
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas'
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas'
const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history'
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
])

/** Condition reasons (deployment/util). */
export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const

export interface DeploymentCondition extends Condition {
  readonly lastUpdateTime?: string
}

export interface DeploymentStatusWithCollisions extends DeploymentStatus {
  readonly collisionCount?: number
  readonly conditions?: readonly DeploymentCondition[]
}

export interface DeploymentConfig {
  readonly component?: string
}

export interface DeploymentInput {
  readonly deployment: Deployment
  /** The replica sets of the deployment's namespace (informer view). */
  readonly replicaSets: readonly ReplicaSet[]
  /** The pods of the deployment's namespace: Recreate waits until the old replica sets' pods are gone. */
  readonly pods: readonly Pod[]
}

export interface DeploymentResult {
  readonly actions: Action[]
  /** Reconcile again after this many ms (to notice the progress deadline). */
  readonly requeueAfterMs?: number
}

/** intstr.GetScaledValueFromIntOrPercent: `3`, `"3"` or `"25%"` of `total`, rounded up or down. */
export function scaledValue(value: number | string | undefined, fallback: string, total: number, roundUp: boolean): number {
  const v = value ?? fallback
  if (typeof v === 'number') return v
  if (v.endsWith('%')) {
    const pct = Number(v.slice(0, -1))
    if (!Number.isFinite(pct)) throw new RangeError(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`)
    return roundUp ? Math.ceil((pct * total) / 100) : Math.floor((pct * total) / 100)
  }
  const n = Number(v)
  if (!Number.isInteger(n)) throw new RangeError(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`)
  return n
}

const replicasOf = (d: Deployment): number => d.spec.replicas ?? 1
const isRolling = (d: Deployment): boolean => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'

/** deploymentutil.ResolveFenceposts: [maxSurge, maxUnavailable] (surge rounds up, unavailable down; never both 0). */
export function resolveFenceposts(d: Deployment): [number, number] {
  const ru = d.spec.strategy?.rollingUpdate
  const desired = replicasOf(d)
  const surge = scaledValue(ru?.maxSurge, '25%', desired, true)
  const unavailable = scaledValue(ru?.maxUnavailable, '25%', desired, false)
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable]
}

const maxSurge = (d: Deployment): number => (isRolling(d) ? resolveFenceposts(d)[0] : 0)
function maxUnavailable(d: Deployment): number {
  if (!isRolling(d) || replicasOf(d) === 0) return 0
  return Math.min(resolveFenceposts(d)[1], replicasOf(d))
}

const rsReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 1
const sum = (rss: readonly ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + f(rs), 0)
const revisionOf = (rs: ReplicaSet): number => {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0')
  return Number.isFinite(n) ? n : 0
}
const hasProgressDeadline = (d: Deployment): boolean => (d.spec.progressDeadlineSeconds ?? 600) !== 2147483647
const progressDeadlineMs = (d: Deployment): number => (d.spec.progressDeadlineSeconds ?? 600) * 1000

function withoutHash(template: ReplicaSet['spec']['template']): unknown {
  const labels = { ...(template.metadata?.labels ?? {}) }
  delete labels[POD_TEMPLATE_HASH_LABEL]
  return { ...template, metadata: { ...(template.metadata ?? {}), labels } }
}

/** deploymentutil.EqualIgnoreHash. */
export const equalIgnoreHash = (a: ReplicaSet['spec']['template'], b: ReplicaSet['spec']['template']): boolean => semanticEqual(withoutHash(a), withoutHash(b))

interface Ctx {
  readonly d: Deployment
  readonly now: number
  readonly component: string
  /** Owned replica sets, updated in place as steps scale them. */
  rss: ReplicaSet[]
  readonly changed: Set<string>
  created?: ReplicaSet
  readonly deletes: ReplicaSet[]
  status: DeploymentStatusWithCollisions
  revision?: string
  readonly events: EventAction[]
  /** Stop after the status write (a hash collision). */
  halt: boolean
  /** Every replica set name in the namespace (a new name that is taken is a hash collision). */
  readonly names: ReadonlySet<string>
}

const nameOf = (rs: ReplicaSet): string => rs.metadata.name ?? ''

function event(ctx: Ctx, reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal'): void {
  ctx.events.push(eventAction({ type: DEPLOYMENT, object: ctx.d, eventType, reason, message, component: ctx.component, now: ctx.now, seq: ctx.events.length }))
}

function replace(ctx: Ctx, rs: ReplicaSet): ReplicaSet {
  if (ctx.created !== undefined && nameOf(ctx.created) === nameOf(rs)) {
    ctx.created = rs
  } else {
    ctx.rss = ctx.rss.map((r) => (nameOf(r) === nameOf(rs) ? rs : r))
    ctx.changed.add(nameOf(rs))
  }
  return rs
}

/** Sets the desired/max replicas annotations; returns the (possibly) new annotations and whether they changed. */
function replicasAnnotations(rs: ReplicaSet, desired: number, max: number): { annotations: Record<string, string>; changed: boolean } {
  const a = { ...(rs.metadata.annotations ?? {}) }
  const changed = a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max)
  a[DESIRED_REPLICAS_ANNOTATION] = String(desired)
  a[MAX_REPLICAS_ANNOTATION] = String(max)
  return { annotations: a, changed }
}

/** scaleReplicaSetAndRecordEvent. Returns the replica set as it now is. */
function scale(ctx: Ctx, rs: ReplicaSet, newScale: number): ReplicaSet {
  const { d } = ctx
  const sizeChanged = rsReplicas(rs) !== newScale
  const ann = replicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))
  if (!sizeChanged && !ann.changed) return rs
  const next: ReplicaSet = { ...rs, metadata: { ...rs.metadata, annotations: ann.annotations }, spec: { ...rs.spec, replicas: newScale } }
  if (sizeChanged) {
    const op = rsReplicas(rs) < newScale ? 'up' : 'down'
    event(ctx, 'ScalingReplicaSet', `Scaled ${op} replica set ${nameOf(rs)} to ${newScale}`)
  }
  return replace(ctx, next)
}

/** deploymentutil.NewRSNewReplicas. */
function newRSNewReplicas(d: Deployment, all: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRolling(d)) return replicasOf(d)
  const current = sum(all, rsReplicas)
  const maxTotal = replicasOf(d) + maxSurge(d)
  if (current >= maxTotal) return rsReplicas(newRS)
  const up = Math.min(maxTotal - current, replicasOf(d) - rsReplicas(newRS))
  return rsReplicas(newRS) + up
}

function setCondition(ctx: Ctx, type: string, status: Condition['status'], reason: string, message: string, keepTransition = true): void {
  const time = timestamp(ctx.now)
  const conditions = [...(ctx.status.conditions ?? [])]
  const i = conditions.findIndex((c) => c.type === type)
  const old = i < 0 ? undefined : conditions[i]
  // SetDeploymentCondition: same status and reason -> nothing changes.
  if (old !== undefined && old.status === status && old.reason === reason && keepTransition) return
  const cond: DeploymentCondition = {
    type,
    status,
    lastUpdateTime: time,
    lastTransitionTime: old !== undefined && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : time,
    reason,
    message,
  }
  if (i < 0) conditions.push(cond)
  else conditions[i] = cond
  ctx.status = { ...ctx.status, conditions }
}

function removeCondition(ctx: Ctx, type: string): void {
  if (!ctx.status.conditions?.some((c) => c.type === type)) return
  ctx.status = { ...ctx.status, conditions: ctx.status.conditions.filter((c) => c.type !== type) }
}

/**
 * getNewReplicaSet: the replica set whose template equals the deployment's (ignoring the
 * hash label); its revision annotation is synced. With `create`, a missing one is created
 * with `NewRSNewReplicas` replicas.
 */
function getNewReplicaSet(ctx: Ctx, create: boolean): ReplicaSet | undefined {
  const { d } = ctx
  const sorted = [...ctx.rss].sort(byCreation)
  const existing = sorted.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template))
  const olds = ctx.rss.filter((rs) => rs !== existing)
  const newRevision = String(Math.max(0, ...olds.map(revisionOf)) + 1)
  if (existing !== undefined) {
    const annotations = copiedAnnotations(d, existing)
    let changed = !semanticEqual(annotations, existing.metadata.annotations ?? {})
    if (revisionOf(existing) < Number(newRevision)) {
      annotations[REVISION_ANNOTATION] = newRevision
      changed = true
    }
    const minReady = d.spec.minReadySeconds ?? 0
    let rs = existing
    if (changed || (existing.spec.minReadySeconds ?? 0) !== minReady) {
      rs = replace(ctx, { ...existing, metadata: { ...existing.metadata, annotations }, spec: { ...existing.spec, minReadySeconds: minReady } })
    }
    const rev = rs.metadata.annotations?.[REVISION_ANNOTATION]
    if (rev !== undefined) ctx.revision = rev
    if (hasProgressDeadline(d) && conditionOf(ctx.status.conditions, 'Progressing') === undefined) {
      setCondition(ctx, 'Progressing', 'True', REASON.foundNewRS, `Found new replica set "${nameOf(rs)}"`)
    }
    return rs
  }
  if (!create) return undefined

  const hash = computeHash(d.spec.template, ctx.status.collisionCount)
  const name = `${d.metadata.name ?? ''}-${hash}`
  if (ctx.names.has(name)) {
    // A replica set with this name and another template: count the collision, hash again next time.
    ctx.status = { ...ctx.status, collisionCount: (ctx.status.collisionCount ?? 0) + 1 }
    ctx.halt = true
    return undefined
  }
  const labels = { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash }
  const template = { ...d.spec.template, metadata: { ...(d.spec.template.metadata ?? {}), labels } }
  const selector = { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } }
  const draft: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: d.metadata.namespace, labels, ownerReferences: [controllerRef(DEPLOYMENT, d)] },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  }
  const replicas = newRSNewReplicas(d, [...ctx.rss, draft], draft)
  const annotations = copiedAnnotations(d, draft)
  annotations[REVISION_ANNOTATION] = newRevision
  annotations[DESIRED_REPLICAS_ANNOTATION] = String(replicasOf(d))
  annotations[MAX_REPLICAS_ANNOTATION] = String(replicasOf(d) + maxSurge(d))
  const rs: ReplicaSet = { ...draft, metadata: { ...draft.metadata, annotations }, spec: { ...draft.spec, replicas } }
  ctx.created = rs
  if (replicas > 0) event(ctx, 'ScalingReplicaSet', `Scaled up replica set ${name} to ${replicas}`)
  ctx.revision = newRevision
  if (hasProgressDeadline(d)) setCondition(ctx, 'Progressing', 'True', REASON.newRSCreated, `Created new replica set "${name}"`)
  return rs
}

function copiedAnnotations(d: Deployment, rs: ReplicaSet): Record<string, string> {
  const a = { ...(rs.metadata.annotations ?? {}) }
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) a[k] = v
  return a
}

/** calculateStatus + the Available condition. */
function calculateStatus(ctx: Ctx, all: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
  const { d } = ctx
  const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0)
  const total = sum(all, rsReplicas)
  ctx.status = {
    ...ctx.status,
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS === undefined ? 0 : (newRS.status?.replicas ?? 0),
    readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  }
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(ctx, 'Available', 'True', REASON.minimumAvailable, 'Deployment has minimum availability.')
  else setCondition(ctx, 'Available', 'False', REASON.minimumUnavailable, 'Deployment does not have minimum availability.')
}

/** deploymentutil.DeploymentComplete. */
function complete(d: Deployment, s: DeploymentStatus): boolean {
  const n = replicasOf(d)
  return s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
}

/** syncRolloutStatus: the status plus the Progressing condition. */
function syncRolloutStatus(ctx: Ctx, all: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
  const { d, now } = ctx
  calculateStatus(ctx, all, newRS)
  if (!hasProgressDeadline(d)) {
    removeCondition(ctx, 'Progressing')
    return
  }
  // The condition as this pass has it so far (Kubernetes' d.Status after getNewReplicaSet and checkPausedConditions).
  const current = conditionOf(ctx.status.conditions, 'Progressing')
  const s = ctx.status
  const isComplete = s.replicas === s.updatedReplicas && current?.reason === REASON.newRSAvailable
  if (isComplete) return
  const old = d.status ?? {}
  const what = newRS !== undefined ? `ReplicaSet "${nameOf(newRS)}"` : `Deployment "${d.metadata.name ?? ''}"`
  const progressing =
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    (s.replicas ?? 0) - (s.updatedReplicas ?? 0) < (old.replicas ?? 0) - (old.updatedReplicas ?? 0) ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  if (complete(d, s)) {
    setCondition(ctx, 'Progressing', 'True', REASON.newRSAvailable, `${what} has successfully progressed.`)
  } else if (progressing) {
    // Always refreshed (lastUpdateTime moves), keeping lastTransitionTime while it stays True.
    setCondition(ctx, 'Progressing', 'True', REASON.rsUpdated, `${what} is progressing.`, false)
  } else if (timedOut(d, ctx.status, now)) {
    setCondition(ctx, 'Progressing', 'False', REASON.timedOut, `${what} has timed out progressing.`)
  }
}

/** deploymentutil.DeploymentTimedOut. */
function timedOut(d: Deployment, s: DeploymentStatusWithCollisions, now: number): boolean {
  if (!hasProgressDeadline(d)) return false
  const c = conditionOf(s.conditions, 'Progressing')
  if (c === undefined || c.reason === REASON.newRSAvailable) return false
  if (c.reason === REASON.timedOut) return true
  const from = timeOf(c.lastUpdateTime)
  return from !== undefined && from + progressDeadlineMs(d) < now
}

const active = (rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => rs !== undefined && rsReplicas(rs) > 0)

/** cleanupDeployment: delete the oldest zero-replica replica sets beyond revisionHistoryLimit. */
function cleanup(ctx: Ctx, olds: readonly ReplicaSet[]): void {
  const limit = ctx.d.spec.revisionHistoryLimit ?? 10
  const alive = olds.filter((rs) => !isDeleting(rs.metadata))
  const diff = alive.length - limit
  if (diff <= 0) return
  const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b))
  for (const rs of sorted.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || ctx.changed.has(nameOf(rs))) continue
    if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue
    ctx.deletes.push(rs)
  }
}

const olds = (ctx: Ctx, newRS: ReplicaSet | undefined): ReplicaSet[] => ctx.rss.filter((rs) => newRS === undefined || nameOf(rs) !== nameOf(newRS))
const current = (ctx: Ctx, rs: ReplicaSet): ReplicaSet => ctx.rss.find((r) => nameOf(r) === nameOf(rs)) ?? (ctx.created && nameOf(ctx.created) === nameOf(rs) ? ctx.created : rs)
const all = (ctx: Ctx, newRS: ReplicaSet | undefined): ReplicaSet[] => (newRS === undefined ? [...ctx.rss] : [...olds(ctx, newRS), current(ctx, newRS)])

function rolloutRolling(ctx: Ctx): void {
  const { d } = ctx
  let newRS = getNewReplicaSet(ctx, true)
  if (ctx.halt) return
  // reconcileNewReplicaSet
  if (newRS !== undefined) {
    newRS = current(ctx, newRS)
    if (rsReplicas(newRS) !== replicasOf(d)) {
      const target = rsReplicas(newRS) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, all(ctx, newRS), newRS)
      const scaled = scale(ctx, newRS, target)
      if (rsReplicas(scaled) !== rsReplicas(newRS)) return syncRolloutStatus(ctx, all(ctx, scaled), scaled)
    }
  }
  // reconcileOldReplicaSets
  if (newRS !== undefined && reconcileOld(ctx, newRS)) return syncRolloutStatus(ctx, all(ctx, newRS), current(ctx, newRS))
  const allRSs = all(ctx, newRS)
  if (complete(d, d.status ?? {})) cleanup(ctx, olds(ctx, newRS))
  syncRolloutStatus(ctx, allRSs, newRS && current(ctx, newRS))
}

function reconcileOld(ctx: Ctx, newRS: ReplicaSet): boolean {
  const { d } = ctx
  const oldRSs = olds(ctx, newRS)
  if (sum(oldRSs, rsReplicas) === 0) return false
  const nRS = current(ctx, newRS)
  const minAvailable = replicasOf(d) - maxUnavailable(d)
  const newUnavailable = rsReplicas(nRS) - (nRS.status?.availableReplicas ?? 0)
  const maxScaledDown = sum(all(ctx, nRS), rsReplicas) - minAvailable - newUnavailable
  if (maxScaledDown <= 0) return false
  let total = 0
  // cleanupUnhealthyReplicas: old replicas that are not available go first.
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxScaledDown) break
    if (rsReplicas(rs) === 0 || rsReplicas(rs) === (rs.status?.availableReplicas ?? 0)) continue
    const down = Math.min(maxScaledDown - total, rsReplicas(rs) - (rs.status?.availableReplicas ?? 0))
    scale(ctx, rs, rsReplicas(rs) - down)
    total += down
  }
  // scaleDownOldReplicaSetsForRollingUpdate: never below minAvailable available pods.
  const availableCount = sum(all(ctx, nRS), (rs) => rs.status?.availableReplicas ?? 0)
  if (availableCount > minAvailable) {
    const toScaleDown = availableCount - minAvailable
    let scaled = 0
    for (const old of [...olds(ctx, nRS)].sort(byCreation)) {
      if (scaled >= toScaleDown) break
      if (rsReplicas(old) === 0) continue
      const down = Math.min(rsReplicas(old), toScaleDown - scaled)
      scale(ctx, old, rsReplicas(old) - down)
      scaled += down
    }
    total += scaled
  }
  return total > 0
}

function rolloutRecreate(ctx: Ctx, pods: readonly Pod[]): void {
  const { d } = ctx
  let newRS = getNewReplicaSet(ctx, false)
  const oldRSs = olds(ctx, newRS)
  const activeOld = active(oldRSs)
  if (activeOld.length > 0) {
    for (const rs of activeOld) scale(ctx, rs, 0)
    return syncRolloutStatus(ctx, all(ctx, newRS), newRS && current(ctx, newRS))
  }
  // oldPodsRunning: wait until the old replica sets' pods are gone.
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid))
  const running =
    sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0 ||
    pods.some((p) => {
      const ref = controllerOf(p.metadata)
      return ref !== undefined && oldUids.has(ref.uid) && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded'
    })
  if (running) return syncRolloutStatus(ctx, all(ctx, newRS), newRS && current(ctx, newRS))
  if (newRS === undefined) {
    newRS = getNewReplicaSet(ctx, true)
    if (ctx.halt || newRS === undefined) return
  }
  newRS = scale(ctx, current(ctx, newRS), replicasOf(d))
  if (complete(d, d.status ?? {})) cleanup(ctx, olds(ctx, newRS))
  syncRolloutStatus(ctx, all(ctx, newRS), newRS)
}

/** deploymentutil.IsSaturated. */
const saturated = (d: Deployment, rs: ReplicaSet | undefined): boolean =>
  rs !== undefined &&
  rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(replicasOf(d)) &&
  (rs.status?.availableReplicas ?? 0) === replicasOf(d) &&
  rsReplicas(rs) === replicasOf(d)

/** scale(): a resize (or a paused deployment) -- the one active replica set, or proportionally. */
function scaleDeployment(ctx: Ctx, newRS: ReplicaSet | undefined): void {
  const { d } = ctx
  const oldRSs = olds(ctx, newRS).sort((a, b) => byCreation(b, a))
  const actives = active([...oldRSs, newRS])
  if (newRS !== undefined || oldRSs.length > 0) {
    const only = actives.length === 0 ? (newRS ?? oldRSs[0]) : actives.length === 1 ? actives[0] : undefined
    if (only !== undefined) {
      if (rsReplicas(only) !== replicasOf(d)) scale(ctx, only, replicasOf(d))
      return
    }
  }
  if (saturated(d, newRS)) {
    for (const rs of active(oldRSs)) scale(ctx, rs, 0)
    return
  }
  if (!isRolling(d) || actives.length === 0) return
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0
  // Nothing to add still goes through scale(): the replica sets' desired-replicas annotations
  // must follow spec.replicas, or every later sync is a scaling event and the rollout never goes
  // on (simulation seed 2100: scaled from 4 to 3 mid-rollout with exactly 3 + maxSurge pods).
  const toAdd = allowed - sum(actives, rsReplicas)
  // Largest first; newer first on ties when growing, older first when shrinking.
  const ordered = [...actives].sort((a, b) => rsReplicas(b) - rsReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)))
  const sizes = new Map<string, number>()
  let added = 0
  for (const rs of ordered) {
    let proportion = 0
    if (rsReplicas(rs) !== 0 && toAdd !== added) {
      const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] ?? d.status?.replicas ?? 0) || 1
      const fraction = replicasOf(d) === 0 ? -rsReplicas(rs) : Math.round((rsReplicas(rs) * allowed) / annotated) - rsReplicas(rs)
      const left = toAdd - added
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left)
    }
    sizes.set(nameOf(rs), rsReplicas(rs) + proportion)
    added += proportion
  }
  const first = ordered[0]
  if (first !== undefined && added !== toAdd) sizes.set(nameOf(first), Math.max(0, (sizes.get(nameOf(first)) ?? 0) + toAdd - added))
  for (const rs of ordered) scale(ctx, rs, sizes.get(nameOf(rs)) ?? rsReplicas(rs))
}

/** isScalingEvent: an active replica set was sized for another spec.replicas. */
function isScalingEvent(ctx: Ctx): boolean {
  return active(ctx.rss).some((rs) => {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION]
    return desired !== undefined && desired !== String(replicasOf(ctx.d))
  })
}

/** sync(): scaling and paused deployments; no rollout. */
function syncOnly(ctx: Ctx): void {
  const newRS = getNewReplicaSet(ctx, false)
  scaleDeployment(ctx, newRS)
  if (ctx.d.spec.paused) cleanup(ctx, olds(ctx, newRS))
  calculateStatus(ctx, all(ctx, newRS), newRS && current(ctx, newRS))
}

/** checkPausedConditions. */
function pausedConditions(ctx: Ctx): void {
  if (!hasProgressDeadline(ctx.d)) return
  const cond = conditionOf(ctx.status.conditions, 'Progressing')
  if (cond?.reason === REASON.timedOut) return
  const pausedExists = cond?.reason === REASON.paused
  if (ctx.d.spec.paused && !pausedExists) setCondition(ctx, 'Progressing', 'Unknown', REASON.paused, 'Deployment is paused')
  else if (!ctx.d.spec.paused && pausedExists) setCondition(ctx, 'Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed')
}

/**
 * One syncDeployment. `replicaSets` and `pods` are the namespace's (the informer's view); the
 * result's actions are executed in order.
 */
export function reconcileDeployment(input: DeploymentInput, now: number, config: DeploymentConfig = {}): DeploymentResult {
  const d = input.deployment
  const parsed = labelSelectorFromObject(d.spec.selector)
  if (!parsed.ok) return { actions: [] }
  const ctx: Ctx = {
    d,
    now,
    component: config.component ?? DEPLOYMENT_COMPONENT,
    rss: [],
    changed: new Set(),
    deletes: [],
    status: { ...(d.status ?? {}) },
    events: [],
    halt: false,
    names: new Set(input.replicaSets.filter((rs) => rs.metadata.namespace === d.metadata.namespace).map(nameOf)),
  }
  if (parsed.selector.empty) {
    event(ctx, 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.', 'Warning')
    return { actions: [...ctx.events] }
  }
  const claimed = claim(DEPLOYMENT, d, parsed.selector, REPLICA_SET, input.replicaSets)
  // An adoption or release changes the replica set's resourceVersion: writing it again in the
  // same batch would conflict, so adopt first and go on once the watch shows the result.
  if (claimed.actions.length > 0) return { actions: claimed.actions, requeueAfterMs: 0 }
  ctx.rss = claimed.owned

  if (isDeleting(d.metadata)) {
    const newRS = getNewReplicaSet(ctx, false)
    calculateStatus(ctx, all(ctx, newRS), newRS)
  } else {
    pausedConditions(ctx)
    if (d.spec.paused || isScalingEvent(ctx)) syncOnly(ctx)
    else if (isRolling(d)) rolloutRolling(ctx)
    else rolloutRecreate(ctx, input.pods)
  }

  const actions: Action[] = []
  if (ctx.created !== undefined) actions.push({ type: 'create', path: collectionPath(REPLICA_SET, d.metadata.namespace), object: ctx.created })
  for (const rs of ctx.rss) if (ctx.changed.has(nameOf(rs))) actions.push({ type: 'update', path: pathOf(REPLICA_SET, rs), object: rs })
  for (const rs of ctx.deletes) {
    actions.push({ type: 'delete', path: pathOf(REPLICA_SET, rs), preconditions: { uid: rs.metadata.uid, resourceVersion: rs.metadata.resourceVersion } })
  }
  if (!semanticEqual(ctx.status, d.status ?? {})) {
    actions.push({ type: 'updateStatus', path: pathOf(DEPLOYMENT, d, 'status'), object: { ...d, ...DEPLOYMENT, status: ctx.status } as Deployment })
  }
  if (ctx.revision !== undefined && d.metadata.annotations?.[REVISION_ANNOTATION] !== ctx.revision) {
    actions.push({ type: 'patch', path: pathOf(DEPLOYMENT, d), patchType: MERGE_PATCH_CONTENT_TYPE, body: { metadata: { annotations: { [REVISION_ANNOTATION]: ctx.revision } } } })
  }
  actions.push(...ctx.events)

  const requeueAfterMs = stuckRequeue(d, ctx.status, now)
  return requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs }
}

/** requeueStuckDeployment: when the progress deadline will pass, if nothing happens before. */
function stuckRequeue(d: Deployment, s: DeploymentStatusWithCollisions, now: number): number | undefined {
  if (!hasProgressDeadline(d) || d.spec.paused) return undefined
  const c = conditionOf(s.conditions, 'Progressing')
  if (c === undefined || c.reason === REASON.newRSAvailable || c.reason === REASON.timedOut || complete(d, s)) return undefined
  const from = timeOf(c.lastUpdateTime)
  if (from === undefined) return undefined
  return Math.max(0, from + progressDeadlineMs(d) - now) + 1000
}
