/**
 * The controller manager's `engine` child: runs while its actor leads. The thin I/O adapter of
 * the pure step in actors/controllers/manager.ts: informers (list + watch over NATS) keep the
 * caches and feed their changes to the step; the work it starts runs through the API
 * (runtime/controllers/action-runner.ts); one timer wakes it when the step says.
 *
 * What a change marks, one reconcile per object at a time, and when the whole-cluster
 * controllers run are the step's (change-marks.ts, work-queue.ts, schedules.ts).
 */
import { readFile } from 'node:fs/promises'
import type { AnyActorLogic } from 'xstate'
import type { Action } from '../../actors/controllers/actions.ts'
import type { ControllerCaches, ObservedChange } from '../../actors/controllers/caches.ts'
import type { ClusterRole } from '../../actors/controllers/clusterrole-aggregation.ts'
import type { DaemonSet, PersistentVolumeClaim, StatefulSet } from '../../actors/kube/apps.ts'
import type { ControllerRevision } from '../../actors/kube/controller-revision.ts'
import type { ControllerManagerOptions } from '../../actors/controllers/controller-manager.kind.ts'
import type { ResourceQuota } from '../../actors/controllers/resource-quota.ts'
import { ROOT_CA_CONFIG_MAP, type ConfigMap } from '../../actors/controllers/root-ca-publisher.ts'
import { advance, continueNamespace, finishWork, INITIAL_MANAGER_STATE, observeChange, onSynced, startWork, type ManagerOptions, type Plan, type WorkOutcome } from '../../actors/controllers/manager.ts'
import type { Deployment, Endpoints, Lease, Namespace, Node, Pod, ReplicaSet, Service } from '../../actors/kube/objects.ts'
import type { CronJob, Job } from '../../actors/kube/batch.ts'
import type { PodDisruptionBudget } from '../../actors/kube/policy.ts'
import type { ServiceAccount } from '../../actors/kube/service-account.ts'
import type { PersistentVolume, StorageClass } from '../../actors/kube/storage.ts'
import type { TimerHandle } from '../clock.ts'
import { engine, type EngineDeps } from '../engine.ts'
import { ownApiserver } from '../leader/own-apiserver.ts'
import type { Logger } from '../log.ts'
import { runActions } from './action-runner.ts'
import { Informer, type InformerSelectors, type Named } from './informer.ts'

