/**
 * NodeResourcesBalancedAllocation (plugins/noderesources/balanced_allocation.go): prefers nodes
 * whose cpu and memory would be used in equal shares after the pod, on actual requests.
 */
import type { PreScorePlugin, ScorePlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import { MAX_NODE_SCORE, skip, type Result } from '../../framework/status.ts'

export const NAME = 'NodeResourcesBalancedAllocation'

/** (1 - |cpuShare - memoryShare| / 2) * 100, shares capped at 1; a resource the node lacks is left out. */
export function balancedScore(pod: PodInfo, node: NodeInfo): number {
  const a = node.allocatable
  // With one resource (or none) the deviation is 0.
  if (a.milliCpu === 0 || a.memory === 0) return MAX_NODE_SCORE
  const cpu = Math.min(1, (node.requested.milliCpu + pod.requests.milliCpu) / a.milliCpu)
  const memory = Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory)
  return Math.trunc((1 - Math.abs((cpu - memory) / 2)) * MAX_NODE_SCORE)
}

export function newNodeResourcesBalancedAllocation(): PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    preScore(_state, pod): Result {
      // A pod that asks for nothing changes no node's balance.
      return pod.requests.milliCpu === 0 && pod.requests.memory === 0 ? skip() : undefined
    },
    score(_state, pod, node): number {
      return balancedScore(pod, node)
    },
  }
}
