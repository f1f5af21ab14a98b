/**
 * The kubelet's status manager: writes each pod's latest status to pods/<name>/status. Statuses
 * that arrive while a write for the same pod is out replace each other (only the newest goes),
 * at most `concurrency` writes are out at once, and when the API shows a pod with a status other
 * than the one last written (the node lifecycle controller marked it not Ready during an outage)
 * the kubelet's own is written again.
 */
import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api'
import type { PodStatus } from '../../actors/kube/objects.ts'
import type { PodRef } from '../../actors/kubelet/kubelet-protocol.ts'
import { ApiError, type ApiClient } from '../apiserver/api-client.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'

interface Entry {
  readonly ref: PodRef
  /** The newest status from the pod actor. */
  status: PodStatus
  /** Not yet written (or written before `status` changed). */
  dirty: boolean
  writing: boolean
  /** What the API should show once the last write landed. */
  written: string | undefined
}

const RETRY_MS = 500

/** The parts of a status that matter for comparing ours with the API's. */
export function statusDigest(status: PodStatus | undefined): string {
  if (status === undefined) return ''
  return JSON.stringify([
    status.phase,
    status.podIP,
    (status.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
    (status.containerStatuses ?? []).map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {})[0]]),
    (status.initContainerStatuses ?? []).map((c) => [c.name, c.restartCount, Object.keys(c.state ?? {})[0]]),
  ])
}

export class PodStatusWriter {
  readonly #api: ApiClient
  readonly #clock: Clock
  readonly #log: Logger
  readonly #concurrency: number
  readonly #contextOf: ((uid: string) => Context | undefined) | undefined
  readonly #entries = new Map<string, Entry>()
  /** Uids with a dirty status waiting for a free slot, in arrival order. */
  readonly #queue = new Set<string>()
  #writing = 0
  #closed = false

  /** `contextOf`: with tracing on, the trace context a pod's writes go out in (none: outside any trace). */
  constructor(api: ApiClient, clock: Clock, log: Logger, concurrency = 64, contextOf?: (uid: string) => Context | undefined) {
    this.#api = api
    this.#clock = clock
    this.#log = log
    this.#concurrency = concurrency
    this.#contextOf = contextOf
  }

  write(ref: PodRef, status: PodStatus): void {
    const entry = this.#entries.get(ref.uid)
    if (entry) {
      entry.status = status
      entry.dirty = true
    } else {
      this.#entries.set(ref.uid, { ref, status, dirty: true, writing: false, written: undefined })
    }
    this.#enqueue(ref.uid)
  }

  /** The API's version of a pod this kubelet runs: rewrites ours when it differs. */
  observed(uid: string, status: PodStatus | undefined): void {
    const entry = this.#entries.get(uid)
    if (!entry || entry.dirty || entry.writing || entry.written === undefined) return
    if (statusDigest(status) === entry.written) return
    entry.dirty = true
    this.#enqueue(uid)
  }

  /** The pod is gone: nothing more to write. */
  forget(uid: string): void {
    this.#entries.delete(uid)
    this.#queue.delete(uid)
  }

  close(): void {
    this.#closed = true
  }

  #enqueue(uid: string): void {
    const entry = this.#entries.get(uid)
    if (!entry || entry.writing) return
    this.#queue.add(uid)
    this.#pump()
  }

  #pump(): void {
    while (!this.#closed && this.#writing < this.#concurrency && this.#queue.size > 0) {
      const uid = this.#queue.values().next().value as string
      this.#queue.delete(uid)
      const entry = this.#entries.get(uid)
      if (!entry || !entry.dirty) continue
      void this.#send(entry)
    }
  }

  async #send(entry: Entry): Promise<void> {
    const { ref } = entry
    const status = entry.status
    entry.dirty = false
    entry.writing = true
    this.#writing++
    let retry = false
    try {
      const patch = () => this.#api.patch(`/api/v1/namespaces/${ref.namespace}/pods/${ref.name}/status`, { status }, 'application/merge-patch+json')
      await (this.#contextOf === undefined ? patch() : context.with(this.#contextOf(ref.uid) ?? ROOT_CONTEXT, patch))
      entry.written = statusDigest(status)
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.forget(ref.uid)
      } else {
        this.#log.debug({ pod: `${ref.namespace}/${ref.name}`, err: String(error) }, 'pod status write failed; retrying')
        entry.dirty = true
        retry = true
      }
    } finally {
      entry.writing = false
      this.#writing--
    }
    if (retry) this.#clock.setTimeout(() => this.#enqueue(ref.uid), RETRY_MS)
    else if (entry.dirty) this.#enqueue(ref.uid)
    this.#pump()
  }
}
