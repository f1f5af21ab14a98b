/**
 * The Job controller's reconcile step (k8s.io/kubernetes/pkg/controller/job, syncJob): claim the
 * Job's pods, run `parallelism` of them at a time until `completions` succeed (a work queue
 * without completions: until one succeeds and the rest end), each Indexed pod with its completion
 * index; fail the Job past `backoffLimit` failures or `activeDeadlineSeconds`, holding new pods
 * back after failures (10 s, doubling, at most 6 min); `suspend` deletes the running pods; a
 * finished Job is deleted `ttlSecondsAfterFinished` later. Also `podFailurePolicy`
 * (job-failure-policy.ts), `backoffLimitPerIndex` / `maxFailedIndexes` (job-index-failures.ts),
 * `successPolicy` (job-success-policy.ts) and `podReplacementPolicy`. Pure: (job, pods,
 * expectations, now) -> actions.
 *
 * A Job ends in two steps, as Kubernetes 1.32: the interim condition (FailureTarget, or
 * SuccessCriteriaMet) is written when the end is decided and the running pods are deleted; the
 * terminal one (Failed, or Complete, same reason and message) once none of its pods is still
 * terminating.
 *
 * Counting differs from Kubernetes in one way: it tracks terminated pods with a finalizer, this
 * step counts the terminated pods it sees and never lowers a counter the status already holds.
 */
import type { Job, JobStatus } from '../kube/batch.ts'
import { JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT } from '../kube/batch.ts'
import type { Condition, Container, Pod } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { type Action, POD, type TypeMeta, collectionPath, eventAction, pathOf } from './actions.ts'
import { claim, controllerOf, isDeleting, isPodActive, isPodReady, keyOf, restartCount, setCondition, timeOf, timestamp } from './_util.ts'
import { DEFAULT_EXPECTATIONS_TIMEOUT_MS, type Expectations, NO_EXPECTATIONS, expect, pruneDeletions, satisfied } from './expectations.ts'
import { type BackoffConfig, failureBackoff, indexBackoffUntil } from './job-backoff.ts'
import { failJobMessage, matchPodFailurePolicy, onlyReplaceFailedPods } from './job-failure-policy.ts'
import { failedIndexes, hasBackoffLimitPerIndex, lastFailedPods, newIndexFailureCounts } from './job-index-failures.ts'
import { formatIndexes, parseIndexes } from './job-indexes.ts'
import { matchSuccessPolicy } from './job-success-policy.ts'
import { deletionOrder, podFromTemplate } from './replicaset.ts'

export const JOB: TypeMeta = { apiVersion: 'batch/v1', kind: 'Job' }
export const JOB_COMPONENT = 'job-controller'

export { failureBackoff } from './job-backoff.ts'

export interface JobConfig extends BackoffConfig {
  readonly burstPods?: number
  readonly expectationsTimeoutMs?: number
}

export interface JobInput {
  readonly job: Job
  /** The pods of the Job's namespace. */
  readonly pods: readonly Pod[]
  readonly expectations?: Expectations
}

export interface JobResult {
  readonly actions: Action[]
  readonly expectations: Expectations
  readonly requeueAfterMs?: number
}

/** The `spec.managedBy` of Jobs this controller syncs (unset means this one too). */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller'

/** A Job's key in the manager's expectations (apart from replica sets of the same name). */
export const jobExpectationsKey = (key: string): string => `Job/${key}`

/** The `namespace/name` of the Job controlling `pod`, if one does. */
export function jobKeyOf(pod: Pod): string | undefined {
  const ref = controllerOf(pod.metadata)
  return ref?.kind === 'Job' ? `${pod.metadata.namespace ?? ''}/${ref.name}` : undefined
}

const isTrue = (conditions: readonly Condition[] | undefined, type: string): boolean => conditions?.some((c) => c.type === type && c.status === 'True') === true

/** The condition that finished the Job (Complete or Failed), if one did. */
export const finishedCondition = (job: Job): Condition | undefined => job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')

export const completionIndexOf = (pod: Pod): number | undefined => {
  const text = pod.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX]
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined
}

/** An Indexed Job's pod for `index`: named `<job>-<index>-`, the index in an annotation, a label and JOB_COMPLETION_INDEX. */
function indexedPod(pod: Pod, name: string, index: number): Pod {
  const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }
  const withIndex = (c: Container): Container => ({ ...c, env: [...(c.env ?? []), env] })
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      generateName: `${name}-${index}-`,
      labels: { ...pod.metadata.labels, [JOB_COMPLETION_INDEX]: String(index) },
      annotations: { ...pod.metadata.annotations, [JOB_COMPLETION_INDEX]: String(index) },
    },
    spec: { ...pod.spec, hostname: `${name}-${index}`, containers: pod.spec.containers.map(withIndex), ...(pod.spec.initContainers ? { initContainers: pod.spec.initContainers.map(withIndex) } : {}) } as Pod['spec'],
  }
}

