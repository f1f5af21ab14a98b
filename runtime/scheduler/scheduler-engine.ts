/**
 * The scheduler's `engine` child: runs while its actor leads. A thin adapter of the pure step in
 * actors/scheduler/scheduler-engine-step.ts (which decides what to bind, patch, preempt and when
 * to wake up): it feeds the step Node, StorageClass, PV, PVC and Pod watch events, bind answers and
 * due pumps, and
 * carries out the effects it returns with the API client, the EventRecorder and the engine's
 * timers.
 *
 * With tracing on, a decision is a `schedule pod` span from its cycle's start until its bind (or
 * status patch) is answered, the child of the span the pod was created in, so the bind and its
 * store write join the pod's trace.
 */
import { ROOT_CONTEXT } from '@opentelemetry/api'
import type { AnyActorLogic } from 'xstate'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { SELECTED_NODE_ANNOTATION } from '../../actors/kube/storage.ts'
import { traceparentOf } from '../../actors/kube/trace-annotation.ts'
import type { LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import type { PodInfo } from '../../actors/scheduler/framework/pod-info.ts'
import { newSchedulerEngineState, step, type CycleTrace, type PodStatusPatch, type SchedulerEffect, type SchedulerEngineInput } from '../../actors/scheduler/scheduler-engine-step.ts'
import { ApiError } from '../apiserver/api-client.ts'
import type { ApiWatch } from '../apiserver/api-watch.ts'
import type { TimerHandle } from '../clock.ts'
import { engine, type EngineDeps } from '../engine.ts'
import { EventRecorder } from '../events/event-recorder.ts'
import { ownApiserver } from '../leader/own-apiserver.ts'
import { contextOfTraceparent, endSpan, startSpan, tracingOn, withContext, withSpan } from '../telemetry.ts'

type Effect<T extends SchedulerEffect['type']> = Extract<SchedulerEffect, { type: T }>

const podPath = (pod: PodInfo): string => `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`

export function schedulerEngineLogic(hostId: string, options: LeaderOptions, deps: EngineDeps): AnyActorLogic {
  return engine('scheduler', deps, { apiservers: options.apiservers, ...ownApiserver(hostId, options.apiservers) }, (ctx) => {
    const events = new EventRecorder(ctx.api, ctx.clock, { component: 'default-scheduler', host: hostId })
    // performance.now() only times spans; it never reaches a decision.
    const state = newSchedulerEngineState({ scheduler: { random: ctx.random }, measure: () => (tracingOn() ? performance.now() : 0) })
    let watches: ApiWatch[] = []
    let wakeup: TimerHandle | undefined

    function feed(input: SchedulerEngineInput): void {
      if (ctx.stopped) return
      for (const effect of step(state, input, ctx.clock.now())) carryOut(effect)
    }

    function carryOut(effect: SchedulerEffect): void {
      switch (effect.type) {
        case 'relist':
          return void relist(effect).catch((error: unknown) => ctx.fail(error))
        case 'pumpSoon':
          return queueMicrotask(() => feed({ type: 'pump' }))
        case 'wakeup':
          return arm(effect.at)
        case 'bind':
          return traced(effect.trace, effect.pod, effect.nodeName, () => bind(effect))
        case 'patchStatus':
          if (effect.trace !== undefined) return traced(effect.trace, effect.pod, undefined, () => patchStatus(effect.pod, effect.status, effect.what))
          return void patchStatus(effect.pod, effect.status, effect.what)
        case 'recordEvent':
          return events.record(effect.pod as unknown as KubeObject, effect.eventType, effect.reason, effect.message)
        case 'preemptVictim':
          return preemptVictim(effect)
      }
    }

    async function relist({ generation, why }: Effect<'relist'>): Promise<void> {
      if (why !== undefined) ctx.log.warn({ why }, 'a watch ended; relisting')
      const previous = watches
      watches = []
      await Promise.all(previous.map((w) => w.cancel()))
      const onError = (error: Error) => feed({ type: 'watch.ended', generation, message: error.message })
      const opened: ApiWatch[] = []
      // In this order: a pod's cycle finds its node and its claims' objects.
      const watch = async (path: string, type: 'nodes' | 'classes' | 'volumes' | 'claims' | 'pods') =>
        void opened.push(await ctx.api.watch(path, {}, { onEvents: (batch) => feed({ type, generation, events: batch } as unknown as SchedulerEngineInput), onError }))
      await watch('/api/v1/nodes', 'nodes')
      await watch('/apis/storage.k8s.io/v1/storageclasses', 'classes')
      await watch('/api/v1/persistentvolumes', 'volumes')
      await watch('/api/v1/persistentvolumeclaims', 'claims')
      await watch('/api/v1/pods', 'pods')
      if (ctx.stopped || generation !== state.generation) {
        for (const w of opened) void w.cancel()
        return
      }
      watches = opened
      ctx.log.info('scheduling')
    }

    function arm(at: number | undefined): void {
      if (wakeup !== undefined) ctx.clearTimer(wakeup)
      wakeup = undefined
      if (at === undefined) return
      wakeup = ctx.setTimer(
        () => {
          wakeup = undefined
          feed({ type: 'pump' })
        },
        Math.max(0, at - ctx.clock.now()),
      )
    }

    function traced(trace: CycleTrace, pod: PodInfo, nodeName: string | undefined, call: () => Promise<unknown>): void {
      const attributes = { 'k8s.pod.name': pod.name, 'k8s.namespace.name': pod.namespace, 'k8s.pod.uid': pod.uid, 'ak.scheduler.result': trace.result, ...(nodeName === undefined ? {} : { 'k8s.node.name': nodeName }) }
      const span = startSpan('schedule pod', { startTime: trace.startedAt, attributes }, contextOfTraceparent(traceparentOf(pod.pod)) ?? ROOT_CONTEXT)
      if (span === undefined) return void call()
      if (trace.message !== undefined) span.setAttribute('ak.scheduler.message', trace.message)
      withSpan(span, call).then(
        () => endSpan(span),
        (error: unknown) => endSpan(span, error),
      )
    }

    /** VolumeBinding's PreBind: the claims learn the node their volumes are to be made on. */
    async function selectNode(pod: PodInfo, claims: readonly string[], nodeName: string): Promise<void> {
      const patch = { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } } }
      await Promise.all(claims.map((claim) => ctx.api.patch(`/api/v1/namespaces/${pod.namespace}/persistentvolumeclaims/${claim}`, patch, 'application/merge-patch+json')))
    }

    function bind({ id, pod, nodeName, claimsToSelect }: Effect<'bind'>): Promise<unknown> {
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } }
      const selected = claimsToSelect === undefined ? Promise.resolve() : selectNode(pod, claimsToSelect, nodeName)
      const answered = selected.then(() => ctx.api.call('POST', `${podPath(pod)}/binding`, { body: binding }))
      // Its handlers are attached outside the pod's trace: the pump they start is not this pod's.
      withContext(undefined, () =>
        answered.then(
          (answer) => feed({ type: 'bind.answered', id, status: answer.status }),
          (error: unknown) => {
            ctx.log.warn({ pod: pod.key, err: String(error) }, 'bind failed')
            feed({ type: 'bind.failed', id })
          },
        ),
      )
      return answered
    }

    function patchStatus(pod: PodInfo, status: PodStatusPatch, what: string): Promise<void> {
      return ctx.api.patch(`${podPath(pod)}/status`, { status }, 'application/strategic-merge-patch+json').then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof ApiError && error.status === 404)) ctx.log.debug({ pod: pod.key, err: String(error) }, `could not record ${what}`)
        },
      )
    }

    function preemptVictim({ victim, nodeName, condition, message }: Effect<'preemptVictim'>): void {
      ctx.log.info({ victim: victim.key, node: nodeName }, 'preempting')
      const precondition = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: victim.uid } }
      void patchStatus(victim, { conditions: [condition] }, 'the DisruptionTarget condition')
        .then(() => ctx.api.call('DELETE', podPath(victim), { body: precondition }))
        .then((answer) => {
          if (answer.status >= 300 && answer.status !== 404) ctx.log.warn({ victim: victim.key, status: answer.status }, 'could not delete a preemption victim')
          else events.record(victim.pod as unknown as KubeObject, 'Normal', 'Preempted', message)
        })
        .catch((error: unknown) => ctx.log.warn({ victim: victim.key, err: String(error) }, 'could not delete a preemption victim'))
    }

    feed({ type: 'relist' })
    return { stop: () => Promise.all(watches.map((w) => w.cancel())) }
  })
}
