/**
 * The Job controller's reconcile step (k8s.io/kubernetes/pkg/controller/job, syncJob): claim the
 * Job's pods, run `parallelism` of them at a time until `completions` succeed (a work queue
 * without completions: until one succeeds and the rest end), each Indexed pod with its completion
 * index; fail the Job past `backoffLimit` failures or `activeDeadlineSeconds`, holding new pods
 * back after failures (10 s, doubling, at most 6 min); `suspend` deletes the running pods; a
 * finished Job is deleted `ttlSecondsAfterFinished` later. Conditions Complete / Failed /
 * Suspended and the counters go in the status. Pure: (job, pods, expectations, now) -> actions.
 *
 * Counting differs from Kubernetes in one way: it tracks terminated pods with a finalizer, this
 * step counts the terminated pods it sees and never lowers a counter the status already holds.
 */
import type { Job, JobStatus } from '../kube/batch.ts'
import { JOB_COMPLETION_INDEX } from '../kube/batch.ts'
import type { Condition, Container, Pod } from '../kube/objects.ts'
import { labelSelectorFromObject } from '../apiserver/meta/label-selector.ts'
import { type Action, POD, type TypeMeta, collectionPath, eventAction, pathOf } from './actions.ts'
import { claim, controllerOf, isDeleting, isPodActive, isPodReady, keyOf, restartCount, setCondition, timeOf, timestamp } from './_util.ts'
import { DEFAULT_EXPECTATIONS_TIMEOUT_MS, type Expectations, NO_EXPECTATIONS, expect, pruneDeletions, satisfied } from './expectations.ts'
import { formatIndexes, parseIndexes } from './job-indexes.ts'
import { deletionOrder, podFromTemplate } from './replicaset.ts'

export const JOB: TypeMeta = { apiVersion: 'batch/v1', kind: 'Job' }
export const JOB_COMPONENT = 'job-controller'

