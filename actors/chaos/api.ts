/**
 * The chaos.actorkube.io/v1alpha1 kinds as TypeScript shapes: ChaosExperiment (steady-state
 * probes, a method of faults, abort rules, repeat) and ChaosSchedule (a cron schedule that makes
 * experiments). The shapes follow Chaos Toolkit (steady-state hypothesis / method), Chaos Mesh
 * (mode one/all/fixed/percent, selectors, Schedule) and Litmus (typed probes with interval and
 * timeout). docs/chaos.md documents every field; validation/chaos-kinds.ts checks them.
 */

export const CHAOS_GROUP = 'chaos.actorkube.io'
export const CHAOS_VERSION = 'v1alpha1'
export const CHAOS_API_VERSION = `${CHAOS_GROUP}/${CHAOS_VERSION}`
/** `kubectl annotate chaosexperiment NAME actorkube.io/abort=true` aborts a running experiment. */
export const ABORT_ANNOTATION = 'actorkube.io/abort'

export type ProbeType = 'http' | 'kubernetes' | 'store' | 'metric'
export const PROBE_TYPES: readonly ProbeType[] = ['http', 'kubernetes', 'store', 'metric']

export interface LabelSelectorSpec {
  readonly matchLabels?: Readonly<Record<string, string>>
}

export interface HttpProbeSpec {
  /** A URL, or a Service reached through its NodePort. */
  readonly url?: string
  readonly service?: { readonly name: string; readonly namespace?: string; readonly port?: number }
  readonly method?: 'GET' | 'HEAD' | 'POST'
  /** Default 200. */
  readonly expectStatus?: number
  /** A regular expression the body must match. */
  readonly bodyMatches?: string
}

export interface KubernetesProbeSpec {
  readonly deploymentAvailable?: { readonly name: string; readonly namespace?: string }
  readonly podsReady?: { readonly namespace?: string; readonly selector: LabelSelectorSpec; readonly count: number }
  readonly nodeReady?: { readonly name: string }
}

export interface StoreProbeSpec {
  /** Keys written and read under this prefix (default `/chaos/<experiment>/`). */
  readonly keyPrefix?: string
}

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!='
export const COMPARATORS: readonly Comparator[] = ['<', '<=', '>', '>=', '==', '!=']

export interface MetricProbeSpec {
  /** A Prometheus expression over the hosts' /metrics. */
  readonly expr: string
  readonly comparator: { readonly op: Comparator; readonly value: number }
}

export interface ProbeSpec {
  readonly name: string
  readonly type: ProbeType
  /** How often it runs (default `1s`). */
  readonly interval?: string
  /** How long one run may take before it counts as failed (default `1s`). */
  readonly timeout?: string
  /** Consecutive failures before the probe counts as failing (default 1). */
  readonly failureThreshold?: number
  /** Availability below this during the faults and recovery fails the experiment (0-100). */
  readonly minAvailabilityPercent?: number
  readonly http?: HttpProbeSpec
  readonly kubernetes?: KubernetesProbeSpec
  readonly store?: StoreProbeSpec
  readonly metric?: MetricProbeSpec
}

export type TargetMode = 'one' | 'all' | 'fixed' | 'percent'
export const TARGET_MODES: readonly TargetMode[] = ['one', 'all', 'fixed', 'percent']
export type LeaderName = 'store' | 'scheduler' | 'controller-manager'
export const LEADERS: readonly LeaderName[] = ['store', 'scheduler', 'controller-manager']
/** The roles hosts announce (runtime/cluster/local-cluster.ts): a hollow host carries many hollow nodes. */
export const HOST_ROLES: readonly string[] = ['master', 'worker', 'hollow', 'nats']

/** What a fault aims at: one family per fault (fault-kinds.ts says which a kind accepts). */
export interface FaultTarget {
  readonly hosts?: { readonly names?: readonly string[]; readonly roles?: readonly string[] }
  readonly actors?: { readonly kind: string; readonly ids?: readonly string[] }
  readonly leader?: LeaderName
  readonly pods?: { readonly namespace?: string; readonly selector?: LabelSelectorSpec }
  readonly nodes?: { readonly selector?: LabelSelectorSpec }
  /** Partition groups of host names; hosts in different groups stop hearing each other. */
  readonly groups?: readonly (readonly string[])[]
}

export interface FaultSpec {
  readonly name: string
  readonly kind: string
  readonly duration: string
  readonly target: FaultTarget
  /** How many of the matched targets: one (default), all, fixed `value`, percent `value`. */
  readonly mode?: TargetMode
  readonly value?: number
  readonly params?: Readonly<Record<string, unknown>>
}

