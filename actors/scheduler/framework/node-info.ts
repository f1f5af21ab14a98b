/**
 * framework.NodeInfo: a node, the pods bound or assumed to it, what they request, and the indexes
 * the plugins need (pods with affinity, pods with required anti-affinity).
 */
import type { Node, Taint } from '../../kube/objects.ts'
import { milliCpu, wholeUnits } from '../../kube/quantity.ts'
import type { PodInfo } from './pod-info.ts'

type Labels = Readonly<Record<string, string>>

/** Mutable resource totals. */
export interface ResourceCounts {
  milliCpu: number
  memory: number
}

export interface Allocatable {
  readonly milliCpu: number
  readonly memory: number
  /** How many pods the node takes (allocatable "pods"; 110 when the node does not say). */
  readonly pods: number
}

const NO_LABELS: Labels = Object.freeze({})
const NO_TAINTS: readonly Taint[] = Object.freeze([])

/** Allocatable (capacity when the node has no allocatable) as the scheduler counts it. */
export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {}
  return {
    milliCpu: milliCpu(list.cpu),
    memory: wholeUnits(list.memory),
    pods: list.pods === undefined ? 110 : wholeUnits(list.pods),
  }
}

export class NodeInfo {
  /** Undefined while the cache knows pods bound to a node it has not seen yet. */
  node: Node | undefined
  name: string
  labels: Labels
  taints: readonly Taint[]
  unschedulable: boolean
  allocatable: Allocatable
  pods: PodInfo[] = []
  podsWithAffinity: PodInfo[] = []
  podsWithRequiredAntiAffinity: PodInfo[] = []
  /** The sum of the pods' requests. */
  readonly requested: ResourceCounts = { milliCpu: 0, memory: 0 }
  /** The sum of the pods' non-zero requests (scoring). */
  readonly nonZeroRequested: ResourceCounts = { milliCpu: 0, memory: 0 }
  /** Bumped by the cache on every change; snapshots copy only newer NodeInfos. */
  generation = 0
  /**
   * What is left for one more pod, kept up to date with the totals: allocatable minus requested
   * cpu and memory, and allocatable pods minus the pods here. NodeResourcesFit's filter, which
   * runs on hundreds of nodes per pod, reads these fields of the NodeInfo itself instead of
   * three more objects per node.
   */
  freeMilliCpu = 0
  freeMemory = 0
  freePods = 0

  constructor(node?: Node, name = node?.metadata.name ?? '') {
    this.node = node
    this.name = name
    this.labels = node?.metadata.labels ?? NO_LABELS
    this.taints = node?.spec?.taints ?? NO_TAINTS
    this.unschedulable = node?.spec?.unschedulable === true
    this.allocatable = node === undefined ? { milliCpu: 0, memory: 0, pods: 0 } : nodeAllocatable(node)
    this.refreshFree()
  }

  /** A NodeInfo for tests and benchmarks: the node and the pods on it. */
  static of(node: Node, pods: readonly PodInfo[] = []): NodeInfo {
    const ni = new NodeInfo(node)
    for (const p of pods) ni.addPod(p)
    return ni
  }

  setNode(node: Node): void {
    this.node = node
    this.name = node.metadata.name ?? ''
    this.labels = node.metadata.labels ?? NO_LABELS
    this.taints = node.spec?.taints ?? NO_TAINTS
    this.unschedulable = node.spec?.unschedulable === true
    this.allocatable = nodeAllocatable(node)
    this.refreshFree()
  }

  addPod(p: PodInfo): void {
    this.pods.push(p)
    if (p.hasAffinity) this.podsWithAffinity.push(p)
    if (p.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(p)
    this.update(p, 1)
  }

  /** Removes the pod with this uid; false if it is not here. */
  removePod(uid: string): boolean {
    const i = this.pods.findIndex((p) => p.uid === uid)
    if (i < 0) return false
    const p = this.pods[i]!
    this.pods.splice(i, 1)
    if (p.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((q) => q.uid !== uid)
    if (p.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((q) => q.uid !== uid)
    this.update(p, -1)
    return true
  }

  private update(p: PodInfo, sign: 1 | -1): void {
    this.requested.milliCpu += sign * p.requests.milliCpu
    this.requested.memory += sign * p.requests.memory
    this.nonZeroRequested.milliCpu += sign * p.nonZeroRequests.milliCpu
    this.nonZeroRequested.memory += sign * p.nonZeroRequests.memory
    this.refreshFree()
  }

  private refreshFree(): void {
    this.freeMilliCpu = this.allocatable.milliCpu - this.requested.milliCpu
    this.freeMemory = this.allocatable.memory - this.requested.memory
    this.freePods = this.allocatable.pods - this.pods.length
  }

  /** A copy whose pod lists and totals can change without touching this one (PodInfos are shared: they are immutable). */
  clone(): NodeInfo {
    const c = new NodeInfo(undefined, this.name)
    c.node = this.node
    c.labels = this.labels
    c.taints = this.taints
    c.unschedulable = this.unschedulable
    c.allocatable = this.allocatable
    c.pods = this.pods.slice()
    c.podsWithAffinity = this.podsWithAffinity.slice()
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice()
    c.requested.milliCpu = this.requested.milliCpu
    c.requested.memory = this.requested.memory
    c.nonZeroRequested.milliCpu = this.nonZeroRequested.milliCpu
    c.nonZeroRequested.memory = this.nonZeroRequested.memory
    c.generation = this.generation
    c.refreshFree()
    return c
  }
}
