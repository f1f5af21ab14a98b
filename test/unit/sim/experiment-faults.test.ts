/**
 * An experiment's faults in the simulation (runtime/sim/experiment-faults.ts): every fault kind
 * either maps to what the simulation does or is refused with why; message faults become the same
 * rules the hosts' fault layer takes; inject and heal change the simulated hosts as they say
 * (no boot needed: the hosts are built, virtual time hardly moves). Plus the run's pure helpers
 * (the store check from the invariants, the time bound).
 */
import t from 'tap'
import { planOf, type PlannedFault } from '../../../actors/chaos/experiment-plan.ts'
import { FAULT_KIND_NAMES } from '../../../actors/chaos/fault-kinds.ts'
import type { KnownHost } from '../../../runtime/chaos/chaos-targets.ts'
import { hostsOf, messageRule, NOT_SIMULATED, partitionGroups, SIM_FAULT_OF, SimFaults, slowFactor, unsimulatedFaults } from '../../../runtime/sim/experiment-faults.ts'
import { experimentBoundMs, storeVerdict } from '../../../runtime/sim/experiment-run.ts'
import { SimCluster } from '../../../runtime/sim/sim-cluster.ts'

const fault = (kind: string, params: Record<string, unknown> = {}, target: PlannedFault['target'] = { hosts: {} }): PlannedFault => ({ index: 0, name: 'f', kind, durationMs: 1000, target, mode: 'one', params })

t.test('experiment faults - every fault kind maps to a simulation fault or is refused with why, never both', async (t) => {
  for (const kind of FAULT_KIND_NAMES) t.equal(Number(SIM_FAULT_OF[kind] !== undefined) + Number(NOT_SIMULATED[kind] !== undefined), 1, kind)
  t.strictSame(Object.keys({ ...SIM_FAULT_OF, ...NOT_SIMULATED }).sort(), [...FAULT_KIND_NAMES].sort(), 'no table names a kind that does not exist')
  t.strictSame(unsimulatedFaults([{ name: 'a', kind: 'host-kill' }, { name: 'b', kind: 'pod-failure' }, { name: 'c', kind: 'disk-melt' }]), [
    'spec.method.faults[1] (b): pod-failure cannot run in the simulation: the hollow kubelets of the simulation run no containers',
    `spec.method.faults[2] (c): disk-melt cannot run in the simulation: not a fault kind (known: ${FAULT_KIND_NAMES.join(', ')})`,
  ])
  t.strictSame(unsimulatedFaults([{ name: 'a', kind: 'partition' }]), [])
})

t.test('experiment faults - message faults become the fault layer rules, with its defaults', async (t) => {
  t.strictSame(messageRule(fault('message-delay', { subject: 'ak.c1.api.>', latency: '200ms', jitter: '50ms', probability: 0.5 }), 'x/f/1'), { id: 'x/f/1', kind: 'delay', subject: 'ak.c1.api.>', probability: 0.5, delayMs: 200, jitterMs: 50 })
  t.strictSame(messageRule(fault('message-drop', { subject: '>' }), 'd'), { id: 'd', kind: 'drop', subject: '>', probability: 1, delayMs: 0, jitterMs: 0 })
  t.equal(messageRule(fault('message-reorder', { subject: '>' }), 'r').delayMs, 50, "reorder holds up to the layer's 50 ms")
  t.throws(() => messageRule(fault('message-duplicate', { subject: '>', probability: 2 }), 'p'), /f\.params\.probability/)
})

t.test('experiment faults - partition groups, disk latency, actor targets', async (t) => {
  const hosts = ['master-1', 'master-2', 'hollow-1']
  t.strictSame(partitionGroups(fault('partition'), ['master-2'], hosts), [['master-2'], ['master-1', 'hollow-1']], 'the targets against every other host')
  t.strictSame(partitionGroups(fault('partition', {}, { groups: [['master-1'], ['master-2']] }), ['master-1', 'master-2'], hosts), [['master-1'], ['master-2']], 'the named groups')
  t.equal(slowFactor(0), 1)
  t.equal(slowFactor(175), 101, '175 ms on a 1.75 ms mean fsync')
  const known: KnownHost[] = [{ host: 'master-1', roles: ['master'], actors: ['store/master-1', 'scheduler/master-1'] }, { host: 'master-2', roles: ['master'], actors: ['store/master-2'] }]
  t.strictSame(hostsOf(['scheduler/master-1', 'store/master-2', 'hollow-1'], known), ['master-1', 'master-2', 'hollow-1'])
})

