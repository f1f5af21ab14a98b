/**
 * The controller manager's step, as a value threaded by its runtime adapter: the work queue,
 * the whole-cluster schedules and the state controllers carry from pass to pass (replica set
 * expectations, the zones' eviction buckets, PodGC's missing nodes).
 *
 * The adapter feeds it informer changes (`observeChange`), the caches' sync (`onSynced`), the
 * clock (`advance`: which items start now, when to wake next) and each run's outcome
 * (`finishWork`). `startWork` says what a run does: the actions to carry out, or (a namespace)
 * the lists to fetch first for `continueNamespace`. Pure: no timers, no I/O; `now` is epoch ms.
 */
import type { Action } from './actions.ts'
import { keyOf } from './_util.ts'
import { isAggregated } from './clusterrole-aggregation.ts'
import { changeMarks, type ChangeMarks } from './change-marks.ts'
import type { ControllerCaches, ObservedChange } from './caches.ts'
import { forget, NO_EXPECTATIONS, observeCreate } from './expectations.ts'
import { NO_SCHEDULES, nextDue, scheduleRules, startDue, want, type Schedules } from './schedules.ts'
import { EMPTY_QUEUE, finish, markAt, markDirty, nextDelayed, promoteDue, takeReady, type WorkQueue } from './work-queue.ts'
import { objectItem, parseItem, WHOLE_CLUSTER_WORK, type WholeClusterWork } from './work-item.ts'
import { runNamespace, runQuota, runWork, type ManagerOptions, type Plan, type Threaded, type WorkResult } from './work-runs.ts'
import type { NamespaceContents } from './namespace.ts'
import { abandonActions } from './replicaset.ts'
import { jobExpectationsKey } from './job.ts'
import { daemonSetExpectationsKey } from './daemonset.ts'
import { workloadPodMarks } from './workload-marks.ts'
import { quotaMarks } from './resource-quota.ts'
import { claimItem, volumeItem, volumeMarks } from './volume-marks.ts'

export type { ManagerOptions, Plan } from './work-runs.ts'

export interface ManagerState extends Threaded {
  readonly queue: WorkQueue
  readonly schedules: Schedules
}

export const INITIAL_MANAGER_STATE: ManagerState = { queue: EMPTY_QUEUE, schedules: NO_SCHEDULES, expectations: NO_EXPECTATIONS }

/** A write failed: look again this much later (a conflict soon: the cache is about to catch up). */
export const RETRY_AFTER_CONFLICT_MS = 20
export const RETRY_AFTER_FAILURE_MS = 500

export interface WorkOutcome {
  /** Actions not carried out (the failed one and those after it). */
  readonly notDone: readonly Action[]
  /** The failed write's HTTP status (0: no answer, or the run threw); absent when all went through. */
  readonly failedStatus?: number
}

export function observeChange(state: ManagerState, change: ObservedChange, caches: ControllerCaches, now: number): ManagerState {
  const marked = applyMarks(state, changeMarks(change, caches), now)
  const workload = workloadPodMarks(change, caches)
  const withWorkload = workload === undefined ? marked : applyMarks(marked, workload, now)
  const quotas = quotaMarks(change, caches)
  const withQuotas = quotas === undefined ? withWorkload : applyMarks(withWorkload, quotas, now)
  const volumes = volumeMarks(change, caches)
  return volumes === undefined ? withQuotas : applyMarks(withQuotas, volumes, now)
}

export function applyMarks(state: ManagerState, marks: ChangeMarks, now: number): ManagerState {
  let { queue, schedules, expectations } = state
  for (const item of marks.items) queue = markDirty(queue, item)
  if (marks.wholeCluster) schedules = want(schedules, 'nodelifecycle', now)
  if (marks.graph) schedules = want(schedules, 'gc', now)
  if (marks.createObservedFor !== undefined) expectations = observeCreate(expectations, marks.createObservedFor)
  if (marks.forgetExpectationsOf !== undefined) expectations = forget(expectations, marks.forgetExpectationsOf)
  return queue === state.queue && schedules === state.schedules && expectations === state.expectations ? state : { ...state, queue, schedules, expectations }
}

