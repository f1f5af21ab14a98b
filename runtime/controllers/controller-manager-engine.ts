/**
 * The controller manager's `engine` child: runs while its actor leads. Informers (list + watch
 * over NATS) keep pods, replica sets, deployments, nodes, node leases, services, endpoints and
 * namespaces; each change marks the objects whose controller must look again (a pod: its
 * replica set and that one's deployment, the services of its namespace, the node lifecycle);
 * dirty objects are reconciled by the pure steps in actors/controllers/ and their actions run
 * through the API (runtime/controllers/action-runner.ts).
 *
 * One reconcile per object at a time; a change while it runs marks it again. Controllers whose
 * input is the whole cluster run when their step asks to be requeued and when something changed:
 * node lifecycle at most every `WHOLE_CLUSTER_INTERVAL_MS`, pod GC every `POD_GC_INTERVAL_MS`,
 * the garbage collector only after ownership changed, at most every `GC_INTERVAL_MS`.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import type { Action } from '../../actors/controllers/actions.ts'
import { reconcileDeployment } from '../../actors/controllers/deployment.ts'
import { reconcileEndpoints } from '../../actors/controllers/endpoints.ts'
import { NO_EXPECTATIONS, observeCreate, forget, type Expectations } from '../../actors/controllers/expectations.ts'
import { reconcileGarbageCollector, type GraphObject } from '../../actors/controllers/garbage-collector.ts'
import { namespacedPaths, reconcileNamespace } from '../../actors/controllers/namespace.ts'
import { reconcileNodeLifecycle } from '../../actors/controllers/node-lifecycle.ts'
import type { LimiterState } from '../../actors/controllers/eviction-limiter.ts'
import { reconcilePodGc } from '../../actors/controllers/pod-gc.ts'
import { abandonActions, ownerKeyOf, reconcileReplicaSet } from '../../actors/controllers/replicaset.ts'
import type { Deployment, Endpoints, Lease, Namespace, Node, Pod, ReplicaSet, Service } from '../../actors/kube/objects.ts'
import type { ControllerManagerOptions } from '../../actors/controllers/controller-manager.kind.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { Transport } from '../transport/transport.ts'
import { runActions } from './action-runner.ts'
import { Informer, keyOf, type Change } from './informer.ts'

export interface EngineDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly log: Logger
}

const WHOLE_CLUSTER_INTERVAL_MS = 500
/**
 * PodGC and the garbage collector read every object; at 100,000 pods a pass every 500 ms would
 * keep a core busy. PodGC runs every 5 s (Kubernetes: 20 s); the garbage collector only after
 * an object appeared, went or changed owners, at most every second.
 */
const POD_GC_INTERVAL_MS = 5000
const GC_INTERVAL_MS = 1000
const NAMESPACE_RECHECK_MS = 500

type Work = 'replicaset' | 'deployment' | 'endpoints' | 'namespace'

