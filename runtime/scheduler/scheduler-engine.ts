/**
 * The scheduler's `engine` child: runs while its actor leads. It watches Nodes and Pods over
 * NATS into the pure Scheduler (actors/scheduler/scheduler.ts), runs scheduling cycles as fast
 * as decisions come, and binds through `pods/<name>/binding` without waiting: binds are
 * pipelined (up to `maxInFlightBinds`), each confirmed or undone (`bindFailed`) when its answer
 * comes. A pod no node fits gets PodScheduled=False and a FailedScheduling event with
 * kube-scheduler's message; if preemption found room, the same status patch nominates it to the
 * node and its victims are deleted (gracefully, with a DisruptionTarget condition and a Preempted
 * event).
 *
 * A watch that ends (410: its version is gone) restarts the engine's view from a fresh list.
 */
import { ROOT_CONTEXT, type Span } from '@opentelemetry/api'
import { fromCallback, type AnyActorLogic } from 'xstate'
import { rfc3339Seconds } from '../../actors/apiserver/meta/object-meta.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Node, Pod } from '../../actors/kube/objects.ts'
import type { LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import { Scheduler, type Decision, type Preemption } from '../../actors/scheduler/scheduler.ts'
import type { PodInfo } from '../../actors/scheduler/framework/pod-info.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../apiserver/api-watch.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { EventRecorder } from '../events/event-recorder.ts'
import type { Logger } from '../log.ts'
import { contextOfTraceparent, endSpan, startSpan, tracingOn, withContext, withSpan } from '../telemetry.ts'
import { traceparentOf } from '../../actors/kube/trace-annotation.ts'
import type { Transport } from '../transport/transport.ts'

export interface SchedulerEngineDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly log: Logger
  readonly onBound?: (pod: Pod, nodeName: string) => void
}

/** Decisions made per turn before yielding to the event loop (watch events, bind answers). */
const DECISIONS_PER_TURN = 64
/**
 * Binds in flight at once. Enough to keep the store's batches full; more only queues writes in
 * the store ahead of everyone else's, the Lease renewals included (512 cost the leadership under load).
 */
const MAX_IN_FLIGHT_BINDS = 64

