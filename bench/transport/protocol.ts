/**
 * The bench's own control messages (JSON over NATS, off the timed path) and the bodies both
 * sides of the comparison carry: the raw baseline sends exactly the msgpack bytes the runtime
 * would (an `echo.ping`, answered by an `echo.pong`), so the two differ only in what sits between
 * the socket and the application.
 */
import { encodeEvent } from '../../runtime/codec.ts'

/** Subjects of the raw baseline, outside the runtime's `ak.` tree. */
export const RAW = {
  sourceControl: 'bench.raw.source.ctl',
  sinkControl: 'bench.raw.sink.ctl',
  data: 'bench.raw.sink.in',
  rpc: 'bench.raw.sink.rpc',
} as const

export type RawCommand =
  /** Sink: report to `report` once `count` more messages have arrived on {@link RAW.data}. */
  | { readonly op: 'expect'; readonly count: number; readonly report: string }
  /** Source: publish `count` pings to {@link RAW.data}, `batch` per turn of the event loop (0: one loop). */
  | { readonly op: 'blast'; readonly count: number; readonly batch: number }
  /** Source: `count` sequential requests to {@link RAW.rpc}, one in flight; then report. */
  | { readonly op: 'pingpong'; readonly count: number; readonly timeoutMs: number; readonly report: string }

export interface RawReport {
  readonly received?: number
  readonly replies?: number
  readonly failed?: number
}

/** The body of one ping as the runtime encodes it (the sequence number sets its msgpack width). */
export function pingBody(seq: number): Uint8Array {
  return encodeEvent({ type: 'echo.ping', seq })
}

/** The body of one pong as the echo actor on the sink host would encode it. */
export function pongBody(seq: number, by: string, host: string, received: number): Uint8Array {
  return encodeEvent({ type: 'echo.pong', seq, by, host, received })
}

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
export const decodeJson = (data: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(data))
