/**
 * The framework (framework/runtime/framework.go): the enabled plugins sorted into extension
 * points, in the profile's order, and the Run*Plugins steps of one scheduling cycle.
 */
import type { Nominator } from '../nominator.ts'
import type { CycleState } from './cycle-state.ts'
import {
  isFilter,
  isPostFilter,
  isPreFilter,
  isPreScore,
  isReserve,
  isScore,
  type AnyPlugin,
  type FilterPlugin,
  type PostFilterHandle,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces.ts'
import type { NodeInfo } from './node-info.ts'
import type { PodInfo } from './pod-info.ts'
import type { Snapshot } from './snapshot.ts'
import { MAX_NODE_SCORE, Status, errorStatus, type Result } from './status.ts'

export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin
  readonly weight: number
}

export interface FrameworkOptions {
  readonly schedulerName?: string
  /** 0 or undefined: adaptive (50 - nodes/125 percent, at least 5%). */
  readonly percentageOfNodesToScore?: number
}

const asError = (plugin: string, e: unknown): Status => errorStatus(`running ${plugin}: ${e instanceof Error ? e.message : String(e)}`).withPlugin(plugin)

export class Framework {
  readonly schedulerName: string
  readonly percentageOfNodesToScore: number | undefined
  readonly preFilterPlugins: readonly PreFilterPlugin[]
  readonly filterPlugins: readonly FilterPlugin[]
  readonly postFilterPlugins: readonly PostFilterPlugin[]
  readonly preScorePlugins: readonly PreScorePlugin[]
  readonly scorePlugins: readonly WeightedScorePlugin[]
  readonly reservePlugins: readonly ReservePlugin[]

  /** `plugins` in order; each goes to every extension point it implements. `weights` by plugin name, 1 when absent. */
  constructor(plugins: readonly AnyPlugin[], weights: Readonly<Record<string, number>> = {}, options: FrameworkOptions = {}) {
    const names = new Set<string>()
    for (const p of plugins) {
      if (names.has(p.name)) throw new RangeError(`plugin ${JSON.stringify(p.name)} is enabled twice`)
      names.add(p.name)
    }
    const pct = options.percentageOfNodesToScore
    if (pct !== undefined && !(Number.isInteger(pct) && pct >= 0 && pct <= 100)) throw new RangeError(`percentageOfNodesToScore ${pct} is not an integer in [0, 100]`)
    this.schedulerName = options.schedulerName ?? 'default-scheduler'
    this.percentageOfNodesToScore = pct
    this.preFilterPlugins = plugins.filter(isPreFilter)
    this.filterPlugins = plugins.filter(isFilter)
    this.postFilterPlugins = plugins.filter(isPostFilter)
    this.preScorePlugins = plugins.filter(isPreScore)
    this.scorePlugins = plugins.filter(isScore).map((plugin) => {
      const weight = weights[plugin.name] ?? 1
      if (!(Number.isInteger(weight) && weight > 0)) throw new RangeError(`score weight of ${plugin.name} must be a positive integer, got ${weight}`)
      return { plugin, weight }
    })
    this.reservePlugins = plugins.filter(isReserve)
  }

  /** RunPreFilterPlugins: Skip marks the plugin's Filter as skipped; the first rejection or error ends the step. */
  runPreFilterPlugins(state: CycleState, pod: PodInfo, snapshot: Snapshot): Result {
    for (const p of this.preFilterPlugins) {
      let s: Result
      try {
        s = p.preFilter(state, pod, snapshot)
      } catch (e) {
        return asError(p.name, e)
      }
      if (s === undefined || s.code === 'Success') continue
      if (s.code === 'Skip') {
        state.skipFilterPlugins.add(p.name)
        continue
      }
      return s.withPlugin(p.name)
    }
    return undefined
  }

