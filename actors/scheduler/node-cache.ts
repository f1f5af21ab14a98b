/**
 * The scheduler's cache of nodes and the pods on them (internal/cache/cache.go), fed by watch
 * events, plus the pods the scheduler has assumed onto a node before their binding lands.
 *
 * Pod lifecycle: assumePod (after a cycle picks a node) -> finishBinding (the bind call returned)
 * -> addPod/updatePod from the watch confirms it; forgetPod undoes an assume whose bind failed;
 * an assumed pod whose binding finished but that the watch never confirms expires `ttlMs` after
 * finishBinding (cleanupExpiredAssumedPods(now)).
 *
 * updateSnapshot copies only the NodeInfos changed since the snapshot's generation: every change
 * bumps the cache generation and moves the node to the head of a recency list, as Kubernetes does.
 */
import type { Node, Pod } from '../kube/objects.ts'
import { NodeInfo } from './framework/node-info.ts'
import { PodInfo } from './framework/pod-info.ts'
import type { Snapshot } from './framework/snapshot.ts'

interface Item {
  info: NodeInfo
  prev: Item | undefined
  next: Item | undefined
}

interface PodState {
  pod: PodInfo
  nodeName: string
  assumed: boolean
  bindingFinished: boolean
  /** When an assumed pod whose binding finished expires (ms). */
  deadline: number
}

export interface NodeCacheOptions {
  /** How long an assumed, bound pod may wait for the watch to confirm it (ms); 0: forever. Default 30 s. */
  readonly assumedPodTtlMs?: number
}

const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

/** The pod with spec.nodeName set to `nodeName` (what an assumed pod looks like). */
export function withNodeName(pod: Pod, nodeName: string): Pod {
  return pod.spec.nodeName === nodeName ? pod : { ...pod, spec: { ...pod.spec, nodeName } }
}

export class NodeCache {
  private readonly items = new Map<string, Item>()
  private head: Item | undefined
  private readonly pods = new Map<string, PodState>()
  private readonly assumed = new Set<string>()
  private generation = 0
  /** Generation of the last change to the set of real nodes (add or remove): snapshots rebuild their list. */
  private membershipGeneration = 0
  private readonly ttlMs: number

  constructor(options: NodeCacheOptions = {}) {
    const ttl = options.assumedPodTtlMs ?? 30_000
    if (!(ttl >= 0)) throw new RangeError(`assumedPodTtlMs must be >= 0, got ${ttl}`)
    this.ttlMs = ttl
  }

  // ---- nodes ----

  /** A node from the watch (added or updated). */
  addNode(node: Node): void {
    const name = node.metadata.name ?? ''
    const item = this.items.get(name)
    if (item === undefined) {
      this.items.set(name, this.link(new NodeInfo(node)))
      this.membershipGeneration = this.generation
      return
    }
    const wasReal = item.info.node !== undefined
    item.info.setNode(node)
    this.touch(item)
    if (!wasReal) this.membershipGeneration = this.generation
  }

  updateNode(node: Node): void {
    this.addNode(node)
  }

  /** A node deleted. Its pods stay (the watch removes them) on a NodeInfo without a node, which snapshots leave out. */
  removeNode(name: string): void {
    const item = this.items.get(name)
    if (item === undefined) return
    item.info.node = undefined
    this.touch(item)
    this.membershipGeneration = this.generation
    if (item.info.pods.length === 0) this.dropItem(name, item)
  }

  // ---- pods from the watch ----

  /** A bound pod from the watch: confirms an assumed pod (moving it if the watch puts it elsewhere), or adds it. */
  addPod(pod: Pod): void {
    const nodeName = pod.spec.nodeName
    if (!nodeName) return
    if (isTerminal(pod)) {
      this.removePod(pod)
      return
    }
    const info = new PodInfo(pod)
    const state = this.pods.get(info.uid)
    if (state !== undefined) this.removeFromNode(state)
    this.assumed.delete(info.uid)
    this.addToNode(info, nodeName, false)
  }

  /** A pod changed; a pod that finished (Succeeded/Failed) no longer holds resources. */
  updatePod(pod: Pod): void {
    this.addPod(pod)
  }

  removePod(pod: Pod | string): void {
    const uid = typeof pod === 'string' ? pod : new PodInfo(pod).uid
    const state = this.pods.get(uid)
    if (state === undefined) return
    this.removeFromNode(state)
    this.pods.delete(uid)
    this.assumed.delete(uid)
  }

  // ---- assumed pods ----

  /** Puts the pod on the node before its binding lands, so the next cycle counts it. False if the cache already has the pod. */
  assumePod(pod: Pod | PodInfo, nodeName: string): boolean {
    const info = pod instanceof PodInfo ? pod.withNodeName(nodeName) : new PodInfo(withNodeName(pod, nodeName))
    if (this.pods.has(info.uid)) return false
    this.addToNode(info, nodeName, true)
    this.assumed.add(info.uid)
    return true
  }

