/**
 * One trace per pod on a worker host. When a node of the host first sees a pod, the engine starts
 * its `kubelet sync pod` span, the child of the span the pod was created in (its
 * trace.actorkube.io/traceparent annotation); the pod's runtime child parents its `cri ...` spans
 * to it, its status writes go out in its context, and the pod actor's phases are its events
 * (`pod actor Pending`, `pod actor Running`). The span ends once the API shows the pod Running (or
 * finished), when the pod goes, or after {@link SYNC_SPAN_MAX_MS}. Shared by the engine and the
 * runtimes of one host; with tracing off nothing is recorded.
 */
import { ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api'
import type { Pod, PodStatus } from '../../actors/kube/objects.ts'
import { traceparentOf } from '../../actors/kube/trace-annotation.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { contextOfTraceparent, endSpan, startSpan, tracingOn, withContext } from '../telemetry.ts'

/** A pod that never gets to Running still ends its span (and so is exported) after this long. */
export const SYNC_SPAN_MAX_MS = 60_000

interface PodTrace {
  readonly span: Span
  readonly context: Context
  phase: string | undefined
  readonly timer: TimerHandle
}

export class PodTraces {
  readonly #clock: Clock
  readonly #pods = new Map<string, PodTrace>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** A node of this host sees `pod`: the first time, its `kubelet sync pod` span starts. */
  seen(pod: Pod, nodeName: string): void {
    const uid = pod.metadata.uid
    if (!tracingOn() || !uid || this.#pods.has(uid)) return
    const attributes = { 'k8s.pod.name': pod.metadata.name ?? '', 'k8s.namespace.name': pod.metadata.namespace ?? '', 'k8s.pod.uid': uid, 'k8s.node.name': nodeName }
    const span = startSpan('kubelet sync pod', { attributes }, contextOfTraceparent(traceparentOf(pod)) ?? ROOT_CONTEXT)
    if (span === undefined) return
    // The timer must not carry whatever trace is active now into its callback.
    const timer = withContext(undefined, () => this.#clock.setTimeout(() => this.#end(uid, 'timeout'), SYNC_SPAN_MAX_MS))
    this.#pods.set(uid, { span, context: trace.setSpan(ROOT_CONTEXT, span), phase: undefined, timer })
  }

  /** The context the pod's spans and API calls go out in; undefined if it is not traced (any more). */
  contextOf(uid: string): Context | undefined {
    return this.#pods.get(uid)?.context
  }

  /** The pod actor reports a status: a new phase is an event on the span. */
  reported(uid: string, status: PodStatus): void {
    const traced = this.#pods.get(uid)
    if (traced === undefined || status.phase === traced.phase) return
    traced.phase = status.phase
    traced.span.addEvent(`pod actor ${status.phase ?? 'Unknown'}`, { 'k8s.pod.phase': status.phase ?? '' })
  }

  /** The API shows the pod: once it is Running (or finished) the sync span is done. */
  observed(pod: Pod): void {
    const phase = pod.status?.phase
    if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') this.#end(pod.metadata.uid ?? '', phase)
  }

  /** The pod is gone from this node. */
  gone(uid: string): void {
    this.#end(uid, 'gone')
  }

  /** Ends every span still open (the host stops). */
  close(): void {
    for (const uid of [...this.#pods.keys()]) this.#end(uid, 'closed')
  }

  #end(uid: string, outcome: string): void {
    const traced = this.#pods.get(uid)
    if (traced === undefined) return
    this.#pods.delete(uid)
    this.#clock.clearTimeout(traced.timer)
    traced.span.setAttribute('ak.kubelet.outcome', outcome)
    endSpan(traced.span)
  }
}
