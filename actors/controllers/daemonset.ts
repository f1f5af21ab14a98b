/**
 * The DaemonSet controller's reconcile step (k8s.io/kubernetes/pkg/controller/daemon): one pod
 * on every node the pod template fits (nodeSelector, required node affinity, taints tolerated
 * with the DaemonSet's default tolerations), each pod pinned to its node by a required node
 * affinity on `metadata.name` so the scheduler binds it there; pods on nodes that no longer fit
 * go. A changed template rolls out node by node (RollingUpdate: at most `maxUnavailable`
 * nodes without an available pod; OnDelete: only pods someone deleted are replaced), the pods'
 * template told apart by the `controller-revision-hash` label. Pure: (daemon set, nodes, pods,
 * expectations, now) -> actions.
 *
 * Each template version is a ControllerRevision `<set>-<hash>` (controller-history.ts), when
 * the input carries the namespace's revisions.
 *
 * Differs from Kubernetes: no
 * maxSurge (a surge asks for two pods per node; here maxSurge is read as 0), no backoff on
 * failed pods (a failed pod is deleted, its replacement made on the next pass).
 */
import type { DaemonSet, DaemonSetStatus } from '../kube/apps.ts'
import { CONTROLLER_REVISION_HASH_LABEL } from '../kube/apps.ts'
import type { Node, NodeSelectorTerm, Pod, PodSpec, Toleration } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { findUntoleratedTaint } from '../scheduler/plugins/taint-toleration/taint-toleration.ts'
import { nodeSelectorTermMatches } from '../scheduler/plugins/node-affinity/node-affinity.ts'
import { type Action, POD, type TypeMeta, collectionPath, eventAction, pathOf } from './actions.ts'
import { byCreation, claim, controllerOf, isDeleting, isPodAvailable, isPodReady, keyOf } from './_util.ts'
import { DEFAULT_EXPECTATIONS_TIMEOUT_MS, type Expectations, NO_EXPECTATIONS, expect, pruneDeletions, satisfied } from './expectations.ts'
import { computeHash } from './pod-template-hash.ts'
import { untilAvailable } from './availability.ts'
import { scaledValue } from './deployment.ts'
import { podFromTemplate } from './replicaset.ts'
import { revisionName, syncHistory } from './controller-history.ts'
import type { ControllerRevision } from '../kube/controller-revision.ts'

export const DAEMON_SET: TypeMeta = { apiVersion: 'apps/v1', kind: 'DaemonSet' }

export interface DaemonSetInput {
  readonly daemonSet: DaemonSet
  /** Every node of the cluster. */
  readonly nodes: readonly Node[]
  /** The pods of the DaemonSet's namespace. */
  readonly pods: readonly Pod[]
  readonly expectations?: Expectations
  /** The ControllerRevisions of the namespace; without them no history is kept. */
  readonly revisions?: readonly ControllerRevision[]
}

export interface DaemonSetResult {
  readonly actions: Action[]
  readonly expectations: Expectations
  /** A ready pod becomes available (minReadySeconds) this much later: look again then. */
  readonly requeueAfterMs?: number
}

export interface DaemonSetConfig {
  readonly expectationsTimeoutMs?: number
}

/** A DaemonSet's key in the manager's expectations (apart from replica sets and Jobs of the same name). */
export const daemonSetExpectationsKey = (key: string): string => `DaemonSet/${key}`

/** The `namespace/name` of the DaemonSet controlling `pod`, if one does. */
export function daemonSetKeyOf(pod: Pod): string | undefined {
  const ref = controllerOf(pod.metadata)
  return ref?.kind === 'DaemonSet' ? `${pod.metadata.namespace ?? ''}/${ref.name}` : undefined
}

/** The tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations): node conditions never keep or drive it off. */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
]

const NETWORK_UNAVAILABLE: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }

/** The template's tolerations plus the defaults it lacks (network-unavailable only for host-network pods). */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const own = [...(spec.tolerations ?? [])]
  const hostNetwork = (spec as { readonly hostNetwork?: boolean }).hostNetwork === true
  const defaults = hostNetwork ? [...DAEMON_POD_TOLERATIONS, NETWORK_UNAVAILABLE] : DAEMON_POD_TOLERATIONS
  for (const t of defaults) if (!own.some((o) => o.key === t.key && o.effect === t.effect)) own.push(t)
  return own
}

export interface NodeFit {
  /** A new daemon pod goes there. */
  readonly shouldRun: boolean
  /** A daemon pod already there may stay (an untolerated NoSchedule taint keeps new pods off, not running ones). */
  readonly shouldContinueRunning: boolean
}

/**
 * nodeShouldRunDaemonPod: the template's nodeName, nodeSelector and required node affinity admit
 * the node, and its taints are tolerated (with the daemon defaults). An untolerated NoExecute
 * taint evicts; an untolerated NoSchedule one only keeps new pods off.
 */