interface Observed {
  readonly owned: readonly Pod[]
  readonly active: readonly Pod[]
  /** Pods being deleted that have not ended yet. */
  readonly terminating: readonly Pod[]
  readonly succeededPods: readonly Pod[]
  readonly failedPods: readonly Pod[]
  readonly succeeded: number
  /** Failures that count (the pod failure policy's Ignore'd ones do not). */
  readonly failed: number
  readonly completedIndexes: ReadonlySet<number>
  /** With backoffLimitPerIndex: the indexes that failed for good. */
  readonly failedIndexes?: ReadonlySet<number>
}

function observe(job: Job, owned: readonly Pod[]): Observed {
  const active = owned.filter(isPodActive)
  const terminating = owned.filter((p) => isDeleting(p.metadata) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
  const succeededPods = owned.filter((p) => p.status?.phase === 'Succeeded')
  const failedPods = owned.filter((p) => p.status?.phase === 'Failed')
  const counted = failedPods.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).counts)
  const completions = job.spec.completions ?? 0
  const indexed = job.spec.completionMode === 'Indexed'
  const completedIndexes = new Set(indexed ? parseIndexes(job.status?.completedIndexes ?? '', completions) : [])
  if (indexed) {
    for (const p of succeededPods) {
      const i = completionIndexOf(p)
      if (i !== undefined && i < completions) completedIndexes.add(i)
    }
  }
  return {
    owned,
    active,
    terminating,
    succeededPods,
    failedPods,
    succeeded: Math.max(job.status?.succeeded ?? 0, succeededPods.length),
    failed: Math.max(job.status?.failed ?? 0, counted.length),
    completedIndexes,
    ...(hasBackoffLimitPerIndex(job) ? { failedIndexes: failedIndexes(job, owned, completionIndexOf) } : {}),
  }
}

/** How a running Job ends: the interim condition's type, reason and message. */
interface Ending {
  readonly type: 'FailureTarget' | 'SuccessCriteriaMet'
  readonly reason: string
  readonly message: string
}

const failing = (reason: string, message: string): Ending => ({ type: 'FailureTarget', reason, message })

/** An end decided in an earlier pass: a SuccessCriteriaMet or FailureTarget condition in the status. */
function decidedEnding(job: Job): Ending | undefined {
  for (const type of ['SuccessCriteriaMet', 'FailureTarget'] as const) {
    const c = job.status?.conditions?.find((x) => x.type === type && x.status === 'True')
    if (c !== undefined) return { type, reason: c.reason ?? '', message: c.message ?? '' }
  }
  return undefined
}

/**
 * Why the Job fails now, if it does, in Kubernetes' order: a FailJob rule of the pod failure
 * policy, too many failures, past its deadline, then (backoffLimitPerIndex) too many failed
 * indexes, or every index succeeded or failed with some failed.
 */
function failure(job: Job, o: Observed, startTime: number | undefined, now: number): Ending | undefined {
  const policyMessage = failJobMessage(job, o.owned)
  if (policyMessage !== undefined) return failing('PodFailurePolicy', policyMessage)
  const restarts = job.spec.template.spec.restartPolicy === 'OnFailure' ? o.active.reduce((n, p) => n + restartCount(p), 0) : 0
  if (o.failed + restarts > (job.spec.backoffLimit ?? 6)) return failing('BackoffLimitExceeded', 'Job has reached the specified backoff limit')
  const deadline = job.spec.activeDeadlineSeconds
  if (deadline !== undefined && deadline !== null && startTime !== undefined && now - startTime >= deadline * 1000) return failing('DeadlineExceeded', 'Job was active longer than specified deadline')
  const failedIndexes = o.failedIndexes
  if (failedIndexes !== undefined) {
    const max = job.spec.maxFailedIndexes
    if (max !== undefined && max !== null && failedIndexes.size > max) return failing('MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes')
    if (failedIndexes.size > 0 && failedIndexes.size + o.completedIndexes.size >= (job.spec.completions ?? 0)) return failing('FailedIndexes', 'Job has failed indexes')
  }
  return undefined
}

const SUCCEEDED: Ending = { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }

