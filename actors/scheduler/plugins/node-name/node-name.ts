/** NodeName: a pod that names a node in spec.nodeName fits only there (plugins/nodename). */
import type { FilterPlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import { sharedRejection, type Result } from '../../framework/status.ts'

export const NAME = 'NodeName'
export const ERR_REASON = "node(s) didn't match the requested node name"
const REJECTED = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON)

/** Whether the pod may run on the node by name. */
export function fits(pod: PodInfo, node: NodeInfo): boolean {
  const wanted = pod.pod.spec.nodeName
  return wanted === undefined || wanted === '' || wanted === node.name
}

export function newNodeName(): FilterPlugin {
  return {
    name: NAME,
    filter(_state, pod, node): Result {
      return fits(pod, node) ? undefined : REJECTED
    },
  }
}