export interface JobConfig {
  /** The first pod-failure backoff (Kubernetes: 10 s); it doubles with each failure in a row. */
  readonly backoffBaseMs?: number
  /** The longest backoff (Kubernetes: 6 min). */
  readonly backoffMaxMs?: number
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

/** When a terminated pod ended: its containers' latest finishedAt, else when it stopped being ready, else its creation. */
function finishedAt(pod: Pod): number {
  let latest: number | undefined
  for (const s of pod.status?.containerStatuses ?? []) {
    const t = timeOf(s.state?.terminated?.finishedAt)
    if (t !== undefined && (latest === undefined || t > latest)) latest = t
  }
  return latest ?? timeOf(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? timeOf(pod.metadata.creationTimestamp) ?? 0
}

/** The pod-failure backoff: failures since the last success, the latest of them, and the delay they earn. */
export function failureBackoff(succeeded: readonly Pod[], failed: readonly Pod[], config: JobConfig): { readonly until: number } | undefined {
  const lastSuccess = Math.max(-Infinity, ...succeeded.map(finishedAt))
  const failures = failed.map(finishedAt).filter((t) => t > lastSuccess)
  if (failures.length === 0) return undefined
  const base = config.backoffBaseMs ?? 10_000
  const max = config.backoffMaxMs ?? 360_000
  const delay = Math.min(max, base * 2 ** Math.min(failures.length - 1, 30))
  return { until: Math.max(...failures) + delay }
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
  readonly succeededPods: readonly Pod[]
  readonly failedPods: readonly Pod[]
  readonly succeeded: number
  readonly failed: number
  readonly completedIndexes: ReadonlySet<number>
}

function observe(job: Job, owned: readonly Pod[]): Observed {
  const active = owned.filter(isPodActive)
  const succeededPods = owned.filter((p) => p.status?.phase === 'Succeeded')
  const failedPods = owned.filter((p) => p.status?.phase === 'Failed')
  const completions = job.spec.completions ?? 0
  const completedIndexes = new Set(job.spec.completionMode === 'Indexed' ? parseIndexes(job.status?.completedIndexes ?? '') : [])
  if (job.spec.completionMode === 'Indexed') {
    for (const p of succeededPods) {
      const i = completionIndexOf(p)
      if (i !== undefined && i < completions) completedIndexes.add(i)
    }
  }
  return {
    owned,
    active,
    succeededPods,
    failedPods,
    succeeded: Math.max(job.status?.succeeded ?? 0, succeededPods.length),
    failed: Math.max(job.status?.failed ?? 0, failedPods.length),
    completedIndexes,
  }
}

/** Why the Job fails now, if it does: too many failures, or past its deadline. */
function failure(job: Job, o: Observed, startTime: number | undefined, now: number): { readonly reason: string; readonly message: string } | undefined {
  const restarts = job.spec.template.spec.restartPolicy === 'OnFailure' ? o.active.reduce((n, p) => n + restartCount(p), 0) : 0
  if (o.failed + restarts > (job.spec.backoffLimit ?? 6)) return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
  const deadline = job.spec.activeDeadlineSeconds
  if (deadline !== undefined && startTime !== undefined && now - startTime >= deadline * 1000) return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
  return undefined
}

function complete(job: Job, o: Observed): boolean {
  const completions = job.spec.completions
  if (job.spec.completionMode === 'Indexed') return o.completedIndexes.size >= (completions ?? 0)
  if (completions === undefined || completions === null) return o.succeeded > 0 && o.active.length === 0
  return o.succeeded >= completions
}

/** Indexes neither completed nor running, lowest first. */
function pendingIndexes(job: Job, o: Observed): number[] {
  const running = new Set(o.active.map(completionIndexOf))
  const out: number[] = []
  for (let i = 0; i < (job.spec.completions ?? 0); i++) if (!o.completedIndexes.has(i) && !running.has(i)) out.push(i)
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
  }

  sync(): void {
    const { job, o, now } = this
    if (job.spec.suspend === true) return this.suspend()
    if (isTrue(this.conditions, 'Suspended')) {
      this.condition('Suspended', 'False', 'JobResumed', 'Job resumed')
      this.event('Resumed', 'Job resumed')
      this.startTime = now
    }
    this.startTime ??= now
    const failed = failure(job, o, this.startTime, now)
    if (failed !== undefined) {
      this.condition('Failed', 'True', failed.reason, failed.message)
      this.event(failed.reason, failed.message, 'Warning')
      return this.deletePods(o.active)
    }
    if (complete(job, o)) {
      this.condition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods')
      this.condition('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods')
      this.completionTime = now
      this.event('Completed', 'Job completed')
      return this.deletePods(o.active)
    }
    const deadline = job.spec.activeDeadlineSeconds
    if (deadline !== undefined) this.requeueAt(this.startTime + deadline * 1000)
    this.managePods()
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
    if (o.active.length === want) return
    const backoff = failureBackoff(o.succeededPods, o.failedPods, this.config)
    if (backoff !== undefined && now < backoff.until) return this.requeueAt(backoff.until)
    const n = Math.min(want - o.active.length, this.config.burstPods ?? 500)
    const template = podFromTemplate(JOB, job, job.spec.template)
    const pods = job.spec.completionMode === 'Indexed' ? pendingIndexes(job, o).slice(0, n).map((i) => indexedPod(template, job.metadata.name ?? '', i)) : Array.from({ length: n }, () => template)
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
      ready: o.active.filter(isPodReady).length,
      ...(job.spec.completionMode === 'Indexed' ? { completedIndexes: formatIndexes([...o.completedIndexes]) } : {}),
    }
    if (!sameStatus(job.status, status)) this.actions.push({ type: 'updateStatus', path: pathOf(JOB, job, 'status'), object: { ...job, ...JOB, status } as Job })
    return { actions: this.actions, expectations: this.expectations, ...(this.requeueAfterMs !== undefined ? { requeueAfterMs: this.requeueAfterMs } : {}) }
  }
}

/** A status without the fields a write would not change (lastProbeTime moves with every write of a condition). */
const comparable = (s: JobStatus | undefined): string =>
  JSON.stringify({ ...s, active: s?.active ?? 0, succeeded: s?.succeeded ?? 0, failed: s?.failed ?? 0, ready: s?.ready ?? 0, conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason]) })

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
