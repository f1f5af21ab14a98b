/**
 * The scheduler's two host-provided children, thin adapters of the pure step in
 * actors/scheduler/scheduler-engine-step.ts (which decides what to bind, patch, preempt and when
 * to wake up), sharing one view of the cluster:
 *
 *   - `informers` runs on every master, leading or not (kube-scheduler starts its informers before
 *     it campaigns): it opens the Node, StorageClass, PV, PVC and Pod watches and feeds the step
 *     their events, so a standby's caches and queue are warm;
 *   - `engine` runs while its actor leads: it feeds `lead` (the first pump binds at once, with no
 *     relist to wait for), carries out the binds, status patches, preemptions and events with its
 *     term's fenced API client and timers, and feeds `standby` when the term ends.
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
import { newSchedulerEngineState, step, type CycleTrace, type PodStatusPatch, type SchedulerEffect, type SchedulerEngineInput, type SchedulerEngineState } from '../../actors/scheduler/scheduler-engine-step.ts'
import { ApiError } from '../apiserver/api-client.ts'
import type { ApiWatch } from '../apiserver/api-watch.ts'
import type { TimerHandle } from '../clock.ts'
import { engine, type EngineContext, type EngineDeps } from '../engine.ts'
import { EventRecorder } from '../events/event-recorder.ts'
import { ownApiserver } from '../leader/own-apiserver.ts'
import { contextOfTraceparent, endSpan, startSpan, tracingOn, withContext, withSpan } from '../telemetry.ts'

type Effect<T extends SchedulerEffect['type']> = Extract<SchedulerEffect, { type: T }>
type Context = EngineContext<never>

const podPath = (pod: PodInfo): string => `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`
/**
 * How long one scheduling turn may hold the host's event loop (the step's turnSlice). The host's
 * store replica, apiserver and lease elector wait for it: with 64-decision turns chained through
 * microtasks, a 1 s scheduler lease was lost 3-5 times in the scheduling bench.
 */
const TURN_SLICE_MS = 20

/**
 * A relist that failed is tried again after this backoff: the informers start with the host, often
 * before any apiserver serves (503, no responders), and failing the actor for that would restart
 * its elector too.
 */
const relistBackoffMs = (failures: number): number => Math.min(2000, 100 * 2 ** Math.min(failures - 1, 5))

export function schedulerLogics(hostId: string, options: LeaderOptions, deps: EngineDeps): { readonly informers: AnyActorLogic; readonly engine: AnyActorLogic } {
  const api = { apiservers: options.apiservers, ...ownApiserver(hostId, options.apiservers) }
  const warm = new WarmScheduler(hostId)
  return {
    informers: engine('scheduler-informers', deps, api, (ctx: Context) => {
      warm.follow(ctx)
      return { stop: () => warm.unfollow(ctx) }
    }),
    engine: engine('scheduler', deps, api, (ctx: Context) => {
      warm.lead(ctx)
      return { stop: () => warm.standby(ctx) }
    }),
  }
}

/** The view the informers keep (the step's state and its watches) and the leader, while there is one, acting on it. */
class WarmScheduler {
  readonly #hostId: string
  #follower: Context | undefined
  #state: SchedulerEngineState | undefined
  #watches: ApiWatch[] = []
  #leader: { readonly ctx: Context; readonly acting: Acting } | undefined
  #wakeup: TimerHandle | undefined
  /** Relists that failed in a row. */
  #relistFailures = 0

  constructor(hostId: string) {
    this.#hostId = hostId
  }

  follow(ctx: Context): void {
    this.#follower = ctx
    // performance.now() only times spans; it never reaches a decision.
    const measure = () => (tracingOn() ? performance.now() : 0)
    const turnSlice = { clock: () => ctx.clock.monotonic(), ms: TURN_SLICE_MS }
    this.#state = newSchedulerEngineState({ scheduler: { random: ctx.random }, measure, standby: this.#leader === undefined, turnSlice })
    this.#feed({ type: 'relist' })
  }

