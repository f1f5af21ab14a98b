import t from 'tap'
import { computeZoneState, tryAccept, zoneOf, zoneRate, validateEvictionRates, type LimiterState } from '../../../actors/controllers/eviction-limiter.ts'
import { reconcileNodeLifecycle, type NodeLifecycleConfig } from '../../../actors/controllers/node-lifecycle.ts'
import type { Action } from '../../../actors/controllers/actions.ts'
import type { Lease, Node, Taint } from '../../../actors/kube/objects.ts'
import { T0, at } from './fixtures.ts'

t.test('eviction zones - zone state, rate and token bucket', async (t) => {
  const states: [string[], string][] = [
    [['True', 'True', 'False'], 'Normal'],
    [['True', 'False', 'False'], 'Normal'],
    [['True', 'False', 'False', 'Unknown'], 'PartialDisruption'],
    [['True', 'True', 'False', 'False', 'Unknown'], 'PartialDisruption'],
    [['True', 'True', 'True', 'False', 'False', 'Unknown'], 'Normal'],
    [['False', 'Unknown'], 'FullDisruption'],
  ]
  for (const [ready, want] of states) t.equal(computeZoneState(ready, 0.55), want, ready.join(','))
  t.equal(computeZoneState(['True', undefined, undefined, undefined], 0.55), 'PartialDisruption', 'no Ready condition counts as not Ready')
  t.equal(zoneRate('Normal', 10, { nodeEvictionRate: 0.1 }), 0.1)
  t.equal(zoneRate('FullDisruption', 10, { nodeEvictionRate: 0.1 }), 0.1, 'a zone entirely down evicts at the normal rate')
  t.equal(zoneRate('PartialDisruption', 50), 0, 'small zones stop')
  t.equal(zoneRate('PartialDisruption', 51), 0.01)
  const first = tryAccept(undefined, 1, T0)
  t.ok(first.ok, 'a new bucket is full')
  const second = tryAccept(first.bucket, 1, T0 + 400)
  t.same([second.ok, !second.ok && second.waitMs], [false, 600])
  t.ok(tryAccept(second.bucket, 1, T0 + 1000).ok)
  const never = tryAccept({ tokens: 0, at: T0 }, 0, T0 + 60_000)
  t.same([never.ok, !never.ok && never.waitMs], [false, undefined])
  t.equal(zoneOf({ metadata: { name: 'x' } }), '')
  t.equal(zoneOf({ metadata: { name: 'x', labels: { 'topology.kubernetes.io/zone': 'a' } } }), ':\u0000:a')
  t.throws(() => validateEvictionRates({ nodeEvictionRate: -1 }), RangeError)
  t.throws(() => validateEvictionRates({ unhealthyZoneThreshold: 0 }), RangeError)
})

/** Nodes in zones; `down` ones stopped renewing their leases at T0. */
function world(zones: Record<string, number>, config: NodeLifecycleConfig = {}) {
  let nodes: Node[] = []
  const leases: Lease[] = []
  for (const [zone, count] of Object.entries(zones)) {
    for (let i = 0; i < count; i++) {
      const name = `${zone}-${i}`
      nodes.push({
        metadata: { name, creationTimestamp: at(T0 - 60_000), ...(zone === 'none' ? {} : { labels: { 'topology.kubernetes.io/zone': zone } }) },
        status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: at(T0), lastTransitionTime: at(T0 - 60_000) }] },
      })
      leases.push({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, renewTime: at(T0 + 3_600_000) } })
    }
  }
  let limiter: LimiterState | undefined
  const stop = (name: string) => {
    const l = leases.find((x) => x.metadata.name === name)!
    leases[leases.indexOf(l)] = { ...l, spec: { ...l.spec, renewTime: at(T0) } }
  }
  const apply = (a: Action) => {
    nodes = nodes.map((n) => {
      const path = `/api/v1/nodes/${n.metadata.name}`
      if (a.type === 'updateStatus' && a.path === `${path}/status`) return a.object as Node
      if (a.type === 'patch' && a.path === path) return { ...n, spec: { ...n.spec, taints: ((a.body as { spec: { taints: Taint[] | null } }).spec.taints ?? undefined) as Taint[] } }
      return n
    })
  }
  const run = (now: number) => {
    const r = reconcileNodeLifecycle({ nodes, leases, pods: [], limiter }, now, { gracePeriodMs: 5000, ...config })
    limiter = r.limiter
    r.actions.forEach(apply)
    return r
  }
  const noExecute = () => nodes.filter((n) => n.spec?.taints?.some((x) => x.effect === 'NoExecute')).map((n) => n.metadata.name)
  const noSchedule = () => nodes.filter((n) => n.spec?.taints?.some((x) => x.effect === 'NoSchedule')).map((n) => n.metadata.name)
  return { stop, run, noExecute, noSchedule }
}

