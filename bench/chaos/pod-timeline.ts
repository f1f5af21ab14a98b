/**
 * Pods as a watch sees them, with the wall-clock time of every change: when each pod was first
 * bound (spec.nodeName), and for any instant which pods were serving (Running, Ready, not being
 * deleted) on which node. Through the ApiClient's watch, which rides over an apiserver's loss.
 */
import type { ApiClient } from '../../runtime/apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../../runtime/apiserver/api-watch.ts'

interface PodShape {
  metadata?: { name?: string; deletionTimestamp?: string }
  spec?: { nodeName?: string }
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] }
}

export interface PodState {
  readonly node: string | undefined
  readonly serving: boolean
}

interface Change {
  readonly at: number
  readonly pod: string
  /** undefined: deleted. */
  readonly state: PodState | undefined
}

const stateOf = (pod: PodShape): PodState => ({
  node: pod.spec?.nodeName || undefined,
  serving:
    pod.status?.phase === 'Running' &&
    pod.metadata?.deletionTimestamp === undefined &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
})

export class PodTimeline {
  readonly #changes: Change[] = []
  /** First time each pod was seen bound. */
  readonly boundAt = new Map<string, number>()
  /** First time each pod was seen at all. */
  readonly seenAt = new Map<string, number>()
  #watch: ApiWatch | undefined
  #ended: string | undefined

  static async start(api: ApiClient, namespace: string, labelSelector?: string): Promise<PodTimeline> {
    const timeline = new PodTimeline()
    timeline.#watch = await api.watch(`/api/v1/namespaces/${namespace}/pods`, labelSelector ? { labelSelector } : {}, {
      onEvents: (events) => timeline.#record(events),
      onError: (error) => (timeline.#ended = error.message),
    })
    return timeline
  }

  /** Why the watch ended for good, if it did. */
  get ended(): string | undefined {
    return this.#ended
  }

  /** Every pod's state as of `at`. */
  stateAt(at: number): Map<string, PodState> {
    const pods = new Map<string, PodState>()
    for (const c of this.#changes) {
      if (c.at > at) break
      if (c.state === undefined) pods.delete(c.pod)
      else pods.set(c.pod, c.state)
    }
    return pods
  }

  /** The first instant at or after `from` when `holds` is true of the pods' states. */
  firstWhen(from: number, holds: (pods: ReadonlyMap<string, PodState>) => boolean): number | undefined {
    const pods = this.stateAt(from)
    if (holds(pods)) return from
    for (const c of this.#changes) {
      if (c.at <= from) continue
      if (c.state === undefined) pods.delete(c.pod)
      else pods.set(c.pod, c.state)
      if (holds(pods)) return c.at
    }
    return undefined
  }

  async stop(): Promise<void> {
    await this.#watch?.cancel().catch(() => {})
  }

  #record(events: readonly WatchEvent[]): void {
    const at = Date.now()
    for (const e of events) {
      const pod = e.object as PodShape
      const name = pod.metadata?.name
      if (!name) continue
      const state = e.type === 'DELETED' ? undefined : stateOf(pod)
      this.#changes.push({ at, pod: name, state })
      if (!this.seenAt.has(name)) this.seenAt.set(name, at)
      if (state?.node !== undefined && !this.boundAt.has(name)) this.boundAt.set(name, at)
    }
  }
}
