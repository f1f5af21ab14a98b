/**
 * The kubelet actor's `engine` child: the API I/O of every node the actor carries. Its decisions
 * (which node a pod's change goes to, registration, lease renewal, coalesced status writes, the
 * retries) are the pure step in actors/kubelet/engine-step.ts; this adapter runs two informers
 * (pods bound to our nodes, our Nodes), performs the step's effects on the API and feeds every
 * outcome back into the step.
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api'
import type { AnyActorLogic } from 'xstate'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Node, Pod } from '../../actors/kube/objects.ts'
import type { EngineEffect, EngineInput, InformerName } from '../../actors/kubelet/engine-io.ts'
import { engineState, informerSelector, startEngine, stepEngine } from '../../actors/kubelet/engine-step.ts'
import { heartbeatTimeoutMs, nodeNames, type KubeletOptions } from '../../actors/kubelet/kubelet-options.ts'
import type { EngineCommand, EngineReport, PodRef } from '../../actors/kubelet/kubelet-protocol.ts'
import { nodeLease, NODE_LEASE_NAMESPACE, registrationNode } from '../../actors/kubelet/node-object.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import { Informer } from '../controllers/informer.ts'
import { engine, type EngineContext, type EngineDeps } from '../engine.ts'
import { randomClientId } from '../random.ts'
import { EventRateLimit, EventRecorder } from '../events/event-recorder.ts'
import { tracingOn } from '../telemetry.ts'
import type { KubeletFaults } from './kubelet-faults.ts'
import type { PodTraces } from './pod-traces.ts'

const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases`
/** Kubernetes' kubelet defaults (--event-qps, --event-burst), here for all nodes of a host. */
const EVENT_QPS = 50
const EVENT_BURST = 100

/** What the host's other kubelet edges (read-only endpoint, log service) read from the engine. */
export interface KubeletView {
  pods(): Pod[]
  pod(namespace: string, name: string): Pod | undefined
  readonly nodes: readonly string[]
}

export interface KubeletEngineHooks {
  /** Called with the engine's view once it runs, and with undefined when it stops. */
  onView(view: KubeletView | undefined): void
  readOnlyPort(): number | undefined
  /** Where the host's kubelet keeps local volumes (process runtime), announced on its Nodes. */
  readonly volumeDir?: string
  /** The host's pod traces (runtime/kubelet/pod-traces.ts), shared with the pods' runtimes. */
  readonly traces?: PodTraces
  /** Chaos faults on this kubelet: a stopped node's inputs are held until it starts again. */
  readonly faults?: Pick<KubeletFaults, 'admit' | 'attach'>
}

export function kubeletEngineLogic(id: string, options: KubeletOptions, deps: EngineDeps, hooks: KubeletEngineHooks): AnyActorLogic {
  const names = nodeNames(id, options)
  return engine<EngineReport, EngineCommand>('kubelet', deps, { apiservers: options.apiservers }, (ctx) => {
    const state = engineState(names)
    const traces = hooks.traces
    const heartbeats = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: options.apiservers, clock: deps.clock, timeoutMs: heartbeatTimeoutMs(options), clientId: randomClientId('hb', deps.random) })
    const api = new KubeletApi(ctx, options, hooks, traces, heartbeats)
    const run = (input: EngineInput) => {
      if (ctx.stopped) return
      if (hooks.faults !== undefined && hooks.faults.admit(input) !== 'pass') return
      for (const effect of stepEngine(state, input, ctx.clock.now())) perform(effect)
    }
    const pods = new Informer<Pod>(ctx.api, '/api/v1/pods', (change, pod) => run({ type: 'podChanged', change, pod }), ctx.log, informerSelector('pods', names))
    const nodes = new Informer<Node>(ctx.api, '/api/v1/nodes', (change, node) => run({ type: 'nodeChanged', change, node }), ctx.log, informerSelector('nodes', names))
    const informers: Record<InformerName, Informer<Pod> | Informer<Node>> = { pods, nodes }

    const perform = (effect: EngineEffect): void => {
      switch (effect.type) {
        case 'report':
          traceReport(traces, effect.report)
          return ctx.report(effect.report)
        case 'after':
          ctx.setTimer(() => run(effect.input), effect.ms)
          return
        case 'startInformer':
          informers[effect.informer].start().catch((error: unknown) => {
            if (!ctx.stopped) ctx.log.warn({ informer: effect.informer, err: String(error) }, 'kubelet informer could not start; retrying')
            run({ type: 'informerFailed', informer: effect.informer })
          })
          return
        case 'recordEvent':
          return api.recordEvent(effect.event)
        default:
          void api.call(effect).then((outcome) => outcome && run(outcome))
      }
    }

    for (const effect of startEngine()) perform(effect)
    hooks.onView({ pods: () => pods.list(), pod: (namespace, name) => pods.get(`${namespace}/${name}`), nodes: names })
    hooks.faults?.attach(run)
    return {
      receive: (command) => {
        if (command.type === 'kubelet.writeStatus') traces?.reported(command.pod.uid, command.status)
        run(command)
      },
      stop: () => {
        hooks.onView(undefined)
        hooks.faults?.attach(undefined)
        return Promise.all([pods.stop(), nodes.stop(), heartbeats.close()])
      },
    }
  })
}

