import t from 'tap'
import type { NodeSelectorTerm } from '../../../actors/kube/objects.ts'
import { newNodeAffinity, nodeSelectorTermMatches } from '../../../actors/scheduler/plugins/node-affinity/node-affinity.ts'
import { newInterPodAffinity } from '../../../actors/scheduler/plugins/inter-pod-affinity/inter-pod-affinity.ts'
import { newPodTopologySpread } from '../../../actors/scheduler/plugins/pod-topology-spread/pod-topology-spread.ts'
import type { NodeInfo } from '../../../actors/scheduler/framework/node-info.ts'
import type { PodInfo } from '../../../actors/scheduler/framework/pod-info.ts'
import { newState, node, nodeInfo, pod, podInfo, snapshotOf } from './fixtures.ts'

const labels = { zone: 'a', disk: 'ssd', cores: '8' }

t.test('NodeAffinity - operators in required terms', async (t) => {
  const cases: [string, NodeSelectorTerm, boolean][] = [
    ['In', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, true],
    ['In no match', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }, true],
    ['NotIn missing key matches', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['b'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'disk', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }, false],
    ['Gt', { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }, true],
    ['Gt equal is false', { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }, false],
    ['Lt', { matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['16'] }] }, true],
    ['Gt with a non-integer value matches nothing', { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['x'] }] }, false],
    ['expressions are ANDed', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }, false],
    ['matchFields metadata.name', { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, true],
    ['matchFields other name', { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }, false],
    ['matchFields NotIn', { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }, true],
    ['empty term matches nothing', {}, false],
  ]
  for (const [name, term, want] of cases) t.equal(nodeSelectorTermMatches(term, labels, 'n1'), want, name)
})

t.test('NodeAffinity - filter on nodeSelector and required terms', async (t) => {
  const plugin = newNodeAffinity()
  const ni = nodeInfo(node('n1', { labels }))
  const run = (p: PodInfo): ReturnType<typeof plugin.filter> | 'skip' => {
    const state = newState()
    const pre = plugin.preFilter(state, p, snapshotOf(ni))
    if (pre?.code === 'Skip') return 'skip'
    return plugin.filter(state, p, ni)
  }
  t.equal(run(podInfo('p')), 'skip', 'nothing to check: PreFilter skips')
  t.equal(run(podInfo('p', { nodeSelector: { zone: 'a' } })), undefined, 'nodeSelector matches')
  const s = run(podInfo('p', { nodeSelector: { zone: 'b' } }))
  t.not(s, 'skip')
  if (s !== 'skip') {
    t.equal(s?.code, 'UnschedulableAndUnresolvable')
    t.same(s?.reasons, ["node(s) didn't match Pod's node affinity/selector"])
  }
  const terms = (zone: string): PodInfo =>
    podInfo('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [zone] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['nvme'] }] }],
          },
        },
      },
    })
  t.equal(run(terms('a')), undefined, 'terms are ORed: the first matches')
  t.not(run(terms('c')), undefined, 'no term matches')
})

t.test('NodeAffinity - preferred terms score', async (t) => {
  const plugin = newNodeAffinity()
  const p = podInfo('p', {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
        ],
      },
    },
  })
  const nodes = [nodeInfo(node('both', { labels: { zone: 'a', disk: 'ssd' } })), nodeInfo(node('zone', { labels: { zone: 'a' } })), nodeInfo(node('none'))]
  const state = newState()
  t.equal(plugin.preScore(state, p, nodes, snapshotOf(...nodes)), undefined)
  const scores = Float64Array.from(nodes.map((n) => plugin.score(state, p, n)))
  t.same([...scores], [40, 10, 0])
  plugin.normalizeScore!(state, p, scores, nodes)
  t.same([...scores], [100, 25, 0])
  t.equal(plugin.preScore(newState(), podInfo('q'), nodes, snapshotOf(...nodes))?.code, 'Skip', 'no preferences: skip')
})

