/**
 * The apiserver actor: one per master host, stateless. It owns the lifecycle of the HTTPS
 * endpoint the host provides as its `http` child (TLS, auth, the handlers in handle.ts over the
 * cluster store) and reports when it serves; a failed endpoint crashes the actor, and its
 * supervisor starts it again.
 *
 * The same API serves the cluster's own actors over NATS: an `api.request` (method, path, query,
 * body as plain data) is handed to the `http` child, which runs the same handlers, and its
 * `api.handled` answer goes back as an `api.response`. Watches over NATS (watch-protocol.ts) go
 * the same way: the `http` child opens them and pushes their events itself.
 */
import { assign, enqueueActions, fromCallback, setup } from 'xstate'
import type { ActorInput } from '../kit/actor-kind.ts'
import { NETWORK, respond, type Inbound } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'
import type { Fence } from './fence.ts'
import type { ApiWatchAlive, ApiWatchCancel, ApiWatchKeepAlive, ApiWatchOpen } from './watch-protocol.ts'

export interface ApiServerOptions {
  /** False: serve the NATS side only, with no HTTPS listener and no security files (the simulation). */
  readonly https: boolean
  /** HTTPS port; 0 picks a free one. */
  readonly port: number
  /** Listen address. */
  readonly bindAddress: string
  /** Where the CA, serving certificate, token file and policy live (shared by the masters of a machine); unused without HTTPS. */
  readonly securityDir: string
  /** The store replicas' ids. */
  readonly storeReplicas: readonly string[]
  /** API Priority and Fairness: seats across the priority levels, and how long a request may queue (defaults: flowcontrol/config.ts). */
  readonly flowControl?: { readonly totalConcurrency?: number; readonly queueWaitMs?: number }
}

export const HTTP = 'http'

/** An API call from another actor (NATS). */
export interface ApiCall {
  readonly type: 'api.request'
  readonly method: string
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
  /** A JSON body as plain data; `contentType` says how to read it for PATCH. */
  readonly body?: unknown
  readonly contentType?: string
  /** A leader's fencing token on a write (fence.ts); the apiserver checks its shape. */
  readonly fence?: Fence
}

/** The answer: the HTTP status and the JSON body the HTTPS endpoint would have sent. */
export interface ApiAnswer {
  readonly type: 'api.response'
  readonly status: number
  readonly body: unknown
}

export type ApiWatchCall = ApiWatchOpen | ApiWatchKeepAlive | ApiWatchCancel

/** To the `http` child: run one call; it answers with `api.handled` when there is a `replyTo`. */
export interface ApiHandle {
  readonly type: 'api.handle'
  readonly replyTo?: string
  readonly call: ApiCall | ApiWatchCall
}

export type HttpOutcome =
  | { readonly type: 'http.listening'; readonly port: number }
  | { readonly type: 'http.failed'; readonly message: string }
  | { readonly type: 'api.handled'; readonly replyTo: string; readonly answer: ApiAnswer | ApiWatchAlive }

export const APISERVER_ACCEPTS = new Set<string>(['api.request', 'api.watch', 'api.watchKeepAlive', 'api.watchCancel'])

interface ApiServerContext {
  readonly id: string
  port: number | undefined
}

export const apiserverMachine = setup({
  types: {
    context: {} as ApiServerContext,
    events: {} as HttpOutcome | ((ApiCall | ApiWatchCall) & Inbound),
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
    'api.request': {
      actions: enqueueActions(({ event, enqueue }) => {
        if (event.replyTo === undefined) return
        const call: ApiCall = { type: 'api.request', method: event.method, path: event.path, ...(event.query ? { query: event.query } : {}), ...(event.body !== undefined ? { body: event.body } : {}), ...(event.contentType ? { contentType: event.contentType } : {}), ...(event.fence !== undefined ? { fence: event.fence } : {}) }
        enqueue.sendTo(HTTP, { type: 'api.handle', replyTo: event.replyTo, call } satisfies ApiHandle)
      }),
    },
    'api.watch': { actions: enqueueActions(({ event, enqueue }) => forwardWatchCall(event, enqueue)) },
    'api.watchKeepAlive': { actions: enqueueActions(({ event, enqueue }) => forwardWatchCall(event, enqueue)) },
    'api.watchCancel': { actions: enqueueActions(({ event, enqueue }) => forwardWatchCall(event, enqueue)) },
    'api.handled': {
      actions: enqueueActions(({ event, enqueue }) => enqueue.sendTo(NETWORK, respond(event.replyTo, event.answer))),
    },
    'http.failed': {
      actions: ({ event }) => {
        throw new Error(`apiserver: ${event.message}`)
      },
    },
  },
})

/** Hands a watch message to the `http` child as it came (it validates), minus the reply subject. */
function forwardWatchCall(event: ApiWatchCall & Inbound, enqueue: { sendTo(actor: string, event: ApiHandle): void }): void {
  const { replyTo, ...call } = event
  enqueue.sendTo(HTTP, { type: 'api.handle', ...(replyTo !== undefined ? { replyTo } : {}), call } satisfies ApiHandle)
}
