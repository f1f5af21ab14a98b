/**
 * `kubectl logs` over NATS: the apiserver asks the kubelet of the pod's node for a container's
 * log on `ak.<cluster>.kubelet.<node>.logs`, and the kubelet streams it back to a subject the
 * apiserver chose: first `opened` or `failed`, then numbered chunks, then `end`. A following
 * stream lives while the apiserver sends keepalives (its client may go away without a word).
 */

export const LOGS_VERB = 'logs'
export const LOG_KEEPALIVE_MS = 5000
/** A following stream without a keepalive for this long is ended by the kubelet. */
export const LOG_LAPSE_MS = 15_000

export interface PodLogOptions {
  readonly container?: string
  readonly follow: boolean
  readonly previous: boolean
  readonly timestamps: boolean
  readonly tailLines?: number
  readonly sinceSeconds?: number
  readonly limitBytes?: number
}

export interface PodLogRequest extends PodLogOptions {
  readonly type: 'kubelet.logs'
  readonly streamId: string
  /** Where the stream's messages go. */
  readonly streamTo: string
  readonly namespace: string
  readonly name: string
}

export interface LogKeepAlive {
  readonly type: 'kubelet.logsKeepAlive'
  readonly streamId: string
}

export interface LogCancel {
  readonly type: 'kubelet.logsCancel'
  readonly streamId: string
}

export type LogCommand = PodLogRequest | LogKeepAlive | LogCancel

export interface LogOpened {
  readonly type: 'kubelet.logsOpened'
  readonly streamId: string
}

/** The log cannot be read: `status` and `message` become the apiserver's Status. */
export interface LogFailed {
  readonly type: 'kubelet.logsFailed'
  readonly streamId: string
  readonly status: number
  readonly message: string
}

export interface LogChunk {
  readonly type: 'kubelet.logChunk'
  readonly streamId: string
  readonly seq: number
  readonly data: string
}

export interface LogEnd {
  readonly type: 'kubelet.logEnd'
  readonly streamId: string
  readonly seq: number
}

export type LogStreamMessage = LogOpened | LogFailed | LogChunk | LogEnd

/** Reads kubectl's query (`?container=&follow=&previous=&tailLines=&sinceSeconds=&timestamps=&limitBytes=`); a string is a 400 message. */
export function parsePodLogQuery(query: Readonly<Record<string, string>>): PodLogOptions | string {
  const flag = (name: string) => query[name] === 'true' || query[name] === '1'
  const count = (name: string): number | undefined | string => {
    const raw = query[name]
    if (raw === undefined || raw === '') return undefined
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) return `${name}: must be a non-negative whole number, got "${raw}"`
    return n
  }
  const tailLines = count('tailLines')
  const sinceSeconds = count('sinceSeconds')
  const limitBytes = count('limitBytes')
  for (const v of [tailLines, sinceSeconds, limitBytes]) if (typeof v === 'string') return v
  return {
    ...(query.container ? { container: query.container } : {}),
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    ...(tailLines !== undefined ? { tailLines: tailLines as number } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds: sinceSeconds as number } : {}),
    ...(limitBytes !== undefined ? { limitBytes: limitBytes as number } : {}),
  }
}