t.test('eviction zones - a healthy zone taints one node per token (1 node/s)', async (t) => {
  const w = world({ a: 5, b: 2 })
  w.stop('a-0')
  w.stop('a-1')
  const r = w.run(T0 + 6000)
  t.same(w.noSchedule(), ['a-0', 'a-1'], 'NoSchedule goes on at once')
  t.same(w.noExecute(), ['a-0'], 'one token')
  t.equal(r.zones.get(':\u0000:a'), 'Normal', '2 of 5 down')
  t.equal(r.requeueAfterMs, 1000, 'back when the next token is there')
  w.run(T0 + 6500)
  t.same(w.noExecute(), ['a-0'])
  w.run(T0 + 7000)
  t.same(w.noExecute(), ['a-0', 'a-1'])
})

t.test('eviction zones - each zone has its own bucket', async (t) => {
  const w = world({ a: 3, b: 3 })
  w.stop('a-0')
  w.stop('b-0')
  w.run(T0 + 6000)
  t.same(w.noExecute(), ['a-0', 'b-0'])
})

t.test('eviction zones - a small partially disrupted zone stops evicting; a large one slows to the secondary rate', async (t) => {
  const small = world({ a: 4, b: 1 })
  for (const n of ['a-0', 'a-1', 'a-2']) small.stop(n)
  const r = small.run(T0 + 6000)
  t.equal(r.zones.get(':\u0000:a'), 'PartialDisruption')
  t.same(small.noSchedule(), ['a-0', 'a-1', 'a-2'])
  t.same(small.noExecute(), [], 'rate 0')
  small.run(T0 + 600_000)
  t.same(small.noExecute(), [])

  const large = world({ a: 60, b: 1 })
  for (let i = 0; i < 40; i++) large.stop(`a-${i}`)
  const first = large.run(T0 + 6000)
  t.same(large.noExecute(), ['a-0'])
  t.equal(first.requeueAfterMs, 100_000, '0.01 nodes/s')
  large.run(T0 + 105_999)
  t.same(large.noExecute(), ['a-0'])
  large.run(T0 + 106_000)
  t.same(large.noExecute(), ['a-0', 'a-1'])
})

t.test('eviction zones - a zone entirely down evicts at the normal rate while another zone is up', async (t) => {
  const w = world({ a: 2, b: 1 })
  w.stop('a-0')
  w.stop('a-1')
  const r = w.run(T0 + 6000)
  t.equal(r.zones.get(':\u0000:a'), 'FullDisruption')
  t.same(w.noExecute(), ['a-0'])
  w.run(T0 + 7000)
  t.same(w.noExecute(), ['a-0', 'a-1'])
})

t.test('eviction zones - every zone down: no NoExecute taints at all, and those present come off', async (t) => {
  const w = world({ a: 2, none: 1 })
  w.stop('a-0')
  w.run(T0 + 6000)
  t.same(w.noExecute(), ['a-0'])
  w.stop('a-1')
  w.stop('none-0')
  w.run(T0 + 8000)
  t.same(w.noExecute(), [], 'master disruption mode')
  t.same(w.noSchedule(), ['a-0', 'a-1', 'none-0'], 'NoSchedule stays')
})