/** Whether the Job succeeded: an Indexed Job's success policy holds, or enough pods succeeded. */
function success(job: Job, o: Observed): Ending | undefined {
  const completions = job.spec.completions
  if (job.spec.completionMode === 'Indexed') {
    const matched = matchSuccessPolicy(job.spec.successPolicy, completions ?? 0, o.completedIndexes)
    if (matched !== undefined) return { type: 'SuccessCriteriaMet', reason: 'SuccessPolicy', message: matched }
    return o.completedIndexes.size >= (completions ?? 0) ? SUCCEEDED : undefined
  }
  if (completions === undefined || completions === null) return o.succeeded > 0 && o.active.length === 0 ? SUCCEEDED : undefined
  return o.succeeded >= completions ? SUCCEEDED : undefined
}

/** Indexes neither completed, failed nor running (nor, when only failed pods are replaced, terminating), lowest first. */
function pendingIndexes(job: Job, o: Observed): number[] {
  const taken = new Set([...o.active, ...(onlyReplaceFailedPods(job) ? o.terminating : [])].map(completionIndexOf))
  const out: number[] = []
  for (let i = 0; i < (job.spec.completions ?? 0); i++) if (!o.completedIndexes.has(i) && !o.failedIndexes?.has(i) && !taken.has(i)) out.push(i)
  return out
}

/** How many pods should run now. */
function wantActive(job: Job, o: Observed): number {
  const parallelism = job.spec.parallelism ?? 1
  const completions = job.spec.completions
  if (job.spec.completionMode === 'Indexed') return Math.min(parallelism, (completions ?? 0) - o.completedIndexes.size)
  if (completions === undefined || completions === null) return o.succeeded > 0 ? Math.min(o.active.length, parallelism) : parallelism
  return Math.max(0, Math.min(parallelism, completions - o.succeeded))
}

/**
 * One syncJob. A finished Job only waits for its TTL; otherwise pods are claimed, counted and
 * (expectations met) created or deleted, and the status written when it changed.
 */
export function reconcileJob(input: JobInput, now: number, config: JobConfig = {}): JobResult {
  const { job } = input
  const expectations = input.expectations ?? NO_EXPECTATIONS
  if (isDeleting(job.metadata)) return { actions: [], expectations }
  // A Job another controller manages (spec.managedBy) is left to it, as Kubernetes' JobManagedBy.
  if (job.spec.managedBy !== undefined && job.spec.managedBy !== null && job.spec.managedBy !== JOB_CONTROLLER_NAME) return { actions: [], expectations }
  const finished = finishedCondition(job)
  if (finished !== undefined) return { ...afterFinish(job, finished, input.pods, now), expectations }
  const parsed = labelSelectorFromObject(job.spec.selector)
  if (!parsed.ok) return { actions: [], expectations }
  const claimed = claim(JOB, job, parsed.selector, POD, input.pods)
  const run = new JobRun(job, observe(job, claimed.owned), expectations, now, config)
  run.actions.push(...claimed.actions)
  run.sync()
  return run.result()
}

/** One pass over a running Job: collects actions and the status to write. */
class JobRun {
  readonly actions: Action[] = []
  private expectations: Expectations
  private readonly key: string
  private conditions: Condition[]
  private startTime: number | undefined
  private completionTime: number | undefined
  private activeCount: number
  private readyCount: number
  private terminatingCount: number
  private requeueAfterMs: number | undefined
  private seq = 0

  private readonly job: Job
  private readonly o: Observed
  private readonly now: number
  private readonly config: JobConfig

  constructor(job: Job, o: Observed, expectations: Expectations, now: number, config: JobConfig) {
    this.job = job
    this.o = o
    this.now = now
    this.config = config
    this.key = jobExpectationsKey(keyOf(job.metadata))
    this.expectations = pruneDeletions(expectations, this.key, new Set(o.active.map((p) => p.metadata.uid ?? '')))
    this.conditions = [...(job.status?.conditions ?? [])]
    this.startTime = timeOf(job.status?.startTime)
    this.activeCount = o.active.length
    this.readyCount = o.active.filter(isPodReady).length
    this.terminatingCount = o.terminating.length
  }

