/** The Job controller tests' builders: a Job `pi` in `default`, its pods, and readers of a pass's result. */
import type { CreateAction, UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import type { JobResult } from '../../../actors/controllers/job.ts'
import type { Job, JobSpec, JobStatus } from '../../../actors/kube/batch.ts'
import type { Condition, Pod, PodPhase } from '../../../actors/kube/objects.ts'
import { T0, at, pod } from './fixtures.ts'

export const PODS = '/api/v1/namespaces/default/pods'
export const JOB_PATH = '/apis/batch/v1/namespaces/default/jobs/pi'
export const SELECTOR = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-pi' } }
export const LABELS = { 'batch.kubernetes.io/controller-uid': 'uid-pi', 'batch.kubernetes.io/job-name': 'pi' }

export function job(spec: Partial<JobSpec> = {}, status?: JobStatus, created = T0): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'uid-pi', resourceVersion: '5', creationTimestamp: at(created) },
    spec: { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, selector: SELECTOR, template: { metadata: { labels: LABELS }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
    ...(status ? { status } : {}),
  }
}

export interface JobPodOpts {
  /** When a terminated pod finished. */
  readonly endedAt?: number
  readonly index?: number
  readonly restarts?: number
  /** A terminated pod's exit code (default: 0 if Succeeded, else 1) and container name (default `c`). */
  readonly exitCode?: number
  readonly container?: string
  readonly conditions?: readonly Condition[]
  readonly annotations?: Record<string, string>
  readonly deleting?: boolean
}

/** A pod of the Job. */
export function jobPod(name: string, phase: PodPhase, o: JobPodOpts = {}): Pod {
  const base = pod({ name, phase, labels: LABELS, owner: { kind: 'Job', name: 'pi', uid: 'uid-pi', apiVersion: 'batch/v1' }, ...(o.restarts !== undefined ? { restarts: o.restarts } : {}), ...(o.deleting ? { deleting: true } : {}) })
  const index: Record<string, string> = o.index !== undefined ? { 'batch.kubernetes.io/job-completion-index': String(o.index) } : {}
  const exitCode = o.exitCode ?? (phase === 'Succeeded' ? 0 : 1)
  const ended = o.endedAt !== undefined || o.exitCode !== undefined
  const terminated = ended ? [{ name: o.container ?? 'c', restartCount: 0, state: { terminated: { exitCode, finishedAt: at(o.endedAt ?? T0) } } }] : base.status?.containerStatuses
  return {
    ...base,
    metadata: { ...base.metadata, annotations: { ...index, ...o.annotations }, labels: { ...LABELS, ...index } },
    status: { ...base.status, ...(terminated ? { containerStatuses: terminated } : {}), ...(o.conditions ? { conditions: o.conditions } : {}) },
  }
}

export const statusOf = (r: JobResult): JobStatus | undefined => (r.actions.find((a) => a.type === 'updateStatus') as UpdateStatusAction | undefined)?.object['status' as keyof object] as JobStatus | undefined
export const creates = (r: JobResult): CreateAction[] => r.actions.filter((a): a is CreateAction => a.type === 'create')
export const deletes = (r: JobResult): string[] => r.actions.flatMap((a) => (a.type === 'delete' ? [a.path.split('/').pop() ?? ''] : []))
export const reasons = (r: JobResult): string[] => r.actions.flatMap((a) => (a.type === 'event' ? [a.event.reason] : []))
export const conditionsOf = (s: JobStatus | undefined): string[] => (s?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason}`)
export const conditionOf = (s: JobStatus | undefined, type: string): Condition | undefined => s?.conditions?.find((c) => c.type === type)
