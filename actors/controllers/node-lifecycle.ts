/**
 * The node lifecycle controller's reconcile step (k8s.io/kubernetes/pkg/controller/nodelifecycle
 * and its NoExecute taint manager): a node whose Lease in `kube-node-lease` has not been renewed
 * within the grace period gets Ready=Unknown; nodes that are not Ready get the
 * `node.kubernetes.io/unreachable` (Unknown) or `node.kubernetes.io/not-ready` (False) taints,
 * NoSchedule and NoExecute, removed once the kubelet reports Ready=True again; pods on a node
 * that is not Ready are marked Ready=False; pods on a NoExecute-tainted node are evicted once
 * their toleration's tolerationSeconds have passed since the taint's timeAdded.
 *
 * The NoExecute taint, which is what evicts, is rate limited per zone (eviction-limiter.ts): a
 * node waits for its zone's token; the NoSchedule taint goes on at once. When every zone is
 * fully disrupted no node gets (or keeps) a NoExecute taint.
 *
 * Heartbeats are read from Lease.spec.renewTime (or the Ready condition's lastHeartbeatTime,
 * whichever is later); Kubernetes measures the lease against its own observation time to be
 * immune to clock skew, which this pure step leaves to the runtime's clock being shared.
 */
import type { Condition, Lease, Node, Pod, Taint, TaintEffect, Toleration } from '../kube/objects.ts'
import { type Action, MERGE_PATCH_CONTENT_TYPE, NODE, POD, eventAction, pathOf } from './actions.ts'
import { conditionOf, isDeleting, timeOf, timestamp } from './_util.ts'
import { computeZoneState, EVICTION_DEFAULTS, tryAccept, zoneOf, zoneRate, type Bucket, type EvictionRates, type LimiterState, type ZoneState } from './eviction-limiter.ts'
import { toleratesTaint, tolerationsTolerateTaint } from '../scheduler/plugins/taint-toleration/taint-toleration.ts'

export const NODE_COMPONENT = 'node-controller'
export const NODE_LEASE_NAMESPACE = 'kube-node-lease'
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable'
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready'

/**
 * The fast defaults `up` runs with (Kubernetes: 40 s and 300 s), chosen in docs/control-plane.md:
 * a node is Unknown after 5 s without a heartbeat (5 of the kubelet's 1 s lease renewals, so a
 * loaded machine or a store failover does not take a live node's pods out of their Services) and
 * its pods are evicted 2 s later. The toleration buys no availability (the pods were marked not
 * Ready with the node), only a margin before they are replaced for a stall just past the grace.
 */
export const NODE_LIFECYCLE_DEFAULTS = { gracePeriodMs: 5000, defaultTolerationSeconds: 2 } as const

export interface NodeLifecycleConfig extends EvictionRates {
  /** A node whose heartbeat is older than this is Unknown (Kubernetes: 40 s; fast default 5 s). */
  readonly gracePeriodMs?: number
  /**
   * The toleration of not-ready/unreachable NoExecute that pods without one are treated as
   * having (the DefaultTolerationSeconds admission plugin's 300 s; fast default 2 s). null: none.
   */
  readonly defaultTolerationSeconds?: number | null
  readonly component?: string
}

export interface NodeLifecycleInput {
  readonly nodes: readonly Node[]
  /** Leases of the `kube-node-lease` namespace (one per node, named after it). */
  readonly leases: readonly Lease[]
  /** Pods bound to nodes (spec.nodeName), every namespace. */
  readonly pods: readonly Pod[]
  /** The zones' token buckets from the previous pass (the result's `limiter`). */
  readonly limiter?: LimiterState
}

export interface NodeLifecycleResult {
  readonly actions: Action[]
  /** Reconcile again after this many ms: a lease goes stale or an eviction falls due. */
  readonly requeueAfterMs?: number
  /** Thread into the next pass's input. */
  readonly limiter: LimiterState
  /** Each zone's state this pass. */
  readonly zones: ReadonlyMap<string, ZoneState>
}

const NODE_CONDITIONS_MARKED_UNKNOWN = ['MemoryPressure', 'DiskPressure', 'PIDPressure']

/** The Ready condition's status this controller wants: the node's own, or Unknown when its heartbeat is stale. */
function observe(node: Node, lease: Lease | undefined, now: number, grace: number): { heartbeat: number; stale: boolean } {
  const ready = conditionOf(node.status?.conditions, 'Ready')
  const heartbeat = Math.max(timeOf(lease?.spec.renewTime) ?? 0, timeOf(ready?.lastHeartbeatTime) ?? 0, timeOf(node.metadata.creationTimestamp) ?? 0)
  return { heartbeat, stale: now > heartbeat + grace }
}

