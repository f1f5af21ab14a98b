/**
 * The kubelet actor a worker host runs: one node actor per node it carries (one for a process
 * worker, thousands for a hollow pool) and an `engine` child, provided by the host
 * (runtime/kubelet/kubelet-engine.ts, its decisions in ./engine-step.ts), that does their API
 * I/O. The engine's reports about a node are routed to that node's actor.
 */
import { enqueueActions, fromCallback, setup, type AnyActorRef } from 'xstate'
import type { ActorInput } from '../kit/actor-kind.ts'
import { NETWORK } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'
import { BACKOFF_DEFAULTS } from '../pod/pod-protocol.ts'
import { nodeNames, type KubeletOptions } from './kubelet-options.ts'
import { KUBELET_ENGINE, type EngineReport } from './kubelet-protocol.ts'
import { nodeMachine } from './node.machine.ts'

export const kubeletMachine = setup({
  types: {
    context: {} as { readonly nodes: Readonly<Record<string, AnyActorRef>> },
    events: {} as EngineReport,
    input: {} as ActorInput<KubeletOptions>,
  },
  actors: { network: placeholderNetwork, engine: fromCallback(() => {}), node: nodeMachine },
  actions: {
    route: enqueueActions(({ context, event, enqueue }) => {
      const node = context.nodes[event.nodeName]
      if (node) enqueue.sendTo(node, event)
    }),
  },
}).createMachine({
  id: 'kubelet',
  invoke: [
    { id: NETWORK, src: 'network' },
    { id: KUBELET_ENGINE, systemId: KUBELET_ENGINE, src: 'engine' },
  ],
  context: ({ input, spawn }) => {
    const { options, env } = input
    const nodes: Record<string, AnyActorRef> = {}
    for (const nodeName of nodeNames(input.id, options)) {
      nodes[nodeName] = spawn('node', {
        id: nodeName,
        input: {
          nodeName,
          hostIP: options.nodeIP,
          allocatable: { cpu: options.capacity.cpu, memory: options.capacity.memory },
          leaseRenewIntervalMs: options.leaseRenewIntervalMs,
          backoff: { initialMs: options.backoffInitialMs, maxMs: options.backoffMaxMs, resetAfterMs: BACKOFF_DEFAULTS.resetAfterMs },
          now: () => env.now(),
        },
      })
    }
    return { nodes }
  },
  on: {
    'kubelet.podSeen': { actions: 'route' },
    'kubelet.podGone': { actions: 'route' },
    'kubelet.registered': { actions: 'route' },
  },
})
