/**
 * PodTopologySpread (plugins/podtopologyspread): for each constraint, the pods matching its
 * labelSelector (same namespace, not terminating) are counted per domain of topologyKey over the
 * nodes the pod could use (its node affinity/selector honored, all constraint keys present).
 * DoNotSchedule constraints filter: count + self - global minimum must stay within maxSkew.
 * ScheduleAnyway constraints score: fewer matching pods, higher score.
 *
 * The counts per domain come from the snapshot's TopologyCounts (framework/pod-index.ts), kept up
 * to date as nodes change, instead of a scan of every pod each cycle.
 */
import type { TopologySpreadConstraint } from '../../../kube/objects.ts'
import { labelSelectorFromObject, nothing, type LabelSelector } from '../../../apiserver/meta/label-selector.ts'
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import { labelValue, selectorKey, selectorMatches, type PodInfo } from '../../framework/pod-info.ts'
import type { TopologyCounts } from '../../framework/pod-index.ts'
import type { Snapshot } from '../../framework/snapshot.ts'
import { MAX_NODE_SCORE, errorStatus, sharedRejection, skip, type Result } from '../../framework/status.ts'
import { requiredNodeAffinity } from '../node-affinity/node-affinity.ts'

export const NAME = 'PodTopologySpread'
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`
/** v1.LabelHostname: domains of one node, counted per node at Score. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname'

const NODE_LABEL_NOT_MATCH = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON_NODE_LABEL_NOT_MATCH)
const CONSTRAINTS_NOT_MATCH = sharedRejection('Unschedulable', ERR_REASON_CONSTRAINTS_NOT_MATCH)

export interface Constraint {
  readonly maxSkew: number
  readonly topologyKey: string
  readonly selector: LabelSelector
  /** Fewer eligible domains than this and the global minimum counts as 0; undefined: not checked. */
  readonly minDomains: number | undefined
}

interface ParsedConstraints {
  readonly hard: readonly Constraint[]
  readonly soft: readonly Constraint[]
  readonly errors: readonly string[]
}

const parsedCache = new WeakMap<PodInfo, ParsedConstraints>()

/** The pod's DoNotSchedule and ScheduleAnyway constraints with selectors parsed, once per PodInfo. */
export function podConstraints(pod: PodInfo): ParsedConstraints {
  let p = parsedCache.get(pod)
  if (p !== undefined) return p
  const hard: Constraint[] = []
  const soft: Constraint[] = []
  const errors: string[] = []
  for (const c of (pod.pod.spec.topologySpreadConstraints ?? []) as readonly TopologySpreadConstraint[]) {
    const r = labelSelectorFromObject(c.labelSelector)
    if (!r.ok) errors.push(r.error)
    const parsed: Constraint = { maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector: r.ok ? r.selector : nothing(), minDomains: c.minDomains }
    ;(c.whenUnsatisfiable === 'ScheduleAnyway' ? soft : hard).push(parsed)
  }
  p = { hard, soft, errors }
  parsedCache.set(pod, p)
  return p
}

/** Whether a pod counts for a constraint of a pod in `namespace`: same namespace, not terminating, matching (an empty selector counts none, as Kubernetes). */
const podCounts = (p: PodInfo, selector: LabelSelector, namespace: string): boolean => !p.terminating && p.namespace === namespace && selectorMatches(selector, p.labels)

/** countPodsMatchSelector: pods in the namespace, not terminating, matching (an empty selector counts none, as Kubernetes). */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: LabelSelector, namespace: string): number {
  if (selector.empty) return 0
  let n = 0
  for (let i = 0; i < pods.length; i++) if (podCounts(pods[i]!, selector, namespace)) n++
  return n
}

function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  for (let i = 0; i < constraints.length; i++) if (labelValue(node.labels, constraints[i]!.topologyKey) === undefined) return false
  return true
}

export interface PreFilterState {
  readonly constraints: readonly Constraint[]
  /** Per constraint: matching pods per topology value, every eligible domain present (0 if empty). */
  readonly counts: readonly ReadonlyMap<string, number>[]
  /** Per constraint: the smallest count over its domains (Infinity with no domain). */
  readonly minMatch: readonly number[]
}

/**
 * Per constraint, the pods it counts per domain over the nodes the pod could use (its required
 * node affinity, every key of `constraints`), from the snapshot's TopologyCounts: pods whose
 * constraints and node affinity read the same share them.
 */
export function constraintCounts(pod: PodInfo, constraints: readonly Constraint[], snapshot: Snapshot, wanted: (c: Constraint) => boolean = () => true): (TopologyCounts | undefined)[] {
  const affinity = requiredNodeAffinity(pod)
  const keys = [...new Set(constraints.map((c) => c.topologyKey))].sort().join('\u0001')
  const nodes = `${affinity.key}\u0000${keys}`
  const nodeMatches = (node: NodeInfo): boolean => affinity.match(node) && hasAllKeys(node, constraints)
  const ns = pod.namespace
  return constraints.map((c) => {
    if (!wanted(c)) return undefined
    const selector = c.selector
    const podMatches = selector.empty ? () => false : (p: PodInfo): boolean => podCounts(p, selector, ns)
    return snapshot.topologyCounts({ key: `pts\u0000${c.topologyKey}\u0000${ns}\u0000${selectorKey(selector)}\u0000${nodes}`, topologyKey: c.topologyKey, podMatches, nodeMatches, domains: true })
  })
}

/** PreFilter's counting over all nodes. */
export function preFilterState(pod: PodInfo, constraints: readonly Constraint[], snapshot: Snapshot): PreFilterState {
  const counts = constraintCounts(pod, constraints, snapshot).map((c) => c!.counts)
  const minMatch = counts.map((m) => {
    let min = Infinity
    for (const n of m.values()) if (n < min) min = n
    return min
  })
  return { constraints, counts, minMatch }
}

/** The filter's verdict for one node. */
export function filterNode(s: PreFilterState, pod: PodInfo, node: NodeInfo): Result {
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!
    const value = labelValue(node.labels, c.topologyKey)
    if (value === undefined) return NODE_LABEL_NOT_MATCH
    const counts = s.counts[i]!
    const minMatch = c.minDomains !== undefined && counts.size < c.minDomains ? 0 : s.minMatch[i]!
    const self = selectorMatches(c.selector, pod.labels) ? 1 : 0
    const skew = (counts.get(value) ?? 0) + self - minMatch
    if (skew > c.maxSkew) return CONSTRAINTS_NOT_MATCH
  }
  return undefined
}

interface PreScoreState {
  readonly constraints: readonly Constraint[]
  readonly ignored: ReadonlySet<string>
  /** Per constraint (not hostname): matching pods per value, only values of feasible nodes. */
  readonly counts: readonly Map<string, number>[]
  readonly weights: readonly number[]
}

function preScoreState(pod: PodInfo, constraints: readonly Constraint[], feasible: readonly NodeInfo[], snapshot: Snapshot): PreScoreState {
  const ignored = new Set<string>()
  const counts = constraints.map(() => new Map<string, number>())
  const all = constraintCounts(pod, constraints, snapshot, (c) => c.topologyKey !== LABEL_HOSTNAME)
  for (const node of feasible) {
    if (!hasAllKeys(node, constraints)) {
      ignored.add(node.name)
      continue
    }
    constraints.forEach((c, i) => {
      if (c.topologyKey === LABEL_HOSTNAME) return
      const value = node.labels[c.topologyKey]!
      counts[i]!.set(value, all[i]!.counts.get(value) ?? 0)
    })
  }
  const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length - ignored.size : counts[i]!.size) + 2))
  return { constraints, ignored, counts, weights }
}

export function newPodTopologySpread(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const scoreKey = `PreScore${NAME}`
  return {
    name: NAME,
    preFilter(state, pod, snapshot: Snapshot): Result {
      const { hard, errors } = podConstraints(pod)
      if (errors.length > 0) return errorStatus(...errors)
      if (hard.length === 0) return skip()
      state.write(NAME, preFilterState(pod, hard, snapshot))
      return undefined
    },
    filter(state, pod, node): Result {
      const s = state.read<PreFilterState>(NAME)
      return s === undefined ? undefined : filterNode(s, pod, node)
    },
    preScore(state, pod, nodes, snapshot): Result {
      const { soft } = podConstraints(pod)
      if (soft.length === 0) return skip()
      state.write(scoreKey, preScoreState(pod, soft, nodes, snapshot))
      return undefined
    },
    score(state, pod, node): number {
      const s = state.read<PreScoreState>(scoreKey)
      if (s === undefined || s.ignored.has(node.name)) return 0
      let score = 0
      s.constraints.forEach((c, i) => {
        const value = labelValue(node.labels, c.topologyKey)
        if (value === undefined) return
        const count = c.topologyKey === LABEL_HOSTNAME ? countPodsMatchSelector(node.pods, c.selector, pod.namespace) : (s.counts[i]!.get(value) ?? 0)
        score += count * s.weights[i]! + (c.maxSkew - 1)
      })
      return Math.round(score)
    },
    normalizeScore(state, _pod, scores, nodes): void {
      const s = state.read<PreScoreState>(scoreKey)
      if (s === undefined) return
      let min = Infinity
      let max = 0
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(nodes[i]!.name)) continue
        if (scores[i]! < min) min = scores[i]!
        if (scores[i]! > max) max = scores[i]!
      }
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(nodes[i]!.name)) scores[i] = 0
        else if (max === 0) scores[i] = MAX_NODE_SCORE
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max)
      }
    },
  }
}