export interface ChaosExperimentSpec {
  readonly steadyState?: { readonly probes?: readonly ProbeSpec[]; readonly timeout?: string }
  readonly method: { readonly mode?: 'Serial' | 'Parallel'; readonly faults: readonly FaultSpec[] }
  readonly abort?: { readonly onProbeFailure?: boolean; readonly probes?: readonly string[]; readonly failureThreshold?: number }
  /** How long after the last heal the probes may take to pass again (default `60s`). */
  readonly recoveryTimeout?: string
  /** Rounds (default 1). */
  readonly repeat?: number
  /** Wait between rounds (default `0s`). */
  readonly interval?: string
  /** Every random choice (which targets) is drawn from it; picked and recorded when absent. */
  readonly seed?: number
}

export type ExperimentPhase = 'Pending' | 'SteadyStateCheck' | 'Injecting' | 'Observing' | 'Recovering' | 'Completed'
export type Verdict = 'Passed' | 'Failed' | 'Aborted'

export interface FaultStatus {
  readonly name: string
  readonly round: number
  readonly kind: string
  readonly targets: readonly string[]
  readonly injectedAt?: string
  readonly healedAt?: string
  /** When the hosts let the fault lapse unless renewed. */
  readonly leaseExpiresAt?: string
  readonly error?: string
}

export interface RoundStatus {
  readonly round: number
  readonly startedAt?: string
  /** The round's first injection. */
  readonly injectedAt?: string
  readonly detectedAt?: string
  readonly recoveredAt?: string
  /** First probe failure after the round's first injection, in ms from it. */
  readonly timeToDetectMs?: number
  /** All probes passing again after a detected failure, in ms from the round's first injection. */
  readonly timeToRecoverMs?: number
}

export interface ProbeStatus {
  readonly name: string
  readonly successes: number
  readonly failures: number
  /** Successes / runs during the faults and recovery, in percent (100 when it never ran then). */
  readonly availabilityPercent: number
  readonly lastError?: string
  /** Store probes, after the experiment: the history checked by the linearizability checker. */
  readonly linearizable?: boolean
  /** Store probes: operations in the checked history. */
  readonly operations?: number
  /** Store probes: acknowledged writes a final read did not show. */
  readonly ackedWritesLost?: number
  /** Its results over time, run-length (actors/chaos/probe-timeline.ts): what a report draws. */
  readonly timeline?: readonly TimelineSegmentStatus[]
}

/** A stretch of equal probe results: passing or failing from `from` to `to`. */
export interface TimelineSegmentStatus {
  readonly from: string
  readonly to: string
  readonly ok: boolean
  /** The stretch's first error. */
  readonly error?: string
  /** Passing and failing stretches merged into one (the oldest, past the cap). */
  readonly mixed?: boolean
}

export interface ChaosCondition {
  readonly type: string
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason: string
  readonly message: string
  readonly lastTransitionTime: string
}

export interface ChaosExperimentStatus {
  readonly phase: ExperimentPhase
  readonly verdict?: Verdict
  readonly reason?: string
  readonly seed: number
  /** 1-based round in progress (or last run). */
  readonly round: number
  readonly startedAt?: string
  readonly phaseSince?: string
  readonly finishedAt?: string
  readonly faults: readonly FaultStatus[]
  readonly rounds: readonly RoundStatus[]
  readonly probes: readonly ProbeStatus[]
  readonly timeToDetectMs?: number
  readonly timeToRecoverMs?: number
  readonly ackedWritesLost?: number
  readonly linearizable?: boolean
  readonly errors: readonly string[]
  readonly warnings: readonly string[]
  readonly conditions: readonly ChaosCondition[]
}

export interface ChaosScheduleSpec {
  /** Five-field cron (`0 * * * *`, `@hourly`), on the controller's injected clock, in UTC. */
  readonly schedule: string
  readonly experimentTemplate: { readonly metadata?: { readonly labels?: Readonly<Record<string, string>> }; readonly spec: ChaosExperimentSpec }
  /** Allow (default), Forbid a new run while one is running. */
  readonly concurrencyPolicy?: 'Allow' | 'Forbid'
  /** Finished experiments kept (default 3). */
  readonly historyLimit?: number
  readonly suspend?: boolean
}

export interface ChaosScheduleStatus {
  readonly lastScheduleTime?: string
  /** The experiments it made that have not completed. */
  readonly active?: readonly { readonly name: string; readonly uid?: string }[]
}
