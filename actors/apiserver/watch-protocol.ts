/**
 * Watches over NATS, for the cluster's own actors (scheduler, controllers, kubelets): the same
 * watch an HTTPS client gets, delivered as pushes to the watcher's subject.
 *
 * - `api.watch` (a request) opens a watch on `path` with the usual query (resourceVersion,
 *   labelSelector, fieldSelector). The answer is an `api.response`: 200 with
 *   {@link WatchOpened} once the watch follows changes, or the Status error (400, 404, 410...).
 * - The apiserver then sends `api.watchEvents` to `apiWatchAddress(clientId)`, numbered 1, 2, 3...
 *   per watchId, each a batch of watch events. An ERROR event ends the watch (410 Gone: relist).
 * - Watches lapse unless kept alive: `api.watchKeepAlive` names the client's watches at that
 *   apiserver and is answered with `api.watchAlive` listing those it no longer has.
 * - `api.watchCancel` (one-way) stops one.
 *
 * A client resumes a watch elsewhere from the last resourceVersion it saw when its apiserver goes
 * silent, a push is missing, or the watch is missing; a fresh watchId per opening tells stale
 * pushes apart.
 */
import type { Address } from '../kit/address.ts'
import type { WatchStreamEvent } from './http/api-request.ts'

export const API_WATCH_COMPONENT = 'apiwatch'

export const apiWatchAddress = (clientId: string): Address => ({ component: API_WATCH_COMPONENT, instance: clientId })

export interface ApiWatchOpen {
  readonly type: 'api.watch'
  readonly clientId: string
  readonly watchId: string
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
}

/** The body of a 200 answer to `api.watch`: events follow after `resourceVersion`. */
export interface WatchOpened {
  readonly watchId: string
  readonly resourceVersion: string
}

export interface ApiWatchKeepAlive {
  readonly type: 'api.watchKeepAlive'
  readonly watchIds: readonly string[]
}

export interface ApiWatchAlive {
  readonly type: 'api.watchAlive'
  readonly missing: readonly string[]
  /** `lastSeqs[i]`: the last push sent to `watchIds[i]` (0: none, or missing). */
  readonly lastSeqs?: readonly number[]
}

export interface ApiWatchCancel {
  readonly type: 'api.watchCancel'
  readonly watchId: string
}

export interface ApiWatchEvents {
  readonly type: 'api.watchEvents'
  readonly watchId: string
  readonly seq: number
  readonly events: readonly WatchStreamEvent[]
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')
const isStringRecord = (v: unknown): v is Record<string, string> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string')

/** Why a watch message from the wire is malformed, or undefined when it is well-formed. */
export function malformedWatchMessage(message: { readonly type: string }): string | undefined {
  const m = message as { readonly type: string; readonly [field: string]: unknown }
  switch (m.type) {
    case 'api.watch':
      if (typeof m.clientId !== 'string' || typeof m.watchId !== 'string' || typeof m.path !== 'string') return 'api.watch needs clientId, watchId and path strings'
      if (m.query !== undefined && !isStringRecord(m.query)) return 'api.watch query must map strings to strings'
      return undefined
    case 'api.watchKeepAlive':
      return isStringArray(m.watchIds) ? undefined : 'api.watchKeepAlive needs watchIds'
    case 'api.watchCancel':
      return typeof m.watchId === 'string' ? undefined : 'api.watchCancel needs a watchId'
    default:
      return `not a watch message: ${m.type}`
  }
}

export function isWatchEventsPush(message: { readonly type: string }): message is ApiWatchEvents {
  const m = message as { readonly type: string; readonly [field: string]: unknown }
  return m.type === 'api.watchEvents' && typeof m.watchId === 'string' && typeof m.seq === 'number' && Array.isArray(m.events)
}
