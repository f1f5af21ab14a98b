/** NodeUnschedulable (plugins/nodeunschedulable): a cordoned node takes only pods that tolerate its unschedulable taint. */
import type { Taint } from '../../../kube/objects.ts'
import type { FilterPlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import { sharedRejection, type Result } from '../../framework/status.ts'
import { tolerationsTolerateTaint } from '../taint-toleration/taint-toleration.ts'

export const NAME = 'NodeUnschedulable'
export const ERR_REASON = 'node(s) were unschedulable'
const REJECTED = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON)
/** v1.TaintNodeUnschedulable with NoSchedule, the taint a cordoned node implies. */
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }

export function fits(pod: PodInfo, node: NodeInfo): boolean {
  return !node.unschedulable || tolerationsTolerateTaint(pod.pod.spec.tolerations, UNSCHEDULABLE_TAINT)
}

export function newNodeUnschedulable(): FilterPlugin {
  return {
    name: NAME,
    filter(_state, pod, node): Result {
      return fits(pod, node) ? undefined : REJECTED
    },
  }
}