/** A traced pod's `kubelet sync pod` span follows what the engine tells its node actor. */
function traceReport(traces: PodTraces | undefined, report: EngineReport): void {
  if (traces === undefined) return
  if (report.type === 'kubelet.podGone') traces.gone(report.uid)
  if (report.type === 'kubelet.podSeen' && tracingOn()) {
    traces.seen(report.pod, report.nodeName)
    traces.observed(report.pod)
  }
}

type ApiEffect = Exclude<EngineEffect, { type: 'report' | 'after' | 'startInformer' | 'recordEvent' }>

/** The step's API calls, each answered with the input that tells the step how it went (none: nothing to tell). */
class KubeletApi {
  readonly #ctx: EngineContext<EngineReport>
  readonly #api: ApiClient
  /** Lease renewals only, with their own short timeout (heartbeatTimeoutMs). */
  readonly #heartbeats: ApiClient
  readonly #options: KubeletOptions
  readonly #hooks: KubeletEngineHooks
  readonly #traces: PodTraces | undefined
  readonly #recorders = new Map<string, EventRecorder>()
  readonly #eventLimit: EventRateLimit

  constructor(ctx: EngineContext<EngineReport>, options: KubeletOptions, hooks: KubeletEngineHooks, traces: PodTraces | undefined, heartbeats: ApiClient) {
    this.#ctx = ctx
    this.#api = ctx.api
    this.#heartbeats = heartbeats
    this.#options = options
    this.#hooks = hooks
    this.#traces = traces
    this.#eventLimit = new EventRateLimit(ctx.clock, EVENT_QPS, EVENT_BURST)
  }

  call(effect: ApiEffect): Promise<EngineInput | undefined> {
    switch (effect.type) {
      case 'patchStatus': return this.#patchStatus(effect)
      case 'createNode': return this.#createNode(effect.nodeName)
      case 'readNode': return this.#readNode(effect.nodeName)
      case 'patchReady': return this.#patchReady(effect.nodeName, effect.patch)
      case 'writeLease': return this.#writeLease(effect.nodeName, effect.resourceVersion)
      case 'readLease': return this.#readLease(effect.nodeName)
      case 'deletePod': return this.#deletePod(effect.pod)
    }
  }

