/**
 * Typed views of batch/v1 Jobs and CronJobs as they travel as JSON. As in objects.ts, every field
 * a client may omit is optional; the apiserver's defaulting (validation/batch-kinds.ts) fills in
 * backoffLimit, completions, parallelism, completionMode, suspend, the selector and the history
 * limits on create.
 */
import type { Condition, LabelSelector, ObjectMeta, PodTemplateSpec } from './objects.ts'

export interface JobSpec {
  readonly parallelism?: number
  readonly completions?: number
  readonly activeDeadlineSeconds?: number
  readonly backoffLimit?: number
  readonly selector?: LabelSelector
  readonly manualSelector?: boolean
  readonly template: PodTemplateSpec
  readonly ttlSecondsAfterFinished?: number
  readonly completionMode?: 'NonIndexed' | 'Indexed'
  readonly suspend?: boolean
  readonly podFailurePolicy?: PodFailurePolicy
  /** Indexed Jobs: failures allowed per index before the index is failed. */
  readonly backoffLimitPerIndex?: number
  /** Indexed Jobs with backoffLimitPerIndex: failed indexes allowed before the Job fails. */
  readonly maxFailedIndexes?: number
  readonly podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed'
  readonly successPolicy?: SuccessPolicy
  readonly managedBy?: string
}

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count'

export interface PodFailurePolicyOnExitCodesRequirement {
  readonly containerName?: string
  readonly operator: 'In' | 'NotIn'
  readonly values: readonly number[]
}

export interface PodFailurePolicyOnPodConditionsPattern {
  readonly type: string
  /** Defaulted to True. */
  readonly status?: 'True' | 'False' | 'Unknown'
}

export interface PodFailurePolicyRule {
  readonly action: PodFailurePolicyAction
  readonly onExitCodes?: PodFailurePolicyOnExitCodesRequirement
  readonly onPodConditions?: readonly PodFailurePolicyOnPodConditionsPattern[]
}

export interface PodFailurePolicy {
  readonly rules: readonly PodFailurePolicyRule[]
}

export interface SuccessPolicyRule {
  /** Indexes as in completedIndexes (`0-2,5`). */
  readonly succeededIndexes?: string
  readonly succeededCount?: number
}

export interface SuccessPolicy {
  readonly rules: readonly SuccessPolicyRule[]
}

export interface JobStatus {
  readonly conditions?: readonly Condition[]
  readonly startTime?: string
  readonly completionTime?: string
  readonly active?: number
  readonly succeeded?: number
  readonly failed?: number
  readonly ready?: number
  /** Indexed Jobs: the succeeded indexes, as Kubernetes writes them (`1-3,5`). */
  readonly completedIndexes?: string
  /** Indexed Jobs with backoffLimitPerIndex: the failed indexes, written as completedIndexes. */
  readonly failedIndexes?: string
  /** Pods being deleted that have not yet ended (Kubernetes: with pod replacement policy). */
  readonly terminating?: number
}

export interface Job {
  readonly apiVersion?: 'batch/v1'
  readonly kind?: 'Job'
  readonly metadata: ObjectMeta
  readonly spec: JobSpec
  readonly status?: JobStatus
}

export interface JobTemplateSpec {
  readonly metadata?: ObjectMeta
  readonly spec: JobSpec
}

export interface CronJobSpec {
  readonly schedule: string
  readonly timeZone?: string
  readonly startingDeadlineSeconds?: number
  readonly concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace'
  readonly suspend?: boolean
  readonly jobTemplate: JobTemplateSpec
  readonly successfulJobsHistoryLimit?: number
  readonly failedJobsHistoryLimit?: number
}

export interface ObjectReference {
  readonly apiVersion?: string
  readonly kind?: string
  readonly namespace?: string
  readonly name?: string
  readonly uid?: string
  readonly resourceVersion?: string
}

export interface CronJobStatus {
  readonly active?: readonly ObjectReference[]
  readonly lastScheduleTime?: string
  readonly lastSuccessfulTime?: string
}

export interface CronJob {
  readonly apiVersion?: 'batch/v1'
  readonly kind?: 'CronJob'
  readonly metadata: ObjectMeta
  readonly spec: CronJobSpec
  readonly status?: CronJobStatus
}

/** The labels Kubernetes puts on a Job's pods (and selects them by, unless manualSelector). */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid'
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name'
/** The pre-1.27 names, still set by Kubernetes for old clients. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid'
export const LEGACY_JOB_NAME_LABEL = 'job-name'
/** An Indexed Job's pod: its completion index (annotation and label). */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index'
/** A pod of an Indexed Job with backoffLimitPerIndex: its index's counted failures before it. */
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count'
/** Likewise, the failures the pod failure policy ignored. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count'
/** The CronJob's scheduled time of a Job it created (RFC 3339). */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp'