  async unfollow(ctx: Context): Promise<void> {
    if (this.#follower !== ctx) return
    this.#follower = undefined
    this.#state = undefined
    const watches = this.#watches
    this.#watches = []
    await Promise.all(watches.map((w) => w.cancel()))
  }

  lead(ctx: Context): void {
    const events = new EventRecorder(ctx.api, ctx.clock, { component: 'default-scheduler', host: this.#hostId })
    // An answer that comes after the term (its client closed) is about binds the step gave up.
    const answer = (input: SchedulerEngineInput) => {
      if (this.#leader?.ctx === ctx) this.#feed(input)
    }
    this.#leader = { ctx, acting: new Acting(ctx, events, answer) }
    ctx.log.info('scheduling')
    this.#feed({ type: 'lead' })
  }

  /** The term ended: its client is closed, so the binds in flight are given up (the step queues their pods again). */
  standby(ctx: Context): void {
    if (this.#leader?.ctx !== ctx) return
    this.#leader = undefined
    this.#arm(undefined)
    this.#feed({ type: 'standby' })
  }

  #feed(input: SchedulerEngineInput): void {
    const state = this.#state
    const follower = this.#follower
    if (state === undefined || follower === undefined || follower.stopped) return
    for (const effect of step(state, input, follower.clock.now())) this.#carryOut(effect, follower)
  }

  #carryOut(effect: SchedulerEffect, follower: Context): void {
    switch (effect.type) {
      case 'relist':
        return void this.#relist(effect, follower).catch((error: unknown) => this.#relistFailed(effect.generation, follower, error))
      case 'pumpSoon':
        // A timer, not a microtask: the answers and watch events already read, and the other
        // actors' timers (the lease elector's), go first.
        return void follower.setTimer(() => this.#feed({ type: 'pump' }), 0)
      case 'wakeup':
        return this.#arm(effect.at)
    }
    // The rest writes: only a leader's step asks for it, and only its term's client may do it.
    this.#leader?.acting.carryOut(effect)
  }

  async #relist({ generation, why }: Effect<'relist'>, follower: Context): Promise<void> {
    if (why !== undefined) follower.log.warn({ why }, 'a watch ended; relisting')
    const previous = this.#watches
    this.#watches = []
    await Promise.all(previous.map((w) => w.cancel()))
    const state = this.#state
    const onError = (error: Error) => this.#feed({ type: 'watch.ended', generation, message: error.message })
    const opened: ApiWatch[] = []
    // In this order: a pod's cycle finds its node and its claims' objects.
    const watch = async (path: string, type: 'nodes' | 'classes' | 'volumes' | 'claims' | 'pods') =>
      void opened.push(await follower.api.watch(path, {}, { onEvents: (batch) => this.#feed({ type, generation, events: batch } as unknown as SchedulerEngineInput), onError }))
    try {
      await watch('/api/v1/nodes', 'nodes')
      await watch('/apis/storage.k8s.io/v1/storageclasses', 'classes')
      await watch('/api/v1/persistentvolumes', 'volumes')
      await watch('/api/v1/persistentvolumeclaims', 'claims')
      await watch('/api/v1/pods', 'pods')
    } catch (error) {
      for (const w of opened) void w.cancel()
      throw error
    }
    this.#relistFailures = 0
    if (follower.stopped || this.#state !== state || generation !== state?.generation) {
      for (const w of opened) void w.cancel()
      return
    }
    this.#watches = opened
    follower.log.debug('informers synced')
  }

  /** Tries again after a backoff, as a watch that ended would (the step starts a new generation). */
  #relistFailed(generation: number, follower: Context, error: unknown): void {
    if (follower.stopped) return
    const delay = relistBackoffMs(++this.#relistFailures)
    const log = this.#relistFailures > 3 ? follower.log.warn.bind(follower.log) : follower.log.debug.bind(follower.log)
    log({ err: String(error), retryInMs: delay }, 'could not open the watches; trying again')
    follower.setTimer(() => this.#feed({ type: 'watch.ended', generation, message: String(error) }), delay)
  }

  /** The one wakeup timer, a leader's (a standby's step arms none). */
  #arm(at: number | undefined): void {
    const leader = this.#leader?.ctx
    if (this.#wakeup !== undefined) leader?.clearTimer(this.#wakeup)
    this.#wakeup = undefined
    if (at === undefined || leader === undefined) return
    this.#wakeup = leader.setTimer(
      () => {
        this.#wakeup = undefined
        this.#feed({ type: 'pump' })
      },
      Math.max(0, at - leader.clock.now()),
    )
  }
}

/** A leader's writes: binds, status patches, preemptions and events, with its term's client. */
class Acting {
  readonly #ctx: Context
  readonly #events: EventRecorder
  readonly #answer: (input: SchedulerEngineInput) => void

  constructor(ctx: Context, events: EventRecorder, answer: (input: SchedulerEngineInput) => void) {
    this.#ctx = ctx
    this.#events = events
    this.#answer = answer
  }

  carryOut(effect: Exclude<SchedulerEffect, { type: 'relist' | 'pumpSoon' | 'wakeup' }>): void {
    switch (effect.type) {
      case 'bind':
        return this.#traced(effect.trace, effect.pod, effect.nodeName, () => this.#bind(effect))
      case 'patchStatus':
        if (effect.trace !== undefined) return this.#traced(effect.trace, effect.pod, undefined, () => this.#patchStatus(effect.pod, effect.status, effect.what))
        return void this.#patchStatus(effect.pod, effect.status, effect.what)
      case 'recordEvent':
        return this.#events.record(effect.pod as unknown as KubeObject, effect.eventType, effect.reason, effect.message)
      case 'preemptVictim':
        return this.#preemptVictim(effect)
    }
  }

  #traced(trace: CycleTrace, pod: PodInfo, nodeName: string | undefined, call: () => Promise<unknown>): void {
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
  async #selectNode(pod: PodInfo, claims: readonly string[], nodeName: string): Promise<void> {
    const patch = { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } } }
    await Promise.all(claims.map((claim) => this.#ctx.api.patch(`/api/v1/namespaces/${pod.namespace}/persistentvolumeclaims/${claim}`, patch, 'application/merge-patch+json')))
  }

  #bind({ id, pod, nodeName, claimsToSelect }: Effect<'bind'>): Promise<unknown> {
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } }
    const selected = claimsToSelect === undefined ? Promise.resolve() : this.#selectNode(pod, claimsToSelect, nodeName)
    const answered = selected.then(() => this.#ctx.api.call('POST', `${podPath(pod)}/binding`, { body: binding }))
    // Its handlers are attached outside the pod's trace: the pump they start is not this pod's.
    withContext(undefined, () =>
      answered.then(
        (answer) => this.#answer({ type: 'bind.answered', id, status: answer.status }),
        (error: unknown) => {
          if (!this.#ctx.stopped) this.#ctx.log.warn({ pod: pod.key, err: String(error) }, 'bind failed')
          this.#answer({ type: 'bind.failed', id })
        },
      ),
    )
    return answered
  }

  #patchStatus(pod: PodInfo, status: PodStatusPatch, what: string): Promise<void> {
    return this.#ctx.api.patch(`${podPath(pod)}/status`, { status }, 'application/strategic-merge-patch+json').then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof ApiError && error.status === 404)) this.#ctx.log.debug({ pod: pod.key, err: String(error) }, `could not record ${what}`)
      },
    )
  }

  #preemptVictim({ victim, nodeName, condition, message }: Effect<'preemptVictim'>): void {
    const { api, log } = this.#ctx
    log.info({ victim: victim.key, node: nodeName }, 'preempting')
    const precondition = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: victim.uid } }
    void this.#patchStatus(victim, { conditions: [condition] }, 'the DisruptionTarget condition')
      .then(() => api.call('DELETE', podPath(victim), { body: precondition }))
      .then((answer) => {
        if (answer.status >= 300 && answer.status !== 404) log.warn({ victim: victim.key, status: answer.status }, 'could not delete a preemption victim')
        else this.#events.record(victim.pod as unknown as KubeObject, 'Normal', 'Preempted', message)
      })
      .catch((error: unknown) => log.warn({ victim: victim.key, err: String(error) }, 'could not delete a preemption victim'))
  }
}