t.test('experiment faults - inject and heal change the simulated hosts', async (t) => {
  const cluster = new SimCluster({ seed: 3, nodes: 1 })
  const { sim } = cluster
  const known: KnownHost[] = cluster.hosts.map((host) => ({ host, roles: [], actors: [`clock/${host}`] }))
  const said: string[] = []
  const faults = new SimFaults({ cluster, api: cluster.client('t'), hosts: async () => known, say: (l) => void said.push(l) })
  const both = async (f: PlannedFault, targets: string[], during: () => void, after: () => void) => {
    await faults.inject(f, 'id', targets)
    during()
    await faults.heal(f, 'id', targets)
    after()
  }
  await both(fault('host-stop'), ['master-1'], () => t.ok(sim.isPaused('master-1'), 'host-stop: paused'), () => t.notOk(sim.isPaused('master-1'), 'continued'))
  await both(fault('partition'), ['master-3'], () => t.strictSame(sim.hosts.get('master-3')!.faults.partitionedFrom, ['master-1', 'master-2', 'hollow-1']), () => t.strictSame(sim.hosts.get('master-3')!.faults.partitionedFrom, []))
  const rules = (host: string) => sim.hosts.get(host)!.faults.rules.map((r) => r.id)
  await both(fault('message-drop', { subject: '>' }), ['hollow-1'], () => t.strictSame([rules('hollow-1'), rules('master-1')], [['id'], []]), () => t.strictSame(rules('hollow-1'), []))
  await both(fault('clock-skew', { offset: '-5s' }, { leader: 'scheduler' }), ['clock/master-2'], () => t.equal(sim.clockOf('master-2').offsetMs, -5000, 'an actor target skews its host'), () => t.equal(sim.clockOf('master-2').offsetMs, 0))
  await t.rejects(faults.inject(fault('disk-error'), 'id', ['hollow-1']), /no store replica on hollow-1/)
  await faults.inject(fault('host-kill'), 'id', ['hollow-1'])
  t.notOk(sim.isUp('hollow-1'), 'host-kill: down')
  await sim.runFor(1000)
  t.ok(sim.isUp('hollow-1'), "restarted after up's backoff")
  t.strictSame(said, ['f: master-1 stopped (link frozen)', 'f: healed', 'f: partition [master-3] | [master-1 master-2 hollow-1]', 'f: healed', 'f: drop p=1 of > from hollow-1', 'f: healed', 'f: clock of master-2 -5000 ms', 'f: healed', 'f: kill -9 hollow-1; up restarts it in 100 ms'], 'the timeline says what was done')
})

t.test('experiment run - the store check from the invariants; the time bound from the plan', async (t) => {
  t.strictSame(storeVerdict([{ name: 'store-linearizable', held: true }, { name: 'acknowledged-writes', held: true }]), { linearizable: true, ackedWritesLost: 0 })
  t.strictSame(storeVerdict([{ name: 'store-linearizable', held: false }, { name: 'acknowledged-writes', held: false, detail: 'a\nb\n... and 3 more' }]), { linearizable: false, ackedWritesLost: 5 })
  t.strictSame(storeVerdict([]), { linearizable: false, ackedWritesLost: 0 }, 'a check that did not run is no pass')
  const plan = planOf({ steadyState: { timeout: '10s' }, method: { faults: [{ name: 'a', kind: 'host-kill', duration: '3s', target: { leader: 'store' } }] }, recoveryTimeout: '15s', repeat: 2, interval: '5s' })
  t.equal(experimentBoundMs(plan), 2 * (10_000 + 3000 + 10_000 + 15_000 + 5000) + 120_000 + 10_000)
})