/** Runs PreFilter then Filter on every node; undefined entries fit. */
function filterAll(plugin: ReturnType<typeof newInterPodAffinity> | ReturnType<typeof newPodTopologySpread>, p: PodInfo, nodes: NodeInfo[]): (string | undefined)[] {
  const state = newState()
  const pre = plugin.preFilter(state, p, snapshotOf(...nodes))
  if (pre?.code === 'Skip') return nodes.map(() => undefined)
  if (pre !== undefined) return nodes.map(() => `prefilter: ${pre.message()}`)
  return nodes.map((n) => plugin.filter(state, p, n)?.reasons.join(', '))
}

const zoned = (name: string, zone: string, pods: ReturnType<typeof pod>[] = []): NodeInfo => nodeInfo(node(name, { labels: { zone } }), pods)

t.test('InterPodAffinity - required affinity', async (t) => {
  const plugin = newInterPodAffinity()
  const nodes = [zoned('a1', 'a', [pod('db', { labels: { app: 'db' } })]), zoned('a2', 'a'), zoned('b1', 'b')]
  const wantsDb = podInfo('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }] } } })
  t.same(filterAll(plugin, wantsDb, nodes), [undefined, undefined, "node(s) didn't match pod affinity rules"], 'same zone as the db pod')
  const otherNs = podInfo('web', {
    namespace: 'other',
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }] } },
  })
  t.same(filterAll(plugin, otherNs, nodes), ["node(s) didn't match pod affinity rules", "node(s) didn't match pod affinity rules", "node(s) didn't match pod affinity rules"], 'terms select the pod namespace by default')
  const withNs = podInfo('web', {
    namespace: 'other',
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, namespaces: ['default'], topologyKey: 'zone' }] } },
  })
  t.same(filterAll(plugin, withNs, nodes), [undefined, undefined, "node(s) didn't match pod affinity rules"], 'namespaces listed in the term')
  const self = podInfo('first', {
    labels: { app: 'cache' },
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'zone' }] } },
  })
  t.same(filterAll(plugin, self, nodes), [undefined, undefined, undefined], 'the first pod of a self-affine group goes anywhere')
  t.same(filterAll(plugin, self, [...nodes, nodeInfo(node('nozone'))]).at(-1), "node(s) didn't match pod affinity rules", 'but not to a node without the topology key')
})

t.test('InterPodAffinity - required anti-affinity', async (t) => {
  const plugin = newInterPodAffinity()
  const nodes = [zoned('a1', 'a', [pod('web-1', { labels: { app: 'web' } })]), zoned('a2', 'a'), zoned('b1', 'b')]
  const anti = (topologyKey: string): PodInfo =>
    podInfo('web-2', { labels: { app: 'web' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey }] } } })
  t.same(filterAll(plugin, anti('kubernetes.io/hostname'), nodes), ["node(s) didn't match pod anti-affinity rules", undefined, undefined], 'per host')
  t.same(filterAll(plugin, anti('zone'), nodes), ["node(s) didn't match pod anti-affinity rules", "node(s) didn't match pod anti-affinity rules", undefined], 'per zone')
})

t.test("InterPodAffinity - existing pods' anti-affinity", async (t) => {
  const plugin = newInterPodAffinity()
  const loner = pod('loner', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { noisy: 'yes' } }, topologyKey: 'zone' }] } } })
  const nodes = [zoned('a1', 'a', [loner]), zoned('a2', 'a'), zoned('b1', 'b')]
  t.same(filterAll(plugin, podInfo('noisy', { labels: { noisy: 'yes' } }), nodes), ["node(s) didn't satisfy existing pods anti-affinity rules", "node(s) didn't satisfy existing pods anti-affinity rules", undefined])
  t.same(filterAll(plugin, podInfo('quiet', { labels: { noisy: 'no' } }), nodes), [undefined, undefined, undefined], 'a pod the term does not select')
  t.same(filterAll(plugin, podInfo('noisy', { labels: { noisy: 'yes' }, namespace: 'elsewhere' }), nodes), [undefined, undefined, undefined], 'another namespace')
})