  /** The bind call returned: the assumed pod's TTL starts now. */
  finishBinding(uid: string, now: number): void {
    const state = this.pods.get(uid)
    if (state === undefined || !state.assumed) return
    state.bindingFinished = true
    state.deadline = now + this.ttlMs
  }

  /** Undoes an assume (the bind failed). False if the pod is not assumed. */
  forgetPod(uid: string): boolean {
    const state = this.pods.get(uid)
    if (state === undefined || !state.assumed) return false
    this.removePod(uid)
    return true
  }

  /** Removes assumed pods whose binding finished more than the TTL ago and returns them. */
  cleanupExpiredAssumedPods(now: number): PodInfo[] {
    if (this.ttlMs === 0) return []
    const expired: PodInfo[] = []
    for (const uid of this.assumed) {
      const state = this.pods.get(uid)!
      if (state.bindingFinished && state.deadline <= now) {
        expired.push(state.pod)
        this.removePod(uid)
      }
    }
    return expired
  }

  /** The earliest time an assumed pod expires, if any. */
  nextExpiry(): number | undefined {
    if (this.ttlMs === 0) return undefined
    let next: number | undefined
    for (const uid of this.assumed) {
      const s = this.pods.get(uid)!
      if (s.bindingFinished && (next === undefined || s.deadline < next)) next = s.deadline
    }
    return next
  }

  isAssumed(uid: string): boolean {
    return this.assumed.has(uid)
  }

  /** The node a pod is on (bound or assumed), if the cache has it. */
  nodeOf(uid: string): string | undefined {
    return this.pods.get(uid)?.nodeName
  }

  get nodeCount(): number {
    let n = 0
    for (const item of this.items.values()) if (item.info.node !== undefined) n++
    return n
  }

  get podCount(): number {
    return this.pods.size
  }

  /** The cache's own NodeInfo (read-only use: tests, debugging). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.items.get(name)?.info
  }

  // ---- snapshots ----

  /**
   * Brings the snapshot up to date: copies the NodeInfos changed since its generation, rebuilds
   * its list (and indexes) only when nodes came or went, otherwise swaps the copies in one by one
   * (Snapshot.replaceNodeInfos, which keeps its indexes up to date).
   */
  updateSnapshot(snapshot: Snapshot): void {
    const since = snapshot.generation
    let rebuild = this.membershipGeneration > since
    /** old, new, old, new, ... */
    const replaced: NodeInfo[] = []
    for (let item = this.head; item !== undefined && item.info.generation > since; item = item.next) {
      const ni = item.info
      if (ni.node === undefined) continue
      const old = snapshot.nodeInfoMap.get(ni.name)
      const copy = ni.clone()
      if (old === undefined || rebuild) {
        snapshot.nodeInfoMap.set(ni.name, copy)
        rebuild = true
        continue
      }
      replaced.push(old, copy)
    }
    if (rebuild) {
      for (let i = 1; i < replaced.length; i += 2) snapshot.nodeInfoMap.set(replaced[i]!.name, replaced[i]!)
      const list: NodeInfo[] = []
      for (const [name, item] of this.items) {
        if (item.info.node === undefined) continue
        list.push(snapshot.nodeInfoMap.get(name)!)
      }
      for (const name of snapshot.nodeInfoMap.keys()) if (this.items.get(name)?.info.node === undefined) snapshot.nodeInfoMap.delete(name)
      snapshot.rebuildList(list)
    } else if (replaced.length > 0) {
      snapshot.replaceNodeInfos(replaced)
    }
    snapshot.generation = this.generation
  }

  // ---- internals ----

  private addToNode(info: PodInfo, nodeName: string, assumed: boolean): void {
    let item = this.items.get(nodeName)
    if (item === undefined) {
      item = this.link(new NodeInfo(undefined, nodeName))
      this.items.set(nodeName, item)
    }
    item.info.addPod(info)
    this.touch(item)
    this.pods.set(info.uid, { pod: info, nodeName, assumed, bindingFinished: false, deadline: 0 })
  }

  private removeFromNode(state: PodState): void {
    const item = this.items.get(state.nodeName)
    if (item === undefined) return
    item.info.removePod(state.pod.uid)
    this.touch(item)
    if (item.info.node === undefined && item.info.pods.length === 0) this.dropItem(state.nodeName, item)
  }

  private link(info: NodeInfo): Item {
    const item: Item = { info, prev: undefined, next: this.head }
    if (this.head !== undefined) this.head.prev = item
    this.head = item
    info.generation = ++this.generation
    return item
  }

  /** Bumps the node's generation and moves it to the head. */
  private touch(item: Item): void {
    item.info.generation = ++this.generation
    if (this.head === item) return
    this.unlink(item)
    item.next = this.head
    item.prev = undefined
    if (this.head !== undefined) this.head.prev = item
    this.head = item
  }

  private unlink(item: Item): void {
    if (item.prev !== undefined) item.prev.next = item.next
    else if (this.head === item) this.head = item.next
    if (item.next !== undefined) item.next.prev = item.prev
    item.prev = item.next = undefined
  }

  private dropItem(name: string, item: Item): void {
    this.unlink(item)
    this.items.delete(name)
  }
}