/** Conditions with Ready (and the pressure conditions) set to Unknown, as tryUpdateNodeHealth does. */
function markUnknown(conditions: readonly Condition[], now: number): Condition[] {
  const time = timestamp(now)
  const out = conditions.map((c) => {
    if (c.type !== 'Ready' && !NODE_CONDITIONS_MARKED_UNKNOWN.includes(c.type)) return c
    if (c.status === 'Unknown') return c
    return { ...c, status: 'Unknown' as const, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: time }
  })
  if (!out.some((c) => c.type === 'Ready')) {
    out.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastTransitionTime: time, lastHeartbeatTime: time })
  }
  return out
}

const isControllerTaint = (t: Taint): boolean => t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY

/** The taints a node should carry for its Ready status (others are kept as they are); NoExecute only if `noExecute`. */
function wantedTaints(taints: readonly Taint[], ready: Condition['status'] | undefined, now: number, noExecute: boolean): Taint[] {
  const key = ready === 'Unknown' ? TAINT_UNREACHABLE : ready === 'False' ? TAINT_NOT_READY : undefined
  const kept = taints.filter((t) => !isControllerTaint(t) || (t.key === key && (noExecute || t.effect !== 'NoExecute')))
  if (key === undefined) return kept
  const out = [...kept]
  for (const effect of noExecute ? (['NoSchedule', 'NoExecute'] as const) : (['NoSchedule'] as const)) {
    if (!out.some((t) => t.key === key && t.effect === effect)) out.push(effect === 'NoExecute' ? { key, effect, timeAdded: timestamp(now) } : { key, effect })
  }
  return out
}

interface Observed {
  readonly node: Node
  readonly name: string
  readonly ready: Condition['status'] | undefined
  readonly zone: string
  /** Since when it has been in its Ready state (ms): the order nodes wait for a token in. */
  readonly since: number
  /** Status write and NotReady event of this pass. */
  readonly actions: Action[]
}

/**
 * Which not-Ready nodes carry a NoExecute taint after this pass: those that have one already
 * (swapping unreachable for not-ready needs no token), then, oldest transition first, those whose
 * zone grants a token. None at all when every zone is fully disrupted.
 */
function noExecuteNodes(observed: readonly Observed[], limiter: LimiterState | undefined, now: number, config: NodeLifecycleConfig) {
  const zoneReady = new Map<string, (string | undefined)[]>()
  for (const o of observed) zoneReady.set(o.zone, [...(zoneReady.get(o.zone) ?? []), o.ready])
  const threshold = config.unhealthyZoneThreshold ?? EVICTION_DEFAULTS.unhealthyZoneThreshold
  const zones = new Map<string, ZoneState>([...zoneReady].map(([z, r]) => [z, computeZoneState(r, threshold)]))
  const buckets = new Map<string, Bucket>(limiter ?? [])
  const tainted = new Set<string>()
  let waitMs: number | undefined
  const allFullyDisrupted = zones.size > 0 && [...zones.values()].every((z) => z === 'FullDisruption')
  if (allFullyDisrupted) return { tainted, zones, buckets, waitMs }
  const waiting: Observed[] = []
  for (const o of observed) {
    if (o.ready === 'True' || o.ready === undefined) continue
    if ((o.node.spec?.taints ?? []).some((t) => isControllerTaint(t) && t.effect === 'NoExecute')) tainted.add(o.name)
    else waiting.push(o)
  }
  waiting.sort((a, b) => a.since - b.since || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const o of waiting) {
    const rate = zoneRate(zones.get(o.zone)!, zoneReady.get(o.zone)!.length, config)
    const r = tryAccept(buckets.get(o.zone), rate, now)
    buckets.set(o.zone, r.bucket)
    if (r.ok) tainted.add(o.name)
    else if (r.waitMs !== undefined) waitMs = waitMs === undefined ? r.waitMs : Math.min(waitMs, r.waitMs)
  }
  return { tainted, zones, buckets, waitMs }
}

/** DefaultTolerationSeconds: pods that do not tolerate not-ready/unreachable NoExecute get a toleration of `seconds`. */
function withDefaultTolerations(tolerations: readonly Toleration[], seconds: number | null): readonly Toleration[] {
  if (seconds === null) return tolerations
  const out = [...tolerations]
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    const taint: Taint = { key, effect: 'NoExecute' }
    if (!tolerationsTolerateTaint(tolerations, taint)) out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds })
  }
  return out
}

/**
 * When a pod on a node with these NoExecute taints must go: `now`-or-earlier when a taint is
 * not tolerated, the earliest taint's timeAdded + the smallest tolerationSeconds of the matching
 * tolerations, or undefined (tolerated forever, or no NoExecute taint).
 */
