/**
 * A node's kube-proxy. The work happens in the `engine` child the host provides
 * (runtime/proxy/proxy-engine.ts): it watches Services and Endpoints and keeps the node's TCP
 * listeners in step with {@link desiredProxy}. The machine keeps what the engine last reported,
 * and crashes (its supervisor restarts it) when the engine gives up.
 */
import { assign, fromCallback, setup } from 'xstate'
import type { ActorInput } from '../kit/actor-kind.ts'
import { NETWORK } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'

export interface ProxyOptions {
  /** The apiserver actors' ids (the masters). */
  readonly apiservers: readonly string[]
  readonly nodeName: string
  /** The node's InternalIP: NodePorts listen here (and on 127.0.0.1). */
  readonly nodeIP: string
}

export const PROXY_ENGINE = 'engine'

export type ProxyEngineEvent =
  /** Listeners wanted, and how many of them are bound (the rest wait for their address). */
  | { readonly type: 'proxy.synced'; readonly listeners: number; readonly bound: number }
  | { readonly type: 'engine.failed'; readonly message: string }

export const proxyMachine = setup({
  types: {
    context: {} as { readonly nodeName: string; listeners: number; bound: number },
    events: {} as ProxyEngineEvent,
    input: {} as ActorInput<ProxyOptions>,
  },
  actors: { network: placeholderNetwork, engine: fromCallback(() => {}) },
}).createMachine({
  id: 'proxy',
  context: ({ input }) => ({ nodeName: input.options.nodeName, listeners: 0, bound: 0 }),
  invoke: [
    { id: NETWORK, src: 'network' },
    { id: PROXY_ENGINE, src: 'engine' },
  ],
  on: {
    'proxy.synced': { actions: assign({ listeners: ({ event }) => event.listeners, bound: ({ event }) => event.bound }) },
    'engine.failed': {
      actions: ({ event }) => {
        throw new Error(`proxy: ${event.message}`)
      },
    },
  },
})
