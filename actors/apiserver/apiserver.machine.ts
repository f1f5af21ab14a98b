/**
 * The apiserver actor: one per master host, stateless. It owns the lifecycle of the HTTPS
 * endpoint the host provides as its `http` child (TLS, auth, the handlers in handle.ts over the
 * cluster store) and reports when it serves; a failed endpoint crashes the actor, and its
 * supervisor starts it again.
 */
import { assign, fromCallback, setup } from 'xstate'
import type { ActorInput } from '../kit/actor-kind.ts'
import { NETWORK } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'

export interface ApiServerOptions {
  /** HTTPS port; 0 picks a free one. */
  readonly port: number
  /** Listen address. */
  readonly bindAddress: string
  /** Where the CA, serving certificate, token file and policy live (shared by the masters of a machine). */
  readonly securityDir: string
  /** The store replicas' ids. */
  readonly storeReplicas: readonly string[]
}

export const HTTP = 'http'

export type HttpOutcome = { readonly type: 'http.listening'; readonly port: number } | { readonly type: 'http.failed'; readonly message: string }

export const APISERVER_ACCEPTS = new Set<string>()

interface ApiServerContext {
  readonly id: string
  port: number | undefined
}

export const apiserverMachine = setup({
  types: {
    context: {} as ApiServerContext,
    events: {} as HttpOutcome,
    input: {} as ActorInput<ApiServerOptions>,
  },
  actors: { network: placeholderNetwork, http: fromCallback(() => {}) },
}).createMachine({
  id: 'apiserver',
  context: ({ input }) => ({ id: input.id, port: undefined }),
  invoke: [
    { id: NETWORK, src: 'network' },
    { id: HTTP, src: 'http' },
  ],
  initial: 'starting',
  states: {
    starting: {
      on: { 'http.listening': { target: 'serving', actions: assign({ port: ({ event }) => event.port }) } },
    },
    serving: {},
  },
  on: {
    'http.failed': {
      actions: ({ event }) => {
        throw new Error(`apiserver: ${event.message}`)
      },
    },
  },
})
