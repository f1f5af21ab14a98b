/**
 * Counts over a snapshot's pods that InterPodAffinity and PodTopologySpread would otherwise
 * compute by scanning every pod on every node each cycle. The Snapshot builds them on first use
 * and then keeps them up to date node by node as NodeCache.updateSnapshot swaps changed NodeInfos
 * in: the old NodeInfo's contribution is taken out, the new one's put in.
 *
 * - TopologyCounts: for a CountQuery (which pods, which nodes, which topology key), the matching
 *   pods per topology value. Used for the incoming pod's terms and spread constraints; pods with
 *   the same selectors share one.
 * - TermGroups: the terms of existing pods (required anti-affinity; or the terms that score),
 *   grouped by identical term, each with how many pods carry it per topology value. A cycle tests
 *   each distinct term against the incoming pod once instead of every pod's terms.
 */
import type { NodeInfo } from './node-info.ts'
import { labelValue, type AffinityTerm, type PodInfo } from './pod-info.ts'

/** What a TopologyCounts counts. Two queries with the same key must count the same pods on the same nodes. */
export interface CountQuery {
  readonly key: string
  readonly topologyKey: string
  podMatches(pod: PodInfo): boolean
  /** Whether the node's pods and domain count at all (nodes without topologyKey never do); every node when absent. */
  nodeMatches?(node: NodeInfo): boolean
  /** Keep every eligible node's value in `counts`, with 0 when no pod there matches (spread domains); otherwise only values with matching pods. */
  readonly domains?: boolean
}

/** Matching pods per value of the query's topology key, over the nodes that have the key and match. */
export class TopologyCounts {
  readonly query: CountQuery
  /** Matching pods per value; with query.domains every eligible node's value is present, with 0 when no pod there matches. */
  readonly counts = new Map<string, number>()
  /** Eligible nodes per value: a value leaves `counts` with its last node. */
  private readonly nodes = new Map<string, number>()
  /** Matching pods over all eligible nodes. */
  total = 0

  constructor(query: CountQuery) {
    this.query = query
  }

  /** Adds (sign 1) or takes out (-1) one node's pods. */
  update(node: NodeInfo, sign: 1 | -1): void {
    const q = this.query
    const value = labelValue(node.labels, q.topologyKey)
    if (value === undefined || (q.nodeMatches !== undefined && !q.nodeMatches(node))) return
    let n = 0
    const pods = node.pods
    for (let i = 0; i < pods.length; i++) if (q.podMatches(pods[i]!)) n++
    if (q.domains !== true) {
      // Only values with matching pods: smaller maps for the filter's lookups.
      if (n === 0) return
      const count = (this.counts.get(value) ?? 0) + sign * n
      if (count <= 0) this.counts.delete(value)
      else this.counts.set(value, count)
      this.total += sign * n
      return
    }
    const nodes = (this.nodes.get(value) ?? 0) + sign
    if (nodes <= 0) {
      this.nodes.delete(value)
      this.counts.delete(value)
    } else {
      this.nodes.set(value, nodes)
      this.counts.set(value, (this.counts.get(value) ?? 0) + sign * n)
    }
    this.total += sign * n
  }

  /** The counts over `nodes`. */
  static over(query: CountQuery, nodes: readonly NodeInfo[]): TopologyCounts {
    const c = new TopologyCounts(query)
    for (let i = 0; i < nodes.length; i++) c.update(nodes[i]!, 1)
    return c
  }
}

/** Existing pods' copies of one term (same matchKey, topologyKey and weight). */
export interface TermGroup {
  /** The first pod's copy; every copy selects the same pods. */
  readonly term: AffinityTerm
  /** Preferred terms: the weight, negative for anti-affinity; required terms: 0. */
  readonly weight: number
  /** Whether these are required affinity terms (they score with hardPodAffinityWeight). */
  readonly required: boolean
  /** How many pods carry the term per value of its topology key (pods on nodes without the key are left out). */
  readonly counts: Map<string, number>
  total: number
}

/** Which of a pod's terms a TermGroups indexes. */
export type TermKind = 'requiredAntiAffinity' | 'scoring'

export class TermGroups {
  readonly kind: TermKind
  /** Only groups with total > 0. */
  readonly groups = new Map<string, TermGroup>()

  constructor(kind: TermKind) {
    this.kind = kind
  }

  update(node: NodeInfo, sign: 1 | -1): void {
    if (this.kind === 'requiredAntiAffinity') {
      for (const p of node.podsWithRequiredAntiAffinity) for (const t of p.requiredAntiAffinityTerms) this.add(node, t, 0, false, sign)
      return
    }
    for (const p of node.podsWithAffinity) {
      for (const t of p.requiredAffinityTerms) this.add(node, t, 0, true, sign)
      for (const t of p.preferredAffinityTerms) this.add(node, t, t.weight, false, sign)
      for (const t of p.preferredAntiAffinityTerms) this.add(node, t, -t.weight, false, sign)
    }
  }

  private add(node: NodeInfo, term: AffinityTerm, weight: number, required: boolean, sign: 1 | -1): void {
    const value = labelValue(node.labels, term.topologyKey)
    if (value === undefined) return
    const key = `${required ? 'r' : weight}\u0000${term.topologyKey}\u0000${term.matchKey}`
    let g = this.groups.get(key)
    if (g === undefined) {
      if (sign < 0) return
      g = { term, weight, required, counts: new Map(), total: 0 }
      this.groups.set(key, g)
    }
    const n = (g.counts.get(value) ?? 0) + sign
    if (n <= 0) g.counts.delete(value)
    else g.counts.set(value, n)
    g.total += sign
    if (g.total <= 0) this.groups.delete(key)
  }

  static over(kind: TermKind, nodes: readonly NodeInfo[]): TermGroups {
    const g = new TermGroups(kind)
    for (let i = 0; i < nodes.length; i++) g.update(nodes[i]!, 1)
    return g
  }
}
