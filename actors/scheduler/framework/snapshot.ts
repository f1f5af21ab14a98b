/**
 * The cluster as one scheduling cycle sees it (internal/cache.Snapshot): a list of NodeInfos in a
 * stable order, a map by name, and the nodes that have pods with (required anti-)affinity.
 * NodeCache.updateSnapshot keeps one up to date incrementally.
 */
import { NodeInfo } from './node-info.ts'

type Labels = Readonly<Record<string, string>>

export class Snapshot {
  nodeInfoList: NodeInfo[] = []
  nodeInfoMap = new Map<string, NodeInfo>()
  havePodsWithAffinityList: NodeInfo[] = []
  havePodsWithRequiredAntiAffinityList: NodeInfo[] = []
  /** Each node's index in nodeInfoList. */
  positions = new Map<string, number>()
  /** The cache generation this snapshot reflects. */
  generation = 0
  /** Namespace labels for affinity terms with a namespaceSelector; none by default. */
  namespaceLabels: (ns: string) => Labels | undefined = () => undefined

  /** A snapshot of hand-built NodeInfos (tests, benchmarks). */
  static of(nodeInfos: readonly NodeInfo[]): Snapshot {
    const s = new Snapshot()
    for (const ni of nodeInfos) s.nodeInfoMap.set(ni.name, ni)
    s.rebuildList([...nodeInfos])
    return s
  }

  /** Replaces the list (and positions, and the affinity lists). */
  rebuildList(list: NodeInfo[]): void {
    this.nodeInfoList = list
    this.positions = new Map(list.map((n, i) => [n.name, i]))
    this.rebuildAffinityLists()
  }

  get(name: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(name)
  }

  get numNodes(): number {
    return this.nodeInfoList.length
  }

  rebuildAffinityLists(): void {
    this.havePodsWithAffinityList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0)
    this.havePodsWithRequiredAntiAffinityList = this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0)
  }
}