export function nodeFit(spec: PodSpec, node: Node): NodeFit {
  const name = node.metadata.name ?? ''
  const labels = node.metadata.labels ?? {}
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  const placed =
    (spec.nodeName === undefined || spec.nodeName === '' || spec.nodeName === name) &&
    Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v) &&
    (terms === undefined || terms.some((t) => nodeSelectorTermMatches(t, labels, name)))
  if (!placed) return { shouldRun: false, shouldContinueRunning: false }
  const taints = node.spec?.taints ?? []
  const tolerations = daemonPodTolerations(spec)
  const evicting = findUntoleratedTaint(taints.filter((t) => t.effect === 'NoExecute'), tolerations) !== undefined
  return { shouldRun: findUntoleratedTaint(taints, tolerations) === undefined, shouldContinueRunning: !evicting }
}

/** Whether a new daemon pod goes on `node`. */
export const shouldRunOn = (spec: PodSpec, node: Node): boolean => nodeFit(spec, node).shouldRun

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become one term matching the node's name. */
export function pinnedToNode(spec: PodSpec, nodeName: string): PodSpec {
  const term: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }
  const nodeAffinity = { ...spec.affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } }
  return { ...spec, affinity: { ...spec.affinity, nodeAffinity }, tolerations: daemonPodTolerations(spec) }
}

/** The node a daemon pod is for: its nodeName, else the node its required affinity names (util.GetTargetNodeName). */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0]
  }
  return undefined
}

/** The revision hash of a DaemonSet's template, its collision count (0 when unset, as Kubernetes) mixed in. */
export const daemonSetHash = (ds: DaemonSet): string => computeHash(ds.spec.template, ds.status?.collisionCount ?? 0)

/** A DaemonSet's claimed pods that are not being deleted, by target node, oldest first. */
function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>()
  for (const pod of [...pods].sort(byCreation)) {
    const node = targetNodeOf(pod) ?? ''
    byNode.set(node, [...(byNode.get(node) ?? []), pod])
  }
  return byNode
}

