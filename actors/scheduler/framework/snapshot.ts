/**
 * The cluster as one scheduling cycle sees it (internal/cache.Snapshot): a list of NodeInfos in a
 * stable order, a map by name, the nodes that have pods with (required anti-)affinity, and the
 * pod indexes of pod-index.ts. NodeCache.updateSnapshot keeps one up to date incrementally.
 *
 * The NodeInfos in a snapshot are never changed in place: a change swaps in a new NodeInfo through
 * replaceNodeInfos (or rebuildList), which is how the indexes follow.
 */
import type { NodeInfo } from './node-info.ts'
import { TermGroups, TopologyCounts, type CountQuery } from './pod-index.ts'
import { NO_VOLUMES, type VolumeLister } from '../volume-objects.ts'

type Labels = Readonly<Record<string, string>>

/** How many TopologyCounts a snapshot keeps (least recently used go first). */
export const MAX_TOPOLOGY_COUNTS = 64

export class Snapshot {
  nodeInfoList: NodeInfo[] = []
  nodeInfoMap = new Map<string, NodeInfo>()
  /** Each node's index in nodeInfoList. */
  positions = new Map<string, number>()
  /** The cache generation this snapshot reflects. */
  generation = 0
  /** Namespace labels for affinity terms with a namespaceSelector; none by default. */
  namespaceLabels: (ns: string) => Labels | undefined = () => undefined
  /** Claims, volumes and classes (VolumeBinding); none by default. */
  volumes: VolumeLister = NO_VOLUMES

  private affinityList: NodeInfo[] | undefined
  private antiAffinityList: NodeInfo[] | undefined
  /** By query key, least recently used first. */
  private readonly topology = new Map<string, TopologyCounts>()
  private antiAffinityGroups: TermGroups | undefined
  private scoringGroups: TermGroups | undefined

  /** A snapshot of hand-built NodeInfos (tests, benchmarks). */
  static of(nodeInfos: readonly NodeInfo[]): Snapshot {
    const s = new Snapshot()
    for (const ni of nodeInfos) s.nodeInfoMap.set(ni.name, ni)
    s.rebuildList([...nodeInfos])
    return s
  }

  /** Replaces the list (and positions); the affinity lists and indexes are rebuilt when next asked for. */
  rebuildList(list: NodeInfo[]): void {
    this.nodeInfoList = list
    this.positions = new Map(list.map((n, i) => [n.name, i]))
    this.rebuildAffinityLists()
    this.dropIndexes()
  }

  get(name: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(name)
  }

  get numNodes(): number {
    return this.nodeInfoList.length
  }

  /** The nodes with pods that have (anti-)affinity terms, in list order. */
  get havePodsWithAffinityList(): NodeInfo[] {
    return (this.affinityList ??= this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0))
  }

  /** The nodes with pods that have required anti-affinity terms, in list order. */
  get havePodsWithRequiredAntiAffinityList(): NodeInfo[] {
    return (this.antiAffinityList ??= this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0))
  }

  /** Marks the affinity lists stale (they are recomputed when next read). */
  rebuildAffinityLists(): void {
    this.affinityList = undefined
    this.antiAffinityList = undefined
  }

  /**
   * Swaps new NodeInfos in for old ones of the same nodes (pairs: old, new, old, new, ...), in the
   * map, the list and the indexes. Many at once (more than an eighth of the nodes): the indexes are
   * dropped instead and rebuilt when next asked for.
   */
  replaceNodeInfos(pairs: readonly NodeInfo[]): void {
    const incremental = pairs.length / 2 <= Math.max(64, this.nodeInfoList.length / 8)
    if (!incremental) this.dropIndexes()
    let affinityDirty = false
    for (let i = 0; i < pairs.length; i += 2) {
      const old = pairs[i]!
      const copy = pairs[i + 1]!
      this.nodeInfoMap.set(copy.name, copy)
      const at = this.positions.get(copy.name)
      if (at !== undefined) this.nodeInfoList[at] = copy
      if (old.podsWithAffinity.length > 0 || copy.podsWithAffinity.length > 0) affinityDirty = true
      if (!incremental) continue
      for (const c of this.topology.values()) {
        c.update(old, -1)
        c.update(copy, 1)
      }
      for (const g of [this.antiAffinityGroups, this.scoringGroups]) {
        if (g === undefined) continue
        g.update(old, -1)
        g.update(copy, 1)
      }
    }
    if (affinityDirty) this.rebuildAffinityLists()
  }

  /**
   * The query's counts over the snapshot's nodes; kept (and updated with the snapshot) unless
   * `keep` is false, as for queries that depend on something else than the nodes and pods
   * (namespace labels). Valid until the snapshot next changes.
   */
  topologyCounts(query: CountQuery, keep = true): TopologyCounts {
    if (!keep) return TopologyCounts.over(query, this.nodeInfoList)
    let c = this.topology.get(query.key)
    if (c !== undefined) {
      this.topology.delete(query.key)
      this.topology.set(query.key, c)
      return c
    }
    c = TopologyCounts.over(query, this.nodeInfoList)
    this.topology.set(query.key, c)
    if (this.topology.size > MAX_TOPOLOGY_COUNTS) this.topology.delete(this.topology.keys().next().value!)
    return c
  }

  /** The existing pods' required anti-affinity terms, grouped. */
  get requiredAntiAffinityTerms(): TermGroups {
    return (this.antiAffinityGroups ??= TermGroups.over('requiredAntiAffinity', this.nodeInfoList))
  }

  /** The existing pods' terms that score (required affinity, preferred affinity and anti-affinity), grouped. */
  get scoringTerms(): TermGroups {
    return (this.scoringGroups ??= TermGroups.over('scoring', this.nodeInfoList))
  }

  private dropIndexes(): void {
    this.topology.clear()
    this.antiAffinityGroups = undefined
    this.scoringGroups = undefined
  }
}
