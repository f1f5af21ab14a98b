/**
 * The kubelet actor's `engine` child: the API I/O of every node the actor carries. One pod
 * informer (the pods bound to these nodes) feeds the node actors; a node informer notices a
 * node of ours that the controller manager marked not Ready (it is Ready again: its kubelet
 * runs) or that someone deleted (registered again). Node actors ask it to register, renew
 * leases, write pod statuses (coalesced, runtime/kubelet/pod-status-writer.ts), record events
 * and delete pods that finished terminating.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import type { Node, Pod } from '../../actors/kube/objects.ts'
import { nodeNames, type KubeletOptions } from '../../actors/kubelet/kubelet-options.ts'
import type { EngineCommand, EngineReport, PodRef } from '../../actors/kubelet/kubelet-protocol.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import type { Clock } from '../clock.ts'
import { Informer } from '../controllers/informer.ts'
import { EventRateLimit, EventRecorder } from '../events/event-recorder.ts'
import type { Logger } from '../log.ts'
import type { Transport } from '../transport/transport.ts'
import { NodeRegistrar } from './node-registrar.ts'
import { PodStatusWriter } from './pod-status-writer.ts'
import type { PodTraces } from './pod-traces.ts'
import { tracingOn } from '../telemetry.ts'

const INFORMER_RETRY_MS = 1000
/** Kubernetes' kubelet defaults (--event-qps, --event-burst), here for all nodes of a host. */
const EVENT_QPS = 50
const EVENT_BURST = 100

export interface KubeletEngineDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly log: Logger
}

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
  /** The host's pod traces (runtime/kubelet/pod-traces.ts), shared with the pods' runtimes. */
  readonly traces?: PodTraces
}

export function kubeletEngineLogic(id: string, options: KubeletOptions, deps: KubeletEngineDeps, hooks: KubeletEngineHooks): AnyActorLogic {
  return fromCallback<EngineCommand>(({ sendBack, receive }) => {
    const log = deps.log.child({ engine: 'kubelet' })
    const names = nodeNames(id, options)
    const ours = new Set(names)
    const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: options.apiservers, clock: deps.clock, timeoutMs: 5000 })
    const registrar = new NodeRegistrar(api, deps.clock, log, options, hooks.readOnlyPort)
    const traces = hooks.traces
    // Traced pods' status writes go out in their `kubelet sync pod` span, the others' outside any trace.
    const statuses = new PodStatusWriter(api, deps.clock, log, undefined, traces && tracingOn() ? (uid) => traces.contextOf(uid) : undefined)
    const recorders = new Map<string, EventRecorder>()
    const eventLimit = new EventRateLimit(deps.clock, EVENT_QPS, EVENT_BURST)
    const registered = new Set<string>()
    const report = (event: EngineReport) => sendBack(event)
    let stopped = false

    const pods = new Informer<Pod>(
      api,
      '/api/v1/pods',
      (type, pod) => {
        const nodeName = pod.spec.nodeName
        if (!nodeName || !ours.has(nodeName)) return
        const uid = pod.metadata.uid ?? ''
        if (type === 'DELETED') {
          statuses.forget(uid)
          traces?.gone(uid)
          report({ type: 'kubelet.podGone', nodeName, uid })
          return
        }
        if (traces && tracingOn()) {
          traces.seen(pod, nodeName)
          traces.observed(pod)
        }
        statuses.observed(uid, pod.status)
        report({ type: 'kubelet.podSeen', nodeName, pod })
      },
      log,
      // One node: only its pods. A pool: every bound pod, routed here (one watch, not thousands).
      { fieldSelector: names.length === 1 ? `spec.nodeName=${names[0]}` : 'spec.nodeName!=' },
    )
    const nodes = new Informer<Node>(
      api,
      '/api/v1/nodes',
      (type, node) => {
        const name = node.metadata.name ?? ''
        if (!ours.has(name) || !registered.has(name) || stopped) return
        if (type === 'DELETED') {
          log.warn({ node: name }, 'node object deleted; registering it again')
          registered.delete(name)
          void registrar.register(name).then(() => registered.add(name))
          return
        }
        void registrar.readyAgain(node)
      },
      log,
      names.length === 1 ? { fieldSelector: `metadata.name=${names[0]}` } : {},
    )
    // The apiservers may still be starting (503): keep trying, as a kubelet does.
    const start = (informer: Informer<Pod> | Informer<Node>, what: string) => {
      informer.start().catch((error: unknown) => {
        if (stopped) return
        log.warn({ informer: what, err: String(error) }, 'kubelet informer could not start; retrying')
        deps.clock.setTimeout(() => void (stopped || start(informer, what)), INFORMER_RETRY_MS)
      })
    }
    start(pods, 'pods')
    start(nodes, 'nodes')

    const recorderFor = (nodeName: string) => {
      let recorder = recorders.get(nodeName)
      if (!recorder) recorders.set(nodeName, (recorder = new EventRecorder(api, deps.clock, { component: 'kubelet', host: nodeName }, eventLimit)))
      return recorder
    }
    const podObject = (ref: PodRef) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: ref.name, namespace: ref.namespace, uid: ref.uid } })

    const remove = async (ref: PodRef) => {
      try {
        await api.call('DELETE', `/api/v1/namespaces/${ref.namespace}/pods/${ref.name}`, { body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: ref.uid } } })
      } catch (error) {
        // Gone already, or a new pod of the same name (uid precondition): nothing of ours to delete.
        if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return
        log.warn({ pod: `${ref.namespace}/${ref.name}`, err: String(error) }, 'deleting a terminated pod failed; retrying')
        deps.clock.setTimeout(() => void (stopped || remove(ref)), 1000)
      }
    }

    receive((command) => {
      if (stopped) return
      switch (command.type) {
        case 'kubelet.register':
          if (registered.has(command.nodeName)) return report({ type: 'kubelet.registered', nodeName: command.nodeName })
          void registrar.register(command.nodeName).then(() => {
            if (stopped) return
            registered.add(command.nodeName)
            report({ type: 'kubelet.registered', nodeName: command.nodeName })
          })
          return
        case 'kubelet.renewLease':
          registrar.renewLease(command.nodeName)
          return
        case 'kubelet.writeStatus':
          traces?.reported(command.pod.uid, command.status)
          statuses.write(command.pod, command.status)
          return
        case 'kubelet.removePod':
          statuses.forget(command.pod.uid)
          void remove(command.pod)
          return
        case 'kubelet.recordEvent':
          recorderFor(command.nodeName).record(podObject(command.pod), command.eventType, command.reason, command.message)
          return
      }
    })

    hooks.onView({
      pods: () => pods.list(),
      pod: (namespace, name) => pods.get(`${namespace}/${name}`),
      nodes: names,
    })

    return () => {
      stopped = true
      hooks.onView(undefined)
      statuses.close()
      registrar.close()
      void Promise.all([pods.stop(), nodes.stop()]).finally(() => api.close())
    }
  })
}