  recordEvent(event: Extract<EngineCommand, { type: 'kubelet.recordEvent' }>): void {
    let recorder = this.#recorders.get(event.nodeName)
    if (!recorder) this.#recorders.set(event.nodeName, (recorder = new EventRecorder(this.#api, this.#ctx.clock, { component: 'kubelet', host: event.nodeName }, this.#eventLimit)))
    const { name, namespace, uid } = event.pod
    recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid } }, event.eventType, event.reason, event.message)
  }

  async #patchStatus(effect: Extract<EngineEffect, { type: 'patchStatus' }>): Promise<EngineInput> {
    const { pod, status, write } = effect
    const patch = () => this.#api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, { status }, 'application/merge-patch+json')
    try {
      // A traced pod's status writes go out in its `kubelet sync pod` span, the others' outside any trace.
      const written = await (this.#traces === undefined || !tracingOn() ? patch() : context.with(this.#traces.contextOf(pod.uid) ?? ROOT_CONTEXT, patch))
      const resourceVersion = written.metadata?.resourceVersion
      return { type: 'statusWritten', write, uid: pod.uid, outcome: 'written', ...(resourceVersion === undefined ? {} : { resourceVersion }) }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { type: 'statusWritten', write, uid: pod.uid, outcome: 'gone' }
      this.#ctx.log.debug({ pod: `${pod.namespace}/${pod.name}`, err: String(error) }, 'pod status write failed; retrying')
      return { type: 'statusWritten', write, uid: pod.uid, outcome: 'failed' }
    }
  }

  async #createNode(nodeName: string): Promise<EngineInput> {
    const volumeDir = this.#hooks.volumeDir
    const node = registrationNode({ name: nodeName, options: this.#options, readOnlyPort: this.#hooks.readOnlyPort(), ...(volumeDir === undefined ? {} : { volumeDir }) }, this.#ctx.clock.now())
    try {
      await this.#api.create('/api/v1/nodes', node as unknown as KubeObject)
      this.#ctx.log.info({ node: nodeName }, 'node registered')
      return { type: 'nodeCreated', nodeName, outcome: 'created' }
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return { type: 'nodeCreated', nodeName, outcome: 'conflict' }
      this.#ctx.log.warn({ node: nodeName, err: String(error) }, 'node registration failed; retrying')
      return { type: 'nodeCreated', nodeName, outcome: 'failed' }
    }
  }

  async #readNode(nodeName: string): Promise<EngineInput> {
    try {
      const node = (await this.#api.get(`/api/v1/nodes/${nodeName}`)) as unknown as Node
      this.#ctx.log.info({ node: nodeName }, 'node registered (existing)')
      return { type: 'nodeRead', nodeName, node }
    } catch (error) {
      this.#ctx.log.warn({ node: nodeName, err: String(error) }, 'node registration failed; retrying')
      return { type: 'nodeRead', nodeName, node: undefined }
    }
  }

  async #patchReady(nodeName: string, patch: object): Promise<EngineInput> {
    try {
      await this.#api.patch(`/api/v1/nodes/${nodeName}/status`, patch, 'application/merge-patch+json')
      this.#ctx.log.info({ node: nodeName }, 'node Ready again')
      return { type: 'readyPatched', nodeName, ok: true }
    } catch (error) {
      this.#ctx.log.warn({ node: nodeName, err: String(error) }, 'could not mark the node Ready; trying again')
      return { type: 'readyPatched', nodeName, ok: false }
    }
  }

  async #writeLease(nodeName: string, resourceVersion: string | undefined): Promise<EngineInput> {
    const lease = nodeLease(nodeName, this.#options, this.#ctx.clock.now(), resourceVersion) as unknown as KubeObject
    try {
      const written = resourceVersion === undefined ? await this.#heartbeats.create(LEASES, lease) : await this.#heartbeats.update(`${LEASES}/${nodeName}`, lease)
      return { type: 'leaseWritten', nodeName, outcome: 'written', resourceVersion: written.metadata?.resourceVersion }
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0
      if (status === 409 || status === 404) return { type: 'leaseWritten', nodeName, outcome: 'stale' }
      this.#ctx.log.debug({ node: nodeName, err: String(error) }, 'lease renewal failed')
      return { type: 'leaseWritten', nodeName, outcome: 'failed' }
    }
  }

  async #readLease(nodeName: string): Promise<EngineInput> {
    const current = await this.#heartbeats.get(`${LEASES}/${nodeName}`).catch(() => undefined)
    return { type: 'leaseRead', nodeName, resourceVersion: current?.metadata?.resourceVersion }
  }

  async #deletePod(pod: PodRef): Promise<EngineInput | undefined> {
    try {
      await this.#api.call('DELETE', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`, { body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: pod.uid } } })
      return undefined
    } catch (error) {
      // Gone already, or a new pod of the same name (uid precondition): nothing of ours to delete.
      if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return undefined
      this.#ctx.log.warn({ pod: `${pod.namespace}/${pod.name}`, err: String(error) }, 'deleting a terminated pod failed; retrying')
      return { type: 'podDeleteFailed', pod }
    }
  }
}
