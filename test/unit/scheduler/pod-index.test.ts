import t from 'tap'
import type { Node, Pod, PodAffinityTerm, TopologySpreadConstraint } from '../../../actors/kube/objects.ts'
import { CycleState } from '../../../actors/scheduler/framework/cycle-state.ts'
import type { NodeInfo } from '../../../actors/scheduler/framework/node-info.ts'
import { PodInfo } from '../../../actors/scheduler/framework/pod-info.ts'
import { TermGroups, TopologyCounts, type CountQuery, type TermGroup } from '../../../actors/scheduler/framework/pod-index.ts'
import { Snapshot } from '../../../actors/scheduler/framework/snapshot.ts'
import type { Status } from '../../../actors/scheduler/framework/status.ts'
import { NodeCache } from '../../../actors/scheduler/node-cache.ts'
import { newInterPodAffinity } from '../../../actors/scheduler/plugins/inter-pod-affinity/inter-pod-affinity.ts'
import { newPodTopologySpread } from '../../../actors/scheduler/plugins/pod-topology-spread/pod-topology-spread.ts'
import { newInterPodAffinity as referenceInterPodAffinity } from './reference/inter-pod-affinity.ts'
import { newPodTopologySpread as referencePodTopologySpread } from './reference/pod-topology-spread.ts'
import { node, pod, seeded } from './fixtures.ts'
import { seedsComment, seedsFrom } from '../../helpers/seeds.ts'

const byApp = (app: string, terminating = false, domains = true): CountQuery => ({
  key: `app=${app} ${terminating} ${domains}`,
  topologyKey: 'zone',
  podMatches: (p) => p.labels.app === app && p.terminating === terminating,
  domains,
})
const counts = (c: TopologyCounts): Record<string, number> => Object.fromEntries([...c.counts].sort())
const groups = (g: TermGroups): Record<string, Record<string, number>> =>
  Object.fromEntries([...g.groups.values()].map((x: TermGroup) => [`${x.required ? 'r' : x.weight} ${x.term.topologyKey} ${x.term.matchKey}`, Object.fromEntries([...x.counts].sort())]).sort())

t.test('TopologyCounts follow pods added, assumed, forgotten and removed, and node labels', async (t) => {
  const cache = new NodeCache()
  cache.addNode(node('a1', { labels: { zone: 'a' } }))
  cache.addNode(node('a2', { labels: { zone: 'a' } }))
  cache.addNode(node('b1', { labels: { zone: 'b' } }))
  cache.addNode(node('bare'))
  cache.addPod(pod('x1', { labels: { app: 'x' }, nodeName: 'a1' }))
  const snap = new Snapshot()
  cache.updateSnapshot(snap)
  const c = snap.topologyCounts(byApp('x'))
  t.same(counts(c), { a: 1, b: 0 }, 'every zone with a node, pods on nodes without the key left out')
  t.equal(c.total, 1)
  const noDomains = snap.topologyCounts(byApp('x', false, false))
  t.same(counts(noDomains), { a: 1 }, 'without domains: only zones with matching pods')

  cache.addPod(pod('x2', { labels: { app: 'x' }, nodeName: 'bare' }))
  cache.assumePod(pod('x3', { labels: { app: 'x' } }), 'b1')
  cache.updateSnapshot(snap)
  t.equal(snap.topologyCounts(byApp('x')), c, 'kept, not rebuilt')
  t.same(counts(c), { a: 1, b: 1 }, 'an assumed pod counts')
  cache.forgetPod('uid-x3')
  cache.removePod('uid-x1')
  cache.addPod(pod('y', { labels: { app: 'y' }, nodeName: 'a2' }))
  cache.updateSnapshot(snap)
  t.same(counts(c), { a: 0, b: 0 }, 'forgotten and removed pods no longer count')
  t.same(counts(noDomains), {}, 'without domains: a zone without matching pods is gone')
  t.equal(noDomains.total, 0)

  cache.addPod(pod('x4', { labels: { app: 'x' }, nodeName: 'a2' }))
  cache.updateNode(node('a2', { labels: { zone: 'c' } }))
  cache.updateNode(node('bare', { labels: { zone: 'b' } }))
  cache.updateSnapshot(snap)
  t.same(counts(c), { a: 0, b: 1, c: 1 }, 'a node that changes zone moves its pods')
  t.same(counts(c), counts(TopologyCounts.over(byApp('x'), snap.nodeInfoList)), 'same as counted from scratch')

  cache.updatePod(pod('x4', { labels: { app: 'x' }, nodeName: 'a2', deleting: true }))
  cache.updateSnapshot(snap)
  t.same(counts(snap.topologyCounts(byApp('x', true))), { a: 0, b: 0, c: 1 }, 'a terminating pod is a new PodInfo')
  t.same(counts(c), { a: 0, b: 1, c: 0 })

  cache.removeNode('a1')
  cache.updateSnapshot(snap)
  const rebuilt = snap.topologyCounts(byApp('x'))
  t.not(rebuilt, c, 'a node going away rebuilds the list and the counts')
  t.same(counts(rebuilt), { b: 1, c: 0 }, 'a zone without nodes is gone')
  cache.removePod('uid-x4')
  cache.updateNode(node('a2', { labels: { zone: 'b' } }))
  cache.updateSnapshot(snap)
  t.same(counts(rebuilt), { b: 1 }, 'a zone whose last node left it is gone')
})

