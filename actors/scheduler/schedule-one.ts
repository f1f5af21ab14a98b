/**
 * One scheduling cycle's algorithm (schedule_one.go: schedulePod, findNodesThatFitPod,
 * prioritizeNodes, selectHost): PreFilter, Filter from a rotating start until enough feasible
 * nodes are found, PreScore, Score, and the highest total wins. Pure: the snapshot, the pod and
 * random() come in; a result comes out. Assume, Reserve and Bind are the caller's (scheduler.ts).
 */
import { CycleState } from './framework/cycle-state.ts'
import type { Framework } from './framework/framework.ts'
import type { PostFilterResult } from './framework/interfaces.ts'
import type { NodeInfo } from './framework/node-info.ts'
import type { PodInfo } from './framework/pod-info.ts'
import type { Snapshot } from './framework/snapshot.ts'
import { Status } from './framework/status.ts'
import type { Nominator } from './nominator.ts'

/** minFeasibleNodesToFind: below this many nodes, every node is evaluated. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100
/** minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods'

/**
 * numFeasibleNodesToFind: how many feasible nodes are enough. Every node under 100; otherwise the
 * percentage (adaptive when 0/undefined: 50 - nodes/125, at least 5), but never fewer than 100.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes
  let percentage = percentageOfNodesToScore ?? 0
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125)
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100)
  return numNodes < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : numNodes
}

/** Why no node fits (framework.Diagnosis). */
export interface Diagnosis {
  /** Each rejected node's status (every node, when PreFilter rejected the pod). */
  readonly nodeToStatus: Map<string, Status>
  /** The plugins that rejected the pod somewhere; the queue requeues it on events that concern them. */
  readonly unschedulablePlugins: Set<string>
  preFilterMsg: string
  postFilterMsg: string
}

/**
 * framework.FitError. The message is kube-scheduler's: "0/N nodes are available: " then each
 * reason with the number of nodes that gave it, sorted as strings (so "10 x" before "2 y"),
 * joined by ", ", and a final ".".
 */
export class FitError extends Error {
  readonly pod: PodInfo
  readonly numAllNodes: number
  readonly diagnosis: Diagnosis

  constructor(pod: PodInfo, numAllNodes: number, diagnosis: Diagnosis) {
    super(fitErrorMessage(numAllNodes, diagnosis))
    this.pod = pod
    this.numAllNodes = numAllNodes
    this.diagnosis = diagnosis
    this.name = 'FitError'
  }
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`
  } else {
    const histogram = new Map<string, number>()
    for (const status of d.nodeToStatus.values()) for (const r of status.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1)
    const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}.`
  return msg
}

export type ScheduleResult =
  | {
      readonly kind: 'scheduled'
      readonly nodeName: string
      /** Nodes filtered this cycle (feasible + rejected). */
      readonly evaluatedNodes: number
      readonly feasibleNodes: number
      readonly state: CycleState
    }
  /** The pod fits no node; `error.message` is the event/condition text. */
  | { readonly kind: 'unschedulable'; readonly error: FitError; readonly message: string; readonly state: CycleState; readonly postFilter?: PostFilterResult }
  /** A plugin failed (Status code Error): retry with backoff. */
  | { readonly kind: 'error'; readonly status: Status; readonly message: string; readonly state: CycleState }

/** selectHost: the highest total; ties broken uniformly by reservoir sampling with `random()` in [0, 1). */
export function selectHost(nodes: readonly NodeInfo[], totals: Float64Array, random: () => number): number {
  let best = 0
  let bestScore = -Infinity
  let ties = 0
  for (let i = 0; i < totals.length; i++) {
    const s = totals[i]!
    if (s > bestScore) {
      bestScore = s
      best = i
      ties = 1
    } else if (s === bestScore) {
      ties++
      if (Math.floor(random() * ties) === 0) best = i
    }
  }
  return nodes.length === 0 ? -1 : best
}

/**
 * The scheduling algorithm with its one piece of state: where the next Filter pass starts, so
 * successive pods spread their evaluation over all nodes.
 */
export class SchedulingAlgorithm {
  nextStartNodeIndex = 0
  readonly framework: Framework

  constructor(framework: Framework) {
    this.framework = framework
  }

