/**
 * The scheduler's `engine` child: runs while its actor leads. It watches Nodes and Pods over
 * NATS into the pure Scheduler (actors/scheduler/scheduler.ts), runs scheduling cycles as fast
 * as decisions come, and binds through `pods/<name>/binding` without waiting: binds are
 * pipelined (up to `maxInFlightBinds`), each confirmed or undone (`bindFailed`) when its answer
 * comes. A pod no node fits gets PodScheduled=False and a FailedScheduling event with
 * kube-scheduler's message.
 *
 * A watch that ends (410: its version is gone) restarts the engine's view from a fresh list.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import { rfc3339Seconds } from '../../actors/apiserver/meta/object-meta.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Node, Pod } from '../../actors/kube/objects.ts'
import type { LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import { Scheduler, type Decision } from '../../actors/scheduler/scheduler.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../apiserver/api-watch.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import { EventRecorder } from '../events/event-recorder.ts'
import type { Logger } from '../log.ts'
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
const MAX_IN_FLIGHT_BINDS = 512

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
        const decision = scheduler.scheduleOne(now())
        if (decision === undefined) break
        made++
        act(decision)
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

    function act(decision: Decision): void {
      const pod = decision.pod.pod
      const path = `/api/v1/namespaces/${decision.pod.namespace}/pods/${decision.pod.name}`
      if (decision.kind === 'bind') {
        inFlight++
        const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: decision.pod.name, namespace: decision.pod.namespace, uid: decision.pod.uid }, target: { apiVersion: 'v1', kind: 'Node', name: decision.nodeName } }
        api
          .call('POST', `${path}/binding`, { body: binding })
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
          })
        return
      }
      const reason = decision.kind === 'unschedulable' ? 'Unschedulable' : 'SchedulerError'
      events.record(pod as unknown as KubeObject, 'Warning', 'FailedScheduling', decision.message)
      const condition = { type: 'PodScheduled', status: 'False', reason, message: decision.message, lastProbeTime: null, lastTransitionTime: rfc3339Seconds(now()) }
      void api.patch(`${path}/status`, { status: { conditions: [condition] } }, 'application/strategic-merge-patch+json').catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 404)) log.debug({ pod: decision.pod.key, err: String(error) }, 'could not record the pod condition')
      })
    }

    start().catch(fail)

    return () => {
      stopped = true
      if (pumpTimer !== undefined) deps.clock.clearTimeout(pumpTimer)
      void Promise.all(watches.map((w) => w.cancel())).finally(() => api.close())
    }
  })
}
