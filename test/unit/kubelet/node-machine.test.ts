/**
 * The node actor driven directly: a stand-in engine (invoked with the engine's systemId, as the
 * kubelet actor does) records its commands, the real pod machine runs on a runtime that answers
 * every cri.* command at once, and a SimulatedClock drives the lease heartbeat.
 */
import t from 'tap'
import { createActor, fromCallback, setup, SimulatedClock, type AnyActorRef } from 'xstate'
import type { Pod } from '../../../actors/kube/objects.ts'
import { KUBELET_ENGINE, type EngineCommand, type EngineReport } from '../../../actors/kubelet/kubelet-protocol.ts'
import { nodeMachine } from '../../../actors/kubelet/node.machine.ts'
import { podMachine } from '../../../actors/pod/pod.machine.ts'
import type { CriCommand, CriReport, PodRuntimeInput } from '../../../actors/pod/pod-protocol.ts'
import { flush } from '../../helpers/flush.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')

/** A runtime that does at once whatever it is told. */
const instantRuntime = fromCallback<CriCommand, PodRuntimeInput>(({ receive, sendBack }) => {
  const at = () => new Date(T0).toISOString()
  receive((c) => {
    const reply = (e: CriReport) => queueMicrotask(() => sendBack(e))
    if (c.type === 'cri.runSandbox') reply({ type: 'cri.sandboxReady', podIP: '10.1.0.2' })
    if (c.type === 'cri.startContainer') reply({ type: 'cri.containerStarted', name: c.container.name, containerID: `hollow://${c.container.name}`, startedAt: at(), image: 'actorkube/sleep', imageID: 'x' })
    if (c.type === 'cri.stopContainer') reply({ type: 'cri.containerExited', name: c.name, containerID: `hollow://${c.name}`, exitCode: 143, reason: 'Error', startedAt: at(), finishedAt: at() })
    if (c.type === 'cri.removeSandbox') reply({ type: 'cri.sandboxRemoved' })
  })
})

function pod(uid: string, extra: Partial<Pod['metadata']> = {}, phase?: 'Succeeded'): Pod {
  return {
    metadata: { name: `p-${uid}`, namespace: 'default', uid, ...extra },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'actorkube/sleep' }], terminationGracePeriodSeconds: 1 },
    status: phase ? { phase } : { phase: 'Pending' },
  }
}

function harness() {
  const clock = new SimulatedClock()
  clock.set(T0)
  const commands: EngineCommand[] = []
  const engine = fromCallback<EngineCommand>(({ receive }) => receive((c) => commands.push(c)))
  const parent = setup({
    actors: { engine, node: nodeMachine.provide({ actors: { pod: podMachine.provide({ actors: { runtime: instantRuntime } }) } }) },
  }).createMachine({
    invoke: [
      { id: KUBELET_ENGINE, systemId: KUBELET_ENGINE, src: 'engine' },
      { id: 'node', src: 'node', input: { nodeName: 'node-1', hostIP: '10.0.0.1', leaseRenewIntervalMs: 1000, backoff: { initialMs: 1000, maxMs: 10_000, resetAfterMs: 60_000 }, now: () => clock.now() } },
    ],
  })
  const actor = createActor(parent, { clock })
  actor.start()
  const node = () => actor.getSnapshot().children['node'] as AnyActorRef
  return {
    clock,
    commands,
    send: async (e: EngineReport) => {
      node().send(e)
      await flush()
    },
    advance: async (ms: number) => {
      clock.increment(ms)
      await flush()
    },
    ofType: <K extends EngineCommand['type']>(type: K) => commands.filter((c): c is Extract<EngineCommand, { type: K }> => c.type === type),
    pods: () => Object.keys((node().getSnapshot() as { context: { pods: Record<string, unknown> } }).context.pods),
    stop: () => actor.stop(),
  }
}

t.test('node actor - registers, asks again until answered, then renews its lease every interval', async (t) => {
  const h = harness()
  t.teardown(h.stop)
  t.same(h.ofType('kubelet.register'), [{ type: 'kubelet.register', nodeName: 'node-1' }], 'asks the engine to register at once')
  await h.advance(2000)
  t.equal(h.ofType('kubelet.register').length, 2, 'no answer within 2 s: asks again')
  await h.send({ type: 'kubelet.registered', nodeName: 'node-1' })
  t.equal(h.ofType('kubelet.renewLease').length, 1, 'a first renewal as soon as it is registered')
  await h.advance(1000)
  await h.advance(1000)
  await h.advance(1000)
  t.equal(h.ofType('kubelet.renewLease').length, 4, 'then one per interval')
  await h.advance(5000)
  t.equal(h.ofType('kubelet.register').length, 2, 'registered: no more registrations')
})

t.test('node actor - runs a pod, reports its status, and on deletion stops it and asks for the final delete', async (t) => {
  const h = harness()
  t.teardown(h.stop)
  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u1') })
  t.same(h.pods(), ['u1'], 'one pod actor for the pod')
  const statuses = h.ofType('kubelet.writeStatus')
  t.ok(statuses.length > 0, 'statuses go to the engine')
  t.match(statuses.at(-1), { pod: { namespace: 'default', name: 'p-u1', uid: 'u1' }, status: { phase: 'Running', podIP: '10.1.0.2' } })
  t.ok(h.ofType('kubelet.recordEvent').some((e) => e.reason === 'Started'), 'events go to the engine too')

  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u1', { deletionTimestamp: new Date(T0).toISOString(), deletionGracePeriodSeconds: 1 }) })
  t.same(h.ofType('kubelet.removePod'), [{ type: 'kubelet.removePod', nodeName: 'node-1', pod: { namespace: 'default', name: 'p-u1', uid: 'u1' } }], 'once stopped, the pod is deleted for good')
  t.same(h.pods(), [], 'its actor is gone')

  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u1', { deletionTimestamp: new Date(T0).toISOString() }) })
  t.same(h.pods(), [], 'a late event about the finished pod does not start it again')
  await h.send({ type: 'kubelet.podGone', nodeName: 'node-1', uid: 'u1' })
  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u1') })
  t.same(h.pods(), ['u1'], 'once the API says it is gone, the uid is forgotten')
})

t.test('node actor - a pod deleted for good by someone else is stopped without a delete of its own', async (t) => {
  const h = harness()
  t.teardown(h.stop)
  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u2') })
  const before = h.ofType('kubelet.writeStatus').length
  await h.send({ type: 'kubelet.podGone', nodeName: 'node-1', uid: 'u2' })
  t.same(h.pods(), [], 'its actor stopped')
  t.same(h.ofType('kubelet.removePod'), [], 'nothing left to delete')
  t.equal(h.ofType('kubelet.writeStatus').length, before, 'and no status is written for a pod that is gone')
})

t.test('node actor - a pod that already ran to the end is not run again; a deleted one is only removed', async (t) => {
  const h = harness()
  t.teardown(h.stop)
  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u3', {}, 'Succeeded') })
  t.same(h.pods(), [], 'Succeeded: no actor')
  await h.send({ type: 'kubelet.podSeen', nodeName: 'node-1', pod: pod('u3', { deletionTimestamp: new Date(T0).toISOString() }, 'Succeeded') })
  t.same(h.ofType('kubelet.removePod').map((c) => c.pod.uid), ['u3'], 'deleted: removed at once')
})
