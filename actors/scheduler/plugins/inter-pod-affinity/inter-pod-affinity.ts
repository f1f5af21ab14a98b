/**
 * InterPodAffinity (plugins/interpodaffinity): required pod affinity and anti-affinity per
 * topology domain (the nodes sharing a value of topologyKey), including the anti-affinity of pods
 * already running against the incoming pod; preferred terms (the pod's and the existing pods')
 * score domains up or down by their weights.
 *
 * The counting Kubernetes does over every pod each cycle comes from the snapshot's indexes
 * (framework/pod-index.ts): existing pods' terms grouped by identical term, and per-term counts of
 * matching pods per topology value, both kept up to date as nodes change.
 */
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import { labelValue, needsNamespaceLabels, termMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../../framework/pod-info.ts'
import type { TermGroup, TopologyCounts } from '../../framework/pod-index.ts'
import type { Snapshot } from '../../framework/snapshot.ts'
import { MAX_NODE_SCORE, errorStatus, sharedRejection, skip, type Result } from '../../framework/status.ts'

export const NAME = 'InterPodAffinity'
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"

const EXISTING_ANTI_AFFINITY = sharedRejection('Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY)
const AFFINITY = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY)
const ANTI_AFFINITY = sharedRejection('Unschedulable', ERR_REASON_ANTI_AFFINITY)

export interface InterPodAffinityArgs {
  /** Weight of an existing pod's required affinity term matching the incoming pod, in scoring (default 1). */
  readonly hardPodAffinityWeight?: number
}

/** Matching pods per value of one term's topology key (TopologyCounts.counts). */
type Counts = ReadonlyMap<string, number>

export interface PreFilterState {
  readonly pod: PodInfo
  /** Existing pods' required anti-affinity terms that match the incoming pod (getExistingAntiAffinityCounts, by term). */
  readonly existingAntiAffinity: readonly TermGroup[]
  /** Per required affinity term: existing pods matching all of them, per value of the term's key. */
  readonly affinityCounts: readonly Counts[]
  /** No existing pod matches all affinity terms on a node with one of their keys (Kubernetes: affinityCounts is empty). */
  readonly noAffinityMatch: boolean
  /** The pod matches all its own affinity terms. */
  readonly selfAffinity: boolean
  /** Per required anti-affinity term: existing pods it matches, per value of its key. */
  readonly antiAffinityCounts: readonly Counts[]
}

const allMatch = (terms: readonly AffinityTerm[], pod: PodInfo, ns: Snapshot['namespaceLabels']): boolean => {
  for (let i = 0; i < terms.length; i++) if (!termMatches(terms[i]!, pod, ns)) return false
  return true
}

/** The existing pods' required anti-affinity terms that select `pod` (the terms Kubernetes' getExistingAntiAffinityCounts counts). */
export function existingAntiAffinity(pod: PodInfo, snapshot: Snapshot): TermGroup[] {
  const out: TermGroup[] = []
  for (const g of snapshot.requiredAntiAffinityTerms.groups.values()) if (termMatches(g.term, pod, snapshot.namespaceLabels)) out.push(g)
  return out
}

/**
 * The incoming pod's required terms against the existing pods (getIncomingAffinityAntiAffinityCounts),
 * per term. Affinity: a pod counts only if it matches every affinity term.
 */
export function incomingAffinityCounts(pod: PodInfo, snapshot: Snapshot): { affinity: TopologyCounts[]; antiAffinity: TopologyCounts[] } {
  const ns = snapshot.namespaceLabels
  const affTerms = pod.requiredAffinityTerms
  let affinity: TopologyCounts[] = []
  if (affTerms.length > 0) {
    const keep = !affTerms.some(needsNamespaceLabels)
    const all = affTerms.map((t) => t.matchKey).join('\u0001')
    const podMatches = (p: PodInfo): boolean => allMatch(affTerms, p, ns)
    affinity = affTerms.map((t) => snapshot.topologyCounts({ key: `ipa-all\u0000${t.topologyKey}\u0000${all}`, topologyKey: t.topologyKey, podMatches }, keep))
  }
  const antiAffinity = pod.requiredAntiAffinityTerms.map((t) =>
    snapshot.topologyCounts({ key: `ipa\u0000${t.topologyKey}\u0000${t.matchKey}`, topologyKey: t.topologyKey, podMatches: (p) => termMatches(t, p, ns) }, !needsNamespaceLabels(t)),
  )
  return { affinity, antiAffinity }
}

const positive = (counts: Counts, value: string): boolean => (counts.get(value) ?? 0) > 0

/** satisfyPodAffinity: every affinity term's domain on this node holds a matching pod, or no pod anywhere matches and the pod matches its own terms. */
function satisfyPodAffinity(s: PreFilterState, node: NodeInfo): boolean {
  let podsExist = true
  const terms = s.pod.requiredAffinityTerms
  for (let i = 0; i < terms.length; i++) {
    const value = labelValue(node.labels, terms[i]!.topologyKey)
    if (value === undefined) return false
    if (!positive(s.affinityCounts[i]!, value)) podsExist = false
  }
  if (podsExist) return true
  // The first pod of a group with affinity to itself may go anywhere that has the topology.
  return s.noAffinityMatch && s.selfAffinity
}

function satisfyPodAntiAffinity(s: PreFilterState, node: NodeInfo): boolean {
  const terms = s.pod.requiredAntiAffinityTerms
  for (let i = 0; i < terms.length; i++) {
    const value = labelValue(node.labels, terms[i]!.topologyKey)
    if (value !== undefined && positive(s.antiAffinityCounts[i]!, value)) return false
  }
  return true
}

function satisfyExistingPodsAntiAffinity(s: PreFilterState, node: NodeInfo): boolean {
  const groups = s.existingAntiAffinity
  for (let i = 0; i < groups.length; i++) {
    const value = labelValue(node.labels, groups[i]!.term.topologyKey)
    if (value !== undefined && positive(groups[i]!.counts, value)) return false
  }
  return true
}

/** The filter's verdict for one node given the PreFilter state. */
export function filterNode(s: PreFilterState, node: NodeInfo): Result {
  if (!satisfyPodAffinity(s, node)) return AFFINITY
  if (!satisfyPodAntiAffinity(s, node)) return ANTI_AFFINITY
  if (!satisfyExistingPodsAntiAffinity(s, node)) return EXISTING_ANTI_AFFINITY
  return undefined
}

/** One term's part of a node's score: weight times the pods it counts in the node's domain of topologyKey. */
interface ScoreTerm {
  readonly topologyKey: string
  readonly counts: Counts
  readonly weight: number
}

/**
 * preScore's topology scores as weighted counts: the incoming pod's preferred terms against the
 * existing pods, and the existing pods' terms (required affinity at hardPodAffinityWeight,
 * preferred affinity and anti-affinity) against the incoming pod. Only terms that count a pod somewhere.
 */
export function scoreTerms(pod: PodInfo, snapshot: Snapshot, hardPodAffinityWeight: number): ScoreTerm[] {
  const out: ScoreTerm[] = []
  const ns = snapshot.namespaceLabels
  const incoming = (t: WeightedAffinityTerm, weight: number): void => {
    const c = snapshot.topologyCounts({ key: `ipa\u0000${t.topologyKey}\u0000${t.matchKey}`, topologyKey: t.topologyKey, podMatches: (p) => termMatches(t, p, ns) }, !needsNamespaceLabels(t))
    if (c.total > 0) out.push({ topologyKey: t.topologyKey, counts: c.counts, weight })
  }
  for (const t of pod.preferredAffinityTerms) incoming(t, t.weight)
  for (const t of pod.preferredAntiAffinityTerms) incoming(t, -t.weight)
  for (const g of snapshot.scoringTerms.groups.values()) {
    const weight = g.required ? hardPodAffinityWeight : g.weight
    if (weight === 0 || !termMatches(g.term, pod, ns)) continue
    out.push({ topologyKey: g.term.topologyKey, counts: g.counts, weight })
  }
  return out
}

export function newInterPodAffinity(args: InterPodAffinityArgs = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1
  if (!(hardPodAffinityWeight >= 0 && hardPodAffinityWeight <= 100)) throw new RangeError(`InterPodAffinity: hardPodAffinityWeight ${hardPodAffinityWeight} is not in [0, 100]`)
  const scoreKey = `PreScore${NAME}`
  return {
    name: NAME,
    preFilter(state, pod, snapshot): Result {
      if (pod.parseErrors.length > 0) return errorStatus(...pod.parseErrors)
      const existing = existingAntiAffinity(pod, snapshot)
      if (existing.length === 0 && pod.requiredAffinityTerms.length === 0 && pod.requiredAntiAffinityTerms.length === 0) return skip()
      const { affinity, antiAffinity } = incomingAffinityCounts(pod, snapshot)
      const s: PreFilterState = {
        pod,
        existingAntiAffinity: existing,
        affinityCounts: affinity.map((c) => c.counts),
        noAffinityMatch: affinity.every((c) => c.total === 0),
        selfAffinity: allMatch(pod.requiredAffinityTerms, pod, snapshot.namespaceLabels),
        antiAffinityCounts: antiAffinity.map((c) => c.counts),
      }
      state.write(NAME, s)
      return undefined
    },
    filter(state, _pod, node): Result {
      const s = state.read<PreFilterState>(NAME)
      return s === undefined ? undefined : filterNode(s, node)
    },
    preScore(state, pod, _nodes, snapshot): Result {
      const terms = scoreTerms(pod, snapshot, hardPodAffinityWeight)
      if (terms.length === 0) return skip()
      state.write(scoreKey, terms)
      return undefined
    },
    score(state, _pod, node): number {
      const terms = state.read<ScoreTerm[]>(scoreKey)
      if (terms === undefined) return 0
      let total = 0
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i]!
        const value = labelValue(node.labels, t.topologyKey)
        if (value !== undefined) total += t.weight * (t.counts.get(value) ?? 0)
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