  sync(): void {
    const { job, o, now } = this
    const decided = decidedEnding(job)
    if (decided !== undefined) return this.finish(decided)
    if (job.spec.suspend === true) return this.suspend()
    if (isTrue(this.conditions, 'Suspended')) {
      this.condition('Suspended', 'False', 'JobResumed', 'Job resumed')
      this.event('Resumed', 'Job resumed')
      this.startTime = now
    }
    this.startTime ??= now
    const ending = failure(job, o, this.startTime, now) ?? success(job, o)
    if (ending !== undefined) return this.finish(ending)
    const deadline = job.spec.activeDeadlineSeconds
    if (deadline !== undefined && deadline !== null) this.requeueAt(this.startTime + deadline * 1000)
    this.managePods()
  }

  /**
   * The Job ends: its running pods are deleted and the interim condition written; once no pod is
   * left terminating, the terminal condition (Failed or Complete) follows with its event. While
   * earlier creates or deletes are unseen nothing is decided yet (Kubernetes: finishedCondition
   * dropped until the expectations are met).
   */
  private finish(ending: Ending): void {
    const satisfiedNow = satisfied(this.expectations, this.key, this.now, this.config.expectationsTimeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS)
    this.deletePods(this.o.active)
    if (!satisfiedNow) return
    if (!isTrue(this.conditions, ending.type)) this.condition(ending.type, 'True', ending.reason, ending.message)
    if (this.terminatingCount > 0) return
    if (ending.type === 'SuccessCriteriaMet') {
      this.condition('Complete', 'True', ending.reason, ending.message)
      this.completionTime = this.now
      this.event('Completed', 'Job completed')
    } else {
      this.condition('Failed', 'True', ending.reason, ending.message)
      this.event(ending.reason, ending.message, 'Warning')
    }
  }

  private suspend(): void {
    if (!isTrue(this.conditions, 'Suspended')) {
      this.condition('Suspended', 'True', 'JobSuspended', 'Job suspended')
      this.event('Suspended', 'Job suspended')
    }
    this.deletePods(this.o.active)
  }

  private managePods(): void {
    const { job, o, now } = this
    if (!satisfied(this.expectations, this.key, now, this.config.expectationsTimeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS)) return
    const want = wantActive(job, o)
    if (o.active.length > want) return this.deletePods([...o.active].sort(deletionOrder).slice(0, o.active.length - want))
    // Pods being deleted are replaced at once, unless only failed pods are (podReplacementPolicy Failed).
    const terminating = onlyReplaceFailedPods(job) ? o.terminating.length : 0
    if (o.active.length + terminating >= want) return
    const perIndex = hasBackoffLimitPerIndex(job)
    const backoff = perIndex ? undefined : failureBackoff(o.succeededPods, o.failedPods, this.config)
    if (backoff !== undefined && now < backoff.until) return this.requeueAt(backoff.until)
    const n = Math.min(want - o.active.length - terminating, this.config.burstPods ?? 500)
    const template = podFromTemplate(JOB, job, job.spec.template)
    const pods = job.spec.completionMode === 'Indexed' ? this.indexedPods(template, n) : Array.from({ length: n }, () => template)
    if (pods.length === 0) return
    this.expectations = expect(this.expectations, this.key, pods.length, [], now)
    for (const pod of pods) {
      this.actions.push({
        type: 'create',
        path: collectionPath(POD, job.metadata.namespace),
        object: pod,
        onSuccess: this.eventAction('SuccessfulCreate', 'Created pod: {name}'),
        onFailure: this.eventAction('FailedCreate', 'Error creating: {error}', 'Warning'),
      })
    }
    this.activeCount += pods.length
  }

  /**
   * The next `n` pending indexes' pods. With backoffLimitPerIndex each carries its index's failure
   * counts, and an index still in its own backoff waits (getPodCreationInfoForIndependentIndexes):
   * the others get their pods, and the pass is requeued for the first wait to end.
   */
  private indexedPods(template: Pod, n: number): Pod[] {
    const { job, o, now } = this
    const name = job.metadata.name ?? ''
    const indexes = pendingIndexes(job, o).slice(0, n)
    if (!hasBackoffLimitPerIndex(job)) return indexes.map((i) => indexedPod(template, name, i))
    const skip = new Set([...o.completedIndexes, ...(o.failedIndexes ?? []), ...o.active.flatMap((p) => completionIndexOf(p) ?? [])])
    const replaced = lastFailedPods(job, o.owned, skip, completionIndexOf)
    const ready: number[] = []
    for (const i of indexes) {
      const until = indexBackoffUntil(replaced.get(i), this.config)
      if (until !== undefined && until > now) this.requeueAt(until)
      else ready.push(i)
    }
    return ready.map((i) => {
      const pod = indexedPod(template, name, i)
      const counts = newIndexFailureCounts(job, replaced.get(i))
      const annotations = { ...pod.metadata.annotations, [JOB_INDEX_FAILURE_COUNT]: String(counts.failures), ...(counts.ignored > 0 ? { [JOB_INDEX_IGNORED_FAILURE_COUNT]: String(counts.ignored) } : {}) }
      return { ...pod, metadata: { ...pod.metadata, annotations } }
    })
  }

