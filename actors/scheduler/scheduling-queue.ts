/**
 * The queue of pods waiting for a node (internal/queue/scheduling_queue.go, PriorityQueue):
 *
 * - activeQ: pods to try now, highest priority first, then the earliest enqueued;
 * - backoffQ: pods that failed and wait out a per-pod exponential backoff (1 s doubling to 10 s);
 * - unschedulable pods: they failed on no node fitting and wait for a cluster event that could
 *   change that (a node added or changed, a pod deleted...), or at most `maxUnschedulableMs`.
 *
 * Time comes in as `now` (ms). A pod is known by its uid: adding it again updates it.
 */
import type { Pod } from '../kube/objects.ts'
import { KeyedHeap } from './_heap.ts'
import { PodInfo } from './framework/pod-info.ts'

export interface QueuedPodInfo {
  podInfo: PodInfo
  /** When the pod last entered the queue (activeQ order, backoff start). */
  timestamp: number
  /** When the pod was first added. */
  readonly initialAttemptTimestamp: number
  /** Scheduling attempts so far (pops). */
  attempts: number
  /** The plugins that rejected it in its last attempt. */
  unschedulablePlugins: ReadonlySet<string>
  /** The scheduling cycle of its last pop. */
  cycle: number
}

export type ClusterEvent =
  | { readonly resource: 'Node'; readonly action: 'Add' | 'Update' | 'Delete' }
  | { readonly resource: 'Pod'; readonly action: 'Add' | 'Update' | 'Delete' }
  | { readonly resource: 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass'; readonly action: 'Add' | 'Update' | 'Delete' }

const eventKey = (e: ClusterEvent): string => `${e.resource}/${e.action}`

/** The events that can make a pod rejected by each plugin schedulable (EventsToRegister). */
export const PLUGIN_EVENTS: Readonly<Record<string, readonly string[]>> = {
  NodeResourcesFit: ['Node/Add', 'Node/Update', 'Pod/Delete', 'Pod/Update'],
  NodeName: ['Node/Add'],
  NodeUnschedulable: ['Node/Add', 'Node/Update'],
  NodeAffinity: ['Node/Add', 'Node/Update'],
  TaintToleration: ['Node/Add', 'Node/Update'],
  InterPodAffinity: ['Pod/Add', 'Pod/Update', 'Pod/Delete', 'Node/Add', 'Node/Update'],
  PodTopologySpread: ['Pod/Add', 'Pod/Update', 'Pod/Delete', 'Node/Add', 'Node/Update', 'Node/Delete'],
  VolumeBinding: ['PersistentVolumeClaim/Add', 'PersistentVolumeClaim/Update', 'PersistentVolume/Add', 'PersistentVolume/Update', 'StorageClass/Add', 'StorageClass/Update', 'Node/Add', 'Node/Update'],
}

export interface SchedulingQueueOptions {
  readonly initialBackoffMs?: number
  readonly maxBackoffMs?: number
  /** How long a pod stays unschedulable without an event before it is retried anyway (default 5 min). */
  readonly maxUnschedulableMs?: number
  /** Overrides PLUGIN_EVENTS; a plugin not listed is woken by every event. */
  readonly pluginEvents?: Readonly<Record<string, readonly string[]>>
}

/** PrioritySort: higher priority first, then earlier timestamp. */
const activeLess = (a: QueuedPodInfo, b: QueuedPodInfo): boolean =>
  a.podInfo.priority !== b.podInfo.priority ? a.podInfo.priority > b.podInfo.priority : a.timestamp < b.timestamp

/** Whether anything but status and bookkeeping changed (isPodUpdated). */
function podChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod): string => JSON.stringify([p.metadata.labels, p.metadata.annotations, p.spec])
  return strip(a) !== strip(b)
}

