/**
 * One interface per extension point (framework/interface.go). A plugin implements the ones it
 * needs; the framework puts an enabled plugin at every extension point it implements, in the
 * profile's order. Bind is the runtime's (an API call); Permit is not used.
 */
import type { Nominator } from '../nominator.ts'
import type { CycleState } from './cycle-state.ts'
import type { NodeInfo } from './node-info.ts'
import type { PodInfo } from './pod-info.ts'
import type { Snapshot } from './snapshot.ts'
import type { Result, Status } from './status.ts'

export interface Plugin {
  readonly name: string
}

export interface PreFilterPlugin extends Plugin {
  /** Computes what Filter needs. Skip: Filter is not run for this pod; rejected: the pod fits no node. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Result
}

export interface FilterPlugin extends Plugin {
  /** Whether the pod fits on the node; undefined (success) if it does. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result
}

export interface PostFilterResult {
  /** A node the pod could use once victims are gone (preemption); the runtime records it as status.nominatedNodeName. */
  readonly nominatedNodeName?: string
  /** The pods to delete to make room on that node. */
  readonly victims?: readonly PodInfo[]
  /** Pods of lower priority nominated to that node: they lose their nomination. */
  readonly lowerNominatedPods?: readonly PodInfo[]
}

/** What a PostFilter plugin may use of the framework (framework.Handle). */
export interface PostFilterHandle {
  readonly snapshot: Snapshot
  readonly nominator: Nominator | undefined
  /** The Filter plugins active this cycle, with the node's nominated pods of at least the pod's priority counted on it. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Result
  /** Uniform in [0, 1). */
  readonly random: () => number
}

export interface PostFilterPlugin extends Plugin {
  /** Runs when no node fits, with every node's rejection. */
  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>, handle: PostFilterHandle): { result?: PostFilterResult; status: Result }
}

export interface PreScorePlugin extends Plugin {
  /** Computes what Score needs over the feasible nodes. Skip: Score is not run for this pod. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Result
}

export interface ScorePlugin extends Plugin {
  /** A raw score for one feasible node. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number
  /** Rewrites the raw scores (same order as the nodes) into [0, MAX_NODE_SCORE]. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, nodes: readonly NodeInfo[]): void
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Result
  /** Undoes reserve when a later step (or the bind) fails. Must not fail. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void
}

export type AnyPlugin = Plugin & Partial<PreFilterPlugin & FilterPlugin & PostFilterPlugin & PreScorePlugin & ScorePlugin & ReservePlugin>

export const isPreFilter = (p: AnyPlugin): p is PreFilterPlugin => typeof p.preFilter === 'function'
export const isFilter = (p: AnyPlugin): p is FilterPlugin => typeof p.filter === 'function'
export const isPostFilter = (p: AnyPlugin): p is PostFilterPlugin => typeof p.postFilter === 'function'
export const isPreScore = (p: AnyPlugin): p is PreScorePlugin => typeof p.preScore === 'function'
export const isScore = (p: AnyPlugin): p is ScorePlugin => typeof p.score === 'function'
export const isReserve = (p: AnyPlugin): p is ReservePlugin => typeof p.reserve === 'function' && typeof p.unreserve === 'function'