  /** schedulePod: finds the node for `pod` in `snapshot`; `nominator`: nominated pods hold their room (and the pod's own nominated node is tried first). */
  schedulePod(pod: PodInfo, snapshot: Snapshot, random: () => number, state: CycleState = new CycleState(), nominator?: Nominator): ScheduleResult {
    const fwk = this.framework
    const all = snapshot.nodeInfoList
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' }
    if (all.length === 0) {
      const error = new FitError(pod, 0, diagnosis)
      return { kind: 'unschedulable', error, message: ERR_NO_NODES_AVAILABLE, state }
    }

    const pre = fwk.runPreFilterPlugins(state, pod, snapshot)
    if (pre !== undefined) {
      if (!pre.isRejected()) return { kind: 'error', status: pre, message: `running PreFilter plugin "${pre.plugin}": ${pre.message()}`, state }
      for (const n of all) diagnosis.nodeToStatus.set(n.name, pre)
      diagnosis.preFilterMsg = pre.message()
      if (pre.plugin !== '') diagnosis.unschedulablePlugins.add(pre.plugin)
      return this.unschedulable(pod, all.length, diagnosis, state, snapshot, random, nominator)
    }

    // evaluateNominatedNode: the node its preemption made room on is tried alone first.
    const nominatedName = nominator?.nodeOf(pod.uid) ?? pod.pod.status?.nominatedNodeName
    const nominatedNode = nominatedName ? snapshot.get(nominatedName) : undefined
    if (nominatedNode !== undefined && fwk.runFilterPluginsWithNominatedPods(state, pod, nominatedNode, nominator) === undefined) {
      return { kind: 'scheduled', nodeName: nominatedNode.name, evaluatedNodes: 1, feasibleNodes: 1, state }
    }

    // findNodesThatPassFilters
    const numAll = all.length
    const numToFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore, numAll)
    const filters = fwk.activeFilterPlugins(state)
    const withNominated = nominator !== undefined && nominator.size > 0
    const feasible: NodeInfo[] = []
    // Rejections are kept as they come (node, status, node, status, ...) and make the diagnosis only if no node fits.
    const rejected: (NodeInfo | Status)[] = []
    let processed = 0
    const start = this.nextStartNodeIndex % numAll
    for (let i = 0, at = start; i < numAll && feasible.length < numToFind; i++, at = at + 1 === numAll ? 0 : at + 1) {
      const node = all[at]!
      processed++
      const s = filters.length === 0 ? undefined : withNominated ? fwk.runFilterPluginsWithNominatedPods(state, pod, node, nominator, filters) : fwk.runFilterPlugins(state, pod, node, filters)
      if (s === undefined) {
        feasible.push(node)
        continue
      }
      if (s.code !== 'Unschedulable' && s.code !== 'UnschedulableAndUnresolvable') return { kind: 'error', status: s, message: `running Filter plugin "${s.plugin}": ${s.message()}`, state }
      rejected.push(node, s)
    }
    this.nextStartNodeIndex = (start + processed) % numAll

    if (feasible.length === 0) {
      for (let i = 0; i < rejected.length; i += 2) {
        const s = rejected[i + 1] as Status
        diagnosis.nodeToStatus.set((rejected[i] as NodeInfo).name, s)
        diagnosis.unschedulablePlugins.add(s.plugin)
      }
      return this.unschedulable(pod, numAll, diagnosis, state, snapshot, random, nominator)
    }
    if (feasible.length === 1) return { kind: 'scheduled', nodeName: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1, state }

    const preScore = fwk.runPreScorePlugins(state, pod, feasible, snapshot)
    if (preScore !== undefined) return { kind: 'error', status: preScore, message: `running PreScore plugin "${preScore.plugin}": ${preScore.message()}`, state }
    const { totals, status } = fwk.runScorePlugins(state, pod, feasible)
    if (status !== undefined) return { kind: 'error', status, message: status.message(), state }
    const best = selectHost(feasible, totals, random)
    return { kind: 'scheduled', nodeName: feasible[best]!.name, evaluatedNodes: processed, feasibleNodes: feasible.length, state }
  }

  private unschedulable(pod: PodInfo, numAll: number, diagnosis: Diagnosis, state: CycleState, snapshot: Snapshot, random: () => number, nominator: Nominator | undefined): ScheduleResult {
    const fwk = this.framework
    const handle = { snapshot, nominator, random, runFilters: (s: CycleState, p: PodInfo, n: NodeInfo) => fwk.runFilterPluginsWithNominatedPods(s, p, n, nominator) }
    const post = fwk.runPostFilterPlugins(state, pod, diagnosis.nodeToStatus, handle)
    if (post.status !== undefined && post.status.code === 'Error') return { kind: 'error', status: post.status, message: `running PostFilter plugin "${post.status.plugin}": ${post.status.message()}`, state }
    diagnosis.postFilterMsg = post.messages.join(', ')
    const error = new FitError(pod, numAll, diagnosis)
    return post.result === undefined ? { kind: 'unschedulable', error, message: error.message, state } : { kind: 'unschedulable', error, message: error.message, state, postFilter: post.result }
  }
}
