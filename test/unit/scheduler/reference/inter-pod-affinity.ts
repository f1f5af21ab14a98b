/** The plugin as it was before the snapshot indexes (commit 9785774): a plain scan of every pod, the reference the fast plugin must agree with. */
/**
 * InterPodAffinity (plugins/interpodaffinity): required pod affinity and anti-affinity per
 * topology domain (the nodes sharing a value of topologyKey), including the anti-affinity of pods
 * already running against the incoming pod; preferred terms (the pod's and the existing pods')
 * score domains up or down by their weights.
 */
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../../../actors/scheduler/framework/interfaces.ts'
import type { NodeInfo } from '../../../../actors/scheduler/framework/node-info.ts'
import { labelValue, termMatches, type AffinityTerm, type PodInfo } from '../../../../actors/scheduler/framework/pod-info.ts'
import type { Snapshot } from '../../../../actors/scheduler/framework/snapshot.ts'
import { MAX_NODE_SCORE, errorStatus, skip, unresolvable, unschedulable, type Result } from '../../../../actors/scheduler/framework/status.ts'

export const NAME = 'InterPodAffinity'
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"

export interface InterPodAffinityArgs {
  /** Weight of an existing pod's required affinity term matching the incoming pod, in scoring (default 1). */
  readonly hardPodAffinityWeight?: number
}

