/**
 * The scheduler's pure core in one object for the runtime to drive: watch events in, decisions
 * out. It owns the node cache, the queue, a snapshot and the algorithm; the runtime owns NATS,
 * timers, the API client and leader election.
 *
 *   onNode / onPod      every watch event (ADDED, MODIFIED, DELETED) with the current time
 *   onClaim / onVolume / onStorageClass   the same for PVCs, PVs and StorageClasses (VolumeBinding)
 *   scheduleOne(now)    pops a pod and runs one cycle: a `bind` decision (the pod is assumed on
 *                       the node), `unschedulable` or `error` (the pod went back to the queue)
 *   bindSucceeded / bindFailed   after the runtime's binding call
 *   tick(now)           expires assumed pods; nextWakeup(now) says when to call scheduleOne again
 */
import type { Node, Pod } from '../kube/objects.ts'
import type { PersistentVolumeClaim } from '../kube/apps.ts'
import type { PersistentVolume, StorageClass } from '../kube/storage.ts'
import { CycleState } from './framework/cycle-state.ts'
import type { Framework } from './framework/framework.ts'
import { PodInfo } from './framework/pod-info.ts'
import { Snapshot } from './framework/snapshot.ts'
import { NodeCache, type NodeCacheOptions } from './node-cache.ts'
import { Nominator } from './nominator.ts'
import { newFramework, type Profile } from './profile.ts'
import { SchedulingAlgorithm } from './schedule-one.ts'
import { SchedulingQueue, type ClusterEvent, type QueuedPodInfo, type SchedulingQueueOptions } from './scheduling-queue.ts'
import { VolumeObjects } from './volume-objects.ts'

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface SchedulerOptions {
  readonly profile?: Profile
  /** Instead of `profile`: a ready framework (tests). */
  readonly framework?: Framework
  readonly cache?: NodeCacheOptions
  readonly queue?: SchedulingQueueOptions
  /** Uniform in [0, 1): breaks score ties. */
  readonly random: () => number
}

export type Decision =
  /** Bind `pod` to `nodeName` (POST pods/binding), then call bindSucceeded or bindFailed. */
  | { readonly kind: 'bind'; readonly pod: PodInfo; readonly nodeName: string; readonly queued: QueuedPodInfo; readonly state: CycleState; readonly evaluatedNodes: number; readonly feasibleNodes: number }
  /**
   * No node fits: set condition PodScheduled=False reason Unschedulable, event FailedScheduling
   * with `message`; and carry out `preemption` if present.
   */
  | { readonly kind: 'unschedulable'; readonly pod: PodInfo; readonly message: string; readonly unschedulablePlugins: ReadonlySet<string>; readonly preemption?: Preemption }
  /** A plugin failed: reason SchedulerError; the pod is retried after backoff. */
  | { readonly kind: 'error'; readonly pod: PodInfo; readonly message: string }

/**
 * What preemption asks of the runtime: set the pod's status.nominatedNodeName (clear it when
 * empty), delete the victims (DisruptionTarget condition, Preempted event), and clear the
 * nomination of the lower-priority pods nominated to the same node.
 */
export interface Preemption {
  readonly nominatedNodeName: string
  readonly victims: readonly PodInfo[]
  readonly lowerNominatedPods: readonly PodInfo[]
}

const storageAction = (type: WatchEventType): 'Add' | 'Update' | 'Delete' => (type === 'ADDED' ? 'Add' : type === 'MODIFIED' ? 'Update' : 'Delete')

const nodeShape = (n: Node | undefined): string => JSON.stringify([n?.metadata.labels, n?.spec, n?.status?.allocatable, n?.status?.capacity])

export class Scheduler {
  readonly framework: Framework
  readonly cache: NodeCache
  readonly queue: SchedulingQueue
  readonly snapshot = new Snapshot()
  readonly algorithm: SchedulingAlgorithm
  readonly nominator = new Nominator()
  readonly volumes = new VolumeObjects()
  private readonly random: () => number

  constructor(options: SchedulerOptions) {
    this.framework = options.framework ?? newFramework(options.profile)
    this.cache = new NodeCache(options.cache)
    this.queue = new SchedulingQueue(options.queue)
    this.algorithm = new SchedulingAlgorithm(this.framework)
    this.random = options.random
    this.snapshot.volumes = this.volumes
  }

