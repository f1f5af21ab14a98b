/**
 * The probes on a real simulated cluster (SimCluster: 3 masters, 1 hollow node), no faults: every
 * invariant holds and each check saw real traffic; and writes behind the probes' backs (a foreign
 * value on every probe store key, the probe's ConfigMaps deleted) are caught by the checks they break.
 */
import t from 'tap'
import { StoreClient } from '../../../runtime/store/store-client.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { InvariantProbes, type InvariantResult } from '../../../runtime/sim/invariants/index.ts'
import { API_PROBE_PATH } from '../../../runtime/sim/invariants/api-write-probe.ts'
import { pollUntil, readyNodes } from '../../../runtime/sim/readiness.ts'
import { SimCluster } from '../../../runtime/sim/sim-cluster.ts'
import { deployment } from '../../../runtime/sim/workload.ts'

const SEED = Number(process.env.SIM_INVARIANTS_SEED ?? 7)
t.comment(`seed ${SEED} (SIM_INVARIANTS_SEED=${SEED} replays it)`)

async function bootedWithProbes(seed: number): Promise<{ cluster: SimCluster; probes: InvariantProbes }> {
  const cluster = new SimCluster({ seed, nodes: 1 })
  const driver = cluster.client('driver')
  await cluster.sim.drive(pollUntil(cluster.sim.clock, async () => (await readyNodes(driver)).length === 1), 30_000, 'boot')
  await cluster.sim.drive(driver.create('/apis/apps/v1/namespaces/default/deployments', deployment('web', 2, 1)), 10_000, 'creating a deployment')
  const probes = new InvariantProbes({ transport: cluster.sim.client('probes'), clock: cluster.sim.clock, random: seededRandom(seed), cluster: cluster.cluster, apiservers: cluster.masters, storeReplicas: cluster.masters, trace: cluster.sim.trace })
  await cluster.sim.drive(probes.start(), 10_000, 'starting the probes')
  return { cluster, probes }
}

const byName = (results: readonly InvariantResult[]) => new Map(results.map((r) => [r.name, r]))

t.test('sim invariants - on a quiet cluster every invariant holds, each over real observations', async (t) => {
  const { cluster, probes } = await bootedWithProbes(SEED)
  await cluster.sim.runFor(8_000)
  const results = byName(await cluster.sim.drive(probes.check({ convergeWithinMs: 20_000 }), 60_000, 'the checks'))
  t.strictSame([...results.keys()], ['store-linearizable', 'watch-streams', 'acknowledged-writes', 'leader-acting', 'pod-bindings', 'convergence'])
  for (const r of results.values()) t.equal(r.held, true, `${r.name}: ${r.detail}`)
  t.match(results.get('store-linearizable')?.detail, /^\d{2,} operations/, 'the store workload ran')
  t.match(results.get('watch-streams')?.detail, /^5 streams/)
  t.match(results.get('pod-bindings')?.detail, /^[1-9]\d* bindings/, 'the deployment\'s pods were bound while watched')
  t.match(results.get('leader-acting')?.detail, /^[1-9]\d* leader writes/)
  t.match(results.get('convergence')?.detail, /^1 deployments ready/)
  await cluster.sim.drive(probes.stop(), 10_000, 'stopping the probes')
  await cluster.sim.stop()
})

t.test('sim invariants - writes behind the probes\' backs are caught', async (t) => {
  const { cluster, probes } = await bootedWithProbes(SEED)
  await cluster.sim.runFor(8_000)
  const intruder = new StoreClient({ transport: cluster.sim.client('intruder'), clock: cluster.sim.clock, cluster: cluster.cluster, replicas: cluster.masters, clientId: 'intruder' })
  const api = cluster.client('intruder-api')
  const sabotage = async () => {
    for (let i = 0; i < 6; i++) await intruder.put(`/sim-probe/k${i}`, new TextEncoder().encode('foreign'))
    const configMaps = await api.list(API_PROBE_PATH)
    for (const cm of configMaps.items) await api.delete(`${API_PROBE_PATH}/${cm.metadata?.name}`)
    return configMaps.items.length
  }
  const deleted = await cluster.sim.drive(sabotage(), 10_000, 'the sabotage')
  t.ok(deleted > 0, `deleted ${deleted} of the probe's ConfigMaps`)
  const results = byName(await cluster.sim.drive(probes.check({ convergeWithinMs: 20_000 }), 60_000, 'the checks'))
  t.equal(results.get('store-linearizable')?.held, false, 'a value nobody in the history wrote')
  t.match(results.get('acknowledged-writes')?.detail, /api sim-probe-\w+: the acknowledged create \(uid [^)]+\) is gone/)
  t.equal(results.get('watch-streams')?.held, true, 'the streams themselves stayed exact')
  await cluster.sim.drive(Promise.all([probes.stop(), intruder.close()]), 10_000, 'stopping the probes')
  await cluster.sim.stop()
})
