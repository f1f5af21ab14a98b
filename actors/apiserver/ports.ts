/**
 * What the API handlers need from the world, injected by the host: the objects in the cluster
 * store, and time and randomness (uids, generateName). runtime/apiserver/object-store.ts is the
 * real {@link ObjectsPort}; tests pass in-memory ones.
 */
import type { KubeObject } from './tables/types.ts'

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

export interface ObjectsPort {
  create(key: string, object: KubeObject): Promise<WriteOutcome>
  get(key: string): Promise<KubeObject | undefined>
  list(prefix: string): Promise<{ items: KubeObject[]; resourceVersion: string }>
  update(key: string, object: KubeObject, resourceVersion?: string): Promise<WriteOutcome>
  delete(key: string, resourceVersion?: string): Promise<WriteOutcome>
  watch(prefix: string, resourceVersion: string, onEvent: (event: ObjectEvent) => void, onError?: (error: Error) => void): Promise<{ cancel(): Promise<void> }>
}

export interface ApiPorts {
  readonly objects: ObjectsPort
  now(): number
  random(): number
  /** A fresh object uid (a UUID, as Kubernetes uses). */
  uid(): string
  /** host:port the server is reached at (discovery reports it). */
  readonly serverAddress: string
}
