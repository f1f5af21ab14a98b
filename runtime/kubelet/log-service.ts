/**
 * The kubelet's side of `kubectl logs`: answers log requests for the pods of its nodes on
 * `ak.<cluster>.kubelet.<node>.logs` (actors/kubelet/log-protocol.ts) by streaming the
 * container runtime's log to the apiserver's subject. A following stream ends when the container
 * exits for good, when the apiserver cancels it, or when its keepalives stop.
 */
import type { Pod } from '../../actors/kube/objects.ts'
import { LOG_LAPSE_MS, LOGS_VERB, type LogCommand, type LogStreamMessage, type PodLogRequest } from '../../actors/kubelet/log-protocol.ts'
import type { TimerHandle } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import type { ContainerInfo, ContainerRuntime, LogStream } from '../cri/container-runtime.ts'
import type { EngineDeps } from '../engine.ts'
import { subjectFor } from '../subjects.ts'
import type { Subscription } from '../transport/transport.ts'

/** Well under NATS's 1 MiB payload. */
const MAX_CHUNK_CHARS = 256 * 1024

export interface LogServiceDeps extends EngineDeps {
  readonly runtime: ContainerRuntime
  /** The pod as this kubelet knows it (from its informer), if it runs here. */
  readonly pod: (namespace: string, name: string) => Pod | undefined
}

interface Served {
  readonly request: PodLogRequest
  stream: LogStream | undefined
  lastKeepAlive: number
  seq: number
  sentBytes: number
}

export class KubeletLogService {
  readonly #d: LogServiceDeps
  readonly #subscriptions: Subscription[]
  readonly #served = new Map<string, Served>()
  #lapseTimer: TimerHandle | undefined

  constructor(deps: LogServiceDeps, nodes: readonly string[]) {
    this.#d = deps
    this.#subscriptions = nodes.map((node) =>
      deps.transport.subscribe(subjectFor(deps.cluster, { component: 'kubelet', instance: node, verb: LOGS_VERB }), (message) => {
        const command = decodeEvent(message.data)
        if (command instanceof DecodeFailure || typeof command.streamId !== 'string') {
          deps.log.warn({ node }, 'dropped a malformed log request')
          return
        }
        this.#handle(command as unknown as LogCommand)
      }),
    )
    this.#armLapse()
  }

  close(): void {
    for (const s of this.#subscriptions) s.unsubscribe()
    for (const served of this.#served.values()) served.stream?.cancel()
    this.#served.clear()
    if (this.#lapseTimer !== undefined) this.#d.clock.clearTimeout(this.#lapseTimer)
  }

  #handle(command: LogCommand): void {
    switch (command.type) {
      case 'kubelet.logsKeepAlive': {
        const served = this.#served.get(command.streamId)
        if (served) served.lastKeepAlive = this.#d.clock.now()
        return
      }
      case 'kubelet.logsCancel':
        this.#stop(command.streamId)
        return
      case 'kubelet.logs':
        this.#open(command)
        return
    }
  }

  #send(request: PodLogRequest, message: LogStreamMessage): void {
    this.#d.transport.publish(request.streamTo, encodeEvent(message))
  }

  #open(request: PodLogRequest): void {
    const { streamId } = request
    const fail = (status: number, message: string) => this.#send(request, { type: 'kubelet.logsFailed', streamId, status, message })
    const pod = this.#d.pod(request.namespace, request.name)
    if (!pod) return fail(404, `pod ${request.name} is not running on this node`)
    const name = request.container ?? pod.spec.containers[0]?.name ?? ''
    const attempts = this.#d.runtime.listContainers({ podUid: pod.metadata.uid ?? '', name }).sort((a, b) => b.attempt - a.attempt)
    const target: ContainerInfo | undefined = request.previous ? attempts[1] : attempts[0]
    if (!target) {
      if (request.previous) return fail(400, `previous terminated container "${name}" in pod "${request.name}" not found`)
      const waiting = pod.status?.containerStatuses?.find((c) => c.name === name)?.state?.waiting?.reason ?? 'ContainerCreating'
      return fail(400, `container "${name}" in pod "${request.name}" is waiting to start: ${waiting}`)
    }
    const served: Served = { request, stream: undefined, lastKeepAlive: this.#d.clock.now(), seq: 0, sentBytes: 0 }
    this.#served.set(streamId, served)
    this.#send(request, { type: 'kubelet.logsOpened', streamId })
    served.stream = this.#d.runtime.readLogs(
      target.id,
      {
        follow: request.follow,
        timestamps: request.timestamps,
        ...(request.tailLines !== undefined ? { tailLines: request.tailLines } : {}),
        ...(request.sinceSeconds !== undefined ? { sinceSeconds: request.sinceSeconds } : {}),
      },
      (data) => this.#chunk(served, data),
      (error) => {
        if (error) this.#d.log.debug({ streamId, err: error.message }, 'log stream ended with an error')
        this.#end(served)
      },
    )
  }

  #chunk(served: Served, data: string): void {
    if (this.#served.get(served.request.streamId) !== served) return
    const limit = served.request.limitBytes
    let text = data
    if (limit !== undefined && served.sentBytes + text.length >= limit) text = text.slice(0, Math.max(0, limit - served.sentBytes))
    for (let i = 0; i < text.length; i += MAX_CHUNK_CHARS) {
      this.#send(served.request, { type: 'kubelet.logChunk', streamId: served.request.streamId, seq: served.seq++, data: text.slice(i, i + MAX_CHUNK_CHARS) })
    }
    served.sentBytes += text.length
    if (limit !== undefined && served.sentBytes >= limit) this.#stop(served.request.streamId)
  }

  #end(served: Served): void {
    if (this.#served.get(served.request.streamId) !== served) return
    this.#served.delete(served.request.streamId)
    this.#send(served.request, { type: 'kubelet.logEnd', streamId: served.request.streamId, seq: served.seq })
  }

  #stop(streamId: string): void {
    const served = this.#served.get(streamId)
    if (!served) return
    served.stream?.cancel()
    this.#end(served)
  }

  #armLapse(): void {
    this.#lapseTimer = this.#d.clock.setTimeout(() => {
      const now = this.#d.clock.now()
      for (const [id, served] of this.#served) if (now - served.lastKeepAlive > LOG_LAPSE_MS) this.#stop(id)
      this.#armLapse()
    }, LOG_LAPSE_MS / 3)
  }
}