/** Counts per topology pair; the key is `topologyKey \0 value`. */
export type TopologyCounts = Map<string, number>

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`

function add(counts: TopologyCounts, key: string, value: string, n: number): void {
  const k = pairKey(key, value)
  counts.set(k, (counts.get(k) ?? 0) + n)
}

export interface PreFilterState {
  readonly pod: PodInfo
  /** Pairs where an existing pod's required anti-affinity term matches the incoming pod. */
  readonly existingAntiAffinityCounts: TopologyCounts
  /** Pairs with existing pods matching the incoming pod's required affinity terms (a pod counts once per matching term set). */
  readonly affinityCounts: TopologyCounts
  /** Pairs with existing pods matching any of the incoming pod's required anti-affinity terms. */
  readonly antiAffinityCounts: TopologyCounts
  /** Namespace labels for terms with a namespaceSelector (Snapshot.namespaceLabels). */
  readonly namespaceLabels?: (ns: string) => Readonly<Record<string, string>> | undefined
}

/** Existing pods' required anti-affinity against the incoming pod (getExistingAntiAffinityCounts). */
export function existingAntiAffinityCounts(pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): TopologyCounts {
  const counts: TopologyCounts = new Map()
  for (const node of nodes) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const term of existing.requiredAntiAffinityTerms) {
        const value = labelValue(node.labels, term.topologyKey)
        if (value !== undefined && termMatches(term, pod, snapshot.namespaceLabels)) add(counts, term.topologyKey, value, 1)
      }
    }
  }
  return counts
}

const allMatch = (terms: readonly AffinityTerm[], pod: PodInfo, snapshot: Snapshot): boolean => terms.every((t) => termMatches(t, pod, snapshot.namespaceLabels))

/** The incoming pod's required terms against the existing pods (getIncomingAffinityAntiAffinityCounts). */
export function incomingAffinityCounts(pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): { affinity: TopologyCounts; antiAffinity: TopologyCounts } {
  const affinity: TopologyCounts = new Map()
  const antiAffinity: TopologyCounts = new Map()
  const affTerms = pod.requiredAffinityTerms
  const antiTerms = pod.requiredAntiAffinityTerms
  if (affTerms.length === 0 && antiTerms.length === 0) return { affinity, antiAffinity }
  for (const node of nodes) {
    for (const existing of node.pods) {
      // An existing pod counts towards affinity only if it matches every affinity term.
      if (affTerms.length > 0 && allMatch(affTerms, existing, snapshot)) {
        for (const term of affTerms) {
          const value = labelValue(node.labels, term.topologyKey)
          if (value !== undefined) add(affinity, term.topologyKey, value, 1)
        }
      }
      for (const term of antiTerms) {
        if (!termMatches(term, existing, snapshot.namespaceLabels)) continue
        const value = labelValue(node.labels, term.topologyKey)
        if (value !== undefined) add(antiAffinity, term.topologyKey, value, 1)
      }
    }
  }
  return { affinity, antiAffinity }
}

/** satisfyPodAffinity: every affinity term's domain on this node holds a matching pod, or no pod anywhere matches and the pod matches its own terms. */
function satisfyPodAffinity(s: PreFilterState, node: NodeInfo): boolean {
  let podsExist = true
  for (const term of s.pod.requiredAffinityTerms) {
    const value = labelValue(node.labels, term.topologyKey)
    if (value === undefined) return false
    if ((s.affinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) <= 0) podsExist = false
  }
  if (podsExist) return true
  // The first pod of a group with affinity to itself may go anywhere that has the topology.
  return s.affinityCounts.size === 0 && s.pod.requiredAffinityTerms.every((t) => termMatches(t, s.pod, s.namespaceLabels))
}

function satisfyPodAntiAffinity(s: PreFilterState, node: NodeInfo): boolean {
  if (s.antiAffinityCounts.size === 0) return true
  for (const term of s.pod.requiredAntiAffinityTerms) {
    const value = labelValue(node.labels, term.topologyKey)
    if (value !== undefined && (s.antiAffinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) > 0) return false
  }
  return true
}

function satisfyExistingPodsAntiAffinity(s: PreFilterState, node: NodeInfo): boolean {
  if (s.existingAntiAffinityCounts.size === 0) return true
  for (const key in node.labels) {
    if ((s.existingAntiAffinityCounts.get(pairKey(key, node.labels[key]!)) ?? 0) > 0) return false
  }
  return true
}

/** The filter's verdict for one node given the PreFilter state. */
export function filterNode(s: PreFilterState, node: NodeInfo): Result {
  if (!satisfyPodAffinity(s, node)) return unresolvable(ERR_REASON_AFFINITY)
  if (!satisfyPodAntiAffinity(s, node)) return unschedulable(ERR_REASON_ANTI_AFFINITY)
  if (!satisfyExistingPodsAntiAffinity(s, node)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY)
  return undefined
}

/** Scores per topologyKey, then per value (scoreMap). */
type ScoreMap = Map<string, Map<string, number>>

function addScore(map: ScoreMap, key: string, value: string, weight: number): void {
  let byValue = map.get(key)
  if (byValue === undefined) map.set(key, (byValue = new Map()))
  byValue.set(value, (byValue.get(value) ?? 0) + weight)
}

/** preScore's topology scores: the incoming pod's preferred terms against existing pods, and existing pods' terms against it. */
export function topologyScores(pod: PodInfo, snapshot: Snapshot, hardPodAffinityWeight: number): ScoreMap {
  const scores: ScoreMap = new Map()
  const ns = snapshot.namespaceLabels
  const hasPreferred = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0
  const nodes = hasPreferred ? snapshot.nodeInfoList : snapshot.havePodsWithAffinityList
  for (const node of nodes) {
    const existingPods = hasPreferred ? node.pods : node.podsWithAffinity
    for (const existing of existingPods) {
      const score = (term: AffinityTerm, weight: number, candidate: PodInfo): void => {
        if (!termMatches(term, candidate, ns)) return
        const value = labelValue(node.labels, term.topologyKey)
        if (value !== undefined) addScore(scores, term.topologyKey, value, weight)
      }
      for (const t of pod.preferredAffinityTerms) score(t, t.weight, existing)
      for (const t of pod.preferredAntiAffinityTerms) score(t, -t.weight, existing)
      if (hardPodAffinityWeight > 0) for (const t of existing.requiredAffinityTerms) score(t, hardPodAffinityWeight, pod)
      for (const t of existing.preferredAffinityTerms) score(t, t.weight, pod)
      for (const t of existing.preferredAntiAffinityTerms) score(t, -t.weight, pod)
    }
  }
  return scores
}

export function newInterPodAffinity(args: InterPodAffinityArgs = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1
  if (!(hardPodAffinityWeight >= 0 && hardPodAffinityWeight <= 100)) throw new RangeError(`InterPodAffinity: hardPodAffinityWeight ${hardPodAffinityWeight} is not in [0, 100]`)
  const scoreKey = `PreScore${NAME}`
  return {
    name: NAME,
    preFilter(state, pod, snapshot): Result {
      if (pod.parseErrors.length > 0) return errorStatus(...pod.parseErrors)
      const existing = existingAntiAffinityCounts(pod, snapshot.havePodsWithRequiredAntiAffinityList, snapshot)
      if (existing.size === 0 && pod.requiredAffinityTerms.length === 0 && pod.requiredAntiAffinityTerms.length === 0) return skip()
      const { affinity, antiAffinity } = incomingAffinityCounts(pod, snapshot.nodeInfoList, snapshot)
      const s: PreFilterState = { pod, existingAntiAffinityCounts: existing, affinityCounts: affinity, antiAffinityCounts: antiAffinity, namespaceLabels: snapshot.namespaceLabels }
      state.write(NAME, s)
      return undefined
    },
    filter(state, _pod, node): Result {
      const s = state.read<PreFilterState>(NAME)
      return s === undefined ? undefined : filterNode(s, node)
    },
    preScore(state, pod, _nodes, snapshot): Result {
      const scores = topologyScores(pod, snapshot, hardPodAffinityWeight)
      if (scores.size === 0) return skip()
      state.write(scoreKey, scores)
      return undefined
    },
    score(state, _pod, node): number {
      const scores = state.read<ScoreMap>(scoreKey)
      if (scores === undefined) return 0
      let total = 0
      for (const [key, byValue] of scores) {
        const value = labelValue(node.labels, key)
        if (value !== undefined) total += byValue.get(value) ?? 0
      }
      return total
    },
    normalizeScore(_state, _pod, scores): void {
      let min = Infinity
      let max = -Infinity
      for (const s of scores) {
        if (s < min) min = s
        if (s > max) max = s
      }
      const diff = max - min
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0
    },
  }
}
