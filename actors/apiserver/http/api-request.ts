/**
 * An API request and response as the handlers see them: the HTTP edge (runtime/apiserver) turns
 * a socket's bytes into an {@link ApiRequest} (authenticated, body size-checked) and writes the
 * {@link ApiResponse} back. Handlers are plain async functions over injected ports, so they test
 * without sockets.
 */
import type { Fence } from '../fence.ts'

export interface User {
  readonly name: string
  readonly groups: readonly string[]
}

export interface ApiRequest {
  readonly method: string
  /** Without the query string. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly accept: string
  readonly contentType: string
  readonly body: Uint8Array | undefined
  readonly user: User
  /**
   * The W3C traceparent of the span the edge (HTTPS or NATS) handles this request in, when tracing
   * is on: a created pod records it (trace.actorkube.io/traceparent) so its whole life joins the trace.
   */
  readonly traceparent?: string
  /** A leader's fencing token (NATS only): every write of the request holds only in its lease term (fence.ts). */
  readonly fence?: Fence
}

export type ApiResponse =
  /** `warnings`: sent as `Warning: 299 - "..."` headers (kubectl prints each as `Warning: ...`). */
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown; readonly contentType?: string; readonly warnings?: readonly string[] }
  | { readonly kind: 'raw'; readonly status: number; readonly body: string; readonly contentType: string }
  /**
   * A watch: `open` starts emitting events (in batches; an ERROR event is followed by `end`) and
   * returns a function that stops it. `resourceVersion` is the version the watch follows changes
   * after (a resumed watch continues from its last event's, or this one before any).
   */
  | {
      readonly kind: 'stream'
      readonly status: number
      readonly contentType: string
      readonly resourceVersion: string
      open(emit: (events: readonly WatchStreamEvent[]) => void, end: () => void): () => void
    }
  | TextStreamResponse

/**
 * A streamed text body (pods/log): `open` starts writing chunks and returns a function that
 * stops it; `end` closes the response.
 */
export interface TextStreamResponse {
  readonly kind: 'text'
  readonly status: number
  readonly contentType: string
  open(write: (chunk: string) => void, end: () => void): () => void
}

/** One line of a watch stream: `{"type":"ADDED","object":{...}}`. */
export interface WatchStreamEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR' | 'BOOKMARK'
  readonly object: unknown
}

export const json = (status: number, body: unknown): ApiResponse => ({ kind: 'json', status, body })
