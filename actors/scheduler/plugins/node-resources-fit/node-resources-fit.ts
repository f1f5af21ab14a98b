/**
 * NodeResourcesFit (plugins/noderesources/fit.go): the pod's cpu and memory requests must fit in
 * what the node has left, and the node must take one more pod. Scores with LeastAllocated
 * (default: spread) or MostAllocated (bin-pack), cpu and memory weighted 1 each, on the non-zero
 * requests (100m / 200Mi for a container that asks for nothing).
 */
import type { FilterPlugin, ScorePlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import { MAX_NODE_SCORE, Status, type Result } from '../../framework/status.ts'

export const NAME = 'NodeResourcesFit'

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated'

export interface NodeResourcesFitArgs {
  readonly scoringStrategy?: ScoringStrategy
  /** Weights of cpu and memory in the score (1 and 1 by default). */
  readonly cpuWeight?: number
  readonly memoryWeight?: number
}

/** The reasons the pod does not fit, in Kubernetes' order and words; empty if it fits (noderesources.Fits). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = []
  if (node.pods.length + 1 > node.allocatable.pods) reasons.push('Too many pods')
  const req = pod.requests
  if (req.milliCpu === 0 && req.memory === 0) return reasons
  if (req.milliCpu > 0 && req.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) reasons.push('Insufficient cpu')
  if (req.memory > 0 && req.memory > node.allocatable.memory - node.requested.memory) reasons.push('Insufficient memory')
  return reasons
}

/** Whether the pod fits on the node by resources (insufficientResources is empty), without allocating. */
export function fits(pod: PodInfo, node: NodeInfo): boolean {
  // node.pods.length + 1 > allocatable.pods, req > allocatable - requested: the NodeInfo keeps the differences.
  if (node.freePods < 1) return false
  const req = pod.requests
  if (req.milliCpu > 0 && req.milliCpu > node.freeMilliCpu) return false
  return !(req.memory > 0 && req.memory > node.freeMemory)
}

/** One Status per combination of reasons, shared by every node rejected for it. */
const rejections = new Map<string, Status>()

function rejection(reasons: string[]): Status {
  const key = reasons.join('\u0000')
  let s = rejections.get(key)
  if (s === undefined) rejections.set(key, (s = new Status('Unschedulable', Object.freeze(reasons))))
  return s
}

/** leastRequestedScore: the share left free after the pod, 0..100 (integer division, as Go). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity)
}

/** mostRequestedScore: the share used after the pod, 0..100. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0
  return Math.floor((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity)
}

/** The node's score for the pod under a strategy: the weighted mean of the cpu and memory scores. */
export function resourceScore(pod: PodInfo, node: NodeInfo, strategy: ScoringStrategy = 'LeastAllocated', cpuWeight = 1, memoryWeight = 1): number {
  const f = strategy === 'MostAllocated' ? mostRequestedScore : leastRequestedScore
  let score = 0
  let weights = 0
  if (node.allocatable.milliCpu !== 0) {
    score += f(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, node.allocatable.milliCpu) * cpuWeight
    weights += cpuWeight
  }
  if (node.allocatable.memory !== 0) {
    score += f(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory) * memoryWeight
    weights += memoryWeight
  }
  return weights === 0 ? 0 : Math.floor(score / weights)
}

export function newNodeResourcesFit(args: NodeResourcesFitArgs = {}): FilterPlugin & ScorePlugin {
  const strategy = args.scoringStrategy ?? 'LeastAllocated'
  if (strategy !== 'LeastAllocated' && strategy !== 'MostAllocated') throw new RangeError(`NodeResourcesFit: unknown scoring strategy ${JSON.stringify(strategy)}`)
  const cpuWeight = args.cpuWeight ?? 1
  const memoryWeight = args.memoryWeight ?? 1
  return {
    name: NAME,
    filter(_state, pod, node): Result {
      return fits(pod, node) ? undefined : rejection(insufficientResources(pod, node))
    },
    score(_state, pod, node): number {
      return resourceScore(pod, node, strategy, cpuWeight, memoryWeight)
    },
  }
}