export function schedulerEngineLogic(hostId: string, options: LeaderOptions, deps: SchedulerEngineDeps): AnyActorLogic {
  return fromCallback(({ sendBack }) => {
    const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: options.apiservers, clock: deps.clock, timeoutMs: 5000 })
    const events = new EventRecorder(api, deps.clock, { component: 'default-scheduler', host: hostId })
    const log = deps.log.child({ engine: 'scheduler' })
    let scheduler = new Scheduler({ random: Math.random })
    let watches: ApiWatch[] = []
    let stopped = false
    let inFlight = 0
    let pumpTimer: TimerHandle | undefined
    let pumpQueued = false
    let generation = 0

    const now = () => deps.clock.now()

    const onPodEvents = (batch: readonly WatchEvent[]) => {
      for (const e of batch) scheduler.onPod(e.type, e.object as unknown as Pod, now())
      schedulePump()
    }
    const onNodeEvents = (batch: readonly WatchEvent[]) => {
      for (const e of batch) scheduler.onNode(e.type, e.object as unknown as Node, now())
      schedulePump()
    }

    const start = async () => {
      const mine = ++generation
      scheduler = new Scheduler({ random: Math.random })
      const restart = (why: string) => {
        if (stopped || mine !== generation) return
        log.warn({ why }, 'a watch ended; relisting')
        void Promise.all(watches.map((w) => w.cancel())).then(() => start().catch(fail))
      }
      // Nodes first, so pods arriving with their watch find nodes to go to.
      const nodes = await api.watch('/api/v1/nodes', {}, { onEvents: onNodeEvents, onError: (e) => restart(e.message) })
      const pods = await api.watch('/api/v1/pods', {}, { onEvents: onPodEvents, onError: (e) => restart(e.message) })
      if (stopped || mine !== generation) {
        void nodes.cancel()
        void pods.cancel()
        return
      }
      watches = [nodes, pods]
      log.info('scheduling')
      schedulePump()
    }

    const fail = (error: unknown) => {
      if (!stopped) sendBack({ type: 'engine.failed', message: `scheduler engine: ${error instanceof Error ? error.message : String(error)}` })
    }

    function schedulePump(): void {
      if (pumpQueued || stopped) return
      pumpQueued = true
      queueMicrotask(() => {
        pumpQueued = false
        pump()
      })
    }

    function pump(): void {
      if (stopped) return
      if (pumpTimer !== undefined) deps.clock.clearTimeout(pumpTimer)
      pumpTimer = undefined
      let made = 0
      while (made < DECISIONS_PER_TURN && inFlight < MAX_IN_FLIGHT_BINDS) {
        const cycleStart = tracingOn() ? performance.now() : 0
        const decision = scheduler.scheduleOne(now())
        if (decision === undefined) break
        made++
        act(decision, cycleStart)
      }
      scheduler.tick(now())
      if (made === DECISIONS_PER_TURN) {
        // More may be due: go on after pending I/O had its turn.
        pumpTimer = deps.clock.setTimeout(pump, 0)
        return
      }
      const wake = scheduler.nextWakeup(now())
      if (wake !== undefined) pumpTimer = deps.clock.setTimeout(pump, Math.max(0, wake - now()))
    }

    /**
     * With tracing on, a decision is a `schedule pod` span from its cycle's start until its bind (or
     * status patch) is answered, the child of the span the pod was created in, so the bind and its
     * store write join the pod's trace.
     */
    function traceDecision(decision: Decision, cycleStart: number): Span | undefined {
      if (!tracingOn()) return undefined
      const attributes = {
        'k8s.pod.name': decision.pod.name,
        'k8s.namespace.name': decision.pod.namespace,
        'k8s.pod.uid': decision.pod.uid,
        'ak.scheduler.result': decision.kind,
        ...(decision.kind === 'bind' ? { 'k8s.node.name': decision.nodeName } : {}),
      }
      return startSpan('schedule pod', { startTime: cycleStart, attributes }, contextOfTraceparent(traceparentOf(decision.pod.pod)) ?? ROOT_CONTEXT)
    }

    function act(decision: Decision, cycleStart: number): void {
      const span = traceDecision(decision, cycleStart)
      if (span === undefined) return void decide(decision)
      if (decision.kind !== 'bind') span.setAttribute('ak.scheduler.message', decision.message)
      withSpan(span, () => decide(decision)).then(
        () => endSpan(span),
        (error: unknown) => endSpan(span, error),
      )
    }

    function decide(decision: Decision): Promise<unknown> {
      const pod = decision.pod.pod
      const path = `/api/v1/namespaces/${decision.pod.namespace}/pods/${decision.pod.name}`
      if (decision.kind === 'bind') {
        inFlight++
        const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: decision.pod.name, namespace: decision.pod.namespace, uid: decision.pod.uid }, target: { apiVersion: 'v1', kind: 'Node', name: decision.nodeName } }
        const answered = api.call('POST', `${path}/binding`, { body: binding })
        // Its handlers are attached outside the pod's trace: the pump they start is not this pod's.
        withContext(undefined, () =>
          answered
            .then(
              (answer) => {
                if (stopped) return
                if (answer.status < 300) {
                  scheduler.bindSucceeded(decision, now())
                  events.record(pod as unknown as KubeObject, 'Normal', 'Scheduled', `Successfully assigned ${decision.pod.namespace}/${decision.pod.name} to ${decision.nodeName}`)
                  deps.onBound?.(pod, decision.nodeName)
                } else {
                  // 409: bound meanwhile (or gone): the watch will tell; the assumption is undone.
                  scheduler.bindFailed(decision, now())
                }
              },
              (error: unknown) => {
                if (stopped) return
                log.warn({ pod: decision.pod.key, err: String(error) }, 'bind failed')
                scheduler.bindFailed(decision, now())
              },
            )
            .finally(() => {
              inFlight--
              schedulePump()
            }),
        )
        return answered
      }
      const reason = decision.kind === 'unschedulable' ? 'Unschedulable' : 'SchedulerError'
      events.record(pod as unknown as KubeObject, 'Warning', 'FailedScheduling', decision.message)
      const condition = { type: 'PodScheduled', status: 'False', reason, message: decision.message, lastProbeTime: null, lastTransitionTime: rfc3339Seconds(now()) }
      const preemption = decision.kind === 'unschedulable' ? decision.preemption : undefined
      const nomination = preemption === undefined ? {} : { nominatedNodeName: preemption.nominatedNodeName === '' ? null : preemption.nominatedNodeName }
      if (preemption !== undefined) preempt(decision.pod, preemption)
      return patchStatus(decision.pod, { conditions: [condition], ...nomination }, 'the pod condition')
    }

    function patchStatus(pod: PodInfo, status: Record<string, unknown>, what: string): Promise<void> {
      const path = `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`
      return api.patch(path, { status }, 'application/strategic-merge-patch+json').then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof ApiError && error.status === 404)) log.debug({ pod: pod.key, err: String(error) }, `could not record ${what}`)
        },
      )
    }

    /** prepareCandidate: the victims go (graceful delete, as kube-scheduler), lower-priority pods nominated there lose their nomination. */
    function preempt(preemptor: PodInfo, p: Preemption): void {
      if (p.nominatedNodeName === '') return
      log.info({ pod: preemptor.key, node: p.nominatedNodeName, victims: p.victims.map((v) => v.key) }, 'preempting')
      for (const victim of p.victims) {
        if (victim.terminating) continue
        const condition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${scheduler.framework.schedulerName}: preempting to accommodate a higher priority pod`, lastTransitionTime: rfc3339Seconds(now()) }
        void patchStatus(victim, { conditions: [condition] }, 'the DisruptionTarget condition')
          .then(() => api.call('DELETE', `/api/v1/namespaces/${victim.namespace}/pods/${victim.name}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: victim.uid } } }))
          .then((answer) => {
            if (answer.status >= 300 && answer.status !== 404) log.warn({ victim: victim.key, status: answer.status }, 'could not delete a preemption victim')
            else events.record(victim.pod as unknown as KubeObject, 'Normal', 'Preempted', `Preempted by pod ${preemptor.uid} on node ${p.nominatedNodeName}`)
          })
          .catch((error: unknown) => log.warn({ victim: victim.key, err: String(error) }, 'could not delete a preemption victim'))
      }
      for (const other of p.lowerNominatedPods) void patchStatus(other, { nominatedNodeName: null }, 'the cleared nomination')
    }

    start().catch(fail)

    return () => {
      stopped = true
      if (pumpTimer !== undefined) deps.clock.clearTimeout(pumpTimer)
      void Promise.all(watches.map((w) => w.cancel())).finally(() => api.close())
    }
  })
}
