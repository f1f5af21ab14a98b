/**
 * A kubelet's chaos faults (runtime/kubelet/kubelet-faults.ts) on a hollow runtime and a virtual
 * clock: container-kill kills the pod's running containers once; pod-failure kills them and
 * refuses their starts (RunContainerError) until lifted; kubelet-stop holds the node's engine
 * inputs and gives them back in order when lifted; which pods and nodes it carries; and, granted
 * through the host's fault leases, lifted by the host itself when no renewal comes.
 */
import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import type { EngineInput } from '../../../actors/kubelet/engine-io.ts'
import { CriError, type ContainerExit, type ContainerInfo } from '../../../runtime/cri/container-runtime.ts'
import { HollowRuntime } from '../../../runtime/cri/hollow/hollow-runtime.ts'
import { FaultLeases } from '../../../runtime/chaos/fault-leases.ts'
import { FaultyTransport } from '../../../runtime/chaos/faulty-transport.ts'
import { KubeletFaults } from '../../../runtime/kubelet/kubelet-faults.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { container, sandboxConfig } from './hollow-fixtures.ts'

async function setup() {
  const clock = new VirtualClock(1_700_000_000_000)
  const runtime = new HollowRuntime({ clock, podCidr: '10.200.0.0/16' })
  const exits: [ContainerInfo, ContainerExit][] = []
  runtime.onExit((info, exit) => exits.push([info, exit]))
  const pods: Record<string, Pod> = {
    'default/web': { metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { nodeName: 'node-1', containers: [] } } as unknown as Pod,
  }
  const faults = new KubeletFaults({ runtime, nodes: ['node-1'], view: () => ({ pods: () => Object.values(pods), pod: (ns, name) => pods[`${ns}/${name}`], nodes: ['node-1'] }), log: silentLogger })
  const sandbox = await faults.runtime.runPodSandbox(sandboxConfig())
  const start = async (name: string) => {
    const created = await faults.runtime.createContainer(sandbox.id, { container: container(name), env: {}, attempt: 0 })
    return faults.runtime.startContainer(created.id)
  }
  return { clock, runtime, faults, exits, start }
}

t.test('kubelet faults - which pods and nodes it carries', async (t) => {
  const { faults } = await setup()
  t.ok(faults.carries({ action: 'container-kill', pods: ['default/web'] }))
  t.notOk(faults.carries({ action: 'pod-failure', pods: ['default/web', 'default/other'] }), 'every pod named must be here')
  t.ok(faults.carries({ action: 'kubelet-stop', nodes: ['node-1'] }))
  t.notOk(faults.carries({ action: 'kubelet-stop', nodes: ['node-2'] }))
})

t.test('kubelet faults - container-kill kills the running containers, or the one named', async (t) => {
  const { faults, exits, start } = await setup()
  await start('app')
  await start('sidecar')
  faults.apply({ action: 'container-kill', pods: ['default/web'], container: 'sidecar' })
  await new Promise((resolve) => setImmediate(resolve))
  t.same(exits.map(([info]) => info.name), ['sidecar'])
  faults.apply({ action: 'container-kill', pods: ['default/web'] })
  await new Promise((resolve) => setImmediate(resolve))
  t.same(exits.map(([info]) => info.name), ['sidecar', 'app'], 'the exited sidecar is not killed again')
  t.ok((await start('again')).state === 'running', 'nothing refuses a start after a kill')
})

t.test('kubelet faults - pod-failure kills and refuses starts until lifted', async (t) => {
  const { faults, exits, start } = await setup()
  await start('app')
  faults.apply({ action: 'pod-failure', pods: ['default/web'] })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(exits.length, 1, 'the running container is killed')
  await t.rejects(start('app'), new CriError('RunContainerError', 'chaos pod-failure: the kubelet refuses to start the container until the fault is healed'))
  faults.lift({ action: 'pod-failure', pods: ['default/web'] })
  t.equal((await start('app')).state, 'running', 'started again once lifted')
})

t.test('kubelet faults - kubelet-stop holds the node\'s inputs and releases them in order', async (t) => {
  const { faults } = await setup()
  const released: EngineInput[] = []
  faults.attach((input) => released.push(input))
  const renew: EngineInput = { type: 'kubelet.renewLease', nodeName: 'node-1' }
  t.equal(faults.admit(renew), 'pass')
  faults.apply({ action: 'kubelet-stop', nodes: ['node-1'] })
  const register: EngineInput = { type: 'kubelet.register', nodeName: 'node-1' }
  t.same([faults.admit(renew), faults.admit(register), faults.admit(renew)], ['hold', 'hold', 'drop'])
  faults.lift({ action: 'kubelet-stop', nodes: ['node-1'] })
  t.same(released, [renew, register])
  t.equal(faults.admit(renew), 'pass')
  faults.lift({ action: 'kubelet-stop', nodes: ['node-1'] })
  t.equal(released.length, 2, 'lifting again releases nothing')
})

t.test('kubelet faults - a leased kubelet-stop the controller stops renewing lifts itself on the host\'s clock', async (t) => {
  const { clock, faults } = await setup()
  const network = new MemoryNetwork(clock, seededRandom(1))
  const layer = new FaultyTransport(network.connect('worker-1'), { clock, random: seededRandom(1), host: 'worker-1' })
  const leases = new FaultLeases({ clock, faults: layer, actors: { pause: () => {}, resume: () => {}, actorKeys: [] }, log: silentLogger, kubelets: () => [faults] })
  const released: EngineInput[] = []
  faults.attach((input) => released.push(input))
  t.throws(() => leases.feed({ type: 'grant', id: 'x/stop/1', fault: { kind: 'kubelet', fault: { action: 'kubelet-stop', nodes: ['node-9'] } }, ttlMs: 10_000 }), /no kubelet of this host carries nodes node-9/, 'a node it does not carry is refused')
  leases.feed({ type: 'grant', id: 'e/stop/1', fault: { kind: 'kubelet', fault: { action: 'kubelet-stop', nodes: ['node-1'] } }, ttlMs: 10_000 })
  const renew: EngineInput = { type: 'kubelet.renewLease', nodeName: 'node-1' }
  t.equal(faults.admit(renew), 'hold')
  clock.runUntil(clock.now() + 9_999)
  t.same(released, [], 'held until the lease ends')
  clock.runUntil(clock.now() + 1)
  t.same(released, [renew], 'lapsed: started again, what it held released')
  t.same(leases.view, [])
})