t.test('InterPodAffinity - preferred terms score', async (t) => {
  const plugin = newInterPodAffinity()
  const nodes = [zoned('a1', 'a', [pod('db', { labels: { app: 'db' } })]), zoned('b1', 'b', [pod('web', { labels: { app: 'web' } })]), zoned('c1', 'c')]
  const p = podInfo('p', {
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' } }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone' } }] },
    },
  })
  const state = newState()
  t.equal(plugin.preScore(state, p, nodes, snapshotOf(...nodes)), undefined)
  const scores = Float64Array.from(nodes.map((n) => plugin.score(state, p, n)))
  t.same([...scores], [50, -50, 0])
  plugin.normalizeScore!(state, p, scores, nodes)
  t.same([...scores], [100, 0, 50])
})

t.test('PodTopologySpread - DoNotSchedule maxSkew', async (t) => {
  const plugin = newPodTopologySpread()
  const app = { app: 'x' }
  const nodes = [zoned('a1', 'a', [pod('x1', { labels: app }), pod('x2', { labels: app })]), zoned('b1', 'b', [pod('x3', { labels: app })]), zoned('c1', 'c')]
  const spread = (maxSkew: number): PodInfo =>
    podInfo('x4', { labels: app, topologySpreadConstraints: [{ maxSkew, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: app } }] })
  const no = "node(s) didn't match pod topology spread constraints"
  t.same(filterAll(plugin, spread(1), nodes), [no, no, undefined], 'maxSkew 1: only the empty zone')
  t.same(filterAll(plugin, spread(2), nodes), [no, undefined, undefined], 'maxSkew 2')
  t.same(filterAll(plugin, spread(1), [...nodes, nodeInfo(node('bare'))]).at(-1), `${no} (missing required label)`, 'a node without the key')
  const other = podInfo('y', { labels: { app: 'y' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: app } }] })
  t.same(filterAll(plugin, other, nodes), [no, undefined, undefined], 'a pod its selector does not match counts no self')
  const terminating = [zoned('a1', 'a', [pod('x1', { labels: app, deleting: true }), pod('x2', { labels: app, deleting: true })]), zoned('b1', 'b')]
  t.same(filterAll(plugin, spread(1), terminating), [undefined, undefined], 'terminating pods do not count')
})

t.test('PodTopologySpread - minDomains', async (t) => {
  const plugin = newPodTopologySpread()
  const app = { app: 'x' }
  const nodes = [zoned('a1', 'a', [pod('x1', { labels: app })]), zoned('b1', 'b', [pod('x2', { labels: app })])]
  const spread = (minDomains?: number): PodInfo =>
    podInfo('x3', { labels: app, topologySpreadConstraints: [{ maxSkew: 1, minDomains, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: app } }] })
  t.same(filterAll(plugin, spread(), nodes), [undefined, undefined], 'two domains, one each: either')
  const no = "node(s) didn't match pod topology spread constraints"
  t.same(filterAll(plugin, spread(3), nodes), [no, no], 'fewer domains than minDomains: the minimum counts as 0')
})

t.test('PodTopologySpread - ScheduleAnyway score prefers the emptier domain', async (t) => {
  const plugin = newPodTopologySpread()
  const app = { app: 'x' }
  const nodes = [zoned('a1', 'a', [pod('x1', { labels: app }), pod('x2', { labels: app })]), zoned('b1', 'b', [pod('x3', { labels: app })]), zoned('c1', 'c')]
  const p = podInfo('x4', { labels: app, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: app } }] })
  const state = newState()
  t.equal(plugin.preFilter(state, p, snapshotOf(...nodes))?.code, 'Skip', 'no DoNotSchedule constraint: no filtering')
  t.equal(plugin.preScore(state, p, nodes, snapshotOf(...nodes)), undefined)
  const scores = Float64Array.from(nodes.map((n) => plugin.score(state, p, n)))
  // weight log(3 + 2); scores round(count * w)
  const w = Math.log(5)
  t.same([...scores], [Math.round(2 * w), Math.round(w), 0])
  plugin.normalizeScore!(state, p, scores, nodes)
  t.ok(scores[2]! > scores[1]! && scores[1]! > scores[0]!, `normalized ${[...scores]}`)
  t.equal(scores[2], 100)
})