  /** The Filter plugins that run this cycle (those whose PreFilter did not Skip). */
  activeFilterPlugins(state: CycleState): FilterPlugin[] {
    return state.skipFilterPlugins.size === 0 ? (this.filterPlugins as FilterPlugin[]) : this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name))
  }

  /** RunFilterPlugins: the first plugin that rejects the node decides. */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo, plugins: readonly FilterPlugin[] = this.activeFilterPlugins(state)): Result {
    for (let i = 0; i < plugins.length; i++) {
      const p = plugins[i]!
      let s: Result
      try {
        s = p.filter(state, pod, node)
      } catch (e) {
        return asError(p.name, e)
      }
      if (s !== undefined && s.code !== 'Success') return s.withPlugin(p.name)
    }
    return undefined
  }

  /**
   * RunFilterPluginsWithNominatedPods, one pass: pods nominated to the node with at least this
   * pod's priority count as if they were on it, so their room stays theirs. (Kubernetes also runs
   * a pass without them, which matters only to affinity-like filters.)
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo, nominator: Nominator | undefined, plugins: readonly FilterPlugin[] = this.activeFilterPlugins(state)): Result {
    if (nominator === undefined || nominator.size === 0) return this.runFilterPlugins(state, pod, node, plugins)
    let withNominated: NodeInfo | undefined
    for (const p of nominator.podsOn(node.name)) {
      if (p.uid === pod.uid || p.priority < pod.priority) continue
      withNominated ??= node.clone()
      withNominated.addPod(p.withNodeName(node.name))
    }
    return this.runFilterPlugins(state, pod, withNominated ?? node, plugins)
  }

  /** RunPostFilterPlugins: the first plugin that succeeds (e.g. finds a node by preemption) wins. */
  runPostFilterPlugins(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>, handle: PostFilterHandle): { result?: PostFilterResult; status: Result; messages: string[] } {
    const messages: string[] = []
    // A rejecting plugin's result still counts (it may clear a nomination that no longer holds).
    let rejectedResult: PostFilterResult | undefined
    for (const p of this.postFilterPlugins) {
      let out: { result?: PostFilterResult; status: Result }
      try {
        out = p.postFilter(state, pod, statuses, handle)
      } catch (e) {
        return { status: asError(p.name, e), messages }
      }
      const { result, status } = out
      if (status === undefined || status.code === 'Success') return { result, status: undefined, messages }
      if (status.code === 'Error') return { status: status.withPlugin(p.name), messages }
      if (result !== undefined) rejectedResult = result
      if (status.reasons.length > 0) messages.push(status.message())
    }
    return rejectedResult === undefined ? { status: new Status('Unschedulable'), messages } : { result: rejectedResult, status: new Status('Unschedulable'), messages }
  }

  /** RunPreScorePlugins: Skip marks the plugin's Score as skipped. */
  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Result {
    for (const p of this.preScorePlugins) {
      let s: Result
      try {
        s = p.preScore(state, pod, nodes, snapshot)
      } catch (e) {
        return asError(p.name, e)
      }
      if (s === undefined || s.code === 'Success') continue
      if (s.code === 'Skip') {
        state.skipScorePlugins.add(p.name)
        continue
      }
      return s.withPlugin(p.name)
    }
    return undefined
  }

  /**
   * RunScorePlugins + the weighting of prioritizeNodes: each plugin scores every node, normalizes,
   * and its scores times its weight are summed per node. Returns the totals in the nodes' order.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { totals: Float64Array; status: Result } {
    const totals = new Float64Array(nodes.length)
    /** One buffer for every plugin's scores: each writes all of it before reading it. */
    let scores: Float64Array | undefined
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue
      scores ??= new Float64Array(nodes.length)
      try {
        for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!)
        plugin.normalizeScore?.(state, pod, scores, nodes)
      } catch (e) {
        return { totals, status: asError(plugin.name, e) }
      }
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i]!
        if (!(s >= 0 && s <= MAX_NODE_SCORE)) {
          return { totals, status: errorStatus(`plugin "${plugin.name}" returns an invalid score ${s}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`).withPlugin(plugin.name) }
        }
        totals[i] = totals[i]! + s * weight
      }
    }
    return { totals, status: undefined }
  }

  /** RunReservePluginsReserve: on failure the caller runs unreserve on all of them. */
  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Result {
    for (const p of this.reservePlugins) {
      let s: Result
      try {
        s = p.reserve(state, pod, nodeName)
      } catch (e) {
        return asError(p.name, e)
      }
      if (s !== undefined && s.code !== 'Success') return s.withPlugin(p.name)
    }
    return undefined
  }

  /** RunReservePluginsUnreserve, in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i]!.unreserve(state, pod, nodeName)
  }
}