t.test('TopologyCounts: only nodes the query takes; least recently used dropped', async (t) => {
  const cache = new NodeCache()
  cache.addNode(node('a1', { labels: { zone: 'a', disk: 'ssd' } }))
  cache.addNode(node('b1', { labels: { zone: 'b' } }))
  cache.addPod(pod('x1', { labels: { app: 'x' }, nodeName: 'b1' }))
  const snap = new Snapshot()
  cache.updateSnapshot(snap)
  const ssd: CountQuery = { ...byApp('x'), key: 'ssd', nodeMatches: (n) => n.labels.disk === 'ssd' }
  const c = snap.topologyCounts(ssd)
  t.same(counts(c), { a: 0 })
  cache.updateNode(node('b1', { labels: { zone: 'b', disk: 'ssd' } }))
  cache.updateSnapshot(snap)
  t.same(counts(c), { a: 0, b: 1 }, 'a node that starts to match')
  for (let i = 0; i < 70; i++) snap.topologyCounts(byApp(`app${i}`))
  t.not(snap.topologyCounts(ssd), c, 'dropped after 64 others')
  t.not(snap.topologyCounts(byApp('x'), false), snap.topologyCounts(byApp('x'), false), 'keep=false: counted each time')
})

t.test('TermGroups group identical terms of existing pods', async (t) => {
  const anti = (app: string, topologyKey = 'zone'): Partial<Pod['spec']> => ({
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey }] } },
  })
  const cache = new NodeCache()
  cache.addNode(node('a1', { labels: { zone: 'a' } }))
  cache.addNode(node('b1', { labels: { zone: 'b' } }))
  cache.addPod(pod('p1', { nodeName: 'a1', ...anti('x') }))
  cache.addPod(pod('p2', { nodeName: 'a1', ...anti('x') }))
  cache.addPod(pod('p3', { nodeName: 'b1', ...anti('x') }))
  cache.addPod(pod('p4', { nodeName: 'b1', ...anti('x', 'rack') }))
  cache.addPod(pod('p5', { nodeName: 'b1', namespace: 'other', ...anti('x') }))
  const snap = new Snapshot()
  cache.updateSnapshot(snap)
  const g = snap.requiredAntiAffinityTerms
  const x = 'default\u0000!\u0000app=x'
  t.same(groups(g), { [`0 zone ${x}`]: { a: 2, b: 1 }, '0 zone other\u0000!\u0000app=x': { b: 1 } }, 'one group per term; a term whose key the node lacks counts nowhere')
  cache.removePod('uid-p5')
  cache.assumePod(pod('p6', anti('x')), 'b1')
  cache.updateNode(node('a1', { labels: { zone: 'c' } }))
  cache.updateSnapshot(snap)
  t.equal(snap.requiredAntiAffinityTerms, g, 'kept')
  t.same(groups(g), { [`0 zone ${x}`]: { b: 2, c: 2 } }, 'updated; an empty group is gone')
  t.same(groups(g), groups(TermGroups.over('requiredAntiAffinity', snap.nodeInfoList)), 'same as from scratch')

  const pref = pod('s', {
    nodeName: 'b1',
    affinity: {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }],
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' } }],
      },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 7, podAffinityTerm: { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' } }] },
    },
  })
  cache.addPod(pref)
  cache.updateSnapshot(snap)
  const db = 'default\u0000!\u0000app=db'
  t.same(groups(snap.scoringTerms), { [`r zone ${db}`]: { b: 1 }, [`5 zone ${db}`]: { b: 1 }, [`-7 zone ${db}`]: { b: 1 } }, 'scoring terms by kind and weight')
})

