/**
 * What the API handlers need from the world, injected by the host: the objects in the cluster
 * store, and time and randomness (uids, generateName). runtime/apiserver/object-store.ts is the
 * real {@link ObjectsPort}; tests pass in-memory ones.
 */
import type { KubeObject } from './tables/types.ts'
import type { ApiResponse } from './http/api-request.ts'
import type { PodLogOptions } from '../kubelet/log-protocol.ts'
import type { Fence } from './fence.ts'
import type { Authorizer } from './authz/authorizer.ts'
import type { ServiceAccountTokenIssuer } from './serviceaccount/token-request.ts'

export type { KubeObject }

export type WriteOutcome =
  | { readonly ok: true; readonly object: KubeObject }
  | { readonly ok: false; readonly reason: 'AlreadyExists' | 'NotFound' | 'Conflict' }

export interface ObjectEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'
  readonly object: KubeObject
  /** The object before a MODIFIED: selector-filtered watches need it to see objects move in or out. */
  readonly previous?: KubeObject
}

/** How a write is guarded beyond its key's own compare-and-swap. */
export interface WriteOptions {
  /** Only while this leader's lease term lasts (fence.ts); a term that is over throws FenceRefused. */
  readonly fence?: Fence
}

export interface ObjectsPort {
  create(key: string, object: KubeObject, options?: WriteOptions): Promise<WriteOutcome>
  /**
   * The object at `key`. By default it is current (read from the store); `anyVersion` accepts a
   * possibly older copy from the apiserver's cache, as Kubernetes' admission plugins read through
   * informers: for checks a compare-and-swap or a later live read backs up.
   */
  get(key: string, options?: { readonly anyVersion?: boolean }): Promise<KubeObject | undefined>
  /**
   * Every object under `prefix` and the resourceVersion the list is consistent at. By default the
   * list is current (read from the store); `anyVersion` accepts a possibly older one from the
   * apiserver's cache (Kubernetes' resourceVersion=0).
   */
  list(prefix: string, options?: { readonly anyVersion?: boolean }): Promise<{ items: KubeObject[]; resourceVersion: string }>
  update(key: string, object: KubeObject, resourceVersion?: string, options?: WriteOptions): Promise<WriteOutcome>
  delete(key: string, resourceVersion?: string, options?: WriteOptions): Promise<WriteOutcome>
  /**
   * A write with nothing to write: the object at `key` if it is still at `resourceVersion`
   * (still there at all when absent; NotFound, Conflict otherwise), checked in the store's order as a write is, and writing
   * nothing. A request answered without a change (a DELETE of an object already being deleted)
   * goes through it, so its fence is checked as its writes' would be.
   */
  confirm(key: string, resourceVersion?: string, options?: WriteOptions): Promise<WriteOutcome>
  /** Changes under `prefix` after `resourceVersion`, in order, in batches; `onError` ends the watch (410 Gone). */
  watch(prefix: string, resourceVersion: string, onEvents: (events: readonly ObjectEvent[]) => void, onError?: (error: Error) => void): Promise<{ cancel(): Promise<void> }>
}

export interface ApiPorts {
  readonly objects: ObjectsPort
  now(): number
  random(): number
  /** A fresh object uid (a UUID, as Kubernetes uses). */
  uid(): string
  /** host:port the server is reached at (discovery reports it). */
  readonly serverAddress: string
  /** A container's log from the kubelet of `nodeName` (a `text` stream, or a Status). */
  /** Answers authorization reviews (SelfSubjectAccessReview, ...); none: they get a 503. */
  readonly authorizer?: Authorizer
  /** Signs service account tokens (serviceaccounts/token); none: the subresource is not served (404). */
  readonly serviceAccountTokens?: ServiceAccountTokenIssuer
  readonly podLogs?: (nodeName: string, request: PodLogOptions & { readonly namespace: string; readonly name: string; readonly container: string }) => Promise<ApiResponse>
}