  onClaim(type: WatchEventType, claim: PersistentVolumeClaim, now: number): void {
    this.volumes.onClaim(type, claim)
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'PersistentVolumeClaim', action: storageAction(type) }, now)
  }

  onVolume(type: WatchEventType, volume: PersistentVolume, now: number): void {
    this.volumes.onVolume(type, volume)
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'PersistentVolume', action: storageAction(type) }, now)
  }

  onStorageClass(type: WatchEventType, storageClass: StorageClass, now: number): void {
    this.volumes.onClass(type, storageClass)
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'StorageClass', action: storageAction(type) }, now)
  }

  /** Whether this scheduler schedules the pod (spec.schedulerName). */
  responsibleFor(pod: Pod): boolean {
    return (pod.spec.schedulerName ?? 'default-scheduler') === this.framework.schedulerName
  }

  onNode(type: WatchEventType, node: Node, now: number): void {
    const name = node.metadata.name ?? ''
    if (type === 'DELETED') {
      this.cache.removeNode(name)
      this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Delete' }, now)
      return
    }
    const old = this.cache.nodeInfo(name)?.node
    this.cache.addNode(node)
    if (old === undefined) this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' }, now)
    else if (nodeShape(old) !== nodeShape(node)) this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Update' }, now)
  }

  onPod(type: WatchEventType, pod: Pod, now: number): void {
    const uid = pod.metadata.uid ?? `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
    if (type === 'DELETED' || (terminal && pod.spec.nodeName)) {
      this.nominator.delete(uid)
      const held = this.cache.nodeOf(uid) !== undefined
      this.cache.removePod(uid)
      this.queue.delete(uid)
      if (held) this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' }, now)
      return
    }
    if (pod.spec.nodeName) {
      const known = this.cache.nodeOf(uid) !== undefined && !this.cache.isAssumed(uid)
      this.cache.addPod(pod)
      this.queue.delete(uid)
      this.nominator.delete(uid)
      const event: ClusterEvent = { resource: 'Pod', action: known ? 'Update' : 'Add' }
      this.queue.moveAllToActiveOrBackoffQueue(event, now)
      return
    }
    if (terminal || pod.metadata.deletionTimestamp) {
      this.nominator.delete(uid)
      this.queue.delete(uid)
      return
    }
    if (pod.status?.nominatedNodeName || this.nominator.nodeOf(uid) !== undefined) this.nominator.update(new PodInfo(pod))
    if (!this.responsibleFor(pod)) return
    if (this.queue.has(uid)) this.queue.update(pod, now)
    else this.queue.add(pod, now)
  }

  /** One scheduling cycle for the next due pod; undefined if none is due. */
  scheduleOne(now: number): Decision | undefined {
    const queued = this.queue.pop(now)
    if (queued === undefined) return undefined
    const pod = queued.podInfo
    this.cache.updateSnapshot(this.snapshot)
    const state = new CycleState()
    const result = this.algorithm.schedulePod(pod, this.snapshot, this.random, state, this.nominator)
    if (result.kind === 'unschedulable') {
      const plugins = result.error.diagnosis.unschedulablePlugins
      this.queue.addUnschedulable(queued, plugins, now)
      const post = result.postFilter
      if (post?.nominatedNodeName === undefined) return { kind: 'unschedulable', pod, message: result.message, unschedulablePlugins: plugins }
      if (post.nominatedNodeName === '') this.nominator.delete(pod.uid)
      else this.nominator.add(pod, post.nominatedNodeName)
      const lowerNominatedPods = post.lowerNominatedPods ?? []
      for (const p of lowerNominatedPods) this.nominator.delete(p.uid)
      const preemption: Preemption = { nominatedNodeName: post.nominatedNodeName, victims: post.victims ?? [], lowerNominatedPods }
      return { kind: 'unschedulable', pod, message: result.message, unschedulablePlugins: plugins, preemption }
    }
    if (result.kind === 'error') {
      this.queue.addUnschedulable(queued, new Set(), now)
      return { kind: 'error', pod, message: result.message }
    }
    // The assumed pod holds its room from now on.
    this.nominator.delete(pod.uid)
    if (!this.cache.assumePod(pod, result.nodeName)) {
      this.queue.done(pod.uid)
      return { kind: 'error', pod, message: `pod ${pod.key} is already in the scheduler cache` }
    }
    const reserve = this.framework.runReservePluginsReserve(state, pod, result.nodeName)
    if (reserve !== undefined) {
      this.framework.runReservePluginsUnreserve(state, pod, result.nodeName)
      this.cache.forgetPod(pod.uid)
      this.queue.addUnschedulable(queued, reserve.isRejected() ? new Set([reserve.plugin]) : new Set(), now)
      return { kind: 'error', pod, message: `running Reserve plugin "${reserve.plugin}": ${reserve.message()}` }
    }
    return { kind: 'bind', pod, nodeName: result.nodeName, queued, state, evaluatedNodes: result.evaluatedNodes, feasibleNodes: result.feasibleNodes }
  }

  /** The binding call succeeded: the assumed pod's TTL starts; the watch will confirm it. */
  bindSucceeded(decision: Extract<Decision, { kind: 'bind' }>, now: number): void {
    this.cache.finishBinding(decision.pod.uid, now)
    this.queue.done(decision.pod.uid)
  }

  /** The binding call failed: un-reserve, forget the assumed pod, retry it after backoff. */
  bindFailed(decision: Extract<Decision, { kind: 'bind' }>, now: number): void {
    this.framework.runReservePluginsUnreserve(decision.state, decision.pod, decision.nodeName)
    this.cache.forgetPod(decision.pod.uid)
    this.queue.addUnschedulable(decision.queued, new Set(), now)
    // The resources it held on the node are free again.
    this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' }, now)
  }

  /** Expires assumed pods the watch never confirmed (returned) and frees their resources. */
  tick(now: number): PodInfo[] {
    const expired = this.cache.cleanupExpiredAssumedPods(now)
    if (expired.length > 0) this.queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' }, now)
    this.queue.flush(now)
    return expired
  }

  /** When to call scheduleOne/tick next (ms); undefined: only when an event arrives. */
  nextWakeup(now: number): number | undefined {
    const a = this.queue.nextDueTime(now)
    const b = this.cache.nextExpiry()
    if (a === undefined) return b
    if (b === undefined) return a
    return Math.min(a, b)
  }
}