// ---- the fast plugins against the reference (a scan of every pod), on random clusters changed at random ----

type Random = () => number
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
const APPS = ['x', 'y', 'z']
const KEYS = ['zone', 'kubernetes.io/hostname', 'rack']

function randomNode(r: Random, i: number): Node {
  const labels: Record<string, string> = {}
  if (r() < 0.85) labels.zone = pick(r, ['a', 'b', 'c'])
  if (r() < 0.6) labels.rack = pick(r, ['r1', 'r2'])
  if (r() < 0.3) labels.disk = 'ssd'
  return node(`n${i}`, { labels })
}

function randomTerm(r: Random): PodAffinityTerm {
  const s = r()
  const labelSelector =
    s < 0.7 ? { matchLabels: { app: pick(r, APPS) } } : s < 0.85 ? { matchExpressions: [{ key: 'app', operator: 'In' as const, values: [pick(r, APPS), pick(r, APPS)] }] } : s < 0.95 ? {} : undefined
  const n = r()
  const namespaces = n < 0.15 ? { namespaces: ['default', 'other'] } : n < 0.25 ? { namespaceSelector: {} } : n < 0.35 ? { namespaceSelector: { matchLabels: { team: 'a' } } } : {}
  return { topologyKey: pick(r, KEYS), labelSelector, ...namespaces }
}

const terms = (r: Random, p: number): PodAffinityTerm[] | undefined => (r() < p ? Array.from({ length: r() < 0.8 ? 1 : 2 }, () => randomTerm(r)) : undefined)
const weighted = (r: Random, p: number) => terms(r, p)?.map((podAffinityTerm) => ({ weight: pick(r, [1, 3, 10]), podAffinityTerm }))

function randomPod(r: Random, i: number): Pod {
  const spread = (): TopologySpreadConstraint[] | undefined =>
    r() < 0.3
      ? Array.from({ length: r() < 0.8 ? 1 : 2 }, () => ({
          maxSkew: pick(r, [1, 1, 2]),
          topologyKey: pick(r, KEYS),
          whenUnsatisfiable: r() < 0.5 ? ('DoNotSchedule' as const) : ('ScheduleAnyway' as const),
          labelSelector: r() < 0.9 ? { matchLabels: { app: pick(r, APPS) } } : {},
          minDomains: r() < 0.2 ? 4 : undefined,
        }))
      : undefined
  return pod(`p${i}`, {
    labels: r() < 0.9 ? { app: pick(r, APPS) } : {},
    namespace: r() < 0.8 ? 'default' : 'other',
    deleting: r() < 0.05,
    nodeSelector: r() < 0.1 ? { disk: 'ssd' } : undefined,
    topologySpreadConstraints: spread(),
    affinity: {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms(r, 0.1), preferredDuringSchedulingIgnoredDuringExecution: weighted(r, 0.15) },
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms(r, 0.2), preferredDuringSchedulingIgnoredDuringExecution: weighted(r, 0.15) },
    },
  })
}

type AnyPlugin = ReturnType<typeof newInterPodAffinity> | ReturnType<typeof newPodTopologySpread>
const show = (s: Status | undefined): string => (s === undefined ? 'ok' : `${s.code}: ${s.reasons.join(', ')}`)