export function evictionTime(pod: Pod, taints: readonly Taint[], now: number, defaultTolerationSeconds: number | null): number | undefined {
  const noExecute = taints.filter((t) => t.effect === ('NoExecute' satisfies TaintEffect))
  if (noExecute.length === 0) return undefined
  const tolerations = withDefaultTolerations(pod.spec.tolerations ?? [], defaultTolerationSeconds)
  const matching: Toleration[] = []
  for (const taint of noExecute) {
    const m = tolerations.filter((t) => toleratesTaint(t, taint))
    if (m.length === 0) return now
    matching.push(...m)
  }
  const seconds = matching.map((t) => t.tolerationSeconds).filter((s): s is number => s !== undefined)
  if (seconds.length === 0) return undefined
  const since = Math.min(...noExecute.map((t) => timeOf(t.timeAdded) ?? now))
  return since + Math.max(0, Math.min(...seconds)) * 1000
}

/** One pass of monitorNodeHealth + the taint manager over every node. */
export function reconcileNodeLifecycle(input: NodeLifecycleInput, now: number, config: NodeLifecycleConfig = {}): NodeLifecycleResult {
  const grace = config.gracePeriodMs ?? NODE_LIFECYCLE_DEFAULTS.gracePeriodMs
  const defaultToleration = config.defaultTolerationSeconds === undefined ? NODE_LIFECYCLE_DEFAULTS.defaultTolerationSeconds : config.defaultTolerationSeconds
  const component = config.component ?? NODE_COMPONENT
  const actions: Action[] = []
  let seq = 0
  let requeue: number | undefined
  const wake = (at: number): void => {
    const after = Math.max(1, at - now)
    requeue = requeue === undefined ? after : Math.min(requeue, after)
  }
  const leases = new Map(input.leases.filter((l) => l.metadata.namespace === NODE_LEASE_NAMESPACE).map((l) => [l.metadata.name ?? '', l]))
  const podsByNode = new Map<string, Pod[]>()
  for (const pod of input.pods) {
    const n = pod.spec.nodeName
    if (!n) continue
    podsByNode.set(n, [...(podsByNode.get(n) ?? []), pod])
  }

  const observed: Observed[] = input.nodes.map((node) => {
    const name = node.metadata.name ?? ''
    const nodeActions: Action[] = []
    const { heartbeat, stale } = observe(node, leases.get(name), now, grace)
    const conditions = node.status?.conditions ?? []
    const observedReady = conditionOf(conditions, 'Ready')?.status
    let ready = observedReady
    let since = timeOf(conditionOf(conditions, 'Ready')?.lastTransitionTime) ?? now
    if (stale && observedReady !== 'Unknown') {
      since = now
      const next = markUnknown(conditions, now)
      ready = 'Unknown'
      nodeActions.push({ type: 'updateStatus', path: pathOf(NODE, node, 'status'), object: { ...node, ...NODE, status: { ...node.status, conditions: next } } as Node })
    } else if (!stale) {
      wake(heartbeat + grace + 1)
    }
    if (observedReady === 'True' && ready !== 'True') {
      nodeActions.push(eventAction({ type: NODE, object: node, eventType: 'Normal', reason: 'NodeNotReady', message: `Node ${name} status is now: NodeNotReady`, component, now, seq: seq++ }))
    }
    return { node, name, ready, zone: zoneOf(node), since, actions: nodeActions }
  })
  const limited = noExecuteNodes(observed, input.limiter, now, config)
  if (limited.waitMs !== undefined) wake(now + limited.waitMs)

  for (const { node, name, ready, actions: nodeActions } of observed) {
    actions.push(...nodeActions)
    const taints = node.spec?.taints ?? []
    const wanted = wantedTaints(taints, ready, now, limited.tainted.has(name))
    const same = wanted.length === taints.length && wanted.every((t, i) => t === taints[i])
    if (!same) {
      actions.push({ type: 'patch', path: pathOf(NODE, node), patchType: MERGE_PATCH_CONTENT_TYPE, body: { spec: { taints: wanted.length > 0 ? wanted : null } } })
    }

    for (const pod of podsByNode.get(name) ?? []) {
      if (ready !== 'True' && ready !== undefined) {
        const podReady = conditionOf(pod.status?.conditions, 'Ready')
        if (podReady !== undefined && podReady.status !== 'False') {
          const podConditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: timestamp(now) } : c))
          actions.push({ type: 'updateStatus', path: pathOf(POD, pod, 'status'), object: { ...pod, ...POD, status: { ...pod.status, conditions: podConditions } } as Pod })
          actions.push(eventAction({ type: POD, object: pod, eventType: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', component, now, seq: seq++ }))
        }
      }
      if (isDeleting(pod.metadata)) continue
      const due = evictionTime(pod, wanted, now, defaultToleration)
      if (due === undefined) continue
      if (due > now) {
        wake(due)
        continue
      }
      actions.push({ type: 'delete', path: pathOf(POD, pod), preconditions: { uid: pod.metadata.uid } })
      actions.push(
        eventAction({ type: POD, object: pod, eventType: 'Normal', reason: 'TaintManagerEviction', message: `Marking for deletion Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`, component, now, seq: seq++ }),
      )
    }
  }
  const out = { actions, limiter: limited.buckets, zones: limited.zones }
  return requeue === undefined ? out : { ...out, requeueAfterMs: requeue }
}