export function controllerManagerEngineLogic(hostId: string, options: ControllerManagerOptions, deps: EngineDeps): AnyActorLogic {
  // Its own master's apiserver first: a watch on a stopped master's would leave the Lease cache
  // stale until a keepalive timed out, and every node would look NotReady meanwhile.
  return engine('controller-manager', deps, { apiservers: options.apiservers, ...ownApiserver(hostId, options.apiservers) }, (ctx) => {
    const { api, log } = ctx
    const now = () => ctx.clock.now()
    let state = INITIAL_MANAGER_STATE
    let synced = false
    let pumpQueued = false
    let wake: { readonly at: number; readonly handle: TimerHandle } | undefined
    /** With the root CA bundle once it is read (kube-controller-manager's --root-ca-file). */
    let managerOptions: ManagerOptions = options

    const informer = <T extends Named>(cache: ObservedChange['cache'], path: string, selectors?: InformerSelectors) =>
      new Informer<T>(api, path, (type, object, previous) => {
        state = observeChange(state, { cache, type, object, previous } as ObservedChange, caches, now())
        schedulePump()
      }, log, selectors)
    const caches: ControllerCaches = {
      pods: informer<Pod>('pods', '/api/v1/pods'),
      replicaSets: informer<ReplicaSet>('replicaSets', '/apis/apps/v1/replicasets'),
      deployments: informer<Deployment>('deployments', '/apis/apps/v1/deployments'),
      daemonSets: informer<DaemonSet>('daemonSets', '/apis/apps/v1/daemonsets'),
      statefulSets: informer<StatefulSet>('statefulSets', '/apis/apps/v1/statefulsets'),
      controllerRevisions: informer<ControllerRevision>('controllerRevisions', '/apis/apps/v1/controllerrevisions'),
      persistentVolumeClaims: informer<PersistentVolumeClaim>('persistentVolumeClaims', '/api/v1/persistentvolumeclaims'),
      persistentVolumes: informer<PersistentVolume>('persistentVolumes', '/api/v1/persistentvolumes'),
      storageClasses: informer<StorageClass>('storageClasses', '/apis/storage.k8s.io/v1/storageclasses'),
      resourceQuotas: informer<ResourceQuota>('resourceQuotas', '/api/v1/resourcequotas'),
      nodes: informer<Node>('nodes', '/api/v1/nodes'),
      leases: informer<Lease>('leases', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'),
      services: informer<Service>('services', '/api/v1/services'),
      endpoints: informer<Endpoints>('endpoints', '/api/v1/endpoints'),
      namespaces: informer<Namespace>('namespaces', '/api/v1/namespaces'),
      jobs: informer<Job>('jobs', '/apis/batch/v1/jobs'),
      cronJobs: informer<CronJob>('cronJobs', '/apis/batch/v1/cronjobs'),
      podDisruptionBudgets: informer<PodDisruptionBudget>('podDisruptionBudgets', '/apis/policy/v1/poddisruptionbudgets'),
      serviceAccounts: informer<ServiceAccount>('serviceAccounts', '/api/v1/serviceaccounts'),
      clusterRoles: informer<ClusterRole>('clusterRoles', '/apis/rbac.authorization.k8s.io/v1/clusterroles'),
      rootCaConfigMaps: informer<ConfigMap>('rootCaConfigMaps', '/api/v1/configmaps', { fieldSelector: `metadata.name=${ROOT_CA_CONFIG_MAP}` }),
    }
    const informers = Object.values(caches) as Informer<Named>[]

    /** Changes arrive in bursts (one per watch event): look once they are all in. */
    function schedulePump(): void {
      if (pumpQueued || ctx.stopped) return
      pumpQueued = true
      queueMicrotask(pump)
    }

    function pump(): void {
      pumpQueued = false
      if (ctx.stopped || !synced) return
      const step = advance(state, now(), managerOptions)
      state = step.state
      armWake(step.wakeAt)
      for (const item of step.start) void run(item)
    }

    function armWake(at: number | undefined): void {
      if (wake?.at === at) return
      if (wake !== undefined) ctx.clearTimer(wake.handle)
      wake = at === undefined ? undefined : { at, handle: ctx.setTimer(onWake, Math.max(0, at - now())) }
    }

    function onWake(): void {
      wake = undefined
      pump()
    }

    async function run(item: string): Promise<void> {
      let outcome: WorkOutcome = { notDone: [] }
      try {
        outcome = await carryOut(item, await startAndList(item))
      } catch (error) {
        if (ctx.stopped) return
        log.warn({ item, err: String(error) }, 'reconcile failed')
        outcome = { notDone: [], failedStatus: 0 }
      }
      state = finishWork(state, item, outcome, now())
      schedulePump()
    }

    /** Starts `item`'s run; a namespace's contents are listed first. */
    async function startAndList(item: string): Promise<Plan | undefined> {
      const started = startWork(state, item, caches, now(), managerOptions)
      state = started.state
      if (started.plan?.type !== 'list') return started.plan
      const contents = await Promise.all(started.plan.paths.map(async (path) => ({ path, items: (await api.list(path)).items })))
      const continued = continueNamespace(state, item, contents, caches, now())
      state = continued.state
      return continued.plan
    }

    async function carryOut(item: string, plan: Plan | undefined): Promise<WorkOutcome> {
      if (plan?.type !== 'act' || plan.actions.length === 0 || ctx.stopped) return { notDone: [] }
      logWrites(log, item, plan.actions)
      const outcome = await runActions(api, plan.actions, log)
      if (outcome.failed === undefined) return { notDone: [] }
      log.debug({ item, status: outcome.failed.status, message: outcome.failed.message }, 'action failed; will look again')
      return { notDone: outcome.notDone, failedStatus: outcome.failed.status }
    }

    const rootCa = options.rootCaFile === undefined ? Promise.resolve(undefined) : readFile(options.rootCaFile, 'utf8')
    Promise.all([rootCa, ...informers.map((i) => i.start())])
      .then(([ca]) => {
        if (ctx.stopped) return
        if (ca !== undefined) managerOptions = { ...options, rootCa: ca }
        log.info('controllers running')
        synced = true
        state = onSynced(state, caches, now())
        pump()
      })
      .catch((error: unknown) => ctx.fail(error))

    return { stop: () => Promise.all(informers.map((i) => i.stop())) }
  })
}

/** Pods created or deleted are worth a line (a replica set out of step, pod GC at work). */
function logWrites(log: Logger, item: string, actions: readonly Action[]): void {
  const creates = actions.filter((a) => a.type === 'create').length
  const deletes = actions.filter((a) => a.type === 'delete').length
  if (creates + deletes > 0) log.info({ item, creates, deletes }, 'reconcile: creating/deleting')
}