/** PreFilter, Filter on every node, PreScore on the nodes that passed (or all), Score and NormalizeScore. */
function outcome(plugin: AnyPlugin, p: PodInfo, snap: Snapshot): string[] {
  const state = new CycleState()
  const pre = plugin.preFilter(state, p, snap)
  const out = [`prefilter ${show(pre)}`]
  const nodes = snap.nodeInfoList
  const feasible: NodeInfo[] = []
  if (pre === undefined) {
    for (const n of nodes) {
      const s = plugin.filter(state, p, n)
      out.push(`${n.name} ${show(s)}`)
      if (s === undefined) feasible.push(n)
    }
  }
  const scored = feasible.length > 1 ? feasible : nodes
  const ps = plugin.preScore(state, p, scored, snap)
  out.push(`prescore ${show(ps)}`)
  if (ps === undefined) {
    const scores = Float64Array.from(scored.map((n) => plugin.score(state, p, n)))
    out.push(`scores ${[...scores].join(' ')}`)
    plugin.normalizeScore!(state, p, scores, scored)
    out.push(`normalized ${[...scores].join(' ')}`)
  }
  return out
}

t.test('InterPodAffinity and PodTopologySpread give the reference results as the cluster changes', async (t) => {
  const plugins: [string, AnyPlugin, AnyPlugin][] = [
    ['InterPodAffinity', newInterPodAffinity(), referenceInterPodAffinity()],
    ['InterPodAffinity hardPodAffinityWeight 0', newInterPodAffinity({ hardPodAffinityWeight: 0 }), referenceInterPodAffinity({ hardPodAffinityWeight: 0 })],
    ['PodTopologySpread', newPodTopologySpread(), referencePodTopologySpread()],
  ]
  // Fixed seeds; POD_INDEX_SEED=<seed>[,<seed>...] runs others (`npm run soak -- --only pod-index` explores).
  const seeds = seedsFrom('POD_INDEX_SEED', Array.from({ length: 12 }, (_, i) => i + 1))
  t.comment(seedsComment('POD_INDEX_SEED', seeds, import.meta.url))
  let compared = 0
  for (const seed of seeds) {
    const r = seeded(seed)
    const cache = new NodeCache()
    const snap = new Snapshot()
    let nodes = 0
    let pods = 0
    const live: string[] = []
    const assumed: string[] = []
    for (; nodes < 8; nodes++) cache.addNode(randomNode(r, nodes))
    for (let step = 0; step < 40; step++) {
      // a few changes of every kind
      for (let k = 0; k < 3; k++) {
        const op = r()
        const anyNode = `n${Math.floor(r() * nodes)}`
        if (op < 0.4) {
          const p = randomPod(r, pods)
          cache.addPod({ ...p, spec: { ...p.spec, nodeName: anyNode } })
          live.push(`uid-p${pods++}`)
        } else if (op < 0.55) {
          cache.assumePod(randomPod(r, pods), anyNode)
          assumed.push(`uid-p${pods++}`)
        } else if (op < 0.65 && assumed.length > 0) {
          cache.forgetPod(assumed.splice(Math.floor(r() * assumed.length), 1)[0]!)
        } else if (op < 0.75 && live.length > 0) {
          cache.removePod(live.splice(Math.floor(r() * live.length), 1)[0]!)
        } else if (op < 0.9) {
          cache.updateNode(randomNode(r, Number(anyNode.slice(1))))
        } else if (op < 0.95) {
          cache.addNode(randomNode(r, nodes++))
        } else {
          cache.removeNode(anyNode)
          cache.addNode(randomNode(r, Number(anyNode.slice(1))))
        }
      }
      cache.updateSnapshot(snap)
      const fresh = Snapshot.of(snap.nodeInfoList.map((n) => n.clone()))
      fresh.namespaceLabels = snap.namespaceLabels = (ns) => (ns === 'other' ? { team: 'a' } : undefined)
      t.same(groups(snap.requiredAntiAffinityTerms), groups(fresh.requiredAntiAffinityTerms), `seed ${seed} step ${step}: anti-affinity groups`)
      t.same(groups(snap.scoringTerms), groups(fresh.scoringTerms), `seed ${seed} step ${step}: scoring groups`)
      for (let q = 0; q < 4; q++) {
        const incoming = new PodInfo(randomPod(r, 100000 + q))
        for (const [name, fast, reference] of plugins) {
          const want = outcome(reference, incoming, fresh)
          const got = outcome(fast, incoming, snap)
          compared++
          if (JSON.stringify(got) !== JSON.stringify(want)) t.same(got, want, `seed ${seed} step ${step} ${name} ${JSON.stringify(incoming.pod)}`)
        }
      }
    }
  }
  t.ok(compared > 80 * seeds.length, `${compared} comparisons over ${seeds.length} seeds`)
})
