/**
 * An experiment's faults in the simulation (runtime/sim/experiment-faults.ts): every fault kind is
 * either done by the simulation itself (host processes), granted by the live fault injector over
 * the simulated network, or refused with why; inject, renew and heal change the simulated hosts as
 * they say, and a lease nobody renews lapses on its host (no boot needed: the hosts are built and
 * virtual time moves only as far as the requests need). Plus the run's pure helpers (the store
 * check from the invariants, the time bound).
 */
import t from 'tap'
import { planOf, type PlannedFault } from '../../../actors/chaos/experiment-plan.ts'
import { FAULT_KIND_NAMES } from '../../../actors/chaos/fault-kinds.ts'
import type { KnownHost } from '../../../runtime/chaos/chaos-targets.ts'
import { PROCESS_FAULTS, SimFaults, simulatedBy, unsimulatedFaults } from '../../../runtime/sim/experiment-faults.ts'
import { experimentBoundMs, storeVerdict } from '../../../runtime/sim/experiment-run.ts'
import { SimCluster } from '../../../runtime/sim/sim-cluster.ts'

const fault = (kind: string, params: Record<string, unknown> = {}, target: PlannedFault['target'] = { hosts: {} }): PlannedFault => ({ index: 0, name: 'f', kind, durationMs: 1000, target, mode: 'one', params })

t.test('experiment faults - every fault kind is done by the simulation, granted by the live injector, or refused with why', async (t) => {
  t.strictSame(Object.keys(PROCESS_FAULTS).sort(), ['host-kill', 'host-restart', 'host-stop'], 'what up or a signal does to a process')
  t.strictSame(FAULT_KIND_NAMES.filter((k) => simulatedBy(k) === 'refused'), ['nats-kill'])
  t.equal(simulatedBy('disk-melt'), 'refused')
  t.strictSame(unsimulatedFaults([{ name: 'a', kind: 'host-kill' }, { name: 'b', kind: 'nats-kill' }, { name: 'c', kind: 'disk-melt' }, { name: 'd', kind: 'pod-failure' }]), [
    'spec.method.faults[1] (b): nats-kill cannot run in the simulation: the simulation has no nats-server to kill: its in-memory network is one bus',
    `spec.method.faults[2] (c): disk-melt cannot run in the simulation: not a fault kind (known: ${FAULT_KIND_NAMES.join(', ')})`,
  ])
})

t.test('experiment faults - inject, renew and heal change the simulated hosts; an unrenewed lease lapses', async (t) => {
  const cluster = new SimCluster({ seed: 3, nodes: 1 })
  const { sim } = cluster
  const known: KnownHost[] = cluster.hosts.map((host) => ({ host, roles: [], actors: [] }))
  const said: string[] = []
  const faults = new SimFaults({ cluster, api: cluster.client('t'), hosts: async () => known, say: (l) => void said.push(l) })
  const rules = (host: string) => sim.hosts.get(host)!.faults.rules.map((r) => r.id)
  const drive = <T>(p: Promise<T>) => sim.drive(p, 5000)

  await faults.inject(fault('host-stop'), 'stop', ['master-1'], 5000)
  t.ok(sim.isPaused('master-1'), 'host-stop: the link frozen')
  await faults.heal(fault('host-stop'), 'stop', ['master-1'])
  t.notOk(sim.isPaused('master-1'), 'heal: continued')

  const drop = fault('message-drop', { subject: 'ak.c1.api.>', probability: 0.5 })
  await drive(faults.inject(drop, 'x/drop/1', ['hollow-1'], 3000))
  t.strictSame([rules('hollow-1'), rules('master-1')], [['x/drop/1'], []], 'granted on its target alone, the rule named after its lease')
  await sim.runFor(2000)
  faults.renew(drop, 'x/drop/1', 3000)
  await sim.runFor(2000)
  t.strictSame(rules('hollow-1'), ['x/drop/1'], 'renewed: still in force 4 s after a 3 s grant')
  await drive(faults.heal(drop, 'x/drop/1', ['hollow-1']))
  await sim.runFor(100)
  t.strictSame(rules('hollow-1'), [], 'healed')

  await drive(faults.inject(fault('partition'), 'x/cut/1', ['master-3'], 1000))
  await sim.runFor(100)
  t.strictSame(sim.hosts.get('master-3')!.faults.partitionedFrom, ['master-1', 'master-2', 'hollow-1'], 'partition: the target against every other host')
  await sim.runFor(1500)
  t.strictSame(sim.hosts.get('master-3')!.faults.partitionedFrom, [], 'not renewed: the lease lapsed on the host')

  await faults.inject(fault('host-kill'), 'kill', ['hollow-1'], 5000)
  t.notOk(sim.isUp('hollow-1'), 'host-kill: down')
  await sim.runFor(1000)
  t.ok(sim.isUp('hollow-1'), "restarted after up's back-off")
  await t.rejects(faults.inject(fault('nats-kill'), 'n', ['nats-1'], 1000), /nats-kill cannot run in the simulation/)
  t.strictSame(said, [
    'f: master-1 stopped (link frozen)',
    'f: healed',
    'f: message-drop on hollow-1 granted by the live injector (lease x/drop/1, 3000 ms)',
    'f: healed',
    'f: partition on master-3 granted by the live injector (lease x/cut/1, 1000 ms)',
    'f: kill -9 hollow-1; up restarts it in 100 ms',
  ], 'the timeline says what was done')
  faults.close()
})

t.test('experiment run - the store check from the invariants; the time bound from the plan', async (t) => {
  t.strictSame(storeVerdict([{ name: 'store-linearizable', held: true }, { name: 'acknowledged-writes', held: true }]), { linearizable: true, ackedWritesLost: 0 })
  t.strictSame(storeVerdict([{ name: 'store-linearizable', held: false }, { name: 'acknowledged-writes', held: false, detail: 'a\nb\n... and 3 more' }]), { linearizable: false, ackedWritesLost: 5 })
  t.strictSame(storeVerdict([]), { linearizable: false, ackedWritesLost: 0 }, 'a check that did not run is no pass')
  const plan = planOf({ steadyState: { timeout: '10s' }, method: { faults: [{ name: 'a', kind: 'host-kill', duration: '3s', target: { leader: 'store' } }] }, recoveryTimeout: '15s', repeat: 2, interval: '5s' })
  t.equal(experimentBoundMs(plan), 2 * (10_000 + 3000 + 10_000 + 15_000 + 5000) + 120_000 + 10_000)
})