export function reconcileDaemonSet(input: DaemonSetInput, now: number, config: DaemonSetConfig = {}): DaemonSetResult {
  const { daemonSet: ds } = input
  let expectations = input.expectations ?? NO_EXPECTATIONS
  if (isDeleting(ds.metadata)) return { actions: [], expectations }
  const parsed = labelSelectorFromObject(ds.spec.selector)
  if (!parsed.ok) return { actions: [], expectations }
  const claimed = claim(DAEMON_SET, ds, parsed.selector, POD, input.pods)
  const key = daemonSetExpectationsKey(keyOf(ds.metadata))
  const live = claimed.owned.filter((p) => !isDeleting(p.metadata))
  expectations = pruneDeletions(expectations, key, new Set(live.map((p) => p.metadata.uid ?? '')))
  const plan = new DaemonSetPlan(ds, input.nodes, claimed.owned, now)
  const actions: Action[] = [...claimed.actions]
  if (input.revisions !== undefined) {
    const inUse = new Set(live.flatMap((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? []).map((hash) => revisionName(ds, hash)))
    actions.push(...syncHistory({ ownerType: DAEMON_SET, owner: ds, hash: plan.hash, revisions: input.revisions, inUse }))
  }
  if (satisfied(expectations, key, now, config.expectationsTimeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS)) {
    const { creates, deletes } = plan.changes()
    actions.push(...deletes.map((p, i) => deletePod(ds, p, now, i)), ...creates.map((node, i) => createPod(ds, plan.hash, node, now, deletes.length + i)))
    if (creates.length > 0 || deletes.length > 0) expectations = expect(expectations, key, creates.length, deletes.map((p) => p.metadata.uid ?? ''), now)
  }
  const status = plan.status()
  if (statusChanged(ds, status)) actions.push({ type: 'updateStatus', path: pathOf(DAEMON_SET, ds, 'status'), object: { ...ds, ...DAEMON_SET, status } as DaemonSet })
  const wait = plan.untilAvailable()
  return { actions, expectations, ...(wait !== undefined ? { requeueAfterMs: wait } : {}) }
}

/** What one pass sees: the nodes the pod should run on, the pods by node, the template's hash. */
class DaemonSetPlan {
  readonly hash: string
  private readonly wanted: Set<string>
  /** Nodes whose daemon pod may stay though no new one would go there. */
  private readonly tolerated: Set<string>
  private readonly byNode: Map<string, Pod[]>
  private readonly minReadySeconds: number
  private readonly ds: DaemonSet
  private readonly pods: readonly Pod[]
  private readonly now: number

  constructor(ds: DaemonSet, nodes: readonly Node[], pods: readonly Pod[], now: number) {
    this.ds = ds
    this.pods = pods
    this.now = now
    this.hash = daemonSetHash(ds)
    const fits = nodes.map((n) => ({ name: n.metadata.name ?? '', fit: nodeFit(ds.spec.template.spec, n) }))
    this.wanted = new Set(fits.filter((f) => f.fit.shouldRun).map((f) => f.name))
    this.tolerated = new Set(fits.filter((f) => !f.fit.shouldRun && f.fit.shouldContinueRunning).map((f) => f.name))
    this.byNode = podsByNode(pods.filter((p) => !isDeleting(p.metadata)))
    this.minReadySeconds = ds.spec.minReadySeconds ?? 0
  }

  /** manage + the update strategy: nodes needing a pod, pods to delete. */
  changes(): { creates: string[]; deletes: Pod[] } {
    const creates: string[] = []
    const deletes: Pod[] = []
    const terminating = new Set(this.pods.filter((p) => isDeleting(p.metadata)).map((p) => targetNodeOf(p) ?? ''))
    for (const node of this.wanted) {
      const pods = this.byNode.get(node) ?? []
      const failed = pods.filter((p) => p.status?.phase === 'Failed')
      const running = pods.filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')
      deletes.push(...failed)
      // A node still holding a terminating pod waits for it to go (ports, host paths).
      if (running.length === 0 && failed.length === 0 && !terminating.has(node)) creates.push(node)
      deletes.push(...running.slice(1))
    }
    for (const [node, pods] of this.byNode) if (!this.wanted.has(node)) deletes.push(...(this.tolerated.has(node) ? pods.slice(1) : pods))
    if (creates.length === 0 && deletes.length === 0) deletes.push(...this.rollingDeletes())
    return { creates, deletes }
  }

  /** rollingUpdate with maxSurge 0: old pods that are unavailable go at once; available ones while fewer than maxUnavailable nodes lack an available pod. */
  private rollingDeletes(): Pod[] {
    if ((this.ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return []
    const maxUnavailable = scaledValue(this.ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, '1', this.wanted.size, true)
    let unavailable = 0
    const oldUnavailable: Pod[] = []
    const oldAvailable: Pod[] = []
    for (const node of [...this.wanted].sort()) {
      const pod = this.byNode.get(node)?.[0]
      const available = pod !== undefined && isPodAvailable(pod, this.minReadySeconds, this.now)
      if (!available) unavailable++
      if (pod === undefined || this.isCurrent(pod)) continue
      ;(available ? oldAvailable : oldUnavailable).push(pod)
    }
    return [...oldUnavailable, ...oldAvailable.slice(0, Math.max(0, maxUnavailable - unavailable))]
  }

  private isCurrent(pod: Pod): boolean {
    return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === this.hash
  }

  status(): DaemonSetStatus {
    let current = 0
    let ready = 0
    let available = 0
    let updated = 0
    let misscheduled = 0
    for (const [node, pods] of this.byNode) {
      const pod = pods[0]
      if (pod === undefined) continue
      if (!this.wanted.has(node)) {
        if (pod.spec.nodeName) misscheduled++
        continue
      }
      current++
      if (isPodReady(pod)) ready++
      if (isPodAvailable(pod, this.minReadySeconds, this.now)) available++
      if (this.isCurrent(pod)) updated++
    }
    const desired = this.wanted.size
    return {
      ...(this.ds.status?.collisionCount !== undefined ? { collisionCount: this.ds.status.collisionCount } : {}),
      ...(this.ds.metadata.generation !== undefined ? { observedGeneration: this.ds.metadata.generation } : {}),
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available),
      updatedNumberScheduled: updated,
    }
  }

  /** When the first ready-but-not-yet-available pod becomes available. */
  untilAvailable(): number | undefined {
    return untilAvailable([...this.byNode.values()].flatMap((pods) => pods.slice(0, 1)), this.minReadySeconds, this.now)
  }
}

function createPod(ds: DaemonSet, hash: string, node: string, now: number, seq: number): Action {
  const template = ds.spec.template
  const labels = { ...template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash }
  const base = podFromTemplate(DAEMON_SET, ds, { ...template, metadata: { ...template.metadata, labels } })
  const object: Pod = { ...base, spec: pinnedToNode(template.spec, node) }
  return {
    type: 'create',
    path: collectionPath(POD, ds.metadata.namespace),
    object,
    onSuccess: eventAction({ type: DAEMON_SET, object: ds, eventType: 'Normal', reason: 'SuccessfulCreate', message: 'Created pod: {name}', now, seq, component: DAEMON_SET_COMPONENT }),
    onFailure: eventAction({ type: DAEMON_SET, object: ds, eventType: 'Warning', reason: 'FailedCreate', message: 'Error creating: {error}', now, seq, component: DAEMON_SET_COMPONENT }),
  }
}

function deletePod(ds: DaemonSet, pod: Pod, now: number, seq: number): Action {
  const name = pod.metadata.name ?? ''
  return {
    type: 'delete',
    path: pathOf(POD, pod),
    preconditions: { uid: pod.metadata.uid ?? '' },
    onSuccess: eventAction({ type: DAEMON_SET, object: ds, eventType: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}`, now, seq, component: DAEMON_SET_COMPONENT }),
  }
}

export const DAEMON_SET_COMPONENT = 'daemonset-controller'

function statusChanged(ds: DaemonSet, status: DaemonSetStatus): boolean {
  const old = ds.status as Record<string, unknown> | undefined
  return Object.entries(status).some(([k, v]) => old?.[k] !== v)
}