  private deletePods(pods: readonly Pod[]): void {
    if (pods.length === 0) return
    this.expectations = expect(this.expectations, this.key, 0, pods.map((p) => p.metadata.uid ?? ''), this.now)
    for (const pod of pods) {
      this.actions.push({
        type: 'delete',
        path: pathOf(POD, pod),
        preconditions: { uid: pod.metadata.uid },
        onSuccess: this.eventAction('SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`),
        onFailure: this.eventAction('FailedDelete', 'Error deleting: {error}', 'Warning'),
      })
    }
    this.activeCount -= pods.length
    this.readyCount -= pods.filter(isPodReady).length
    this.terminatingCount += pods.length
  }

  private condition(type: string, status: Condition['status'], reason: string, message: string): void {
    const time = timestamp(this.now)
    this.conditions = setCondition(this.conditions, { type, status, reason, message, lastProbeTime: time, lastTransitionTime: time } as Condition)
  }

  private eventAction(reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal') {
    return eventAction({ type: JOB, object: this.job, eventType, reason, message, component: JOB_COMPONENT, now: this.now, seq: this.seq++ })
  }

  private event(reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal'): void {
    this.actions.push(this.eventAction(reason, message, eventType))
  }

  private requeueAt(at: number): void {
    const wait = Math.max(1, at - this.now)
    this.requeueAfterMs = this.requeueAfterMs === undefined ? wait : Math.min(this.requeueAfterMs, wait)
  }

  result(): JobResult {
    const { job, o } = this
    const status: JobStatus = {
      ...(this.conditions.length > 0 ? { conditions: this.conditions } : {}),
      ...(this.startTime !== undefined && job.spec.suspend !== true ? { startTime: timestamp(this.startTime) } : {}),
      ...(this.completionTime !== undefined ? { completionTime: timestamp(this.completionTime) } : {}),
      active: Math.max(0, this.activeCount),
      succeeded: o.succeeded,
      failed: o.failed,
      ready: Math.max(0, this.readyCount),
      terminating: this.terminatingCount,
      ...(job.spec.completionMode === 'Indexed' ? { completedIndexes: formatIndexes([...o.completedIndexes]) } : {}),
      ...(o.failedIndexes !== undefined ? { failedIndexes: formatIndexes([...o.failedIndexes]) } : {}),
    }
    if (!sameStatus(job.status, status)) this.actions.push({ type: 'updateStatus', path: pathOf(JOB, job, 'status'), object: { ...job, ...JOB, status } as Job })
    return { actions: this.actions, expectations: this.expectations, ...(this.requeueAfterMs !== undefined ? { requeueAfterMs: this.requeueAfterMs } : {}) }
  }
}

/** A status without the fields a write would not change (lastProbeTime moves with every write of a condition). */
const comparable = (s: JobStatus | undefined): string =>
  JSON.stringify({ ...s, active: s?.active ?? 0, succeeded: s?.succeeded ?? 0, failed: s?.failed ?? 0, ready: s?.ready ?? 0, terminating: s?.terminating ?? 0, conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason]) })

const sameStatus = (a: JobStatus | undefined, b: JobStatus): boolean => comparable(a) === comparable(b)

/** A finished Job: pods still running are deleted; with a TTL the Job itself goes once it passed. */
function afterFinish(job: Job, finished: Condition, pods: readonly Pod[], now: number): { actions: Action[]; requeueAfterMs?: number } {
  const actions: Action[] = pods
    .filter((p) => controllerOf(p.metadata)?.uid === job.metadata.uid && isPodActive(p))
    .map((p) => ({ type: 'delete', path: pathOf(POD, p), preconditions: { uid: p.metadata.uid } }))
  const ttl = job.spec.ttlSecondsAfterFinished
  if (ttl === undefined || ttl === null) return { actions }
  const at = (timeOf(job.status?.completionTime) ?? timeOf(finished.lastTransitionTime) ?? now) + ttl * 1000
  if (now < at) return { actions, requeueAfterMs: at - now }
  actions.push({ type: 'delete', path: pathOf(JOB, job), preconditions: { uid: job.metadata.uid }, propagationPolicy: 'Background' })
  return { actions }
}
