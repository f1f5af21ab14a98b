/**
 * The pods nominated to a node by preemption and not bound yet (the queue's PodNominator). A
 * nominated pod's requests are held for it on its node: pods of lower or equal priority are
 * filtered as if it were there already, so they do not take the room its victims leave.
 *
 * Nominations come from status.nominatedNodeName (the watch) and from this scheduler's own
 * preemptions, which land in memory before the watch shows the status patch; a watch update
 * without a nominatedNodeName therefore keeps a nomination (Kubernetes does the same).
 */
import type { PodInfo } from './framework/pod-info.ts'

const NONE: readonly PodInfo[] = Object.freeze([])

export class Nominator {
  private readonly byNode = new Map<string, PodInfo[]>()
  private readonly nodeOfPod = new Map<string, string>()

  /** Nominates the pod to `nodeName` (moving an earlier nomination). */
  add(pod: PodInfo, nodeName: string): void {
    this.delete(pod.uid)
    this.nodeOfPod.set(pod.uid, nodeName)
    const list = this.byNode.get(nodeName)
    if (list === undefined) this.byNode.set(nodeName, [pod])
    else list.push(pod)
  }

  /** A pending pod from the watch: its status.nominatedNodeName, if any, wins; otherwise the nomination held in memory stays (with the newer PodInfo). */
  update(pod: PodInfo): void {
    const nominated = pod.pod.status?.nominatedNodeName || this.nodeOfPod.get(pod.uid)
    if (nominated) this.add(pod, nominated)
  }

  /** The pod was bound, deleted or lost its nomination. */
  delete(uid: string): void {
    const node = this.nodeOfPod.get(uid)
    if (node === undefined) return
    this.nodeOfPod.delete(uid)
    const list = this.byNode.get(node)!
    const rest = list.filter((p) => p.uid !== uid)
    if (rest.length === 0) this.byNode.delete(node)
    else this.byNode.set(node, rest)
  }

  nodeOf(uid: string): string | undefined {
    return this.nodeOfPod.get(uid)
  }

  /** The pods nominated to the node. */
  podsOn(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? NONE
  }

  get size(): number {
    return this.nodeOfPod.size
  }
}