export class SchedulingQueue {
  private readonly initialBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly maxUnschedulableMs: number
  private readonly pluginEvents: Readonly<Record<string, readonly string[]>>
  private readonly activeQ = new KeyedHeap<QueuedPodInfo>((p) => p.podInfo.uid, activeLess)
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>
  private readonly unschedulable = new Map<string, QueuedPodInfo>()
  /** Popped and not yet done or re-added; `updated` when the pod changed meanwhile. */
  private readonly inFlight = new Map<string, { qp: QueuedPodInfo; updated: boolean }>()
  private schedulingCycle = 0
  private moveRequestCycle = -1

  constructor(options: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1000
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000
    this.maxUnschedulableMs = options.maxUnschedulableMs ?? 5 * 60_000
    for (const [k, v] of Object.entries({ initialBackoffMs: this.initialBackoffMs, maxBackoffMs: this.maxBackoffMs, maxUnschedulableMs: this.maxUnschedulableMs })) {
      if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`${k} must be a finite number >= 0, got ${v}`)
    }
    if (this.maxBackoffMs < this.initialBackoffMs) throw new RangeError(`maxBackoffMs ${this.maxBackoffMs} is below initialBackoffMs ${this.initialBackoffMs}`)
    this.pluginEvents = options.pluginEvents ?? PLUGIN_EVENTS
    this.backoffQ = new KeyedHeap<QueuedPodInfo>(
      (p) => p.podInfo.uid,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    )
  }

  /** calculateBackoffDuration: initial, doubled per attempt after the first, capped at max. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs
      d += d
    }
    return d
  }

  backoffExpiry(qp: QueuedPodInfo): number {
    return qp.timestamp + this.backoffDuration(qp.attempts)
  }

  private isBackingOff(qp: QueuedPodInfo, now: number): boolean {
    return qp.attempts > 0 && this.backoffExpiry(qp) > now
  }

  /** A new pending pod (or a known one, which is updated). */
  add(pod: Pod, now: number): void {
    const info = new PodInfo(pod)
    if (this.has(info.uid)) {
      this.update(pod, now)
      return
    }
    this.activeQ.push({ podInfo: info, timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), cycle: 0 })
  }

  /** A pending pod changed. An unschedulable pod whose spec or labels changed is retried. */
  update(pod: Pod, now: number): void {
    const info = new PodInfo(pod)
    const uid = info.uid
    const active = this.activeQ.get(uid)
    if (active !== undefined) {
      this.activeQ.push({ ...active, podInfo: info })
      return
    }
    const backoff = this.backoffQ.get(uid)
    if (backoff !== undefined) {
      this.backoffQ.push({ ...backoff, podInfo: info })
      return
    }
    const flying = this.inFlight.get(uid)
    if (flying !== undefined) {
      flying.updated = flying.updated || podChanged(flying.qp.podInfo.pod, pod)
      flying.qp = { ...flying.qp, podInfo: info }
      return
    }
    const parked = this.unschedulable.get(uid)
    if (parked !== undefined) {
      const changed = podChanged(parked.podInfo.pod, pod)
      const qp = { ...parked, podInfo: info }
      if (!changed) {
        this.unschedulable.set(uid, qp)
        return
      }
      this.unschedulable.delete(uid)
      this.requeue(qp, now)
      return
    }
    this.add(pod, now)
  }

  /** The pod was deleted, or bound by someone else: forget it. */
  delete(uid: string): void {
    this.activeQ.delete(uid)
    this.backoffQ.delete(uid)
    this.unschedulable.delete(uid)
    this.inFlight.delete(uid)
  }

  has(uid: string): boolean {
    return this.activeQ.has(uid) || this.backoffQ.has(uid) || this.unschedulable.has(uid) || this.inFlight.has(uid)
  }

  /**
   * The next pod to schedule, or undefined if none is due. Moves pods whose backoff ended and pods
   * unschedulable for too long into activeQ first. The pod is in flight until done() or
   * addUnschedulable().
   */
  pop(now: number): QueuedPodInfo | undefined {
    this.flush(now)
    const qp = this.activeQ.pop()
    if (qp === undefined) return undefined
    qp.attempts++
    qp.cycle = ++this.schedulingCycle
    this.inFlight.set(qp.podInfo.uid, { qp, updated: false })
    return qp
  }

  /** The popped pod was scheduled (or given up on): it leaves the queue. */
  done(uid: string): void {
    this.inFlight.delete(uid)
  }

  /**
   * AddUnschedulableIfNotPresent: a popped pod failed. With rejecting plugins it waits for an
   * event (or goes to backoff at once if an event came during its cycle or it changed meanwhile);
   * without (an error) it goes to backoff. A pod deleted while in flight is dropped.
   */
  addUnschedulable(qp: QueuedPodInfo, unschedulablePlugins: ReadonlySet<string>, now: number): void {
    const uid = qp.podInfo.uid
    const flying = this.inFlight.get(uid)
    if (flying === undefined) return
    this.inFlight.delete(uid)
    const next: QueuedPodInfo = { ...flying.qp, timestamp: now, unschedulablePlugins }
    if (unschedulablePlugins.size === 0 || flying.updated || this.moveRequestCycle >= qp.cycle) {
      this.backoffQ.push(next)
      return
    }
    this.unschedulable.set(uid, next)
  }

  /**
   * MoveAllToActiveOrBackoffQueue: an event that may make pods schedulable. Unschedulable pods
   * rejected by a plugin that cares about it (or with no recorded plugin) go to backoffQ if still
   * backing off, else activeQ. Pods in flight will go to backoffQ when they fail.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, now: number): number {
    const key = eventKey(event)
    let moved = 0
    for (const [uid, qp] of this.unschedulable) {
      if (!this.wakes(qp, key)) continue
      this.unschedulable.delete(uid)
      this.requeue(qp, now)
      moved++
    }
    this.moveRequestCycle = this.schedulingCycle
    return moved
  }

  private wakes(qp: QueuedPodInfo, key: string): boolean {
    if (qp.unschedulablePlugins.size === 0) return true
    for (const plugin of qp.unschedulablePlugins) {
      const events = this.pluginEvents[plugin]
      if (events === undefined || events.includes(key)) return true
    }
    return false
  }

  private requeue(qp: QueuedPodInfo, now: number): void {
    if (this.isBackingOff(qp, now)) this.backoffQ.push(qp)
    else this.activeQ.push(qp)
  }

  /** flushBackoffQCompleted + flushUnschedulablePodsLeftover. */
  flush(now: number): void {
    for (let top = this.backoffQ.peek(); top !== undefined && this.backoffExpiry(top) <= now; top = this.backoffQ.peek()) {
      this.backoffQ.pop()
      this.activeQ.push(top)
    }
    for (const [uid, qp] of this.unschedulable) {
      if (now - qp.timestamp >= this.maxUnschedulableMs) {
        this.unschedulable.delete(uid)
        this.requeue(qp, now)
      }
    }
  }

  /** When pop() will next have something: now if activeQ is not empty, else the earliest backoff end or leftover flush; undefined if never. */
  nextDueTime(now: number): number | undefined {
    if (this.activeQ.size > 0) return now
    let due: number | undefined
    const top = this.backoffQ.peek()
    if (top !== undefined) due = this.backoffExpiry(top)
    for (const qp of this.unschedulable.values()) {
      const t = qp.timestamp + this.maxUnschedulableMs
      if (due === undefined || t < due) due = t
    }
    return due === undefined ? undefined : Math.max(due, now)
  }

  /** Sizes, for metrics (pending_pods{queue=...}). */
  get lengths(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size }
  }

  /** Where a pod is, for tests and debugging. */
  whereIs(uid: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.activeQ.has(uid)) return 'active'
    if (this.backoffQ.has(uid)) return 'backoff'
    if (this.unschedulable.has(uid)) return 'unschedulable'
    if (this.inFlight.has(uid)) return 'inFlight'
    return undefined
  }
}