export function controllerManagerEngineLogic(options: ControllerManagerOptions, deps: EngineDeps): AnyActorLogic {
  return fromCallback(({ sendBack }) => {
    const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: options.apiservers, clock: deps.clock, timeoutMs: 5000 })
    const log = deps.log.child({ engine: 'controller-manager' })
    const now = () => deps.clock.now()
    let stopped = false
    let expectations: Expectations = NO_EXPECTATIONS
    // State the whole-cluster steps thread from pass to pass: the zones' eviction buckets, PodGC's missing nodes.
    let evictionLimiter: LimiterState | undefined
    let missingNodes: ReadonlyMap<string, number> | undefined
    const dirty = new Map<Work, Set<string>>([['replicaset', new Set()], ['deployment', new Set()], ['endpoints', new Set()], ['namespace', new Set()]])
    const running = new Set<string>()
    let wholeClusterDirty = true
    let wholeClusterTimer: TimerHandle | undefined
    let lastWholeCluster = 0
    let lastPodGc = 0
    let lastGc = 0
    /** Something appeared, went, changed owners or started being deleted since the garbage collector last looked. */
    let graphDirty = true
    type GraphMeta = { metadata: { ownerReferences?: unknown; deletionTimestamp?: unknown; finalizers?: unknown } }
    const graphKey = (o: GraphMeta | undefined) => JSON.stringify([o?.metadata.ownerReferences, o?.metadata.deletionTimestamp, o?.metadata.finalizers])
    const ownersChanged = (type: Change, object: GraphMeta, previous: GraphMeta | undefined) => type !== 'MODIFIED' || graphKey(object) !== graphKey(previous)
    let pumpQueued = false
    const timers = new Set<TimerHandle>()

    const mark = (work: Work, key: string) => {
      dirty.get(work)!.add(key)
      schedule()
    }
    const later = (ms: number, fn: () => void) => {
      const timer = deps.clock.setTimeout(() => {
        timers.delete(timer)
        if (!stopped) fn()
      }, ms)
      timers.add(timer)
    }

    const onPod = (type: Change, pod: Pod, previous: Pod | undefined) => {
      const ns = pod.metadata.namespace ?? 'default'
      const owner = ownerKeyOf(pod) ?? (previous ? ownerKeyOf(previous) : undefined)
      if (owner !== undefined) {
        if (type === 'ADDED') expectations = observeCreate(expectations, owner)
        mark('replicaset', owner)
        const rs = replicaSets.get(owner)
        const deploymentRef = rs?.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment')
        if (deploymentRef) mark('deployment', `${ns}/${deploymentRef.name}`)
      } else if (type === 'ADDED') {
        // An orphan: a replica set of its namespace may adopt it.
        for (const rs of replicaSets.inNamespace(ns)) mark('replicaset', keyOf(rs))
      }
      for (const svc of services.inNamespace(ns)) mark('endpoints', keyOf(svc))
      if (ownersChanged(type, pod, previous)) graphDirty = true
      wholeClusterDirty = true
    }
    const onReplicaSet = (type: Change, rs: ReplicaSet, previous: ReplicaSet | undefined) => {
      const key = keyOf(rs)
      if (type === 'DELETED') expectations = forget(expectations, key)
      mark('replicaset', key)
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment')
      if (ref) mark('deployment', `${rs.metadata.namespace}/${ref.name}`)
      if (ownersChanged(type, rs, previous)) graphDirty = true
      wholeClusterDirty = true
    }

    const pods = new Informer<Pod>(api, '/api/v1/pods', onPod, log)
    const replicaSets = new Informer<ReplicaSet>(api, '/apis/apps/v1/replicasets', onReplicaSet, log)
    const deployments = new Informer<Deployment>(api, '/apis/apps/v1/deployments', (type, d, previous) => {
      mark('deployment', keyOf(d))
      if (ownersChanged(type, d, previous)) graphDirty = true
      wholeClusterDirty = true
    }, log)
    const nodes = new Informer<Node>(api, '/api/v1/nodes', () => void (wholeClusterDirty = true), log)
    const leases = new Informer<Lease>(api, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', () => void (wholeClusterDirty = true), log)
    const services = new Informer<Service>(api, '/api/v1/services', (type, s, previous) => {
      mark('endpoints', keyOf(s))
      if (ownersChanged(type, s, previous)) graphDirty = true
      wholeClusterDirty = true
    }, log)
    // Endpoints of a Service this informer has not seen yet are left alone: they may be a
    // selector-less Service's, written right after it, and its watch event can come first. Leftovers
    // are still found: at start (before sync) and when a Service's deletion is seen.
    const endpoints = new Informer<Endpoints>(api, '/api/v1/endpoints', (type, e, previous) => {
      if (ownersChanged(type, e, previous)) graphDirty = true
      if (type === 'DELETED' || !endpoints.synced || services.get(keyOf(e)) !== undefined) mark('endpoints', keyOf(e))
    }, log)
    const namespaces = new Informer<Namespace>(api, '/api/v1/namespaces', (_t, n) => {
      if (n.metadata.deletionTimestamp) mark('namespace', keyOf(n))
    }, log)
    const informers = [pods, replicaSets, deployments, nodes, leases, services, endpoints, namespaces] as const
    const synced = () => informers.every((i) => i.synced)

    /** Runs a reconcile of `id` unless one is running; marks it again when the actions failed. */
    const reconcile = (id: string, step: () => Promise<void>) => {
      if (running.has(id)) return false
      running.add(id)
      step()
        .catch((error: unknown) => log.warn({ id, err: String(error) }, 'reconcile failed'))
        .finally(() => {
          running.delete(id)
          schedule()
        })
      return true
    }

    /** Runs the actions; returns those not carried out (a failed write stops the batch). */
    const execute = async (id: string, actions: readonly Action[], retry: () => void): Promise<readonly Action[]> => {
      if (actions.length === 0 || stopped) return []
      const outcome = await runActions(api, actions, log)
      if (outcome.failed) {
        log.debug({ id, status: outcome.failed.status, message: outcome.failed.message }, 'action failed; will look again')
        later(outcome.failed.status === 409 ? 20 : 500, retry)
      }
      return outcome.notDone
    }

    function pump(): void {
      pumpQueued = false
      if (stopped || !synced()) return
      for (const key of takeAll('replicaset')) {
        const rs = replicaSets.get(key)
        if (rs === undefined) continue
        if (!reconcile(`rs:${key}`, async () => {
          const result = reconcileReplicaSet({ replicaSet: rs, pods: pods.inNamespace(rs.metadata.namespace ?? 'default'), expectations }, now())
          expectations = result.expectations
          const creates = result.actions.filter((a) => a.type === 'create').length
          const deletes = result.actions.filter((a) => a.type === 'delete').length
          if (creates + deletes > 0) log.info({ replicaSet: key, replicas: rs.spec.replicas, creates, deletes, resourceVersion: rs.metadata.resourceVersion }, 'replica set out of step: creating/deleting pods')
          if (result.requeueAfterMs !== undefined) later(result.requeueAfterMs, () => mark('replicaset', key))
          const notDone = await execute(`rs:${key}`, result.actions, () => mark('replicaset', key))
          // Creates and deletes that did not happen never come back through the watch: stop expecting them.
          if (notDone.length > 0) expectations = abandonActions(expectations, key, notDone)
        })) dirty.get('replicaset')!.add(key)
      }
      for (const key of takeAll('deployment')) {
        const d = deployments.get(key)
        if (d === undefined) continue
        if (!reconcile(`deploy:${key}`, async () => {
          const ns = d.metadata.namespace ?? 'default'
          const result = reconcileDeployment({ deployment: d, replicaSets: replicaSets.inNamespace(ns), pods: pods.inNamespace(ns) }, now())
          if (result.requeueAfterMs !== undefined) later(result.requeueAfterMs, () => mark('deployment', key))
          await execute(`deploy:${key}`, result.actions, () => mark('deployment', key))
        })) dirty.get('deployment')!.add(key)
      }
      for (const key of takeAll('endpoints')) {
        const ns = key.split('/')[0]!
        if (!reconcile(`ep:${key}`, async () => {
          const svc = services.get(key)
          const existing = endpoints.get(key)
          const result = reconcileEndpoints({ services: svc ? [svc] : [], pods: pods.inNamespace(ns), endpoints: existing ? [existing] : [] })
          await execute(`ep:${key}`, result.actions, () => mark('endpoints', key))
        })) dirty.get('endpoints')!.add(key)
      }
      for (const key of takeAll('namespace')) {
        const ns = namespaces.get(key)
        if (ns === undefined || !ns.metadata.deletionTimestamp) continue
        if (!reconcile(`ns:${key}`, async () => {
          const contents = await Promise.all(namespacedPaths(key).map(async (path) => ({ path, items: (await api.list(path)).items })))
          const result = reconcileNamespace({ namespace: ns, contents })
          await execute(`ns:${key}`, result.actions, () => mark('namespace', key))
          if (result.waiting) later(NAMESPACE_RECHECK_MS, () => mark('namespace', key))
        })) dirty.get('namespace')!.add(key)
      }
      scheduleWholeCluster()
    }

    function scheduleWholeCluster(): void {
      if (!wholeClusterDirty || wholeClusterTimer !== undefined) return
      const wait = Math.max(0, lastWholeCluster + WHOLE_CLUSTER_INTERVAL_MS - now())
      wholeClusterTimer = deps.clock.setTimeout(() => {
        wholeClusterTimer = undefined
        if (stopped) return
        if (!synced()) return scheduleWholeCluster()
        wholeClusterDirty = false
        lastWholeCluster = now()
        const requeueWholeCluster = (ms: number) =>
          later(ms, () => {
            wholeClusterDirty = true
            scheduleWholeCluster()
          })
        reconcile('nodelifecycle', async () => {
          const result = reconcileNodeLifecycle({ nodes: nodes.list(), leases: leases.list(), pods: pods.list().filter((p) => p.spec.nodeName), limiter: evictionLimiter }, now(), {
            gracePeriodMs: options.nodeGracePeriodMs,
            defaultTolerationSeconds: options.defaultTolerationSeconds,
            nodeEvictionRate: options.nodeEvictionRate,
            secondaryNodeEvictionRate: options.secondaryNodeEvictionRate,
            unhealthyZoneThreshold: options.unhealthyZoneThreshold,
            largeClusterSizeThreshold: options.largeClusterSizeThreshold,
          })
          evictionLimiter = result.limiter
          if (result.requeueAfterMs !== undefined) requeueWholeCluster(result.requeueAfterMs)
          await execute('nodelifecycle', result.actions, () => void (wholeClusterDirty = true))
        })
        const dueIn = (last: number, interval: number) => last + interval - now()
        if (dueIn(lastPodGc, POD_GC_INTERVAL_MS) > 0) requeueWholeCluster(dueIn(lastPodGc, POD_GC_INTERVAL_MS))
        else if (reconcile('podgc', async () => {
          const result = reconcilePodGc({ pods: pods.list(), nodes: nodes.list(), missingSince: missingNodes }, now(), {
            quarantineMs: options.podGcQuarantineMs,
            terminatedPodThreshold: options.terminatedPodGcThreshold,
          })
          missingNodes = result.missingSince
          if (result.requeueAfterMs !== undefined) requeueWholeCluster(result.requeueAfterMs)
          if (result.actions.length > 0) log.info({ deletes: result.actions.filter((a) => a.type === 'delete').length }, 'pod GC')
          await execute('podgc', result.actions, () => void (wholeClusterDirty = true))
        })) lastPodGc = now()
        if (graphDirty && dueIn(lastGc, GC_INTERVAL_MS) > 0) requeueWholeCluster(dueIn(lastGc, GC_INTERVAL_MS))
        else if (graphDirty && reconcile('gc', async () => {
          const graph = [
            ...pods.list().map((o) => withType(o, 'v1', 'Pod')),
            ...replicaSets.list().map((o) => withType(o, 'apps/v1', 'ReplicaSet')),
            ...deployments.list().map((o) => withType(o, 'apps/v1', 'Deployment')),
            ...services.list().map((o) => withType(o, 'v1', 'Service')),
            ...endpoints.list().map((o) => withType(o, 'v1', 'Endpoints')),
          ]
          const result = reconcileGarbageCollector({ objects: graph, listedKinds: ['Pod', 'ReplicaSet.apps', 'Deployment.apps', 'Service', 'Endpoints'] })
          await execute('gc', result.actions, () => {
            wholeClusterDirty = true
            graphDirty = true
          })
        })) {
          lastGc = now()
          graphDirty = false
        }
      }, wait)
    }

    function takeAll(work: Work): string[] {
      const set = dirty.get(work)!
      const keys = [...set]
      set.clear()
      return keys
    }

    function schedule(): void {
      if (pumpQueued || stopped) return
      pumpQueued = true
      queueMicrotask(pump)
    }

    // Node heartbeats go stale without any event: look at the nodes at least every grace period / 2.
    const heartbeat = () => {
      wholeClusterDirty = true
      scheduleWholeCluster()
      later(Math.max(100, options.nodeGracePeriodMs / 2), heartbeat)
    }

    Promise.all(informers.map((i) => i.start()))
      .then(() => {
        if (stopped) return
        log.info('controllers running')
        for (const rs of replicaSets.list()) mark('replicaset', keyOf(rs))
        for (const d of deployments.list()) mark('deployment', keyOf(d))
        for (const s of services.list()) mark('endpoints', keyOf(s))
        heartbeat()
      })
      .catch((error: unknown) => {
        if (!stopped) sendBack({ type: 'engine.failed', message: `controller manager: ${error instanceof Error ? error.message : String(error)}` })
      })

    return () => {
      stopped = true
      for (const t of timers) deps.clock.clearTimeout(t)
      if (wholeClusterTimer !== undefined) deps.clock.clearTimeout(wholeClusterTimer)
      void Promise.all(informers.map((i) => i.stop())).finally(() => api.close())
    }
  })
}

function withType(o: { readonly apiVersion?: string; readonly kind?: string; readonly metadata: GraphObject['metadata'] }, apiVersion: string, kind: string): GraphObject {
  return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind }
}