/** The caches are in: every replica set, deployment, service and namespace gets a look, and every whole-cluster controller a pass. */
export function onSynced(state: ManagerState, caches: ControllerCaches, now: number): ManagerState {
  let { queue, schedules } = state
  for (const rs of caches.replicaSets.list()) queue = markDirty(queue, objectItem('replicaset', keyOf(rs.metadata)))
  for (const d of caches.deployments.list()) queue = markDirty(queue, objectItem('deployment', keyOf(d.metadata)))
  for (const ds of caches.daemonSets.list()) queue = markDirty(queue, objectItem('daemonset', keyOf(ds.metadata)))
  for (const s of caches.statefulSets.list()) queue = markDirty(queue, objectItem('statefulset', keyOf(s.metadata)))
  for (const s of caches.services.list()) queue = markDirty(queue, objectItem('endpoints', keyOf(s.metadata)))
  for (const j of caches.jobs.list()) queue = markDirty(queue, objectItem('job', keyOf(j.metadata)))
  for (const c of caches.cronJobs.list()) queue = markDirty(queue, objectItem('cronjob', keyOf(c.metadata)))
  for (const b of caches.podDisruptionBudgets.list()) queue = markDirty(queue, objectItem('disruption', keyOf(b.metadata)))
  for (const r of caches.clusterRoles.list()) if (isAggregated(r)) queue = markDirty(queue, objectItem('clusterroleaggregation', keyOf(r.metadata)))
  for (const ns of caches.namespaces.list()) queue = markDirty(markDirty(queue, objectItem('serviceaccount', keyOf(ns.metadata))), objectItem('rootcacertpublisher', keyOf(ns.metadata)))
  for (const q of caches.resourceQuotas.list()) queue = markDirty(queue, objectItem('resourcequota', keyOf(q.metadata)))
  for (const c of caches.persistentVolumeClaims.list()) queue = markDirty(queue, claimItem(c))
  for (const v of caches.persistentVolumes.list()) queue = markDirty(queue, volumeItem(v.metadata.name ?? ''))
  for (const work of WHOLE_CLUSTER_WORK) schedules = want(schedules, work, now)
  return { ...state, queue, schedules }
}

export interface Advanced {
  readonly state: ManagerState
  /** Items whose run starts now (each is running until `finishWork`). */
  readonly start: readonly string[]
  /** When to call `advance` again, unless something happens first. */
  readonly wakeAt?: number
}

/** Moves time to `now`: delayed items and due controllers become dirty, and whatever is dirty and not running starts. */
export function advance(state: ManagerState, now: number, options: ManagerOptions): Advanced {
  const rules = scheduleRules(options)
  let queue = promoteDue(state.queue, now)
  const running = (work: WholeClusterWork) => queue.running.has(work)
  const due = startDue(state.schedules, rules, now, running)
  for (const work of due.start) queue = markDirty(queue, work)
  const taken = takeReady(queue)
  queue = taken.queue
  const wakeAt = earliest(nextDelayed(queue), nextDue(due.schedules, rules, running))
  return { state: { ...state, queue, schedules: due.schedules }, start: taken.ready, ...(wakeAt !== undefined ? { wakeAt } : {}) }
}

/** What the run of `item` (just handed out by `advance`) does; no plan: nothing to do (its object is gone). */
export function startWork(state: ManagerState, item: string, caches: ControllerCaches, now: number, options: ManagerOptions): { readonly state: ManagerState; readonly plan?: Plan } {
  return settle(state, item, runWork(state, parseItem(item), caches, now, options), now)
}

/** A namespace's run (or a quota's), once its contents (the collections it counts) are listed. */
export function continueNamespace(state: ManagerState, item: string, contents: readonly NamespaceContents[], caches: ControllerCaches, now: number): { readonly state: ManagerState; readonly plan?: Plan } {
  const parsed = parseItem(item)
  if (parsed.work === 'resourcequota') return settle(state, item, runQuota(parsed.key, caches, contents), now)
  if (parsed.work !== 'namespace') throw new TypeError(`continueNamespace: ${item} is not a namespace's item`)
  return settle(state, item, runNamespace(parsed.key, contents, caches), now)
}

/** The run of `item` is over: threads what it left undone and asks for a retry when a write failed. */
export function finishWork(state: ManagerState, item: string, outcome: WorkOutcome, now: number): ManagerState {
  let { queue, schedules, expectations } = state
  queue = finish(queue, item)
  const parsed = parseItem(item)
  if (parsed.work === 'replicaset' && outcome.notDone.length > 0) {
    // Creates and deletes that did not happen never come back through the watch: stop expecting them.
    expectations = abandonActions(expectations, parsed.key, outcome.notDone)
  }
  if (parsed.work === 'job' && outcome.notDone.length > 0) expectations = abandonActions(expectations, jobExpectationsKey(parsed.key), outcome.notDone)
  if (parsed.work === 'daemonset' && outcome.notDone.length > 0) expectations = abandonActions(expectations, daemonSetExpectationsKey(parsed.key), outcome.notDone)
  if (outcome.failedStatus !== undefined) {
    const at = now + (outcome.failedStatus === 409 ? RETRY_AFTER_CONFLICT_MS : RETRY_AFTER_FAILURE_MS)
    if ('key' in parsed) queue = markAt(queue, item, at)
    else schedules = want(schedules, parsed.work, at)
  }
  return { ...state, queue, schedules, expectations }
}

/** Records a run's result in the state (threaded values, requeue) and turns it into a plan. */
function settle(state: ManagerState, item: string, result: WorkResult, now: number): { readonly state: ManagerState; readonly plan?: Plan } {
  let next: ManagerState = { ...state, ...result.threaded }
  if (result.requeueAfterMs !== undefined) {
    const parsed = parseItem(item)
    const at = now + result.requeueAfterMs
    next = 'key' in parsed ? { ...next, queue: markAt(next.queue, item, at) } : { ...next, schedules: want(next.schedules, parsed.work, at) }
  }
  return { state: next, ...(result.plan !== undefined ? { plan: result.plan } : {}) }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b)
}
