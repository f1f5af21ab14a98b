/**
 * The pod actor: one per pod bound to a node, spawned by the node's kubelet actor. It runs the
 * pod the way the kubelet's pod worker does (sandbox, init containers in order, containers,
 * probes, restarts with back-off, graceful termination) by sending `cri.*` commands to its
 * `runtime` child and reacting to its reports; it tells its parent only `pod.status`,
 * `pod.event` and, last, `pod.terminated`. The protocol is in pod-protocol.ts.
 *
 * The decisions are pure (pod-step.ts and the files it uses); this machine applies their
 * effects: commands via sendTo, reports via sendParent, timers as delayed self-events on the
 * actor system's clock (a SimulatedClock in tests).
 */
import { type EventObject, enqueueActions, fromCallback, setup } from 'xstate'
import { type PodCore, createCore } from './pod-core.ts'
import { type CriCommand, POD_RUNTIME, type PodActorInput, type PodRuntimeInput } from './pod-protocol.ts'
import { type PodMachineEvent, type Step, start, step } from './pod-step.ts'

export type { PodMachineEvent } from './pod-step.ts'

/** The runtime child until the host provides the real one (runtime/cri/pod-runtime.ts). */
const placeholderRuntime = fromCallback<CriCommand, PodRuntimeInput>(() => {})

export const podMachine = setup({
  types: {
    context: {} as PodCore,
    events: {} as PodMachineEvent,
    input: {} as PodActorInput,
  },
  actors: { runtime: placeholderRuntime },
  actions: {
    start: enqueueActions(({ context, enqueue }) => apply(enqueue, start(context))),
    step: enqueueActions(({ context, event, enqueue }) => apply(enqueue, step(context, event))),
  },
  guards: {
    terminating: ({ context }) => context.termination !== undefined,
    terminated: ({ context }) => context.terminated,
  },
}).createMachine({
  id: 'pod',
  context: ({ input }) => createCore(input),
  invoke: {
    id: POD_RUNTIME,
    src: 'runtime',
    input: ({ context }): PodRuntimeInput => ({ pod: context.pod, nodeName: context.nodeName, hostIP: context.hostIP }),
  },
  entry: 'start',
  on: {
    'pod.updated': { actions: 'step' },
    'pod.stop': { actions: 'step' },
    'pod.timer': { actions: 'step' },
    'cri.sandboxReady': { actions: 'step' },
    'cri.sandboxFailed': { actions: 'step' },
    'cri.sandboxRemoved': { actions: 'step' },
    'cri.envObjectsRead': { actions: 'step' },
    'cri.containerStarted': { actions: 'step' },
    'cri.containerFailed': { actions: 'step' },
    'cri.containerExited': { actions: 'step' },
    'cri.probeResult': { actions: 'step' },
  },
  initial: 'active',
  states: {
    /** Pending or Running, or finished (Succeeded/Failed) but not yet deleted. */
    active: { always: { guard: 'terminating', target: 'terminating' } },
    /** Stopping containers, then removing the sandbox. */
    terminating: { always: { guard: 'terminated', target: 'terminated' } },
    /** pod.terminated has been sent. */
    terminated: { type: 'final' },
  },
})

/** The part of enqueueActions' `enqueue` that apply uses. */
interface Enqueue {
  assign(assigner: () => PodCore): void
  sendTo(to: string, event: EventObject): void
  sendParent(event: EventObject): void
  raise(event: PodMachineEvent, options: { id: string; delay: number }): void
  cancel(id: string): void
}

function apply(enqueue: Enqueue, { core, effects }: Step): void {
  // A function: given an object, assign would call the clock (a function-valued property) as an assigner.
  enqueue.assign(() => core)
  for (const effect of effects) {
    switch (effect.kind) {
      case 'cri':
        enqueue.sendTo(POD_RUNTIME, effect.command)
        break
      case 'report':
        enqueue.sendParent(effect.report)
        break
      case 'arm':
        // A delayed event re-scheduled under the same id does not replace the first in XState's scheduler.
        enqueue.cancel(effect.key)
        enqueue.raise({ type: 'pod.timer', key: effect.key, gen: effect.gen }, { id: effect.key, delay: effect.delayMs })
        break
      case 'disarm':
        enqueue.cancel(effect.key)
        break
    }
  }
}
