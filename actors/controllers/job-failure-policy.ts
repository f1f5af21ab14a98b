/**
 * A Job's `podFailurePolicy` (k8s.io/kubernetes/pkg/controller/job, pod_failure_policy.go): the
 * first rule that matches a failed pod decides what its failure means. `FailJob` fails the Job
 * (its message names the container and exit code, or the pod condition, and the rule's index),
 * `Ignore` keeps the failure off `backoffLimit` (and off `status.failed`), `Count` counts it as
 * usual, `FailIndex` fails the pod's index (backoffLimitPerIndex). No rule matching is `Count`.
 * Pure.
 */
import type { Job, PodFailurePolicy, PodFailurePolicyAction, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from '../kube/batch.ts'
import type { Condition, ContainerStatus, Pod } from '../kube/objects.ts'

export interface PolicyMatch {
  /** The matched rule's action; undefined when no rule matched. */
  readonly action?: PodFailurePolicyAction
  /** Whether the failure counts against backoffLimit (false only for Ignore). */
  readonly counts: boolean
  /** For FailJob: why the Job fails, as Kubernetes words it. */
  readonly message?: string
}

const NO_MATCH: PolicyMatch = { counts: true }

/** A terminated container (of the containers, else of the init containers) the requirement matches; exit code 0 never matches. */
function matchExitCodes(pod: Pod, requirement: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  const matches = (s: ContainerStatus): boolean => {
    const code = s.state?.terminated?.exitCode
    if (code === undefined || code === 0) return false
    if (requirement.containerName !== undefined && requirement.containerName !== null && requirement.containerName !== s.name) return false
    const listed = (requirement.values ?? []).includes(code)
    if (requirement.operator === 'In') return listed
    if (requirement.operator === 'NotIn') return !listed
    return false
  }
  return pod.status?.containerStatuses?.find(matches) ?? pod.status?.initContainerStatuses?.find(matches)
}

/** The pod's first condition that one of the patterns names (status defaults to True). */
function matchPodConditions(pod: Pod, patterns: readonly PodFailurePolicyOnPodConditionsPattern[]): Condition | undefined {
  return pod.status?.conditions?.find((c) => patterns.some((p) => p.type === c.type && (p.status ?? 'True') === c.status))
}

/** matchPodFailurePolicy: what the policy makes of the failed `pod`. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch {
  if (policy === undefined || policy === null) return NO_MATCH
  const where = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    let message: string | undefined
    if (rule.onExitCodes !== undefined && rule.onExitCodes !== null) {
      const container = matchExitCodes(pod, rule.onExitCodes)
      if (container === undefined) continue
      message = `Container ${container.name} for pod ${where} failed with exit code ${container.state?.terminated?.exitCode ?? 0} matching ${rule.action} rule at index ${index}`
    } else if (rule.onPodConditions !== undefined && rule.onPodConditions !== null) {
      const condition = matchPodConditions(pod, rule.onPodConditions)
      if (condition === undefined) continue
      message = `Pod ${where} has condition ${condition.type} matching ${rule.action} rule at index ${index}`
    } else continue
    switch (rule.action) {
      case 'Ignore':
        return { action: 'Ignore', counts: false }
      case 'Count':
        return { action: 'Count', counts: true }
      case 'FailIndex':
        return { action: 'FailIndex', counts: true }
      case 'FailJob':
        return { action: 'FailJob', counts: true, message }
    }
    // An action this controller does not know (refused by validation) matches nothing, as upstream's switch.
  }
  return NO_MATCH
}

/**
 * onlyReplaceFailedPods: with a pod failure policy (or podReplacementPolicy Failed) a pod being
 * deleted is replaced only once it has ended, and only pods in phase Failed are failures.
 */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || (job.spec.podFailurePolicy !== undefined && job.spec.podFailurePolicy !== null)
}

/** getFailJobMessage: the message of the first failed pod a FailJob rule matches. */
export function failJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  if (job.spec.podFailurePolicy === undefined || job.spec.podFailurePolicy === null) return undefined
  for (const pod of pods) {
    if (pod.status?.phase !== 'Failed') continue
    const match = matchPodFailurePolicy(job.spec.podFailurePolicy, pod)
    if (match.message !== undefined) return match.message
  }
  return undefined
}
